//! The approvers' queue: the pending pauses of one mode (live or test), oldest first, narrowed
//! by kind, agent and "mine": the history's search with the queue's filter, in SQL, so the count in its
//! heading and its limit of 200 are those of the filtered list.

use crate::db::sql::Connection;

use super::history::{self, Filter, Page};
use super::kind::Kind;
use super::status::Status;
use super::Millis;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::error::AppResult;

/// What the queue's header narrows the list to; the default is every pending pause.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct QueueFilter {
    pub kind: Option<Kind>,
    /// The exact agent name a pause names.
    pub agent: Option<String>,
    /// Only what this person may still vote on ([`Filter::mine`]).
    pub mine: Option<UserId>,
}

/// The history's filter for the pending pauses of one mode, narrowed as `f` says.
fn history_filter(test: bool, f: &QueueFilter) -> Filter {
    Filter {
        status: Some(Status::Pending),
        test: Some(test),
        kind: f.kind,
        agent: f.agent.clone(),
        mine: f.mine,
        ..Filter::default()
    }
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
    history::oldest_first(conn, ws, &history_filter(test, f), limit, now)
}

/// The agents that have a pending pause in this mode, by name: the choices of the agent filter.
pub fn pending_agents(
    conn: &Connection,
    ws: WorkspaceId,
    test: bool,
    now: Millis,
) -> AppResult<Vec<String>> {
    let (cond, args) = history::conditions(ws, &history_filter(test, &QueueFilter::default()), now);
    let names = conn
        .prepare_cached(&format!(
            "SELECT DISTINCT p.agent FROM pauses p WHERE {cond} AND p.agent IS NOT NULL \
             ORDER BY p.agent LIMIT 200"
        ))?
        .query_map(crate::db::sql::params_from_iter(args.iter()), |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(names)
}
