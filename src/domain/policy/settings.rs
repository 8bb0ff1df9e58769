//! The workspace's policy settings and the autonomy caps of keys and agents.

use crate::db::sql::{params, Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};

use std::collections::BTreeMap;

use super::approvals::{self, ApprovalSettings, OnTimeout};
use super::{PolicySettings, Risk, MAX_LEVEL};
use crate::db::WriteCtx;
use crate::domain::agents::{self, Fleet};
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::identity::step_up::{self, StepUpSettings};
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

pub fn get(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<PolicySettings> {
    Ok(conn
        .prepare_cached("SELECT autonomy_level, autonomy_shadow FROM workspaces WHERE id = ?1")?
        .query_row([workspace_id], |r| {
            Ok(PolicySettings {
                autonomy_level: r.get(0)?,
                autonomy_shadow: r.get(1)?,
            })
        })?)
}

/// `PATCH /api/policy/settings`: the members sent replace the stored ones; unknown members are
/// refused (part 2 adds its own to the same object).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SettingsPatch {
    #[serde(default)]
    pub autonomy_level: Option<i64>,
    #[serde(default)]
    pub autonomy_shadow: Option<bool>,
    // Part 2's members (see `approvals`): each replaces the stored one when sent.
    #[serde(default)]
    pub route_to: Option<BTreeMap<Risk, Option<String>>>,
    #[serde(default)]
    pub min_approvals: Option<BTreeMap<Risk, u8>>,
    #[serde(default)]
    pub no_self_approval: Option<bool>,
    #[serde(default)]
    pub remind_at: Option<f64>,
    #[serde(default)]
    pub escalate_at: Option<f64>,
    /// `null` (owners and admins) or a group's name: `Some(Value::Null)` when `null` is sent,
    /// `None` when the member is absent.
    #[serde(default, deserialize_with = "present")]
    pub escalate_to: Option<Value>,
    #[serde(default)]
    pub on_timeout: Option<OnTimeout>,
    /// Step-up for critical decisions ([`step_up`]); once sent, no longer follows
    /// `require_two_factor`.
    #[serde(default)]
    pub step_up: Option<bool>,
    #[serde(default)]
    pub keys_may_decide_critical: Option<bool>,
    /// Checked with the rest of part 2's members (60 to 86400); a number out of `u32` is
    /// refused the same way.
    #[serde(default)]
    pub receipt_ttl_seconds: Option<i64>,
}

/// A member that is there, even as `null` (serde reads a `null` `Option` as absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

impl SettingsPatch {
    /// `current` with the part-2 members this patch sends.
    fn approvals(&self, current: &ApprovalSettings) -> AppResult<ApprovalSettings> {
        let mut s = current.clone();
        if let Some(r) = &self.route_to {
            s.route_to = r.clone();
        }
        if let Some(m) = &self.min_approvals {
            s.min_approvals = m.clone();
        }
        s.no_self_approval = self.no_self_approval.unwrap_or(s.no_self_approval);
        s.remind_at = self.remind_at.unwrap_or(s.remind_at);
        s.escalate_at = self.escalate_at.unwrap_or(s.escalate_at);
        s.on_timeout = self.on_timeout.unwrap_or(s.on_timeout);
        if let Some(ttl) = self.receipt_ttl_seconds {
            s.receipt_ttl_seconds = u32::try_from(ttl).map_err(|_| {
                AppError::invalid(
                    "receiptTtlSeconds",
                    format!("`receiptTtlSeconds` is 60 to 86400 seconds (got {ttl})"),
                )
            })?;
        }
        match &self.escalate_to {
            None => {}
            Some(Value::Null) => s.escalate_to = None,
            Some(Value::String(g)) => s.escalate_to = Some(g.clone()),
            Some(_) => {
                return Err(AppError::invalid(
                    "escalateTo",
                    "`escalateTo` is a group's name, or null for the owners and admins",
                ))
            }
        }
        Ok(s)
    }
}

/// Checks an autonomy level sent as `field`: 0 to 100.
pub fn level(field: &str, raw: i64) -> AppResult<u8> {
    u8::try_from(raw)
        .ok()
        .filter(|l| *l <= MAX_LEVEL)
        .ok_or_else(|| {
            AppError::invalid(field, format!("`{field}` is 0 to {MAX_LEVEL} (got {raw})"))
        })
}

pub fn parse_patch(value: Value) -> AppResult<SettingsPatch> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "settings".into() } else { path };
        AppError::invalid(field, format!("the settings are not valid: {}", e.inner()))
    })
}

