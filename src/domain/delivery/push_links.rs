//! The Approve and Reject buttons of a push to a person's own ntfy topic. The token is the only
//! credential (ntfy's `http` action cannot sign in), so it is random, stored only as its SHA-256,
//! bound to one user and one pause, works once, and lapses at the earlier of the pause's
//! deadline and [`LIFETIME_MS`] after the push was sent: a phone's notification outlives the
//! moment it was meant for. Made at send time inside the writer, so no raw token sits in the
//! outbox.

use crate::db::sql::{params, Connection, OptionalExtension};

use super::pauses::Pause;
use super::secrets::{random_token, sha256};
use super::Millis;
use crate::domain::ids::{PauseId, UserId};

/// How long a push's buttons work at most: an hour.
pub const LIFETIME_MS: Millis = 3_600_000;

#[derive(Debug, Clone)]
pub struct PushLink {
    pub id: i64,
    pub pause_id: PauseId,
    pub user_id: UserId,
    pub expires_at: Millis,
    pub used_at: Option<Millis>,
}

/// Makes the token behind one push's two buttons (they differ only in `?decision=`).
pub fn create(
    conn: &Connection,
    now: Millis,
    pause: &Pause,
    user_id: UserId,
) -> crate::db::sql::Result<String> {
    let token = random_token(32);
    let expires_at = pause.expires_at.min(now + LIFETIME_MS);
    conn.prepare_cached(
        "INSERT INTO push_links (token_hash, pause_id, user_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        &sha256(token.as_bytes())[..],
        pause.id,
        user_id,
        now,
        expires_at
    ])?;
    Ok(token)
}

/// The link behind `token`, whatever its state; tokens of the wrong shape are not looked up.
pub fn find(conn: &Connection, token: &str) -> crate::db::sql::Result<Option<PushLink>> {
    let shaped = token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !shaped {
        return Ok(None);
    }
    conn.prepare_cached(
        "SELECT id, pause_id, user_id, expires_at, used_at FROM push_links WHERE token_hash = ?1",
    )?
    .query_row([&sha256(token.as_bytes())[..]], |r| {
        Ok(PushLink {
            id: r.get(0)?,
            pause_id: r.get(1)?,
            user_id: r.get(2)?,
            expires_at: r.get(3)?,
            used_at: r.get(4)?,
        })
    })
    .optional()
}

/// Marks the link used; false when it already was (a concurrent second press loses).
pub fn mark_used(conn: &Connection, now: Millis, id: i64) -> crate::db::sql::Result<bool> {
    let n = conn
        .prepare_cached("UPDATE push_links SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL")?
        .execute(params![now, id])?;
    Ok(n == 1)
}
