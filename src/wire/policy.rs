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
