//! Listing and searching a workspace's pauses: the API list, the queue and the history page.

use rusqlite::types::Value as Sql;
use rusqlite::Connection;

use super::pauses::{from_row, Pause, Status, SELECT};
use super::Millis;
use crate::error::AppResult;

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<Status>,
    pub key_id: Option<i64>,
    /// Case-insensitive substring of the action.
    pub text: Option<String>,
    /// Created at or after (inclusive).
    pub from: Option<Millis>,
    /// Created before (exclusive).
    pub to: Option<Millis>,
}

/// `%` and `_` in the user's text match themselves, not wildcards.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn conditions(workspace_id: i64, f: &Filter, now: Millis) -> (String, Vec<Sql>) {
    let mut sql = vec!["p.workspace_id = ?".to_string()];
    let mut args = vec![Sql::Integer(workspace_id)];
    match f.status {
        None => {}
        Some(Status::Pending) => {
            sql.push("p.status = 'pending' AND p.expires_at > ?".into());
            args.push(Sql::Integer(now));
        }
        Some(Status::Expired) => {
            sql.push(
                "(p.status = 'expired' OR (p.status = 'pending' AND p.expires_at <= ?))".into(),
            );
            args.push(Sql::Integer(now));
        }
        Some(s) => {
            sql.push("p.status = ?".into());
            args.push(Sql::Text(s.as_str().into()));
        }
    }
    if let Some(k) = f.key_id {
        sql.push("p.api_key_id = ?".into());
        args.push(Sql::Integer(k));
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
    (sql.join(" AND "), args)
}

/// Newest first.
pub fn search(
    conn: &Connection,
    workspace_id: i64,
    f: &Filter,
    limit: i64,
    offset: i64,
    now: Millis,
) -> AppResult<Page> {
    let (cond, mut args) = conditions(workspace_id, f, now);
    let total: i64 = conn
        .prepare(&format!("SELECT count(*) FROM pauses p WHERE {cond}"))?
        .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
    args.push(Sql::Integer(limit));
    args.push(Sql::Integer(offset));
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE {cond} ORDER BY p.id DESC LIMIT ? OFFSET ?"
    ))?;
    let items = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, total })
}

/// SQL condition selecting pauses whose status, as readers see it at `?now`, is `status`.
fn status_condition(status: Option<Status>) -> &'static str {
    match status {
        None => "1",
        Some(Status::Pending) => "p.status = 'pending' AND p.expires_at > :now",
        Some(Status::Expired) => {
            "(p.status = 'expired' OR (p.status = 'pending' AND p.expires_at <= :now))"
        }
        Some(Status::Approved) => "p.status = 'approved'",
        Some(Status::Rejected) => "p.status = 'rejected'",
        Some(Status::Cancelled) => "p.status = 'cancelled'",
    }
}

/// Pending means stored as pending and not yet overdue. Counted as every stored-pending pause
/// (from the `(workspace_id, status)` index alone) minus the overdue ones (few: the sweep expires
/// them every second), instead of reading `expires_at` from the table for each pending pause,
/// which was two thirds of a pending-queue request with 1,000 waiting.
const PENDING_COUNT: &str = "SELECT
    (SELECT count(*) FROM pauses WHERE workspace_id = :ws AND status = 'pending')
  - (SELECT count(*) FROM pauses INDEXED BY pauses_pending_expiry
     WHERE status = 'pending' AND expires_at <= :now AND workspace_id = :ws)";

pub struct Page {
    pub items: Vec<Pause>,
    pub total: i64,
}

/// Newest first (`oldest_first` for the approvers' queue).
pub fn list(
    conn: &Connection,
    workspace_id: i64,
    status: Option<Status>,
    limit: i64,
    offset: i64,
    now: Millis,
    oldest_first: bool,
) -> AppResult<Page> {
    let cond = status_condition(status);
    let order = if oldest_first { "ASC" } else { "DESC" };
    let sql = format!("{SELECT} WHERE p.workspace_id = :ws AND {cond} ORDER BY p.id {order} LIMIT :limit OFFSET :offset");
    let mut stmt = conn.prepare_cached(&sql)?;
    let needs_now = cond.contains(":now");
    let items = if needs_now {
        stmt.query_map(
            rusqlite::named_params! {":ws": workspace_id, ":now": now, ":limit": limit, ":offset": offset},
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?
    } else {
        stmt.query_map(
            rusqlite::named_params! {":ws": workspace_id, ":limit": limit, ":offset": offset},
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?
    };
    let count_sql = match status {
        Some(Status::Pending) => PENDING_COUNT.to_string(),
        _ => format!("SELECT count(*) FROM pauses p WHERE p.workspace_id = :ws AND {cond}"),
    };
    let mut count = conn.prepare_cached(&count_sql)?;
    let total = if needs_now {
        count.query_row(
            rusqlite::named_params! {":ws": workspace_id, ":now": now},
            |r| r.get(0),
        )?
    } else {
        count.query_row(rusqlite::named_params! {":ws": workspace_id}, |r| r.get(0))?
    };
    Ok(Page { items, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_the_search_text_are_literal() {
        assert_eq!(like_pattern("100%_sure\\"), "%100\\%\\_sure\\\\%");
    }
}
