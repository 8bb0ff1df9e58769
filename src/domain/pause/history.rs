//! Listing and searching a workspace's pauses: the API list, the queue and the history page.

use crate::db::sql::Connection;
use crate::db::sql::OwnedValue as Sql;

use super::api_keys::AuthKey;
pub use super::decided_by::DeciderKind;
use super::kind::Kind;
use super::pauses::{from_row, select, Pause};
use super::status::{overdue_sql, reads_as_sql, Status};
use super::Millis;
use crate::domain::ids::{ApiKeyId, UserId, WorkspaceId};
use crate::error::AppResult;

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<Status>,
    pub key_id: Option<ApiKeyId>,
    /// Case-insensitive substring of the action.
    pub text: Option<String>,
    /// Created at or after (inclusive).
    pub from: Option<Millis>,
    /// Created before (exclusive).
    pub to: Option<Millis>,
    /// Approved, yet the agent never reported executing it: no outcome, or `failed`/`skipped`.
    pub approved_not_executed: bool,
    /// Only test pauses (true) or only live ones (false): the dashboard's mode.
    pub test: Option<bool>,
    /// Only pauses decided by a person, a key, or a policy (History's "Decided by").
    pub decided_by: Option<DeciderKind>,
    /// Only this kind of pause (the queue's kind filter).
    pub kind: Option<Kind>,
    /// Only pauses naming exactly this agent (the queue's agent filter).
    pub agent: Option<String>,
    /// Only what this person may still vote on (the queue's "Mine"): pauses routed to one of
    /// their groups or to none, that they have not voted on.
    pub mine: Option<UserId>,
}

/// `%` and `_` in the user's text match themselves, not wildcards.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// [`Filter::mine`]: routed to none of the workspace's groups or to one the person is in, and
/// no response of theirs yet (on a pending pause, only a quorum's approvals are).
const MINE: &str = "(p.group_id IS NULL OR p.group_id IN \
     (SELECT m.group_id FROM approver_group_members m WHERE m.user_id = ?)) \
     AND NOT EXISTS (SELECT 1 FROM pause_responses r WHERE r.pause_id = p.id AND r.user_id = ?)";

pub(super) fn conditions(workspace_id: WorkspaceId, f: &Filter, now: Millis) -> (String, Vec<Sql>) {
    let mut sql = vec!["p.workspace_id = ?".to_string()];
    let mut args = vec![Sql::Integer(workspace_id.0)];
    if let Some(status) = f.status {
        let cond = reads_as_sql(status, "p.", "?");
        if cond.contains('?') {
            args.push(Sql::Integer(now));
        }
        sql.push(cond);
    }
    if let Some(k) = f.key_id {
        sql.push("p.api_key_id = ?".into());
        args.push(Sql::Integer(k.0));
    }
    if let Some(t) = f.text.as_deref().filter(|t| !t.is_empty()) {
        sql.push("p.action LIKE ? ESCAPE '\\'".into());
        args.push(Sql::Text(like_pattern(t)));
    }
    if let Some(from) = f.from {
        sql.push("p.created_at >= ?".into());
        args.push(Sql::Integer(from));
    }
    if let Some(to) = f.to {
        sql.push("p.created_at < ?".into());
        args.push(Sql::Integer(to));
    }
    if f.approved_not_executed {
        sql.push(
            "p.status = 'approved' AND (p.outcome_status IS NULL OR p.outcome_status <> 'executed')"
                .into(),
        );
    }
    if let Some(test) = f.test {
        sql.push("p.is_test = ?".into());
        args.push(Sql::Integer(test.into()));
    }
    if let Some(kind) = f.kind {
        sql.push("p.kind = ?".into());
        args.push(Sql::Text(kind.as_str().into()));
    }
    if let Some(agent) = &f.agent {
        sql.push("p.agent = ?".into());
        args.push(Sql::Text(agent.clone()));
    }
    if let Some(me) = f.mine {
        sql.push(MINE.into());
        args.extend([Sql::Integer(me.0), Sql::Integer(me.0)]);
    }
    let decided_by = f.decided_by.map_or("", DeciderKind::condition);
    (format!("{}{decided_by}", sql.join(" AND ")), args)
}

/// Newest first.
pub fn search(
    conn: &Connection,
    workspace_id: WorkspaceId,
    f: &Filter,
    limit: i64,
    offset: i64,
    now: Millis,
) -> AppResult<Page> {
    page(conn, workspace_id, f, "DESC", (limit, offset), now)
}

/// Oldest first, from the start: the queue's order.
pub fn oldest_first(
    conn: &Connection,
    workspace_id: WorkspaceId,
    f: &Filter,
    limit: i64,
    now: Millis,
) -> AppResult<Page> {
    page(conn, workspace_id, f, "ASC", (limit, 0), now)
}

/// The built conditions in PostgreSQL's dialect: SQLite's `LIKE` ignores ASCII case, which is
/// PostgreSQL's `ILIKE`, and PostgreSQL chooses its own index (no `INDEXED BY`).
fn for_engine(conn: &Connection, sql: String) -> String {
    match conn.is_postgres() {
        true => sql
            .replace(" LIKE ? ESCAPE", " ILIKE ? ESCAPE")
            .replace(" INDEXED BY pauses_pending_expiry", ""),
        false => sql,
    }
}

