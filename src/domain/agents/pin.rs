//! Pinning: an owner or admin lets only one API key report as an agent. Unpinned, any key of
//! the workspace and mode with `pauses` may report as any agent name, so a leaked or careless
//! key could speak for an agent operators trust; a pin makes every other key's heartbeat,
//! control read, control and pause naming the agent a 403 (`agent-pinned`).

use crate::db::sql::{params, Connection, OptionalExtension};
use serde_json::json;

use super::{Agent, Fleet};
use crate::db::WriteCtx;
use crate::domain::api_keys::{self, KeyInfo};
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::ids::ApiKeyId;
use crate::domain::scopes::KeyScope;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

/// The pinned key as people see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedKey {
    pub name: String,
    pub prefix: String,
}

/// The name and prefix of the key `agent` is pinned to, if any.
pub fn pinned_key(conn: &Connection, agent: &Agent) -> AppResult<Option<PinnedKey>> {
    let Some(id) = agent.pinned_key_id else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached("SELECT name, prefix FROM api_keys WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(PinnedKey {
                name: r.get(0)?,
                prefix: r.get(1)?,
            })
        })
        .optional()?)
}

/// The keys an agent of `fleet` may be pinned to: the unrevoked keys of its workspace and mode
/// that hold `pauses` (a key that cannot report would silence the agent).
pub fn candidates(conn: &Connection, fleet: Fleet) -> AppResult<Vec<KeyInfo>> {
    Ok(api_keys::list(conn, fleet.workspace_id)?
        .into_iter()
        .filter(|k| k.revoked_at.is_none() && k.test == fleet.test)
        .filter(|k| k.scopes.has(KeyScope::Pauses))
        .collect())
}

/// Pins the agent to `key` (or unpins it with `None`), audited as `agent.pinned` or
/// `agent.unpinned`. The key must be one of the [`candidates`]. The pin it already has
/// changes and records nothing.
pub fn set_pin(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    fleet: Fleet,
    name: &str,
    key: Option<ApiKeyId>,
    actor: Actor,
) -> AppResult<Agent> {
    let agent = super::require(ctx.conn, fleet, name)?;
    if agent.pinned_key_id == key {
        return Ok(agent);
    }
    if let Some(id) = key {
        if !candidates(ctx.conn, fleet)?.iter().any(|k| k.id == id) {
            return Err(AppError::invalid(
                "key",
                format!(
                    "pin the agent to an unrevoked {} key of this workspace with the `pauses` \
                     scope",
                    fleet.mode()
                ),
            ));
        }
    }
    ctx.conn
        .prepare_cached("UPDATE agents SET pinned_key_id = ?2 WHERE id = ?1")?
        .execute(params![agent.id, key])?;
    let after = super::require(ctx.conn, fleet, name)?;
    let shown = pinned_key(ctx.conn, &after)?;
    let (event, details) = match &shown {
        Some(k) => (
            EventType::AgentPinned,
            json!({ "mode": fleet.mode(), "key": k.name, "prefix": k.prefix }),
        ),
        None => (EventType::AgentUnpinned, json!({ "mode": fleet.mode() })),
    };
    let entry = Entry {
        workspace_id: Some(fleet.workspace_id),
        actor,
        event,
        subject: Some(name.to_string()),
        details: Some(details),
    };
    audit::record(ctx.conn, now, entry)?;
    Ok(after)
}

/// The names of the agents (of either mode) pinned to `key`, in name order: the keys API's
/// `pinnedAgents`.
pub fn pinned_to(conn: &Connection, key: ApiKeyId) -> AppResult<Vec<String>> {
    Ok(conn
        .prepare_cached("SELECT name FROM agents WHERE pinned_key_id = ?1 ORDER BY name")?
        .query_map([key], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}
