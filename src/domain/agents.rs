//! Agents: one row per agent name per workspace, created by the agent's first pause or
//! heartbeat. It holds what the agent last reported (state, tool, progress, run) and the control
//! a person set (running, paused, cancelled); the workspace's emergency stop is kept apart on the
//! workspace, and the two combine into the agent's [`Agent::effective`] control.
//!
//! Heartbeats must not flood the single writer (10,000 agents beating every few seconds would
//! be thousands of commits a second that change nothing). A heartbeat is compared with the row
//! the handler reads anyway to answer the agent's control: it goes to the writer only when the
//! report differs from the row, or when `last_seen_at` is older than [`SEEN_EVERY_MS`]. Keeping
//! the latest beats in memory instead would make every reader merge two sources and lose them
//! on a restart; comparing with the row costs one indexed read per beat and keeps the database
//! the only truth. History rows are written only when the reported state or run changes, inside
//! the write job, so two racing identical beats still make one row.

use rusqlite::{params, Connection, OptionalExtension, Row};

pub use super::agent_list::{history, list, pending_pauses, Filter, HistoryRow, Page};
use super::sql_enum::sql_enum;
use super::Millis;
use crate::db::WriteCtx;
use crate::domain::ids::{AgentId, WorkspaceId};
use crate::error::{AppError, AppResult};

/// A heartbeat that changes nothing is written at most this often (to refresh `last_seen_at`).
pub const SEEN_EVERY_MS: Millis = 10_000;
/// State changes kept per agent.
pub const HISTORY_KEPT: i64 = 50;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_TOOL_CHARS: usize = 200;

sql_enum! {
    /// What an agent says it is doing.
    pub enum AgentState {
        Idle => "idle",
        Thinking => "thinking",
        Acting => "acting",
        Waiting => "waiting",
        Complete => "complete",
        Error => "error",
    }
}

sql_enum! {
    /// What a person told the agent to do (and, combined with the stop, what it reads).
    pub enum Control {
        Running => "running",
        Paused => "paused",
        Cancelled => "cancelled",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: AgentId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub first_seen_at: Millis,
    pub last_seen_at: Millis,
    pub state: Option<AgentState>,
    pub tool: Option<String>,
    pub progress: Option<i64>,
    pub run: Option<String>,
    /// As a person set it, without the workspace's stop.
    pub control: Control,
    pub control_changed_at: Option<Millis>,
    pub guidance_seq: i64,
}

impl Agent {
    /// Paused if a person paused it or the workspace is stopped; a cancel wins over both.
    pub fn effective(&self, stopped: bool) -> Control {
        match self.control {
            Control::Running if stopped => Control::Paused,
            c => c,
        }
    }
}

pub(crate) const SELECT: &str = "SELECT id, workspace_id, name, first_seen_at, last_seen_at, state,
    tool, progress, run, control, control_changed_at, guidance_seq FROM agents";

pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Agent> {
    Ok(Agent {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        name: r.get(2)?,
        first_seen_at: r.get(3)?,
        last_seen_at: r.get(4)?,
        state: r.get(5)?,
        tool: r.get(6)?,
        progress: r.get(7)?,
        run: r.get(8)?,
        control: r.get(9)?,
        control_changed_at: r.get(10)?,
        guidance_seq: r.get(11)?,
    })
}

/// Checks an agent or run name: 1 to 100 of `[A-Za-z0-9._:-]`, not only dots (so it is a safe
/// path segment). `field` names it in the error.
pub fn validate_name(field: &str, raw: &str) -> AppResult<String> {
    let chars = raw.chars().count();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-');
    let why = if chars == 0 || chars > MAX_NAME_CHARS {
        format!("has 1 to {MAX_NAME_CHARS} characters (got {chars})")
    } else if !raw.chars().all(allowed) {
        "may contain only letters, digits, `.`, `_`, `:` and `-`".to_string()
    } else if raw.chars().all(|c| c == '.') {
        "must not be made only of dots".to_string()
    } else {
        return Ok(raw.to_string());
    };
    Err(AppError::invalid(field, format!("`{field}` {why}")))
}

/// An agent of this workspace by name.
pub fn get(conn: &Connection, ws: WorkspaceId, name: &str) -> AppResult<Option<Agent>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE workspace_id = ?1 AND name = ?2"))?
        .query_row(params![ws, name], from_row)
        .optional()?)
}

