//! Agents: one row per agent name per workspace and mode, created by the agent's first pause or
//! heartbeat. It holds what the agent last reported (state, tool, progress, run) and the control
//! a person set (running, paused, cancelled); the emergency stop of the mode is kept apart on the
//! workspace, and the two combine into the agent's [`Agent::effective`] control.
//!
//! Live and test never meet: a test key reports as, reads and controls only test agents, a live
//! key only live ones, so every function here takes a [`Fleet`] (a workspace and a mode), never
//! a workspace alone.
//!
//! Heartbeats must not flood the single writer (10,000 agents beating every few seconds would
//! be thousands of commits a second that change nothing). A heartbeat is compared with the row
//! the handler reads anyway to answer the agent's control: it goes to the writer only when the
//! report differs from the row, or when `last_seen_at` is older than [`SEEN_EVERY_MS`]. History
//! rows are written only when the reported state or run changes, inside the write job, so two
//! racing identical beats still make one row.

use crate::db::sql::{params, Connection, OptionalExtension, Row};

use super::sql_enum::sql_enum;
use super::Millis;
use crate::domain::api_keys::AuthKey;
use crate::domain::ids::{AgentId, ApiKeyId, WorkspaceId};
use crate::error::{AppError, AppResult};

pub mod cancel;
pub mod control;
pub mod expiry;
pub mod guidance;
pub mod leftovers;
mod list;
pub mod pin;
pub mod remove;
mod report;

pub use list::{history, list, pending_count, pending_pauses, Filter, HistoryRow, Order, Page};
pub use report::{check_pause, on_pause, report, seen, Report, Write};

/// A heartbeat that changes nothing is written at most this often (to refresh `last_seen_at`).
pub const SEEN_EVERY_MS: Millis = 10_000;
/// State changes kept per agent.
pub const HISTORY_KEPT: i64 = 50;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_TOOL_CHARS: usize = 200;
/// Agents per workspace and mode: a key cannot fill the fleet with names past it.
pub const MAX_AGENTS: i64 = 1000;
/// Pending pauses per agent and mode: the next create naming the agent gets 429.
pub const MAX_PENDING: i64 = 1000;
/// Pending pauses an agent's read lists (the oldest; the count is always whole).
pub const PENDING_LISTED: i64 = 100;

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
    #[schema(as = AgentControl)]
    /// What a person told the agent to do (and, combined with the stop, what it reads).
    pub enum Control {
        Running => "running",
        Paused => "paused",
        Cancelled => "cancelled",
    }
}

/// One workspace's agents of one mode (live or test), the space every agent name lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fleet {
    pub workspace_id: WorkspaceId,
    pub test: bool,
}

impl Fleet {
    pub fn new(workspace_id: WorkspaceId, test: bool) -> Fleet {
        Fleet { workspace_id, test }
    }

    /// The fleet a key reports to and controls: its workspace, in its mode.
    pub fn of_key(key: &AuthKey) -> Fleet {
        Fleet::new(key.workspace_id, key.test)
    }

    /// `live` or `test`, for messages.
    pub fn mode(self) -> &'static str {
        match self.test {
            true => "test",
            false => "live",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: AgentId,
    pub workspace_id: WorkspaceId,
    pub test: bool,
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
    /// The only key that may report as this agent, if an owner or admin pinned one.
    pub pinned_key_id: Option<ApiKeyId>,
}

impl Agent {
    /// Paused if a person paused it or its mode's stop is on; a cancel wins over both.
    pub fn effective(&self, stopped: bool) -> Control {
        match self.control {
            Control::Running if stopped => Control::Paused,
            c => c,
        }
    }

    pub fn fleet(&self) -> Fleet {
        Fleet::new(self.workspace_id, self.test)
    }

    /// 403 `agent-pinned` unless `key` may act as this agent (no pin, or the pinned key).
    pub fn check_pin(&self, key: ApiKeyId) -> AppResult<()> {
        match self.pinned_key_id {
            Some(pinned) if pinned != key => Err(AppError::AgentPinned(format!(
                "agent `{}` is pinned to another API key: only that key may report as it, read \
                 its control or control it. An owner or admin can unpin it on the agent's page.",
                self.name
            ))),
            _ => Ok(()),
        }
    }
}

pub(crate) const SELECT: &str = "SELECT id, workspace_id, is_test, name, first_seen_at,
    last_seen_at, state, tool, progress, run, control, control_changed_at, guidance_seq,
    pinned_key_id FROM agents";
/// The number of columns [`SELECT`] reads (a query may add its own after them).
pub(crate) const COLUMNS: usize = 14;

pub(crate) fn from_row(r: &Row<'_>) -> crate::db::sql::Result<Agent> {
    Ok(Agent {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        test: r.get(2)?,
        name: r.get(3)?,
        first_seen_at: r.get(4)?,
        last_seen_at: r.get(5)?,
        state: r.get(6)?,
        tool: r.get(7)?,
        progress: r.get(8)?,
        run: r.get(9)?,
        control: r.get(10)?,
        control_changed_at: r.get(11)?,
        guidance_seq: r.get(12)?,
        pinned_key_id: r.get(13)?,
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

/// An agent of this fleet by name.
pub fn get(conn: &Connection, fleet: Fleet, name: &str) -> AppResult<Option<Agent>> {
    Ok(conn
        .prepare_cached(&format!(
            "{SELECT} WHERE workspace_id = ?1 AND is_test = ?2 AND name = ?3"
        ))?
        .query_row(params![fleet.workspace_id, fleet.test, name], from_row)
        .optional()?)
}

pub fn not_found(name: &str) -> AppError {
    AppError::NotFound(format!("no agent named `{name}` in this workspace"))
}

/// The agent, or 404.
pub fn require(conn: &Connection, fleet: Fleet, name: &str) -> AppResult<Agent> {
    get(conn, fleet, name)?.ok_or_else(|| not_found(name))
}

/// When the fleet's emergency stop was pulled, if it is on.
pub fn stopped_at(conn: &Connection, fleet: Fleet) -> AppResult<Option<Millis>> {
    Ok(conn
        .prepare_cached(
            "SELECT CASE WHEN ?2 THEN test_agents_stopped_at ELSE agents_stopped_at END
             FROM workspaces WHERE id = ?1",
        )?
        .query_row(params![fleet.workspace_id, fleet.test], |r| r.get(0))?)
}

/// Whether `run` was cancelled for this agent (or for every agent of the run) in the fleet.
pub fn run_cancelled(
    conn: &Connection,
    fleet: Fleet,
    run: &str,
    agent: Option<AgentId>,
) -> AppResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM cancelled_runs WHERE workspace_id = ?1 AND is_test = ?2
             AND run = ?3 AND (agent_id IS NULL OR agent_id = ?4))",
        )?
        .query_row(params![fleet.workspace_id, fleet.test, run, agent], |r| {
            r.get(0)
        })?)
}

pub fn run_conflict(run: &str) -> AppError {
    AppError::Conflict {
        detail: format!("run `{run}` was cancelled; start a new run (a new `run` value) to go on"),
        current: None,
    }
}

#[cfg(test)]
mod tests;
