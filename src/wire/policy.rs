//! Decision rules and policy settings as the API shows them.

use serde_json::{json, Value};

use crate::domain::policy::approvals::ApprovalSettings;
use crate::domain::policy::rules::StoredRule;
use crate::domain::policy::PolicySettings;
use crate::domain::rfc3339;

/// A rule: its spec (what `POST /api/rules` takes) with who made it, when, and its counters.
pub fn rule_view(r: &StoredRule) -> Value {
    let s = &r.spec;
    json!({
        "id": r.id,
        "name": s.name,
        "effect": s.effect,
        "enabled": s.enabled,
        "shadow": s.shadow,
        "match": s.matches,
        "maxRisk": s.max_risk,
        "expiresAt": s.expires_at,
        "note": s.note,
        "routeTo": s.route_to,
        "createdBy": r.created_by,
        "createdAt": rfc3339(r.created_at),
        "updatedAt": rfc3339(r.updated_at),
        "hits": r.hits,
        "lastHitAt": r.last_hit_at.map(rfc3339),
        "shadowHits": r.shadow_hits,
    })
}

/// The settings object: the dial and part 2's members (`domain::policy::settings::view`).
pub fn settings_view(
    s: PolicySettings,
    a: &ApprovalSettings,
    u: &crate::domain::identity::step_up::StepUpSettings,
) -> Value {
    crate::domain::policy::settings::view(s, a, u)
}

// What follows documents, for the OpenAPI document, the JSON the functions above and the
// policy handlers build: each mirrors one object member for member.

use std::collections::BTreeMap;

use crate::domain::policy::approvals::OnTimeout;
use crate::domain::policy::spec::MatchSpec;
use crate::domain::policy::{Effect, Risk};

/// The workspace's policy settings (`GET`/`PATCH /api/policy/settings`).
#[derive(utoipa::ToSchema)]
#[schema(as = PolicySettings)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct SettingsDoc {
    /// The autonomy dial, 0 to 100: what it lets through without a person.
    #[schema(minimum = 0, maximum = 100)]
    autonomy_level: u8,
    /// The dial only reports what it would have done.
    autonomy_shadow: bool,
    /// The approver group a pause of each risk is routed to (a rule's `routeTo` wins).
    route_to: BTreeMap<Risk, Option<String>>,
    /// The least approvals a pause of each risk needs.
    min_approvals: BTreeMap<Risk, u8>,
    /// The person who created the key that made a pause cannot vote on it.
    no_self_approval: bool,
    /// When, as a fraction of its timeout, a waiting pause is reminded.
    remind_at: f64,
    /// When, as a fraction of its timeout, a waiting pause is escalated.
    escalate_at: f64,
    /// Who is told at `escalateAt`: a group's name; null: the owners and admins.
    escalate_to: Option<String>,
    on_timeout: OnTimeout,
    /// How long a decision receipt is valid, in seconds (its `exp` − `iat`), fixed when the
    /// pause is decided: 60 to 86400, 900 by default.
    #[schema(minimum = 60, maximum = 86400)]
    receipt_ttl_seconds: u32,
    /// Deciding a critical or multi-approval pause needs a recent second factor.
    step_up: bool,
    /// API keys may decide pauses that need step-up.
    keys_may_decide_critical: bool,
}

/// `PATCH /api/policy/settings`: the members sent replace the stored ones; null is the same as
/// leaving a member out, except for `escalateTo`, where it means the owners and admins.
#[derive(utoipa::ToSchema)]
#[schema(as = PolicySettingsPatch)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct SettingsPatchDoc {
    #[schema(minimum = 0, maximum = 100)]
    autonomy_level: Option<i64>,
    autonomy_shadow: Option<bool>,
    route_to: Option<BTreeMap<Risk, Option<String>>>,
    min_approvals: Option<BTreeMap<Risk, u8>>,
    no_self_approval: Option<bool>,
    remind_at: Option<f64>,
    escalate_at: Option<f64>,
    escalate_to: Option<String>,
    on_timeout: Option<OnTimeout>,
    #[schema(minimum = 60, maximum = 86400)]
    receipt_ttl_seconds: Option<i64>,
    step_up: Option<bool>,
    keys_may_decide_critical: Option<bool>,
}

/// A rule as `rule_view` shows it: its spec with who made it, when, and its counters.
#[derive(utoipa::ToSchema)]
#[schema(as = Rule)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct RuleDoc {
    id: i64,
    name: String,
    effect: Effect,
    enabled: bool,
    /// Only counts what it would have done.
    shadow: bool,
    #[serde(rename = "match")]
    matches: MatchSpec,
    max_risk: Option<Risk>,
    #[schema(format = DateTime)]
    expires_at: Option<String>,
    note: Option<String>,
    route_to: Option<String>,
    /// Who made it (null: the CLI or an import).
    created_by: Option<crate::domain::decided_by::DecidedBy>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    hits: i64,
    #[schema(format = DateTime)]
    last_hit_at: Option<String>,
    shadow_hits: i64,
}

/// `PATCH /api/rules/:id`: a JSON merge patch of the rule's spec (RFC 7396): a member sent
/// replaces it, null removes an optional one, `match` is merged member by member.
#[derive(utoipa::ToSchema)]
#[schema(as = RulePatch)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct RulePatchDoc {
    #[schema(required = false)]
    name: String,
    #[schema(required = false)]
    effect: Effect,
    /// Null: back to the default, enabled.
    enabled: Option<bool>,
    /// Null: back to the default, not in shadow.
    shadow: Option<bool>,
    #[serde(rename = "match")]
    #[schema(value_type = Object, required = false)]
    matches: (),
    max_risk: Option<Risk>,
    #[schema(format = DateTime)]
    expires_at: Option<String>,
    note: Option<String>,
    route_to: Option<String>,
}

/// `GET /api/rules`.
#[derive(utoipa::ToSchema)]
#[schema(as = RuleList)]
#[allow(dead_code)]
pub struct RuleListDoc {
    items: Vec<RuleDoc>,
}

/// `POST /api/policy/explain`: what the policy would decide, nothing written.
#[derive(utoipa::ToSchema)]
#[schema(as = PolicyExplained)]
#[allow(dead_code)]
pub struct ExplainedDoc {
    policy: crate::domain::policy::PolicyVerdict,
}

/// `GET /api/groups`.
#[derive(utoipa::ToSchema)]
#[schema(as = GroupList)]
#[allow(dead_code)]
pub struct GroupListDoc {
    items: Vec<crate::domain::policy::groups::Group>,
}

/// `PATCH /api/groups/:name`: the members sent replace the group's (`members` as a whole).
#[derive(utoipa::ToSchema)]
#[schema(as = GroupPatch)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct GroupPatchDoc {
    /// A new name: 1 to 50 of lowercase letters, digits, `_` and `-`.
    #[schema(required = false, pattern = r"^[a-z0-9_-]{1,50}$")]
    name: String,
    /// Every member's email.
    #[schema(required = false)]
    members: Vec<String>,
}