pub fn not_found(name: &str) -> AppError {
    AppError::NotFound(format!("no agent named `{name}` in this workspace"))
}

/// The agent, or 404.
pub fn require(conn: &Connection, ws: WorkspaceId, name: &str) -> AppResult<Agent> {
    get(conn, ws, name)?.ok_or_else(|| not_found(name))
}

/// When the workspace's emergency stop was pulled, if it is on.
pub fn stopped_at(conn: &Connection, ws: WorkspaceId) -> AppResult<Option<Millis>> {
    Ok(conn
        .prepare_cached("SELECT agents_stopped_at FROM workspaces WHERE id = ?1")?
        .query_row([ws], |r| r.get(0))?)
}

/// Whether `run` was cancelled for this agent (or for every agent of the run).
pub fn run_cancelled(
    conn: &Connection,
    ws: WorkspaceId,
    run: &str,
    agent: Option<AgentId>,
) -> AppResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM cancelled_runs WHERE workspace_id = ?1 AND run = ?2
             AND (agent_id IS NULL OR agent_id = ?3))",
        )?
        .query_row(params![ws, run, agent], |r| r.get(0))?)
}

pub fn run_conflict(run: &str) -> AppError {
    AppError::Conflict {
        detail: format!("run `{run}` was cancelled; start a new run (a new `run` value) to go on"),
        current: None,
    }
}

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
    conn.prepare_cached("UPDATE agents SET last_seen_at = max(last_seen_at, ?2) WHERE id = ?1")?
        .execute(params![id, now])?;
    Ok(())
}

/// A reported field (`Some`) that is not what is stored.
fn differs<T: PartialEq>(new: &Option<Option<T>>, old: &Option<T>) -> bool {
    new.as_ref().is_some_and(|n| n != old)
}

/// Records a report (creating the agent), in the writer. A new `run` ends a cancel: the agent
/// runs again. A run that was cancelled is refused (409) and nothing is written.
pub fn report(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    name: &str,
    rep: &Report,
) -> AppResult<Agent> {
    let conn = ctx.conn;
    let before = touch(conn, now, ws, name)?;
    if let Some(run) = &rep.run {
        if run_cancelled(conn, ws, run, Some(before.id))? {
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
    let after = get(conn, ws, name)?.ok_or_else(|| not_found(name))?;
    if after.state != before.state || after.run != before.run {
        add_history(conn, now, &after)?;
    }
    if restart {
        ctx.wake(crate::waiters::Topic::Agent(after.id));
    }
    Ok(after)
}

/// The agent as of now (created if new), with `last_seen_at` set to `now`.
fn touch(conn: &Connection, now: Millis, ws: WorkspaceId, name: &str) -> AppResult<Agent> {
    conn.prepare_cached(
        "INSERT INTO agents (workspace_id, name, first_seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (workspace_id, name) DO UPDATE SET last_seen_at = excluded.last_seen_at",
    )?
    .execute(params![ws, name, now])?;
    get(conn, ws, name)?.ok_or_else(|| not_found(name))
}

fn add_history(conn: &Connection, now: Millis, a: &Agent) -> AppResult<()> {
    conn.prepare_cached(
        "INSERT INTO agent_history (agent_id, at, state, tool, run) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![a.id, now, a.state, a.tool, a.run])?;
    conn.prepare_cached(
        "DELETE FROM agent_history WHERE agent_id = ?1 AND id <= (SELECT id FROM agent_history
         WHERE agent_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    )?
    .execute(params![a.id, HISTORY_KEPT])?;
    Ok(())
}

/// A pause names its agent and run: the agent is created or seen, a cancelled run is refused,
/// and a cancelled agent may only ask again from a new run.
pub fn on_pause(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    agent: Option<&str>,
    run: Option<&str>,
) -> AppResult<()> {
    let Some(name) = agent else {
        return match run {
            Some(run) if run_cancelled(ctx.conn, ws, run, None)? => Err(run_conflict(run)),
            _ => Ok(()),
        };
    };
    let rep = Report {
        run: run.map(str::to_string),
        ..Report::default()
    };
    let a = report(ctx, now, ws, name, &rep)?;
    if a.control == Control::Cancelled {
        return Err(AppError::Conflict {
            detail: format!(
                "agent `{name}` was cancelled; send a new `run` to start it running again"
            ),
            current: None,
        });
    }
    Ok(())
}

#[cfg(test)]
#[path = "agents_tests.rs"]
mod tests;
