//! Properties of [`evaluate`] over random rules and pauses.

use proptest::prelude::*;

use super::tests::{facts, rule, NOW};
use super::*;

fn risk() -> impl Strategy<Value = Risk> {
    prop::sample::select(Risk::ALL.to_vec())
}

fn any_rule() -> impl Strategy<Value = Rule> {
    let globs = prop::sample::select(vec!["a", "b", "*", "a*", "?", "[ab]b"]);
    let expiry = prop::option::of(prop::sample::select(vec![NOW - 1, NOW, NOW + 1]));
    (
        (1i64..30, any::<bool>(), globs),
        (
            any::<bool>(),
            any::<bool>(),
            prop::option::of(risk()),
            expiry,
        ),
    )
        .prop_map(
            |((id, deny, glob), (enabled, shadow, max_risk, expires_at))| {
                let effect = if deny { Effect::Deny } else { Effect::Allow };
                let mut r = rule(id, effect, glob);
                r.enabled = enabled;
                r.shadow = shadow;
                r.max_risk = max_risk;
                r.expires_at = expires_at;
                r
            },
        )
}

fn any_facts() -> impl Strategy<Value = Facts> {
    let kind = prop::sample::select(Kind::ALL.to_vec());
    let tool = prop::option::of(prop::sample::select(vec!["a", "b", "ab", "bb", "c/d"]));
    let level = prop::option::of(0u8..=100);
    (
        (kind, risk(), tool),
        (
            any::<bool>(),
            any::<bool>(),
            level.clone(),
            level.clone(),
            level,
        ),
    )
        .prop_map(
            |((kind, risk, tool), (stopped, paused, key, agent, request))| {
                let mut f = facts(risk, "a");
                f.kind = kind;
                f.tool = tool.map(str::to_string);
                f.stopped = stopped;
                f.agent_paused = paused;
                f.caps = Caps {
                    key,
                    agent,
                    request,
                };
                f
            },
        )
}

fn any_settings() -> impl Strategy<Value = PolicySettings> {
    (0u8..=100, any::<bool>()).prop_map(|(autonomy_level, autonomy_shadow)| PolicySettings {
        autonomy_level,
        autonomy_shadow,
    })
}

/// A rule that acts (enabled, not shadow, unexpired) and matches these facts.
fn acting_match(r: &Rule, f: &Facts) -> bool {
    r.enabled
        && !r.shadow
        && r.expires_at.is_none_or(|at| NOW < at)
        && f.tool.as_deref().is_some_and(|t| r.matches.tool.matches(t))
}

proptest! {
    #[test]
    fn deny_always_beats_allow(
        f in any_facts(),
        rules in prop::collection::vec(any_rule(), 0..8),
        s in any_settings(),
    ) {
        let v = evaluate(&f, &rules, &s, NOW);
        let denied = f.kind == Kind::Approval
            && rules.iter().any(|r| r.effect == Effect::Deny && acting_match(r, &f));
        prop_assert_eq!(v.result == Outcome::Rejected, denied);
    }

    #[test]
    fn lowering_a_level_never_approves_more(
        f in any_facts(),
        rules in prop::collection::vec(any_rule(), 0..8),
        s in any_settings(),
        lower in 0u8..=100,
        which in 0usize..4,
    ) {
        let mut low_f = f.clone();
        let mut low_s = s;
        match which {
            0 => low_s.autonomy_level = lower.min(s.autonomy_level),
            1 => low_f.caps.key = Some(lower.min(f.caps.key.unwrap_or(100))),
            2 => low_f.caps.agent = Some(lower.min(f.caps.agent.unwrap_or(100))),
            _ => low_f.caps.request = Some(lower.min(f.caps.request.unwrap_or(100))),
        }
        let high = evaluate(&f, &rules, &s, NOW);
        let low = evaluate(&low_f, &rules, &low_s, NOW);
        prop_assert!(low.autonomy_level <= high.autonomy_level);
        if low.result == Outcome::Approved {
            prop_assert_eq!(high.result, Outcome::Approved);
        }
    }

    #[test]
    fn a_question_or_plan_is_never_auto_decided(
        f in any_facts(),
        rules in prop::collection::vec(any_rule(), 0..8),
        s in any_settings(),
    ) {
        let v = evaluate(&f, &rules, &s, NOW);
        if f.kind != Kind::Approval {
            prop_assert_eq!((v.result, v.source), (Outcome::Wait, Source::Kind));
        }
    }

    #[test]
    fn shadow_never_changes_the_result(
        f in any_facts(),
        rules in prop::collection::vec(any_rule(), 0..8),
        s in any_settings(),
    ) {
        let v = evaluate(&f, &rules, &s, NOW);
        let acting: Vec<Rule> = rules.iter().filter(|r| !r.shadow).cloned().collect();
        let without_shadow_rules = evaluate(&f, &acting, &s, NOW);
        prop_assert_eq!(v.result, without_shadow_rules.result);
        prop_assert_eq!(v.source, without_shadow_rules.source);
        if s.autonomy_shadow {
            let dial_off = PolicySettings { autonomy_level: 0, autonomy_shadow: false };
            prop_assert_eq!(v.result, evaluate(&f, &rules, &dial_off, NOW).result);
        }
    }
}