/// The matching pauses in `order` (`ASC` or `DESC` by id) and how many match in all.
fn page(
    conn: &Connection,
    workspace_id: WorkspaceId,
    f: &Filter,
    order: &str,
    (limit, offset): (i64, i64),
    now: Millis,
) -> AppResult<Page> {
    let (cond, mut args) = conditions(workspace_id, f, now);
    let cond = for_engine(conn, cond);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM pauses p WHERE {cond}"))?
        .query_row(crate::db::sql::params_from_iter(args.iter()), |r| r.get(0))?;
    args.push(Sql::Integer(limit));
    args.push(Sql::Integer(offset));
    let select = select(conn);
    let items = conn
        .prepare_cached(&format!(
            "{select} WHERE {cond} ORDER BY p.id {order} LIMIT ? OFFSET ?"
        ))?
        .query_map(crate::db::sql::params_from_iter(args.iter()), from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, total })
}

/// SQL condition selecting pauses whose status, as readers see it at `:now`, is `status`.
fn status_condition(status: Option<Status>) -> String {
    status.map_or_else(|| "1 = 1".into(), |s| reads_as_sql(s, "p.", ":now"))
}

/// Which pauses a caller sees: its workspace's, and for an API key only those of the key's kind,
/// so a test key is a sandbox (it never sees a live pause's context, nor cancels one) and a live
/// agent never picks up a test pause. A person's dashboard lists one kind too, the one its
/// "Test data" switch selects ([`Scope::mode`]); a pause opened by its address is shown
/// whatever its kind ([`Scope::people`]), marked as test data if it is.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub workspace_id: WorkspaceId,
    /// None: test and live; Some(t): only pauses whose `test` flag is t.
    pub test: Option<bool>,
}

impl Scope {
    pub fn people(workspace_id: WorkspaceId) -> Scope {
        Scope {
            workspace_id,
            test: None,
        }
    }

    /// The pauses the dashboard lists in live mode (`test` false) or test mode (true).
    pub fn mode(workspace_id: WorkspaceId, test: bool) -> Scope {
        Scope {
            workspace_id,
            test: Some(test),
        }
    }

    pub fn key(key: &AuthKey) -> Scope {
        Scope {
            workspace_id: key.workspace_id,
            test: Some(key.test),
        }
    }

    /// `" AND <column> = :test"` when the scope is one kind of pause, else nothing.
    fn condition(&self, column: &str) -> String {
        match self.test {
            None => String::new(),
            Some(_) => format!(" AND {column} = :test"),
        }
    }
}

/// Pending means stored as pending and not yet overdue. Counted as every stored-pending pause
/// (from the `(workspace_id, status)` index alone) minus the overdue ones (few: the sweep expires
/// them every second), instead of reading `expires_at` from the table for each pending pause,
/// which was two thirds of a pending-queue request with 1,000 waiting. A key's scope reads its
/// `is_test` from the `(workspace_id, is_test, status)` index.
fn pending_count(scope: &Scope) -> String {
    let test = scope.condition("is_test");
    let overdue = overdue_sql("", ":now");
    format!(
        "SELECT
    (SELECT count(*) FROM pauses WHERE workspace_id = :ws{test} AND status = 'pending')
  - (SELECT count(*) FROM pauses INDEXED BY pauses_pending_expiry
     WHERE {overdue} AND workspace_id = :ws{test})"
    )
}

pub struct Page {
    pub items: Vec<Pause>,
    pub total: i64,
}

/// Newest first (`oldest_first` for the approvers' queue).
pub fn list(
    conn: &Connection,
    scope: Scope,
    status: Option<Status>,
    limit: i64,
    offset: i64,
    now: Millis,
    oldest_first: bool,
) -> AppResult<Page> {
    list_decided_by(
        conn,
        scope,
        (status, None),
        (limit, offset),
        now,
        oldest_first,
    )
}

/// As [`list`], only pauses decided by that kind of decider when one is given.
pub fn list_decided_by(
    conn: &Connection,
    scope: Scope,
    (status, decider): (Option<Status>, Option<DeciderKind>),
    (limit, offset): (i64, i64),
    now: Millis,
    oldest_first: bool,
) -> AppResult<Page> {
    let cond = format!(
        "{}{}{}",
        status_condition(status),
        scope.condition("p.is_test"),
        decider.map_or("", DeciderKind::condition)
    );
    let select = select(conn);
    let order = if oldest_first { "ASC" } else { "DESC" };
    let sql = format!("{select} WHERE p.workspace_id = :ws AND {cond} ORDER BY p.id {order} LIMIT :limit OFFSET :offset");
    let count_sql = match status {
        Some(Status::Pending) if decider.is_none() => for_engine(conn, pending_count(&scope)),
        _ => format!("SELECT count(*) FROM pauses p WHERE p.workspace_id = :ws AND {cond}"),
    };
    let mut args: Vec<(&str, &dyn crate::db::sql::ToSql)> = vec![(":ws", &scope.workspace_id)];
    if count_sql.contains(":now") {
        args.push((":now", &now));
    }
    if let Some(test) = &scope.test {
        args.push((":test", test));
    }
    let total = conn
        .prepare_cached(&count_sql)?
        .query_row(&args[..], |r| r.get(0))?;
    if !cond.contains(":now") {
        args.retain(|(name, _)| *name != ":now");
    }
    args.extend([
        (":limit", &limit as &dyn crate::db::sql::ToSql),
        (":offset", &offset),
    ]);
    let items = conn
        .prepare_cached(&sql)?
        .query_map(&args[..], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, total })
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
