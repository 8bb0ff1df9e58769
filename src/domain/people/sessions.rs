//! Dashboard sessions: a random 256-bit token in a cookie, only its SHA-256 in the database.
//! Idle timeout 30 min, absolute 12 h; a new token at every sign-in.

use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension};

use super::secrets::{hmac_sha256, random_token, sha256};
use super::users::{self, User};
use super::Millis;
use crate::domain::ids::UserId;
use crate::error::AppResult;

pub const IDLE_MS: Millis = 30 * 60 * 1000;
pub const ABSOLUTE_MS: Millis = 12 * 3600 * 1000;
/// `last_seen_at` is refreshed at most this often, to keep reads from turning into writes.
pub const TOUCH_EVERY_MS: Millis = 60 * 1000;

pub fn hash(token: &str) -> [u8; 32] {
    sha256(token.as_bytes())
}

/// Starts a session and returns the cookie's token.
pub fn create(conn: &Connection, now: Millis, user_id: UserId) -> AppResult<String> {
    let token = random_token(32);
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?3, ?4)",
        params![&hash(&token)[..], user_id, now, now + ABSOLUTE_MS],
    )?;
    Ok(token)
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: [u8; 32],
    pub user: User,
    pub last_seen_at: Millis,
    /// The dashboard's "Test data" switch: this session sees test pauses only, or live only.
    pub test_mode: bool,
}

/// The live session behind a token: not idle too long, not past its absolute end, and its user
/// not disabled.
pub fn lookup(conn: &Connection, token: &str, now: Millis) -> AppResult<Option<Session>> {
    let token_hash = hash(token);
    let row: Option<(UserId, Millis, Millis, bool)> = conn
        .prepare_cached(
            "SELECT user_id, last_seen_at, expires_at, test_mode FROM sessions
             WHERE token_hash = ?1",
        )?
        .query_row([&token_hash[..]], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((user_id, last_seen_at, expires_at, test_mode)) = row else {
        return Ok(None);
    };
    if now >= expires_at || now - last_seen_at >= IDLE_MS {
        return Ok(None);
    }
    match users::get(conn, user_id)? {
        Some(user) if !user.disabled => Ok(Some(Session {
            token_hash,
            user,
            last_seen_at,
            test_mode,
        })),
        _ => Ok(None),
    }
}

pub fn touch(conn: &Connection, token_hash: &[u8], now: Millis) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE sessions SET last_seen_at = ?1 WHERE token_hash = ?2")?
        .execute(params![now, token_hash])?;
    Ok(())
}

/// Flips the session between live and test data (the dashboard's "Test data" switch). Kept
/// with the session rather than the user, so each browser has its own mode and a new sign-in
/// starts with live data.
pub fn set_test_mode(conn: &Connection, token_hash: &[u8], on: bool) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sessions SET test_mode = ?1 WHERE token_hash = ?2",
        params![on, token_hash],
    )?;
    Ok(())
}

pub fn revoke(conn: &Connection, token_hash: &[u8]) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

pub fn revoke_all_for_user(conn: &Connection, user_id: UserId) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])
}

pub fn purge_expired(conn: &Connection, now: Millis) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at <= ?2",
        params![now, now - IDLE_MS],
    )
}

/// The session's CSRF synchronizer token, derived from the session token so nothing more is
/// stored: it changes whenever the session does.
pub fn csrf_token(session_token: &str) -> String {
    let mac = hmac_sha256(session_token.as_bytes(), b"holdpoint csrf v1");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
}
