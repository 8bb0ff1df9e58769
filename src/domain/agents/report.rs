//! What agents report: a heartbeat's state, tool, progress and run, and the agent and run a new
//! pause names. Both create the agent on first sight, within the caps of its fleet.

use crate::db::sql::{params, Connection};

use super::{
    get, not_found, run_cancelled, run_conflict, Agent, AgentState, Control, Fleet, HISTORY_KEPT,
    MAX_AGENTS, MAX_PENDING, SEEN_EVERY_MS,
};
use crate::db::WriteCtx;
use crate::domain::ids::{AgentId, ApiKeyId};
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

/// What one heartbeat reports; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub state: Option<AgentState>,
    pub tool: Option<Option<String>>,
    pub progress: Option<Option<i64>>,
    pub run: Option<String>,
}

/// What a heartbeat needs from the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// The row already says all of it.
    Nothing,
    /// Only `last_seen_at` is stale: refreshed in the background (the agent need not wait for
    /// a commit that changes nothing it reads).
    Seen,
    /// The report changes the row (or creates it): written before the answer.
    Report,
}

impl Report {
    /// What writing this report would change in `agent` (seen at `now`).
    pub fn write_needed(&self, agent: Option<&Agent>, now: Millis) -> Write {
        let Some(a) = agent else {
            return Write::Report;
        };
        let changes = self.state.is_some_and(|s| a.state != Some(s))
            || differs(&self.tool, &a.tool)
            || differs(&self.progress, &a.progress)
            || self.run.as_ref().is_some_and(|r| a.run.as_ref() != Some(r));
        match (changes, now - a.last_seen_at >= SEEN_EVERY_MS) {
            (true, _) => Write::Report,
            (false, true) => Write::Seen,
            (false, false) => Write::Nothing,
        }
    }
}

/// Refreshes `last_seen_at` (never backwards).
pub fn seen(conn: &Connection, id: AgentId, now: Millis) -> AppResult<()> {
    conn.prepare_cached(conn.pick(
        "UPDATE agents SET last_seen_at = max(last_seen_at, ?2) WHERE id = ?1",
        "UPDATE agents SET last_seen_at = GREATEST(last_seen_at, ?2) WHERE id = ?1",
    ))?
    .execute(params![id, now])?;
    Ok(())
}

/// A reported field (`Some`) that is not what is stored.
fn differs<T: PartialEq>(new: &Option<Option<T>>, old: &Option<T>) -> bool {
    new.as_ref().is_some_and(|n| n != old)
}

/// Records a report by `key` (creating the agent), in the writer. A new `run` ends a cancel:
/// the agent runs again. A run that was cancelled is refused (409), an agent pinned to another
/// key too (403), and nothing is written.
pub fn report(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    fleet: Fleet,
    key: ApiKeyId,
    name: &str,
    rep: &Report,
) -> AppResult<Agent> {
    let conn = ctx.conn;
    let before = touch(conn, now, fleet, key, name)?;
    if let Some(run) = &rep.run {
        if run_cancelled(conn, fleet, run, Some(before.id))? {
            return Err(run_conflict(run));
        }
    }
    let new_run = rep.run.is_some() && rep.run != before.run;
    let restart = new_run && before.control == Control::Cancelled;
    conn.prepare_cached(
        "UPDATE agents SET state = coalesce(?2, state),
            tool = CASE WHEN ?3 THEN ?4 ELSE tool END,
            progress = CASE WHEN ?5 THEN ?6 ELSE progress END,
            run = coalesce(?7, run),
            control = CASE WHEN ?8 THEN 'running' ELSE control END,
            control_changed_at = CASE WHEN ?8 THEN ?9 ELSE control_changed_at END
         WHERE id = ?1",
    )?
    .execute(params![
        before.id,
        rep.state,
        rep.tool.is_some(),
        rep.tool.clone().flatten(),
        rep.progress.is_some(),
        rep.progress.flatten(),
        rep.run,
        restart,
        now
    ])?;
    let after = get(conn, fleet, name)?.ok_or_else(|| not_found(name))?;
    if after.state != before.state || after.run != before.run {
        add_history(conn, now, &after)?;
    }
    if after.state != before.state {
        super::control::state_reported(ctx, now, &after)?;
    }
    if restart {
        ctx.wake(crate::waiters::Topic::Agent(after.id));
    }
    Ok(after)
}

