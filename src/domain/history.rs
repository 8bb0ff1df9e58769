//! Searching a workspace's pauses for the history page.

use rusqlite::types::Value as Sql;
use rusqlite::Connection;

use super::pauses::{from_row, Page, Status, SELECT};
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_the_search_text_are_literal() {
        assert_eq!(like_pattern("100%_sure\\"), "%100\\%\\_sure\\\\%");
    }
}
