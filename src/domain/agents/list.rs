//! Reading agents: the fleet (one workspace's agents of one mode, filtered by reported state, by
//! control as the agents read it, the emergency stop included, and by a search text, a page at a
//! time, with each one's pending pauses), and one agent's state changes and pending pauses.

use crate::db::sql::{params, Connection};

use super::{from_row, Agent, AgentState, Control, Fleet, COLUMNS, SELECT};
use crate::domain::Millis;
use crate::error::AppResult;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<AgentState>,
    /// Effective control: while the fleet is stopped, running agents read as paused.
    pub control: Option<Control>,
    /// A case-insensitive part of the name, the run or the tool.
    pub q: Option<String>,
}

/// How a page of the fleet is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By name: stable for an API client paging through.
    Name,
    /// What needs a person first: agents with pending pauses, then paused or cancelled ones,
    /// then the rest; within each, the most recently seen first (the Agents page).
    Attention,
}

pub struct Page {
    /// Each agent with its number of pending pauses.
    pub items: Vec<(Agent, i64)>,
    pub total: i64,
    /// When the fleet's emergency stop was pulled, if it is on.
    pub stopped_at: Option<Millis>,
}

impl Page {
    pub fn stopped(&self) -> bool {
        self.stopped_at.is_some()
    }
}

const WHERE: &str = "WHERE a.workspace_id = ?1 AND a.is_test = ?2 AND (CAST(?3 AS TEXT) IS NULL OR a.state = ?3)
    AND (CAST(?4 AS TEXT) IS NULL OR (CASE WHEN ?5 = 1 AND a.control = 'running' THEN 'paused'
                        ELSE a.control END) = ?4)
    AND (CAST(?6 AS TEXT) IS NULL OR instr(lower(a.name), ?6) > 0 OR instr(lower(coalesce(a.run, '')), ?6) > 0
         OR instr(lower(coalesce(a.tool, '')), ?6) > 0)";

/// [`WHERE`] for this engine: PostgreSQL names `instr` `strpos`.
fn filter(conn: &Connection) -> std::borrow::Cow<'static, str> {
    match conn.is_postgres() {
        true => WHERE.replace("instr(", "strpos(").into(),
        false => WHERE.into(),
    }
}

/// `%`/`_`-free lower-case needle for `instr` (no LIKE pattern to escape).
fn needle(q: &Option<String>) -> Option<String> {
    q.as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase)
}

/// One page of the fleet.
pub fn list(
    conn: &Connection,
    fleet: Fleet,
    f: &Filter,
    order: Order,
    (limit, offset): (i64, i64),
    now: Millis,
) -> AppResult<Page> {
    let stopped_at = super::stopped_at(conn, fleet)?;
    let stopped = stopped_at.is_some();
    let q = needle(&f.q);
    let (ws, test) = (fleet.workspace_id, fleet.test);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM agents a {}", filter(conn)))?
        .query_row(params![ws, test, f.state, f.control, stopped, q], |r| {
            r.get(0)
        })?;
    let pending = "(SELECT count(*) FROM pauses p WHERE p.workspace_id = a.workspace_id
        AND p.is_test = a.is_test AND p.agent = a.name AND p.status = 'pending'
        AND (p.expires_at > ?9 OR p.on_timeout = 'wait'))";
    let select = SELECT.replace(" FROM agents", &format!(", {pending} AS n FROM agents a"));
    // PostgreSQL sorts by an output column only by its bare name, not inside an expression.
    let sort = match order {
        Order::Name => "a.name".to_string(),
        Order::Attention => format!(
            "CASE WHEN {pending} > 0 THEN 0 WHEN a.control <> 'running' OR ?5 = 1 THEN 1 ELSE 2 END,
             a.last_seen_at DESC, a.name"
        ),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "{select} {} ORDER BY {sort} LIMIT ?7 OFFSET ?8",
        filter(conn)
    ))?;
    let rows = stmt.query_map(
        params![ws, test, f.state, f.control, stopped, q, limit, offset, now],
        |r| Ok((from_row(r)?, r.get(COLUMNS)?)),
    )?;
    Ok(Page {
        items: rows.collect::<Result<_, _>>()?,
        total,
        stopped_at,
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

/// The newest state changes of `agent` first.
pub fn history(conn: &Connection, agent: &Agent, limit: i64) -> AppResult<Vec<HistoryRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, state, tool, run FROM agent_history WHERE agent_id = ?1 AND is_test = ?2
         ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![agent.id, agent.test, limit], |r| {
        Ok(HistoryRow {
            at: r.get(0)?,
            state: r.get(1)?,
            tool: r.get(2)?,
            run: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many of the agent's pauses wait for a decision.
pub fn pending_count(conn: &Connection, fleet: Fleet, name: &str, now: Millis) -> AppResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM pauses WHERE workspace_id = ?1 AND is_test = ?2 AND agent = ?3
             AND status = 'pending' AND (expires_at > ?4 OR on_timeout = 'wait')",
        )?
        .query_row(params![fleet.workspace_id, fleet.test, name, now], |r| {
            r.get(0)
        })?)
}

/// The watch ids of the agent's oldest pauses still waiting for a decision, at most `limit`.
pub fn pending_pauses(
    conn: &Connection,
    fleet: Fleet,
    name: &str,
    (now, limit): (Millis, i64),
) -> AppResult<Vec<uuid::Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT watch_id FROM pauses WHERE workspace_id = ?1 AND is_test = ?2 AND agent = ?3
         AND status = 'pending' AND (expires_at > ?4 OR on_timeout = 'wait') ORDER BY id LIMIT ?5",
    )?;
    let params = params![fleet.workspace_id, fleet.test, name, now, limit];
    let rows = stmt.query_map(params, |r| {
        let b: [u8; 16] = r.get(0)?;
        Ok(uuid::Uuid::from_bytes(b))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
