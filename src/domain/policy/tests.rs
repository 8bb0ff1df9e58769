use std::collections::BTreeMap;

use super::*;

pub(super) const NOW: Millis = 1_800_000_000_000;

pub(super) fn facts(risk: Risk, tool: &str) -> Facts {
    Facts {
        kind: Kind::Approval,
        risk,
        tool: Some(tool.into()),
        agent: Some("billing-bot".into()),
        key_id: ApiKeyId(1),
        metadata: BTreeMap::new(),
        context: BTreeMap::new(),
        stopped: false,
        agent_paused: false,
        caps: Caps::default(),
        required_approvals: 1,
    }
}

pub(super) fn rule(id: i64, effect: Effect, tool: &str) -> Rule {
    Rule {
        id,
        name: format!("rule-{id}"),
        effect,
        enabled: true,
        shadow: false,
        matches: Match {
            tool: Pattern::new(tool).unwrap(),
            agent: None,
            key_id: None,
            metadata: BTreeMap::new(),
            context: BTreeMap::new(),
        },
        max_risk: None,
        expires_at: None,
        note: None,
        route_to: None,
    }
}

fn at(level: u8) -> PolicySettings {
    PolicySettings {
        autonomy_level: level,
        autonomy_shadow: false,
    }
}

#[test]
fn each_band_lets_through_exactly_the_risks_the_reference_names() {
    let cases = [
        (0, Band::Copilot, [false, false, false, false]),
        (19, Band::Copilot, [false, false, false, false]),
        (20, Band::Supervised, [true, true, false, false]),
        (49, Band::Supervised, [true, true, false, false]),
        (50, Band::Autonomous, [true, true, true, false]),
        (79, Band::Autonomous, [true, true, true, false]),
        (80, Band::FullAuto, [true, true, true, true]),
        (100, Band::FullAuto, [true, true, true, true]),
    ];
    for (level, band, approved) in cases {
        for (risk, approves) in Risk::ALL.iter().zip(approved) {
            let v = evaluate(&facts(*risk, "t"), &[], &at(level), NOW);
            assert_eq!(v.band, Some(band), "{level}");
            assert_eq!(v.autonomy_level, level);
            let want = if approves {
                (Outcome::Approved, Source::Band)
            } else {
                (Outcome::Wait, Source::Default)
            };
            assert_eq!((v.result, v.source), want, "{level} {risk}");
            assert_eq!(v.decider_name(), format!("autonomy:{band}"));
        }
    }
}

#[test]
fn the_effective_level_is_the_lowest_and_a_higher_cap_changes_nothing() {
    let mut f = facts(Risk::Low, "t");
    f.caps = Caps {
        key: Some(90),
        agent: Some(30),
        request: None,
    };
    let v = evaluate(&f, &[], &at(60), NOW);
    assert_eq!((v.autonomy_level, v.band), (30, Some(Band::Supervised)));
    f.caps.request = Some(10);
    assert_eq!(evaluate(&f, &[], &at(60), NOW).result, Outcome::Wait);
    f.caps = Caps {
        key: Some(100),
        agent: Some(100),
        request: Some(100),
    };
    assert_eq!(evaluate(&f, &[], &at(0), NOW).autonomy_level, 0);
}

#[test]
fn deny_beats_allow_and_the_lowest_id_is_recorded() {
    let rules = [
        rule(5, Effect::Allow, "send_*"),
        rule(3, Effect::Allow, "send_email"),
        rule(9, Effect::Deny, "send_*"),
    ];
    let v = evaluate(&facts(Risk::Low, "send_email"), &rules, &at(100), NOW);
    assert_eq!(
        (v.result, v.rule.as_deref()),
        (Outcome::Rejected, Some("rule-9"))
    );
    let v = evaluate(&facts(Risk::Low, "send_email"), &rules[..2], &at(0), NOW);
    assert_eq!((v.result, v.source), (Outcome::Approved, Source::Rule));
    assert_eq!((v.rule.as_deref(), v.rule_id), (Some("rule-3"), Some(3)));
    assert_eq!(v.explanation, "Rule “rule-3” allows this action.");
}

#[test]
fn the_stop_and_a_paused_agent_wait_but_a_deny_still_refuses() {
    let rules = [rule(1, Effect::Allow, "a"), rule(2, Effect::Deny, "b")];
    let mut f = facts(Risk::Low, "a");
    f.stopped = true;
    let v = evaluate(&f, &rules, &at(100), NOW);
    assert_eq!((v.result, v.source), (Outcome::Wait, Source::Stop));
    f.tool = Some("b".into());
    assert_eq!(
        evaluate(&f, &rules, &at(100), NOW).result,
        Outcome::Rejected
    );
    let mut f = facts(Risk::Low, "a");
    f.agent_paused = true;
    let v = evaluate(&f, &rules, &at(100), NOW);
    assert_eq!(v.source, Source::Stop);
    assert_eq!(
        v.explanation,
        "Agent `billing-bot` is paused: its pauses wait for a person."
    );
}

#[test]
fn questions_and_plans_always_wait_whatever_the_rules_say() {
    for kind in [Kind::Question, Kind::Plan] {
        let mut f = facts(Risk::Low, "t");
        f.kind = kind;
        let rules = [rule(1, Effect::Deny, "*"), rule(2, Effect::Allow, "*")];
        let v = evaluate(&f, &rules, &at(100), NOW);
        assert_eq!(
            (v.result, v.source, v.band),
            (Outcome::Wait, Source::Kind, None)
        );
    }
}

