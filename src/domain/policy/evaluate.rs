//! The policy engine: one pure function, in the order. Deny rules, then the emergency
//! stop and paused agents (always wait), then allow rules, then the autonomy band, then wait.
//! Questions and plans always wait. Shadow rules and a shadow autonomy level run the same steps
//! a second time, as if they acted, and only their would-be result is recorded.

use std::collections::BTreeMap;

use super::glob::Prepared;
use super::{Band, Effect, Facts, Outcome, PolicySettings, PolicyVerdict, Rule, Shadow, Source};
use crate::domain::kind::Kind;
use crate::domain::Millis;

/// Decides whether a new pause waits for a person, and says why. No I/O: the caller loads the
/// rules (of the pause's workspace and mode) and settings in the create transaction.
pub fn evaluate(
    facts: &Facts,
    rules: &[Rule],
    settings: &PolicySettings,
    now: Millis,
) -> PolicyVerdict {
    let level = facts.caps.effective(settings.autonomy_level);
    if facts.kind != Kind::Approval {
        return PolicyVerdict {
            result: Outcome::Wait,
            source: Source::Kind,
            rule: None,
            band: None,
            autonomy_level: level,
            explanation: format!(
                "A {} always waits for a person: policies decide approvals only.",
                facts.kind
            ),
            shadow: None,
            group: None,
            routed_by: None,
            rule_id: None,
            shadow_rule_ids: Vec::new(),
        };
    }
    let band = Band::of(level);
    let acting_band = (!settings.autonomy_shadow).then_some(band);
    let subject = Subject::of(facts, rules);
    let live = run(&subject, rules, acting_band, false, now);
    let shadow_rule_ids: Vec<i64> = rules
        .iter()
        .filter(|r| r.shadow && applies(r, &subject, now))
        .map(|r| r.id)
        .collect();
    let shadow = (settings.autonomy_shadow || !shadow_rule_ids.is_empty()).then(|| {
        let would = run(&subject, rules, Some(band), true, now);
        Shadow {
            result: would.result,
            rule: would.rule.map(|r| r.name.clone()),
            band: (would.source == Source::Band).then_some(band),
        }
    });
    let router = (live.result == Outcome::Wait)
        .then(|| {
            rules
                .iter()
                .filter(|r| !r.shadow && r.route_to.is_some() && routes(r, &subject, now))
                .min_by_key(|r| r.id)
        })
        .flatten();
    PolicyVerdict {
        explanation: explain(&live, facts, level, band, settings.autonomy_shadow),
        group: router.and_then(|r| r.route_to.clone()),
        routed_by: router.map(|r| r.name.clone()),
        result: live.result,
        source: live.source,
        rule: live.rule.map(|r| r.name.clone()),
        rule_id: live.rule.map(|r| r.id),
        band: Some(band),
        autonomy_level: level,
        shadow,
        shadow_rule_ids,
    }
}

/// One pass through the steps.
struct Step<'a> {
    result: Outcome,
    source: Source,
    rule: Option<&'a Rule>,
}

/// The pause's facts with its tool, agent and the context fields some rule looks at prepared
/// once for every rule's globs.
struct Subject<'f> {
    facts: &'f Facts,
    tool: Option<Prepared<'f>>,
    agent: Option<Prepared<'f>>,
    context: BTreeMap<&'f str, Prepared<'f>>,
}

