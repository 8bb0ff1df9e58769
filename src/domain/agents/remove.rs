//! Removing agents: an owner or admin deletes one (its pending pauses cancelled, in batches,
//! then its history, guidance and pin removed with the row, which frees its name and its slot
//! of the fleet at once), and housekeeping purges agents nobody has seen for the retention
//! period (90 days when retention is off), so agent rows cannot pile up for ever.

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::cancel::Target;
use super::control::Controller;
use super::{Control, Fleet};
use crate::db::WriteCtx;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::ids::{AgentId, WorkspaceId};
use crate::domain::usage::DAY_MS;
use crate::domain::Millis;
use crate::error::AppResult;

/// How long an agent may go unseen in a workspace without retention before it is purged.
pub const UNSEEN_DAYS_WITHOUT_RETENTION: i64 = 90;
/// Agents purged per writer job.
pub const PURGE_BATCH: i64 = 200;

/// First step of a delete: the agent is marked cancelled (new pauses naming it are refused)
/// and what to cancel is handed back; [`finish_delete`] follows once the batches are done.
pub fn start_delete(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    fleet: Fleet,
    name: &str,
) -> AppResult<Target> {
    let agent = super::require(ctx.conn, fleet, name)?;
    if agent.control != Control::Cancelled {
        super::control::write_control(ctx, now, &agent, Control::Cancelled)?;
    }
    Target::agent(ctx.conn, &agent)
}

/// Removes the agent with its history, guidance, cancelled runs and pin; audited. Pauses keep
/// the name they were asked with. A later heartbeat makes a new agent.
pub fn finish_delete(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    fleet: Fleet,
    name: &str,
    by: &Controller,
) -> AppResult<()> {
    let agent = super::require(ctx.conn, fleet, name)?;
    delete_rows(ctx.conn, agent.id)?;
    ctx.wake(crate::waiters::Topic::Agent(agent.id));
    let entry = Entry {
        workspace_id: Some(fleet.workspace_id),
        actor: by.actor,
        event: EventType::AgentDeleted,
        subject: Some(name.to_string()),
        details: Some(json!({ "mode": fleet.mode(), "run": agent.run })),
    };
    audit::record(ctx.conn, now, entry)?;
    Ok(())
}

fn delete_rows(conn: &Connection, id: AgentId) -> AppResult<()> {
    for sql in [
        "DELETE FROM agent_history WHERE agent_id = ?1",
        "DELETE FROM agent_guidance WHERE agent_id = ?1",
        "DELETE FROM cancelled_runs WHERE agent_id = ?1",
        "DELETE FROM agents WHERE id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([id])?;
    }
    Ok(())
}

/// Each workspace with the days after which its unseen agents go: its retention, else 90.
pub fn purge_policies(conn: &Connection) -> AppResult<Vec<(WorkspaceId, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, coalesce(context_retention_days, ?1) FROM workspaces ORDER BY id",
    )?;
    let rows = stmt.query_map([UNSEEN_DAYS_WITHOUT_RETENTION], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Purges up to [`PURGE_BATCH`] agents of the workspace (both modes) last seen more than `days`
/// before `now` and with no pause waiting, with their history and guidance; one audit row
/// with the count. Returns how many went.
pub fn purge_unseen(
    conn: &Connection,
    now: Millis,
    ws: WorkspaceId,
    days: i64,
) -> AppResult<usize> {
    let cutoff = now - days * DAY_MS;
    let ids: Vec<AgentId> = conn
        .prepare_cached(
            "SELECT a.id FROM agents a WHERE a.workspace_id = ?1 AND a.last_seen_at < ?2
             AND NOT EXISTS (SELECT 1 FROM pauses p WHERE p.workspace_id = a.workspace_id
                 AND p.is_test = a.is_test AND p.agent = a.name AND p.status = 'pending')
             ORDER BY a.id LIMIT ?3",
        )?
        .query_map(params![ws, cutoff, PURGE_BATCH], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in &ids {
        delete_rows(conn, *id)?;
    }
    if !ids.is_empty() {
        let entry = Entry {
            workspace_id: Some(ws),
            actor: Actor::System,
            event: EventType::AgentsPurged,
            subject: Some(ws.to_string()),
            details: Some(json!({ "agents": ids.len(), "unseenDays": days })),
        };
        audit::record(conn, now, entry)?;
    }
    Ok(ids.len())
}
