//! One-click decision links in approval emails. The raw token exists only in the email; the
//! table keeps its SHA-256, so neither a database copy nor a log can be turned into a decision.
//! A link is bound to one approver and one pause, works once, and lapses with the pause.

use crate::db::sql::{params, Connection, OptionalExtension};

use super::pauses::Pause;
use super::secrets::{random_token, sha256};
use super::Millis;
use crate::domain::ids::{PauseId, UserId};

/// The raw token behind both buttons of one email. The buttons' URLs differ only in
/// `?intent=`, which picks the highlighted button on the confirmation page (it offers both, and
/// its form decides). One link row per email instead of one per button halved the random-key
/// index writes that every email cost the single writer.
pub struct Tokens {
    pub token: String,
}

impl Tokens {
    /// The path behind the Approve button.
    pub fn approve_path(&self) -> String {
        format!("/d/{}?intent=approve", self.token)
    }

    /// The path behind a question email's one link: the page offers the answer form.
    pub fn answer_path(&self) -> String {
        format!("/d/{}", self.token)
    }

    /// The path behind the Reject button.
    pub fn reject_path(&self) -> String {
        format!("/d/{}?intent=reject", self.token)
    }
}

/// A stored link, found by its token.
#[derive(Debug, Clone)]
pub struct Link {
    pub id: i64,
    pub pause_id: PauseId,
    pub user_id: UserId,
    /// The button the confirmation page highlights: `approve` as stored (since one link serves
    /// both buttons), or the URL's `?intent=`.
    pub intent: String,
    pub expires_at: Millis,
    pub used_at: Option<Millis>,
}

/// Creates the link for one email. Call it at send time inside the writer, so a raw token is
/// never stored anywhere; a resend after an unknown outcome simply makes a new one.
pub fn create(
    conn: &Connection,
    now: Millis,
    pause: &Pause,
    user_id: UserId,
) -> crate::db::sql::Result<Tokens> {
    let token = random_token(32);
    conn.prepare_cached(
        "INSERT INTO decision_links (token_hash, pause_id, user_id, intent, created_at, expires_at)
         VALUES (?1, ?2, ?3, 'approve', ?4, ?5)",
    )?
    .execute(params![
        &sha256(token.as_bytes())[..],
        pause.id,
        user_id,
        now,
        pause.expires_at
    ])?;
    Ok(Tokens { token })
}

/// The link behind `token`, whatever its state (callers decide what a used or lapsed one means).
/// Tokens of the wrong shape are not looked up at all.
pub fn find(conn: &Connection, token: &str) -> crate::db::sql::Result<Option<Link>> {
    if token.len() != 43
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(None);
    }
    conn.prepare_cached(
        "SELECT id, pause_id, user_id, intent, expires_at, used_at FROM decision_links
         WHERE token_hash = ?1",
    )?
    .query_row([&sha256(token.as_bytes())[..]], |r| {
        Ok(Link {
            id: r.get(0)?,
            pause_id: r.get(1)?,
            user_id: r.get(2)?,
            intent: r.get(3)?,
            expires_at: r.get(4)?,
            used_at: r.get(5)?,
        })
    })
    .optional()
}

/// Marks the link used; false when it already was (a concurrent second POST loses).
pub fn mark_used(conn: &Connection, now: Millis, id: i64) -> crate::db::sql::Result<bool> {
    let n = conn
        .prepare_cached("UPDATE decision_links SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL")?
        .execute(params![now, id])?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_tokens_are_not_looked_up() {
        let conn = Connection::open_in_memory().unwrap();
        // No table exists: a lookup would fail, so Ok(None) proves no query ran.
        assert!(find(&conn, "short").unwrap().is_none());
        assert!(find(&conn, &"%".repeat(43)).unwrap().is_none());
    }
}
