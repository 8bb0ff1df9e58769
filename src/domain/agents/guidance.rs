//! Guidance: messages from people to an agent, numbered per agent. The number is the agent's
//! cursor: it asks for what came after the last number it read, so a reconnect neither loses nor
//! repeats a message (numbers are given in the writer, in commit order, and never reused).
//! Only the newest [`KEPT`] messages of an agent are kept: a cursor older than the oldest kept
//! reads from the oldest kept, and the answer says how many it skipped.

use crate::db::sql::{params, Connection};

use super::Agent;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Messages answered at most per read; the cursor brings the rest on the next call.
pub const PAGE: i64 = 100;
/// Messages kept per agent; older ones are deleted as new ones arrive.
pub const KEPT: i64 = 200;

#[derive(Debug, Clone)]
pub struct Guidance {
    pub seq: i64,
    pub message: String,
    pub from: String,
    pub created_at: Millis,
}

/// A message of 1 to 4,000 characters (after trimming), without NUL.
pub fn validate_message(raw: &str) -> AppResult<String> {
    let message = raw.trim();
    let chars = message.chars().count();
    if chars == 0 || chars > MAX_MESSAGE_CHARS {
        return Err(AppError::invalid(
            "message",
            format!("`message` must have 1 to {MAX_MESSAGE_CHARS} characters (got {chars})"),
        ));
    }
    if message.contains('\0') {
        return Err(AppError::invalid(
            "message",
            "`message` must not contain NUL characters",
        ));
    }
    Ok(message.to_string())
}

/// Adds the agent's next message (in the writer).
pub fn add(
    conn: &Connection,
    now: Millis,
    agent: &Agent,
    message: &str,
    from: &str,
) -> AppResult<Guidance> {
    let seq: i64 = conn
        .prepare_cached(
            "UPDATE agents SET guidance_seq = guidance_seq + 1 WHERE id = ?1 RETURNING guidance_seq",
        )?
        .query_row([agent.id], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO agent_guidance (agent_id, is_test, seq, message, from_label, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![agent.id, agent.test, seq, message, from, now])?;
    conn.prepare_cached(
        "DELETE FROM agent_guidance WHERE agent_id = ?1 AND is_test = ?2 AND seq <= ?3",
    )?
    .execute(params![agent.id, agent.test, seq - KEPT])?;
    Ok(Guidance {
        seq,
        message: message.to_string(),
        from: from.to_string(),
        created_at: now,
    })
}

fn row(r: &crate::db::sql::Row<'_>) -> crate::db::sql::Result<Guidance> {
    Ok(Guidance {
        seq: r.get(0)?,
        message: r.get(1)?,
        from: r.get(2)?,
        created_at: r.get(3)?,
    })
}

/// What a read after a cursor finds.
#[derive(Debug, Clone, Default)]
pub struct Unread {
    /// Oldest first, at most [`PAGE`].
    pub messages: Vec<Guidance>,
    /// Messages after the cursor that are no longer kept (0 for a cursor still in range).
    pub skipped: i64,
}

/// The messages numbered after `cursor`, oldest first, at most [`PAGE`]; a cursor older than
/// the oldest kept message reads from it, counting the ones in between as skipped.
pub fn after(conn: &Connection, agent: &Agent, cursor: i64) -> AppResult<Unread> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, message, from_label, created_at FROM agent_guidance
         WHERE agent_id = ?1 AND is_test = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![agent.id, agent.test, cursor, PAGE], row)?;
    let messages: Vec<Guidance> = rows.collect::<Result<_, _>>()?;
    // The newest message is always kept, so nothing read means nothing after the cursor.
    let skipped = messages.first().map_or(0, |g| g.seq - cursor - 1);
    Ok(Unread { skipped, messages })
}

/// The newest messages, newest first.
pub fn recent(conn: &Connection, agent: &Agent, limit: i64) -> AppResult<Vec<Guidance>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, message, from_label, created_at FROM agent_guidance
         WHERE agent_id = ?1 AND is_test = ?2 ORDER BY seq DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![agent.id, agent.test, limit], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
