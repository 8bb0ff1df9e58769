//! Decision policies: whether a new pause needs a person at all, and why.
//!
//! Every new pause goes through [`evaluate`], a pure function of the pause's [`Facts`], the
//! workspace's [`Rule`]s and [`PolicySettings`], and `now`: the create transaction loads the
//! inputs and stores the [`PolicyVerdict`] with the pause, so what decided it (and what a shadow
//! policy would have done) is always there to read. `explain` runs the same function without
//! writing, so it cannot disagree with a real create.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::kind::Kind;
use super::sql_enum::sql_enum;
use super::Millis;
use crate::domain::ids::ApiKeyId;

pub mod approvals;
mod bounded;
mod cache;
pub mod digest;
mod evaluate;
mod glob;
pub mod group_keys;
pub mod group_uses;
pub mod groups;
pub mod load;
pub mod quorum;
pub mod remember;
pub mod rules;
mod rules_write;
pub mod settings;
pub mod spec;
pub mod suggest;
pub mod transfer;

pub use evaluate::evaluate;
pub use glob::{Pattern, PatternError};

/// The autonomy dial runs from 0 (a person decides everything) to 100.
pub const MAX_LEVEL: u8 = 100;

sql_enum! {
    /// How much harm the action can do, as the agent rates it (`high` when it says nothing).
    pub enum Risk {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

impl Risk {
    /// Ordered: `low` < `medium` < `high` < `critical`.
    pub fn rank(self) -> u8 {
        match self {
            Risk::Low => 0,
            Risk::Medium => 1,
            Risk::High => 2,
            Risk::Critical => 3,
        }
    }
}

sql_enum! {
    #[schema(as = AutonomyBand)]
    /// A range of the autonomy dial, as the reference docs name them.
    pub enum Band {
        /// 0–19: everything waits.
        Copilot => "copilot",
        /// 20–49: `low` and `medium` are approved by policy.
        Supervised => "supervised",
        /// 50–79: only `critical` waits.
        Autonomous => "autonomous",
        /// 80–100: nothing waits.
        FullAuto => "full_auto",
    }
}

impl Band {
    pub fn of(level: u8) -> Band {
        match level {
            0..=19 => Band::Copilot,
            20..=49 => Band::Supervised,
            50..=79 => Band::Autonomous,
            _ => Band::FullAuto,
        }
    }

    /// The riskiest action this band lets through without a person, if any.
    pub fn max_approved(self) -> Option<Risk> {
        match self {
            Band::Copilot => None,
            Band::Supervised => Some(Risk::Medium),
            Band::Autonomous => Some(Risk::High),
            Band::FullAuto => Some(Risk::Critical),
        }
    }

    pub fn approves(self, risk: Risk) -> bool {
        self.max_approved()
            .is_some_and(|max| risk.rank() <= max.rank())
    }

    /// For explanations: `Supervised`.
    pub fn title(self) -> &'static str {
        match self {
            Band::Copilot => "Copilot",
            Band::Supervised => "Supervised",
            Band::Autonomous => "Autonomous",
            Band::FullAuto => "Full auto",
        }
    }
}

sql_enum! {
    #[schema(as = RuleEffect)]
    /// What a matching rule does.
    pub enum Effect {
        Allow => "allow",
        Deny => "deny",
        /// Decides nothing: what it matches is routed to its `routeTo` group.
        Route => "route",
    }
}

sql_enum! {
    #[schema(as = PolicyOutcome)]
    /// What the policy decided: the pause waits for a person, or is decided at once.
    pub enum Outcome {
        Wait => "wait",
        Approved => "approved",
        Rejected => "rejected",
    }
}

sql_enum! {
    #[schema(as = PolicySource)]
    /// Which step of [`evaluate`] gave the result.
    pub enum Source {
        /// An allow or deny rule.
        Rule => "rule",
        /// The autonomy band approved it.
        Band => "band",
        /// The emergency stop, or the agent is paused: it waits.
        Stop => "stop",
        /// A question or plan: always a person's.
        Kind => "kind",
        /// Nothing let it through: it waits, as every pause did before policies.
        Default => "default",
        /// It needs two or more approvals: a quorum is always people's.
        Quorum => "quorum",
    }
}

/// What a rule matches. Every member given must match; globs match the whole string.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The pause's `tool` (a pause without one matches no rule).
    pub tool: Pattern,
    pub agent: Option<Pattern>,
    pub key_id: Option<ApiKeyId>,
    /// Exact values of the pause's `metadata` (the reference run API's per-customer
    /// pre-approval: `customer = cust_123`).
    pub metadata: BTreeMap<String, String>,
    /// Globs on top-level string fields of the pause's `context` (`command` = `git status*`).
    pub context: BTreeMap<String, Pattern>,
}