impl<'f> Subject<'f> {
    fn of(facts: &'f Facts, rules: &[Rule]) -> Subject<'f> {
        let mut context = BTreeMap::new();
        for key in rules.iter().flat_map(|r| r.matches.context.keys()) {
            if let Some((k, v)) = facts.context.get_key_value(key) {
                context
                    .entry(k.as_str())
                    .or_insert_with(|| Prepared::new(v));
            }
        }
        Subject {
            facts,
            tool: facts.tool.as_deref().map(Prepared::new),
            agent: facts.agent.as_deref().map(Prepared::new),
            context,
        }
    }
}

/// The steps, with shadow rules acting or not and the band acting (`Some`) or not.
fn run<'a>(
    subject: &Subject<'_>,
    rules: &'a [Rule],
    band: Option<Band>,
    with_shadow: bool,
    now: Millis,
) -> Step<'a> {
    let first = |effect: Effect| {
        rules
            .iter()
            .filter(|r| {
                r.effect == effect && (with_shadow || !r.shadow) && applies(r, subject, now)
            })
            .min_by_key(|r| r.id)
    };
    let facts = subject.facts;
    let step = |result, source, rule| Step {
        result,
        source,
        rule,
    };
    if let Some(deny) = first(Effect::Deny) {
        return step(Outcome::Rejected, Source::Rule, Some(deny));
    }
    if facts.stopped || facts.agent_paused {
        return step(Outcome::Wait, Source::Stop, None);
    }
    if facts.required_approvals >= 2 {
        return step(Outcome::Wait, Source::Quorum, None);
    }
    if let Some(allow) = first(Effect::Allow) {
        return step(Outcome::Approved, Source::Rule, Some(allow));
    }
    if band.is_some_and(|b| b.approves(facts.risk)) {
        return step(Outcome::Approved, Source::Band, None);
    }
    step(Outcome::Wait, Source::Default, None)
}

/// Whether an enabled, unexpired rule matches the pause (an allow rule within its `maxRisk`).
fn applies(rule: &Rule, subject: &Subject<'_>, now: Millis) -> bool {
    routes(rule, subject, now)
        && (rule.effect == Effect::Deny
            || rule
                .max_risk
                .is_none_or(|max| subject.facts.risk.rank() <= max.rank()))
}

/// Whether an enabled, unexpired rule's match fits the pause, whatever its `maxRisk`: an allow
/// rule routes what it does not let through.
fn routes(rule: &Rule, subject: &Subject<'_>, now: Millis) -> bool {
    let (m, facts) = (&rule.matches, subject.facts);
    rule.enabled
        && rule.expires_at.is_none_or(|at| now < at)
        && subject
            .tool
            .as_ref()
            .is_some_and(|t| m.tool.matches_prepared(t))
        && m.agent.as_ref().is_none_or(|g| {
            subject
                .agent
                .as_ref()
                .is_some_and(|a| g.matches_prepared(a))
        })
        && m.key_id.is_none_or(|k| k == facts.key_id)
        && m.metadata
            .iter()
            .all(|(k, v)| facts.metadata.get(k) == Some(v))
        && m.context.iter().all(|(k, g)| {
            subject
                .context
                .get(k.as_str())
                .is_some_and(|v| g.matches_prepared(v))
        })
}

/// One sentence for people: what decided, and why.
fn explain(step: &Step<'_>, facts: &Facts, level: u8, band: Band, band_shadow: bool) -> String {
    let dial = format!("Autonomy {level} ({})", band.title());
    match (step.source, step.rule) {
        (Source::Rule, Some(rule)) if step.result == Outcome::Rejected => {
            format!("Rule “{}” denies this action.", rule.name)
        }
        (Source::Rule, Some(rule)) => format!("Rule “{}” allows this action.", rule.name),
        (Source::Stop, _) if facts.stopped => {
            "The emergency stop is on: every pause waits for a person.".into()
        }
        (Source::Stop, _) => format!(
            "Agent `{}` is paused: its pauses wait for a person.",
            facts.agent.as_deref().unwrap_or_default()
        ),
        (Source::Quorum, _) => format!(
            "It needs {} approvals from different people: a quorum always waits for them.",
            facts.required_approvals
        ),
        (Source::Band, _) => format!(
            "{dial} lets {} risk and below through without a person.",
            band.max_approved().map(|r| r.as_str()).unwrap_or("no")
        ),
        _ if band_shadow => format!(
            "{dial} is in shadow mode: no rule allows this {}-risk action, so it waits for a \
             person.",
            facts.risk
        ),
        _ => match band.max_approved() {
            None => format!("{dial}: every pause waits for a person."),
            Some(max) => format!(
                "{dial} lets {max} risk and below through; this {}-risk action waits for a \
                 person.",
                facts.risk
            ),
        },
    }
}