/// Merges `patch` into the workspace's settings, audited with before and after.
pub fn update(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    workspace_id: WorkspaceId,
    actor: Actor,
    patch: SettingsPatch,
) -> AppResult<PolicySettings> {
    let before = get(ctx.conn, workspace_id)?;
    let approvals_before = approvals::get(ctx.conn, workspace_id)?;
    let approvals_after = patch.approvals(&approvals_before)?;
    let after = PolicySettings {
        autonomy_level: match patch.autonomy_level {
            Some(raw) => level("autonomyLevel", raw)?,
            None => before.autonomy_level,
        },
        autonomy_shadow: patch.autonomy_shadow.unwrap_or(before.autonomy_shadow),
    };
    ctx.conn
        .prepare_cached(
            "UPDATE workspaces SET autonomy_level = ?2, autonomy_shadow = ?3 WHERE id = ?1",
        )?
        .execute(params![
            workspace_id,
            after.autonomy_level,
            after.autonomy_shadow
        ])?;
    if approvals_after != approvals_before {
        approvals::store(ctx.conn, workspace_id, &approvals_after)?;
    }
    let step_up_before = step_up::get(ctx.conn, workspace_id)?;
    let step_up_after = step_up_before.patched(patch.step_up, patch.keys_may_decide_critical);
    step_up::store(ctx.conn, workspace_id, &step_up_after)?;
    let view = |s: PolicySettings, a: &ApprovalSettings, u: &StepUpSettings| view(s, a, u);
    audit::record(
        ctx.conn,
        now,
        Entry {
            workspace_id: Some(workspace_id),
            actor,
            event: EventType::PolicySettingsChanged,
            subject: None,
            details: Some(json!({
                "before": view(before, &approvals_before, &step_up_before),
                "after": view(after, &approvals_after, &step_up_after),
            })),
        },
    )?;
    Ok(after)
}

/// The whole settings object as the API shows it: the dial, part 2's members, then step-up
/// (`stepUp` as it applies, following `require_two_factor` until set).
pub fn view(s: PolicySettings, a: &ApprovalSettings, u: &StepUpSettings) -> Value {
    let mut v = json!({"autonomyLevel": s.autonomy_level, "autonomyShadow": s.autonomy_shadow});
    if let (Value::Object(o), Ok(Value::Object(rest))) = (&mut v, serde_json::to_value(a)) {
        o.extend(rest);
        o.insert("stepUp".into(), u.on().into());
        o.insert(
            "keysMayDecideCritical".into(),
            u.keys_may_decide_critical.into(),
        );
    }
    v
}

/// The key's cap, if it has one.
pub fn key_level(conn: &Connection, key: ApiKeyId) -> AppResult<Option<u8>> {
    Ok(conn
        .prepare_cached("SELECT autonomy_level FROM api_keys WHERE id = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Sets or clears a key's cap (`holdpoint key create --autonomy N`, the keys page).
pub fn set_key_level(conn: &Connection, key: ApiKeyId, level: Option<u8>) -> AppResult<()> {
    conn.prepare_cached("UPDATE api_keys SET autonomy_level = ?2 WHERE id = ?1")?
        .execute(params![key, level])?;
    Ok(())
}

/// An agent's cap, if it has one (None also for an agent not yet seen).
pub fn agent_level(conn: &Connection, fleet: Fleet, name: &str) -> AppResult<Option<u8>> {
    Ok(conn
        .prepare_cached(
            "SELECT autonomy_level FROM agents WHERE workspace_id = ?1 AND is_test = ?2
             AND name = ?3",
        )?
        .query_row(params![fleet.workspace_id, fleet.test, name], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Sets or clears an agent's cap (its page, for owners and admins), audited as
/// `agent.autonomy_changed` with before and after; the same value changes and records nothing.
pub fn set_agent_level(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    (fleet, name): (Fleet, &str),
    actor: Actor,
    level: Option<u8>,
) -> AppResult<()> {
    let agent = agents::require(ctx.conn, fleet, name)?;
    let before = agent_level(ctx.conn, fleet, name)?;
    if before == level {
        return Ok(());
    }
    ctx.conn
        .prepare_cached("UPDATE agents SET autonomy_level = ?2 WHERE id = ?1")?
        .execute(params![agent.id, level])?;
    audit::record(
        ctx.conn,
        now,
        Entry {
            workspace_id: Some(fleet.workspace_id),
            actor,
            event: EventType::AgentAutonomyChanged,
            subject: Some(name.to_string()),
            details: Some(json!({"before": before, "after": level, "test": fleet.test})),
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agents_cap_is_set_cleared_and_audited_once_per_change() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0);
             INSERT INTO agents (workspace_id, is_test, name, first_seen_at, last_seen_at)
                 VALUES (1, 0, 'bot', 0, 0);",
        )
        .unwrap();
        let fleet = Fleet::new(WorkspaceId(1), false);
        let set = |level| {
            set_agent_level(
                &mut WriteCtx::new(&conn),
                1,
                (fleet, "bot"),
                Actor::Cli,
                level,
            )
        };
        set(Some(30)).unwrap();
        set(Some(30)).unwrap();
        assert_eq!(agent_level(&conn, fleet, "bot").unwrap(), Some(30));
        set(None).unwrap();
        assert_eq!(agent_level(&conn, fleet, "bot").unwrap(), None);
        let test_fleet = Fleet::new(WorkspaceId(1), true);
        assert_eq!(agent_level(&conn, test_fleet, "bot").unwrap(), None);
        let audited: i64 = conn
            .query_row(
                "SELECT count(*) FROM audit_log WHERE event = 'agent.autonomy_changed'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audited, 2);
        let missing = set_agent_level(
            &mut WriteCtx::new(&conn),
            1,
            (fleet, "nobody"),
            Actor::Cli,
            Some(1),
        );
        assert!(matches!(missing, Err(AppError::NotFound(_))));
    }
}