/// A rule as [`evaluate`] reads it (the store adds who made it and its counters).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub effect: Effect,
    pub enabled: bool,
    /// Evaluated and counted, never acting.
    pub shadow: bool,
    pub matches: Match,
    /// Allow rules only: riskier pauses are not let through.
    pub max_risk: Option<Risk>,
    /// From then on the rule matches nothing (it still lists).
    pub expires_at: Option<Millis>,
    /// A deny rule's note is the rejection's reason.
    pub note: Option<String>,
    /// The approver group what the rule matches is routed to, when it waits for people.
    pub route_to: Option<String>,
}

/// The workspace's policy settings (`GET/PATCH /api/policy/settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PolicySettings {
    pub autonomy_level: u8,
    /// The band is evaluated and recorded in `policy.shadow`, but never decides.
    pub autonomy_shadow: bool,
}

/// The autonomy levels that apply to one pause besides the workspace's: each may only lower it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Caps {
    pub key: Option<u8>,
    pub agent: Option<u8>,
    pub request: Option<u8>,
}

impl Caps {
    /// The effective level: the lowest of the workspace's and every cap given.
    pub fn effective(self, workspace: u8) -> u8 {
        [self.key, self.agent, self.request]
            .into_iter()
            .flatten()
            .fold(workspace.min(MAX_LEVEL), u8::min)
    }
}

/// What the policy knows of a new pause.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub kind: Kind,
    pub risk: Risk,
    pub tool: Option<String>,
    pub agent: Option<String>,
    pub key_id: ApiKeyId,
    /// The pause's metadata pairs.
    pub metadata: BTreeMap<String, String>,
    /// The top-level string fields of the pause's context.
    pub context: BTreeMap<String, String>,
    /// The fleet's emergency stop is on.
    pub stopped: bool,
    /// The named agent is paused by a person.
    pub agent_paused: bool,
    pub caps: Caps,
    /// Different deciders' approvals the pause needs (two or more always wait).
    pub required_approvals: u8,
}

impl Default for Risk {
    /// What a pause that sends no `risk` is: below autonomy 50 it always waits.
    fn default() -> Self {
        Risk::High
    }
}

/// What a shadow policy (shadow rules, `autonomyShadow`) would have done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Shadow {
    pub result: Outcome,
    pub rule: Option<String>,
    pub band: Option<Band>,
}

/// The policy's answer for one pause, stored with it and shown as its `policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyVerdict {
    pub result: Outcome,
    pub source: Source,
    /// The deciding rule's name (for a `rule` source).
    pub rule: Option<String>,
    /// The effective band (none for a question or plan).
    pub band: Option<Band>,
    pub autonomy_level: u8,
    /// One sentence for people.
    pub explanation: String,
    pub shadow: Option<Shadow>,
    /// The approver group a waiting pause is routed to (a rule's `routeTo`, else the
    /// workspace's route for its risk), and the rule that routed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routed_by: Option<String>,
    /// The deciding rule, to count its hit; not part of the stored or shown verdict.
    #[serde(skip)]
    pub rule_id: Option<i64>,
    /// Every shadow rule that matched, to count their shadow hits.
    #[serde(skip)]
    pub shadow_rule_ids: Vec<i64>,
}

impl PolicyVerdict {
    /// Whether the pause is decided at creation (approved or rejected by policy).
    pub fn decides(&self) -> bool {
        self.result != Outcome::Wait
    }

    /// As `decidedBy.name` of a pause this verdict decided: the rule's name, or
    /// `autonomy:<band>`.
    pub fn decider_name(&self) -> String {
        // Only a rule's verdict names a rule.
        match (&self.rule, self.band) {
            (Some(rule), _) => rule.clone(),
            (_, Some(band)) => format!("autonomy:{band}"),
            _ => "policy".into(),
        }
    }
}

#[cfg(test)]
mod explain_tests;
#[cfg(test)]
mod props;
#[cfg(test)]
mod store_tests;
#[cfg(test)]
mod tests;
