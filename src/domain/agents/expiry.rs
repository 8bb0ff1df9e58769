//! As the reference docs describe: when a pause of a named agent expires without a decision,
//! the agent is paused (a workspace setting, on by default), so it does not go on alone past a
//! question nobody answered. Done by the expiry sweep, in the transaction that expires the pause.

use crate::db::sql::params;

use super::control::{agent_event, write_control, Controller};
use super::{Control, Fleet};
use crate::db::WriteCtx;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::domain::outbox;
use crate::domain::pauses::Pause;
use crate::domain::Millis;
use crate::error::AppResult;

/// Whether an expired pause pauses its agent in this workspace.
pub fn enabled(conn: &crate::db::sql::Connection, ws: WorkspaceId) -> AppResult<bool> {
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

/// Queues one "expired without a decision" email to each approver who was emailed about
/// `pause` (a sent or possibly sent approval email), for a live pause that names an agent.
pub fn queue_emails(ctx: &mut WriteCtx<'_>, now: Millis, pause: &Pause) -> AppResult<()> {
    if pause.agent.is_none() || pause.test {
        return Ok(());
    }
    let notified: Vec<(UserId, String)> = ctx
        .conn
        .prepare_cached(
            "SELECT DISTINCT o.user_id, o.target FROM outbox o
             JOIN outbox_attempts a ON a.outbox_id = o.id
             WHERE o.pause_id = ?1 AND o.channel = 'email' AND o.event = ?2
               AND o.user_id IS NOT NULL AND a.outcome IN ('delivered', 'unknown')
             ORDER BY o.user_id",
        )?
        .query_map(params![pause.id, EventType::PauseCreated], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    for (user_id, email) in notified {
        let to = (user_id, email.as_str());
        outbox::enqueue_pause_email(ctx, now, pause, to, EventType::PauseExpired)?;
    }
    Ok(())
}

/// Pauses the agent of `pause`, just expired, if the workspace wants it and the agent is running
/// (a paused or cancelled agent is left as it is). Only the agent of the pause's own mode: a
/// test pause never pauses a live agent of the same name. Returns whether it did.
pub fn on_expired(ctx: &mut WriteCtx<'_>, now: Millis, pause: &Pause) -> AppResult<bool> {
    let (Some(name), ws) = (&pause.agent, pause.workspace_id) else {
        return Ok(false);
    };
    if !enabled(ctx.conn, ws)? {
        return Ok(false);
    }
    let fleet = Fleet::new(ws, pause.test);
    let Some(agent) = super::get(ctx.conn, fleet, name)? else {
        return Ok(false);
    };
    if agent.control != Control::Running {
        return Ok(false);
    }
    write_control(ctx, now, &agent, Control::Paused)?;
    let by = Controller {
        actor: Actor::System,
        label: format!(
            "Holdpoint: pause {} expired without a decision",
            pause.watch_id
        ),
    };
    let after = super::require(ctx.conn, fleet, name)?;
    agent_event(ctx, now, &after, EventType::AgentPaused, &by, None, None)?;
    Ok(true)
}
