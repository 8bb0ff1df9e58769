//! Cancelling an agent or a run: first the agent or run is marked cancelled (so new pauses and
//! heartbeats of it are refused), in one writer job; then its pending pauses are cancelled at
//! most [`BATCH`] per writer job, so thousands of them never hold every workspace's writes at
//! once. Cancelling again finishes a cancel that was cut short (a restart between batches).

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::control::{agent_event, write_control, Controller};
use super::{Agent, Fleet};
use crate::db::WriteCtx;
use crate::domain::audit::{Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::ids::AgentId;
use crate::domain::pauses::{self, Pause, Transition};
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

/// Pauses cancelled per writer job.
pub const BATCH: i64 = 500;

/// The pending pauses a cancel ends: of one agent, or of one run (any agent's), in a fleet,
/// created up to the moment of the cancel (an agent that starts a new run meanwhile keeps
/// the pauses it asks from it).
#[derive(Debug, Clone)]
pub struct Target {
    fleet: Fleet,
    /// `agent` or `run`: the column the name is in.
    column: &'static str,
    name: String,
    /// The newest pause id when the cancel was made.
    upto: i64,
}

impl Target {
    pub fn agent(conn: &Connection, agent: &Agent) -> AppResult<Target> {
        Ok(Target {
            fleet: agent.fleet(),
            column: "agent",
            name: agent.name.clone(),
            upto: newest_pause(conn)?,
        })
    }

    pub fn run(conn: &Connection, fleet: Fleet, run: &str) -> AppResult<Target> {
        Ok(Target {
            fleet,
            column: "run",
            name: run.to_string(),
            upto: newest_pause(conn)?,
        })
    }

    /// Pending and not yet expired at `now` (an expired one is the expiry sweep's), as the
    /// cancel's compare-and-set wants them: a selected pause is always changed.
    fn select(&self, conn: &Connection, now: Millis, limit: i64) -> AppResult<Vec<Pause>> {
        let sql = format!(
            "{} WHERE p.workspace_id = ?1 AND p.is_test = ?2 AND p.{} = ?3 AND p.id <= ?4
             AND p.status = 'pending' AND (p.expires_at > ?5 OR p.on_timeout = 'wait') ORDER BY p.id LIMIT ?6",
            pauses::select(conn),
            self.column
        );
        let f = self.fleet;
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![f.workspace_id, f.test, self.name, self.upto, now, limit],
            pauses::from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The watch ids the cancel will end (an agent has at most `MAX_PENDING`).
    pub fn pending_ids(&self, conn: &Connection, now: Millis) -> AppResult<Vec<String>> {
        Ok(self
            .select(conn, now, super::MAX_PENDING)?
            .iter()
            .map(|p| p.watch_id.to_string())
            .collect())
    }
}

fn newest_pause(conn: &Connection) -> AppResult<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM pauses")?
        .query_row([], |r| r.get(0))?)
}

/// Cancels up to [`BATCH`] of `target`'s pending pauses through the same path as an agent's own
/// cancel; returns their watch ids (none left: empty).
pub fn batch(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    target: &Target,
    by: &Controller,
) -> AppResult<Vec<String>> {
    let mut ids = Vec::new();
    for p in target.select(ctx.conn, now, BATCH)? {
        if cancel_one(ctx, now, &p, by.actor, target.column)? {
            ids.push(p.watch_id.to_string());
        }
    }
    Ok(ids)
}

/// Cancels one pause as part of a cancel of its agent or run, through the same compare-and-set
/// as an agent's own cancel, audited with what it was cancelled with. Whether it was pending.
pub(super) fn cancel_one(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    p: &Pause,
    actor: Actor,
    with: &str,
) -> AppResult<bool> {
    let entry = Entry {
        workspace_id: Some(p.workspace_id),
        actor,
        event: EventType::PauseCancelled,
        subject: Some(p.watch_id.to_string()),
        details: Some(json!({ "agent": p.agent, "run": p.run, "cancelledWith": with })),
    };
    let changed = pauses::cancel_as(ctx, now, p, entry)?;
    Ok(matches!(changed, Transition::Changed(_)))
}

/// Records that `run` was cancelled in `fleet`: for one agent, or (`None`) for every agent.
pub(super) fn mark_run(
    conn: &Connection,
    now: Millis,
    fleet: Fleet,
    run: &str,
    agent: Option<AgentId>,
) -> AppResult<()> {
    conn.prepare_cached(
        "INSERT INTO cancelled_runs (workspace_id, is_test, run, agent_id, cancelled_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![fleet.workspace_id, fleet.test, run, agent, now])?;
    Ok(())
}

/// Marks a run cancelled for every agent of the fleet and cancels the agents now running it;
/// its pending pauses are left to [`batch`]. Later pauses and heartbeats of the run are
/// refused. A run no pause or agent of the fleet ever named is 404.
pub fn cancel_run(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    fleet: Fleet,
    run: &str,
    by: &Controller,
) -> AppResult<(Target, Vec<String>)> {
    let conn = ctx.conn;
    let (ws, test) = (fleet.workspace_id, fleet.test);
    let known: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM pauses WHERE workspace_id = ?1 AND is_test = ?2
                            AND run = ?3)
             OR EXISTS (SELECT 1 FROM agents WHERE workspace_id = ?1 AND is_test = ?2
                        AND run = ?3)",
        )?
        .query_row(params![ws, test, run], |r| r.get(0))?;
    if !known {
        return Err(unknown_run(run));
    }
    if !super::run_cancelled(conn, fleet, run, None)? {
        mark_run(conn, now, fleet, run, None)?;
    }
    let target = Target::run(conn, fleet, run)?;
    let running: Vec<Agent> = conn
        .prepare_cached(&format!(
            "{} WHERE workspace_id = ?1 AND is_test = ?2 AND run = ?3 AND control <> 'cancelled'
             ORDER BY id",
            super::SELECT
        ))?
        .query_map(params![ws, test, run], super::from_row)?
        .collect::<Result<_, _>>()?;
    let mut agents = Vec::new();
    for a in running {
        write_control(ctx, now, &a, super::Control::Cancelled)?;
        let after = super::require(ctx.conn, fleet, &a.name)?;
        agent_event(ctx, now, &after, EventType::AgentCancelled, by, None, None)?;
        agents.push(a.name);
    }
    Ok((target, agents))
}

pub fn unknown_run(run: &str) -> AppError {
    AppError::NotFound(format!(
        "no pause or agent named run `{run}` in this workspace"
    ))
}

#[cfg(test)]
#[path = "cancel_tests.rs"]
mod tests;
