//! The approvers' queue: the pending pauses of one mode (live or test), oldest first, narrowed
//! by kind and agent. The history's `list` serves every status; the queue filters in SQL so the
//! count in its heading and its limit of 200 are those of the filtered list.

use rusqlite::types::Value as Sql;
use rusqlite::Connection;

use super::history::Page;
use super::kind::Kind;
use super::pauses::{from_row, SELECT};
use super::status::{reads_as_sql, Status};
use super::Millis;
use crate::domain::ids::WorkspaceId;
use crate::error::AppResult;

/// What the queue's header narrows the list to; the default is every pending pause.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct QueueFilter {
    pub kind: Option<Kind>,
    /// The exact agent name a pause names.
    pub agent: Option<String>,
}

fn conditions(ws: WorkspaceId, test: bool, f: &QueueFilter, now: Millis) -> (String, Vec<Sql>) {
    let mut sql = vec![
        "p.workspace_id = ?".to_string(),
        "p.is_test = ?".to_string(),
        reads_as_sql(Status::Pending, "p.", "?"),
    ];
    let mut args = vec![
        Sql::Integer(ws.0),
        Sql::Integer(test.into()),
        Sql::Integer(now),
    ];
    if let Some(kind) = f.kind {
        sql.push("p.kind = ?".into());
        args.push(Sql::Text(kind.as_str().into()));
    }
    if let Some(agent) = &f.agent {
        sql.push("p.agent = ?".into());
        args.push(Sql::Text(agent.clone()));
    }
    (sql.join(" AND "), args)
}

/// The first `limit` pending pauses matching `f`, oldest first, and how many match in all.
pub fn pending(
    conn: &Connection,
    ws: WorkspaceId,
    test: bool,
    f: &QueueFilter,
    limit: i64,
    now: Millis,
) -> AppResult<Page> {
    let (cond, mut args) = conditions(ws, test, f, now);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM pauses p WHERE {cond}"))?
        .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
    args.push(Sql::Integer(limit));
    let items = conn
        .prepare_cached(&format!("{SELECT} WHERE {cond} ORDER BY p.id ASC LIMIT ?"))?
        .query_map(rusqlite::params_from_iter(args.iter()), from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, total })
}

/// The agents that have a pending pause in this mode, by name: the choices of the agent filter.
pub fn pending_agents(
    conn: &Connection,
    ws: WorkspaceId,
    test: bool,
    now: Millis,
) -> AppResult<Vec<String>> {
    let (cond, args) = conditions(ws, test, &QueueFilter::default(), now);
    let names = conn
        .prepare_cached(&format!(
            "SELECT DISTINCT p.agent FROM pauses p WHERE {cond} AND p.agent IS NOT NULL \
             ORDER BY p.agent LIMIT 200"
        ))?
        .query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(names)
}
