//! The append-only audit log. Every state change writes its row here inside the same
//! transaction; triggers in the schema refuse UPDATE and DELETE on the table.

use rusqlite::{params, Connection};
use serde_json::Value;

use super::Millis;

/// Who did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Key(i64),
    User(i64),
    /// The server itself (expiry sweep, first-run setup).
    System,
    /// An operator at the command line.
    Cli,
}

impl Actor {
    fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            Actor::Key(id) => ("key", Some(id)),
            Actor::User(id) => ("user", Some(id)),
            Actor::System => ("system", None),
            Actor::Cli => ("cli", None),
        }
    }
}

pub struct Entry<'a> {
    pub workspace_id: Option<i64>,
    pub actor: Actor,
    pub event: &'a str,
    pub subject: Option<String>,
    pub details: Option<Value>,
}

pub fn record(conn: &Connection, now: Millis, e: Entry<'_>) -> rusqlite::Result<()> {
    let (actor_type, actor_id) = e.actor.parts();
    conn.prepare_cached(
        "INSERT INTO audit_log (workspace_id, at, actor_type, actor_id, event, subject, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.workspace_id,
        now,
        actor_type,
        actor_id,
        e.event,
        e.subject,
        e.details.map(|d| d.to_string())
    ])?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: Millis,
    pub actor_type: String,
    pub actor_id: Option<i64>,
    pub event: String,
    pub subject: Option<String>,
    pub details: Option<String>,
}

/// The newest rows of a workspace, newest first.
pub fn recent(conn: &Connection, workspace_id: i64, limit: i64) -> rusqlite::Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, actor_type, actor_id, event, subject, details FROM audit_log
         WHERE workspace_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![workspace_id, limit], |r| {
        Ok(AuditRow {
            id: r.get(0)?,
            at: r.get(1)?,
            actor_type: r.get(2)?,
            actor_id: r.get(3)?,
            event: r.get(4)?,
            subject: r.get(5)?,
            details: r.get(6)?,
        })
    })?;
    rows.collect()
}
