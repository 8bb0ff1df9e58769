//! A stored rule as the rules page lists it: what it matches in words, its state (an expired
//! rule still lists, as `expired`), its counters and who made it. Every text a person or an
//! agent wrote (names, notes, globs, tools, agents) is [`Shown`].

use std::collections::HashMap;

use crate::db::sql::Connection;
use jiff::Timestamp;

use super::format::{shown, stamp, Shown, Stamp};
use crate::domain::api_keys;
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::policy::rules::StoredRule;
use crate::domain::policy::Effect;
use crate::domain::Millis;
use crate::error::AppResult;

#[derive(Clone)]
pub struct RuleRow {
    pub id: i64,
    pub name: Shown,
    /// `allow`, `deny` or `route`.
    pub effect: &'static str,
    /// The approver group it routes to (`→ sre`).
    pub route_to: Option<Shown>,
    /// (what, value): `tool` `send_*`, `metadata` `customer=cust_1`, …
    pub matches: Vec<(&'static str, Shown)>,
    pub max_risk: Option<&'static str>,
    /// `on`, `shadow`, `disabled` or `expired`.
    pub state: &'static str,
    pub hits: i64,
    pub shadow_hits: i64,
    pub last_hit: Option<Stamp>,
    pub expires: Option<Stamp>,
    pub note: Shown,
    pub created_by: Shown,
}

impl RuleRow {
    /// The status class of the state word (`status-enabled` for `on`).
    pub fn status_class(&self) -> &'static str {
        match self.state {
            "on" => "enabled",
            s => s,
        }
    }
}

/// The workspace's key labels (`deploy (hitl_live_ab12…)`) by id, revoked ones too: a rule may
/// still name a revoked key.
pub struct KeyNames(HashMap<ApiKeyId, String>);

impl KeyNames {
    pub fn load(conn: &Connection, ws: WorkspaceId) -> AppResult<KeyNames> {
        let keys = api_keys::list(conn, ws)?;
        Ok(KeyNames(
            keys.into_iter()
                .map(|k| (k.id, format!("{} ({}…)", k.name, k.prefix)))
                .collect(),
        ))
    }

    fn label(&self, id: ApiKeyId) -> String {
        self.0
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("key {id} (deleted)"))
    }
}

/// When `rfc3339` is, if it reads as a time.
pub fn millis(rfc3339: &str) -> Option<Millis> {
    rfc3339
        .parse::<Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

pub fn rule_row(r: &StoredRule, now: Millis, keys: &KeyNames) -> RuleRow {
    let s = &r.spec;
    let expires_ms = s.expires_at.as_deref().and_then(millis);
    let state = match (s.enabled, expires_ms.is_some_and(|e| e <= now), s.shadow) {
        (false, _, _) => "disabled",
        (true, true, _) => "expired",
        (true, false, true) => "shadow",
        (true, false, false) => "on",
    };
    RuleRow {
        id: r.id,
        name: shown(&s.name),
        effect: match s.effect {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
            Effect::Route => "route",
        },
        route_to: s.route_to.as_deref().map(shown),
        matches: matches(r, keys),
        max_risk: s.max_risk.map(|m| m.as_str()),
        state,
        hits: r.hits,
        shadow_hits: r.shadow_hits,
        last_hit: r.last_hit_at.map(stamp),
        expires: expires_ms.map(stamp),
        note: shown(s.note.as_deref().unwrap_or("")),
        created_by: shown(&r.created_by.as_ref().map_or("—".into(), |b| b.label())),
    }
}

fn matches(r: &StoredRule, keys: &KeyNames) -> Vec<(&'static str, Shown)> {
    let m = &r.spec.matches;
    let mut out = vec![("tool", shown(&m.tool))];
    if let Some(agent) = &m.agent {
        out.push(("agent", shown(agent)));
    }
    if let Some(id) = m.key_id {
        out.push(("key", shown(&keys.label(id))));
    }
    for (k, v) in &m.metadata {
        out.push(("metadata", shown(&format!("{k}={v}"))));
    }
    for (k, v) in &m.context {
        out.push(("context", shown(&format!("{k}={v}"))));
    }
    out
}