/// The agent as it was before this report (its row's `last_seen_at` now refreshed; the caller
/// reads the row again after its update); a new name is created unless the fleet already has
/// [`MAX_AGENTS`]. An agent pinned to another key is refused untouched.
fn touch(
    conn: &Connection,
    now: Millis,
    fleet: Fleet,
    key: ApiKeyId,
    name: &str,
) -> AppResult<Agent> {
    if let Some(a) = get(conn, fleet, name)? {
        a.check_pin(key)?;
        super::seen(conn, a.id, now)?;
        return Ok(a);
    }
    check_room(conn, fleet)?;
    conn.prepare_cached(
        "INSERT INTO agents (workspace_id, is_test, name, first_seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![fleet.workspace_id, fleet.test, name, now])?;
    get(conn, fleet, name)?.ok_or_else(|| not_found(name))
}

/// Refuses a new agent once the fleet has [`MAX_AGENTS`].
fn check_room(conn: &Connection, fleet: Fleet) -> AppResult<()> {
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM agents WHERE workspace_id = ?1 AND is_test = ?2")?
        .query_row(params![fleet.workspace_id, fleet.test], |r| r.get(0))?;
    if count >= MAX_AGENTS {
        return Err(AppError::invalid(
            "agent",
            format!(
                "this workspace already has {MAX_AGENTS} {} agents; delete one on the Agents page",
                fleet.mode()
            ),
        ));
    }
    Ok(())
}

fn add_history(conn: &Connection, now: Millis, a: &Agent) -> AppResult<()> {
    conn.prepare_cached(
        "INSERT INTO agent_history (agent_id, is_test, at, state, tool, run)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![a.id, a.test, now, a.state, a.tool, a.run])?;
    conn.prepare_cached(
        "DELETE FROM agent_history WHERE agent_id = ?1 AND is_test = ?2 AND id <= (SELECT id
         FROM agent_history WHERE agent_id = ?1 AND is_test = ?2 ORDER BY id DESC
         LIMIT 1 OFFSET ?3)",
    )?
    .execute(params![a.id, a.test, HISTORY_KEPT])?;
    Ok(())
}

/// A pause by `key` names its agent and run in the key's fleet: the agent is created or seen,
/// a cancelled run is refused, a cancelled agent may only ask again from a new run, an agent
/// pinned to another key is refused, and so is an agent with [`MAX_PENDING`] pauses waiting.
pub fn on_pause(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    fleet: Fleet,
    key: ApiKeyId,
    agent: Option<&str>,
    run: Option<&str>,
) -> AppResult<()> {
    let Some(name) = agent else {
        return match run {
            Some(run) if run_cancelled(ctx.conn, fleet, run, None)? => Err(run_conflict(run)),
            _ => Ok(()),
        };
    };
    let rep = Report {
        run: run.map(str::to_string),
        ..Report::default()
    };
    let a = report(ctx, now, fleet, key, name, &rep)?;
    if a.control == Control::Cancelled {
        return Err(cancelled(name));
    }
    if pending_reaches(ctx.conn, fleet, name, MAX_PENDING)? {
        return Err(too_many_pending(name));
    }
    Ok(())
}

/// Every refusal of [`on_pause`], decided from what is stored before anything is written, so a
/// refused create leaves every table as it was (on_pause's own checks then never fire).
pub fn check_pause(
    conn: &Connection,
    fleet: Fleet,
    key: ApiKeyId,
    agent: Option<&str>,
    run: Option<&str>,
) -> AppResult<()> {
    let existing = match agent {
        Some(name) => get(conn, fleet, name)?,
        None => None,
    };
    if let Some(run) = run {
        if run_cancelled(conn, fleet, run, existing.as_ref().map(|a| a.id))? {
            return Err(run_conflict(run));
        }
    }
    let (Some(name), Some(a)) = (agent, existing) else {
        return match agent {
            Some(_) => check_room(conn, fleet),
            None => Ok(()),
        };
    };
    a.check_pin(key)?;
    let restarts = run.is_some_and(|r| a.run.as_deref() != Some(r));
    if a.control == Control::Cancelled && !restarts {
        return Err(cancelled(name));
    }
    if pending_reaches(conn, fleet, name, MAX_PENDING)? {
        return Err(too_many_pending(name));
    }
    Ok(())
}

fn cancelled(name: &str) -> AppError {
    AppError::Conflict {
        detail: format!("agent `{name}` was cancelled; send a new `run` to start it running again"),
        current: None,
    }
}

fn too_many_pending(name: &str) -> AppError {
    AppError::TooManyPending(format!(
        "agent `{name}` already has {MAX_PENDING} pauses waiting for a decision; wait for some \
         to be decided, cancel them, or cancel the agent's run"
    ))
}

/// Whether the agent has `n` or more pauses pending (expired ones the sweep has not reached
/// yet count too): read from the covering index alone and stopped at `n`, since every create
/// naming an agent asks it.
fn pending_reaches(conn: &Connection, fleet: Fleet, name: &str, n: i64) -> AppResult<bool> {
    let found: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM pauses WHERE workspace_id = ?1 AND is_test = ?2
             AND agent = ?3 AND status = 'pending' LIMIT ?4) AS capped",
        )?
        .query_row(params![fleet.workspace_id, fleet.test, name, n], |r| {
            r.get(0)
        })?;
    Ok(found >= n)
}
