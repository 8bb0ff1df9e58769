//! As the reference docs describe: when a pause of a named agent expires without a decision,
//! the agent is paused (a workspace setting, on by default), so it does not go on alone past a
//! question nobody answered. Done by the expiry sweep, in the transaction that expires the pause.

use rusqlite::params;

use super::agent_control::{agent_event, write_control, Who};
use super::agents::{self, Control};
use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::pauses::Pause;
use super::Millis;
use crate::db::WriteCtx;
use crate::domain::ids::WorkspaceId;
use crate::error::AppResult;

/// Whether an expired pause pauses its agent in this workspace.
pub fn enabled(conn: &rusqlite::Connection, ws: WorkspaceId) -> AppResult<bool> {
    Ok(conn
        .prepare_cached("SELECT pause_agent_on_expiry FROM workspaces WHERE id = ?1")?
        .query_row([ws], |r| r.get(0))?)
}

/// Turns the setting on or off (audited as a settings change).
pub fn set(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    on: bool,
    actor: Actor,
) -> AppResult<()> {
    ctx.conn
        .prepare_cached("UPDATE workspaces SET pause_agent_on_expiry = ?2 WHERE id = ?1")?
        .execute(params![ws, on])?;
    let entry = Entry {
        workspace_id: Some(ws),
        actor,
        event: EventType::WorkspaceSettingsChanged,
        subject: Some(ws.to_string()),
        details: Some(serde_json::json!({ "pauseAgentOnExpiry": on })),
    };
    audit::record(ctx.conn, now, entry)?;
    Ok(())
}

/// Pauses the agent of `pause`, just expired, if the workspace wants it and the agent is running
/// (a paused or cancelled agent is left as it is). Returns whether it did.
pub fn on_expired(ctx: &mut WriteCtx<'_>, now: Millis, pause: &Pause) -> AppResult<bool> {
    let (Some(name), ws) = (&pause.agent, pause.workspace_id) else {
        return Ok(false);
    };
    if !enabled(ctx.conn, ws)? {
        return Ok(false);
    }
    let Some(agent) = agents::get(ctx.conn, ws, name)? else {
        return Ok(false);
    };
    if agent.control != Control::Running {
        return Ok(false);
    }
    write_control(ctx, now, &agent, Control::Paused)?;
    let who = Who {
        actor: Actor::System,
        label: format!(
            "Holdpoint: pause {} expired without a decision",
            pause.watch_id
        ),
    };
    let after = agents::require(ctx.conn, ws, name)?;
    agent_event(ctx, now, &after, EventType::AgentPaused, &who, None, None)?;
    Ok(true)
}
