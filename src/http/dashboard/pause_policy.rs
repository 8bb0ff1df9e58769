//! What the decision policy said of a pause, as the people deciding it read it: the verdict's
//! sentence and where it came from (the pause pane), and short marks for the inbox's rows.
//! Rule names are people's text and the explanation quotes them, so all of it is [`Shown`].

use super::format::{shown, Shown};
use super::queue_row::RowBadge;
use crate::domain::pauses::Pause;
use crate::domain::policy::{Outcome, PolicyVerdict, Risk, Shadow, Source};

/// The verdict in the pause pane; a pause made before policies has none and shows nothing.
pub struct PolicyView {
    pub explanation: Shown,
    /// `wait`, `approved` or `rejected` (a status word for the badge's tone).
    pub result: &'static str,
    /// The result as people say it.
    pub result_label: &'static str,
    pub source: &'static str,
    /// The deciding rule, shown as a link to the rules page.
    pub rule: Option<Shown>,
    /// "Autonomous", with the effective level beside it.
    pub band: Option<&'static str>,
    pub level: u8,
    /// "In shadow: rule “x” would have approved this."
    pub shadow: Option<Shown>,
}

impl PolicyView {
    pub fn of(v: &PolicyVerdict) -> PolicyView {
        PolicyView {
            explanation: shown(&v.explanation),
            result: match v.result {
                Outcome::Wait => "pending",
                Outcome::Approved => "approved",
                Outcome::Rejected => "rejected",
            },
            result_label: match v.result {
                Outcome::Wait => "waits for a person",
                Outcome::Approved => "approved by policy",
                Outcome::Rejected => "rejected by policy",
            },
            source: source_label(v.source),
            rule: v.rule.as_deref().map(shown),
            band: v.band.map(|b| b.title()),
            level: v.autonomy_level,
            shadow: v.shadow.as_ref().map(shadow_sentence),
        }
    }
}

fn source_label(s: Source) -> &'static str {
    match s {
        Source::Rule => "a rule",
        Source::Band => "the autonomy band",
        Source::Stop => "the emergency stop or a paused agent",
        Source::Kind => "the kind of pause (only approvals are decided by policy)",
        Source::Default => "no rule or band let it through",
        Source::Quorum => "its quorum (two or more approvals always wait for people)",
    }
}

/// What a shadow policy would have done, in one sentence.
pub fn shadow_sentence(s: &Shadow) -> Shown {
    let who = match (&s.rule, s.band) {
        (Some(rule), _) => format!("rule “{rule}”"),
        (None, Some(band)) => format!("the {} band (autonomy:{band})", band.title()),
        (None, None) => "the shadow policy".into(),
    };
    let would = match s.result {
        Outcome::Approved => "would have approved this",
        Outcome::Rejected => "would have rejected this",
        Outcome::Wait => "would have left this waiting for a person",
    };
    shown(&format!("In shadow: {who} {would}."))
}

/// "Decided by policy: <rule name or autonomy:band>", for a pause the policy decided.
pub fn decided_by_policy(p: &Pause) -> Option<Shown> {
    let v = p.policy.as_ref().filter(|v| v.decides())?;
    Some(shown(&format!("Decided by policy: {}", v.decider_name())))
}

/// The risk as a badge's classes: a tone for the two that need a person's attention.
pub fn risk_class(r: Risk) -> &'static str {
    match r {
        Risk::Critical => "risk risk-critical tone-bad",
        Risk::High => "risk risk-high tone-warn",
        Risk::Medium => "risk risk-medium",
        Risk::Low => "risk risk-low",
    }
}

/// The inbox row's marks: a high or critical risk, and what a shadow policy would have done.
pub fn row_badges(p: &Pause) -> Vec<RowBadge> {
    let mut badges = Vec::new();
    // Only `critical`: a pause that sends no risk is `high`, so a `high` badge would mark
    // nearly every row and stop meaning anything (the pane shows every risk).
    if let Some(r) = p.risk.filter(|r| *r == Risk::Critical) {
        badges.push(RowBadge {
            class: risk_class(r),
            text: shown(&format!("{r} risk")),
        });
    }
    let shadow = p.policy.as_ref().and_then(|v| v.shadow.as_ref());
    let would = shadow.and_then(|s| match s.result {
        Outcome::Approved => Some("shadow: would approve"),
        Outcome::Rejected => Some("shadow: would reject"),
        Outcome::Wait => None,
    });
    if let Some(text) = would {
        badges.push(RowBadge {
            class: "shadow",
            text: shown(text),
        });
    }
    badges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Band;

    #[test]
    fn a_shadow_verdict_names_its_rule_or_band() {
        let rule = Shadow {
            result: Outcome::Approved,
            rule: Some("small refunds".into()),
            band: None,
        };
        assert_eq!(
            shadow_sentence(&rule).as_str(),
            "In shadow: rule “small refunds” would have approved this."
        );
        let band = Shadow {
            result: Outcome::Wait,
            rule: None,
            band: Some(Band::Supervised),
        };
        assert_eq!(
            shadow_sentence(&band).as_str(),
            "In shadow: the Supervised band (autonomy:supervised) would have left this waiting \
             for a person."
        );
    }
}
