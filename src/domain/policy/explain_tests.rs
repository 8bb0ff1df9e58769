//! The sentence every verdict carries, for each way a pause is decided or left waiting.

use super::tests::{facts, rule, NOW};
use super::*;

fn said(f: &Facts, rules: &[Rule], level: u8, shadow: bool) -> String {
    let settings = PolicySettings {
        autonomy_level: level,
        autonomy_shadow: shadow,
    };
    evaluate(f, rules, &settings, NOW).explanation
}

#[test]
fn every_explanation_says_what_decided_or_why_it_waits() {
    let deny = [rule(7, Effect::Deny, "rm")];
    assert_eq!(
        said(&facts(Risk::Low, "rm"), &deny, 0, false),
        "Rule “rule-7” denies this action."
    );
    let mut stopped = facts(Risk::Low, "x");
    stopped.stopped = true;
    assert_eq!(
        said(&stopped, &[], 100, false),
        "The emergency stop is on: every pause waits for a person."
    );
    assert_eq!(
        said(&facts(Risk::High, "x"), &[], 0, false),
        "Autonomy 0 (Copilot): every pause waits for a person."
    );
    assert_eq!(
        said(&facts(Risk::High, "x"), &[], 35, false),
        "Autonomy 35 (Supervised) lets medium risk and below through; this high-risk action \
         waits for a person."
    );
    assert_eq!(
        said(&facts(Risk::Low, "x"), &[], 60, false),
        "Autonomy 60 (Autonomous) lets high risk and below through without a person."
    );
    assert_eq!(
        said(&facts(Risk::Low, "x"), &[], 60, true),
        "Autonomy 60 (Autonomous) is in shadow mode: no rule allows this low-risk action, so it \
         waits for a person."
    );
}