#[test]
fn every_match_kind_must_hold() {
    let mut r = rule(1, Effect::Allow, "shell");
    r.matches.agent = Some(Pattern::new("coder-*").unwrap());
    r.matches.key_id = Some(ApiKeyId(1));
    r.matches
        .metadata
        .insert("customer".into(), "cust_123".into());
    r.matches
        .context
        .insert("command".into(), Pattern::new("git status*").unwrap());
    let mut f = facts(Risk::Low, "shell");
    f.agent = Some("coder-7".into());
    f.metadata.insert("customer".into(), "cust_123".into());
    f.context
        .insert("command".into(), "git status --short".into());
    let approved = |f: &Facts| evaluate(f, std::slice::from_ref(&r), &at(0), NOW).result;
    assert_eq!(approved(&f), Outcome::Approved);
    let variants: [&dyn Fn(&mut Facts); 6] = [
        &|f| f.agent = Some("writer-1".into()),
        &|f| f.agent = None,
        &|f| f.key_id = ApiKeyId(2),
        &|f| drop(f.metadata.insert("customer".into(), "cust_999".into())),
        &|f| drop(f.context.insert("command".into(), "git push".into())),
        &|f| f.tool = None,
    ];
    for change in variants {
        let mut g = f.clone();
        change(&mut g);
        assert_eq!(approved(&g), Outcome::Wait, "{g:?}");
    }
}

#[test]
fn an_expired_disabled_or_too_risky_rule_matches_nothing() {
    let mut r = rule(1, Effect::Allow, "t");
    r.expires_at = Some(NOW);
    assert_eq!(
        evaluate(&facts(Risk::Low, "t"), &[r.clone()], &at(0), NOW).result,
        Outcome::Wait
    );
    r.expires_at = Some(NOW + 1);
    assert_eq!(
        evaluate(&facts(Risk::Low, "t"), &[r.clone()], &at(0), NOW).result,
        Outcome::Approved
    );
    r.max_risk = Some(Risk::Medium);
    assert_eq!(
        evaluate(&facts(Risk::High, "t"), &[r.clone()], &at(0), NOW).result,
        Outcome::Wait
    );
    assert_eq!(
        evaluate(&facts(Risk::Medium, "t"), &[r.clone()], &at(0), NOW).result,
        Outcome::Approved
    );
    r.enabled = false;
    assert_eq!(
        evaluate(&facts(Risk::Low, "t"), &[r], &at(0), NOW).result,
        Outcome::Wait
    );
}

#[test]
fn shadow_rules_and_a_shadow_level_are_recorded_without_acting() {
    let mut r = rule(4, Effect::Allow, "t");
    r.shadow = true;
    let v = evaluate(&facts(Risk::Low, "t"), &[r.clone()], &at(0), NOW);
    assert_eq!((v.result, v.source), (Outcome::Wait, Source::Default));
    let want = Shadow {
        result: Outcome::Approved,
        rule: Some("rule-4".into()),
        band: None,
    };
    assert_eq!((v.shadow, v.shadow_rule_ids), (Some(want), vec![4]));
    let shadow_band = PolicySettings {
        autonomy_level: 85,
        autonomy_shadow: true,
    };
    let v = evaluate(&facts(Risk::Critical, "x"), &[r], &shadow_band, NOW);
    assert_eq!(v.result, Outcome::Wait);
    let s = v.shadow.unwrap();
    assert_eq!(
        (s.result, s.band),
        (Outcome::Approved, Some(Band::FullAuto))
    );
    assert!(v.explanation.contains("shadow mode"), "{}", v.explanation);
    let plain = evaluate(&facts(Risk::Low, "x"), &[], &at(85), NOW);
    assert_eq!(plain.shadow, None);
}

#[test]
fn the_verdict_reads_as_the_issue_spells_it() {
    let v = evaluate(&facts(Risk::Medium, "t"), &[], &at(35), NOW);
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "result": "approved", "source": "band", "rule": null, "band": "supervised",
            "autonomyLevel": 35,
            "explanation": "Autonomy 35 (Supervised) lets medium risk and below through without a person.",
            "shadow": null
        })
    );
    let back: PolicyVerdict = serde_json::from_value(json).unwrap();
    assert_eq!(back.result, Outcome::Approved);
    assert_eq!(back.rule_id, None);
}

#[test]
fn only_an_approval_or_rejection_decides_and_it_is_named_by_rule_or_band() {
    let rules = [rule(7, Effect::Deny, "d"), rule(8, Effect::Allow, "a")];
    let denied = evaluate(&facts(Risk::Low, "d"), &rules, &at(0), NOW);
    let allowed = evaluate(&facts(Risk::Low, "a"), &rules, &at(0), NOW);
    let by_band = evaluate(&facts(Risk::Low, "x"), &rules, &at(90), NOW);
    let waits = evaluate(&facts(Risk::Low, "x"), &rules, &at(0), NOW);
    assert!(denied.decides() && allowed.decides() && by_band.decides());
    assert!(!waits.decides());
    assert_eq!(denied.decider_name(), "rule-7");
    assert_eq!(allowed.decider_name(), "rule-8");
    assert_eq!(by_band.decider_name(), "autonomy:full_auto");
}

#[test]
fn acting_rules_leave_no_shadow_and_count_no_shadow_hit() {
    let mut shadow = rule(2, Effect::Deny, "t");
    shadow.shadow = true;
    let acting = [rule(1, Effect::Allow, "t")];
    let v = evaluate(&facts(Risk::Low, "t"), &acting, &at(0), NOW);
    assert_eq!((v.shadow, v.shadow_rule_ids), (None, vec![]));
    let unmatched = [rule(1, Effect::Allow, "t"), shadow];
    let v = evaluate(&facts(Risk::Low, "u"), &unmatched, &at(0), NOW);
    assert_eq!((v.shadow, v.shadow_rule_ids), (None, vec![]));
}
