//! Reading agents: the fleet (a workspace's agents filtered by reported state and by control as
//! the agents read it, the emergency stop included, a page at a time, with each one's pending
//! pauses), and one agent's state changes and pending pauses.

use rusqlite::{params, Connection};

use super::agents::{from_row, Agent, AgentState, Control, SELECT};
use super::Millis;
use crate::domain::ids::AgentId;
use crate::domain::ids::WorkspaceId;
use crate::error::AppResult;

#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub state: Option<AgentState>,
    /// Effective control: while the workspace is stopped, running agents read as paused.
    pub control: Option<Control>,
}

pub struct Page {
    /// Each agent with its number of pending pauses.
    pub items: Vec<(Agent, i64)>,
    pub total: i64,
    /// Whether the workspace's emergency stop is on.
    pub stopped: bool,
}

const WHERE: &str = "WHERE a.workspace_id = ?1 AND (?2 IS NULL OR a.state = ?2)
    AND (?3 IS NULL OR (CASE WHEN ?4 AND a.control = 'running' THEN 'paused'
                        ELSE a.control END) = ?3)";

/// One page, by name.
pub fn list(
    conn: &Connection,
    ws: WorkspaceId,
    f: Filter,
    limit: i64,
    offset: i64,
    now: Millis,
) -> AppResult<Page> {
    let stopped = super::agents::stopped_at(conn, ws)?.is_some();
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM agents a {WHERE}"))?
        .query_row(params![ws, f.state, f.control, stopped], |r| r.get(0))?;
    let pending = "(SELECT count(*) FROM pauses p WHERE p.workspace_id = a.workspace_id
        AND p.agent = a.name AND p.status = 'pending' AND p.expires_at > ?5)";
    let select = SELECT.replace(" FROM agents", &format!(", {pending} FROM agents a"));
    let mut stmt = conn.prepare_cached(&format!(
        "{select} {WHERE} ORDER BY a.name LIMIT ?6 OFFSET ?7"
    ))?;
    let rows = stmt.query_map(
        params![ws, f.state, f.control, stopped, now, limit, offset],
        |r| Ok((from_row(r)?, r.get(12)?)),
    )?;
    Ok(Page {
        items: rows.collect::<Result<_, _>>()?,
        total,
        stopped,
    })
}

/// One recorded change of reported state.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub at: Millis,
    pub state: Option<AgentState>,
    pub tool: Option<String>,
    pub run: Option<String>,
}

/// The newest state changes first.
pub fn history(conn: &Connection, id: AgentId, limit: i64) -> AppResult<Vec<HistoryRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, state, tool, run FROM agent_history WHERE agent_id = ?1
         ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![id, limit], |r| {
        Ok(HistoryRow {
            at: r.get(0)?,
            state: r.get(1)?,
            tool: r.get(2)?,
            run: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The watch ids of the agent's pauses still waiting for a decision at `now`.
pub fn pending_pauses(
    conn: &Connection,
    ws: WorkspaceId,
    name: &str,
    now: Millis,
) -> AppResult<Vec<uuid::Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT watch_id FROM pauses WHERE workspace_id = ?1 AND agent = ?2
         AND status = 'pending' AND expires_at > ?3 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![ws, name, now], |r| {
        let b: [u8; 16] = r.get(0)?;
        Ok(uuid::Uuid::from_bytes(b))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
