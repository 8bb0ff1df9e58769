//! Dashboard sessions: a random 256-bit token in a cookie, only its SHA-256 in the database.
//! Idle timeout 30 min, absolute 12 h; a new token at every sign-in.

use std::net::IpAddr;

use crate::db::sql::{params, Connection, OptionalExtension};
use base64::Engine;

use super::auth_context::{AuthContext, Factor};
use super::secrets::{hmac_sha256, random_bytes, random_token, sha256};
use super::sql_enum::sql_enum;
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

sql_enum! {
    /// What a session still waits for before it may do anything but finish signing in.
    pub enum Pending {
        /// The password was right; a TOTP code, recovery code or passkey comes next.
        SecondFactor => "second_factor",
        /// The workspace requires a second factor and this person has none: enrol first.
        Enrol => "enrol",
    }
}

/// A pending session (half-way through signing in) lasts this long.
pub const PENDING_MS: Millis = 10 * 60 * 1000;
/// The user agent is kept for the account page's session list, cut to this many characters.
pub const MAX_USER_AGENT: usize = 300;

/// Everything a new session records about how it was made.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub auth: AuthContext,
    pub pending: Option<Pending>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// How long it may last at most (12 h; single sign-on's are shorter).
    pub max_ms: Millis,
}

impl NewSession {
    /// A full password session with nothing else known (first-run setup, tests).
    pub fn password() -> NewSession {
        NewSession {
            auth: AuthContext::PASSWORD,
            pending: None,
            ip: None,
            user_agent: None,
            max_ms: ABSOLUTE_MS,
        }
    }
}

/// Starts a session and returns the cookie's token.
pub fn create(
    conn: &Connection,
    now: Millis,
    user_id: UserId,
    new: &NewSession,
) -> AppResult<String> {
    let token = random_token(32);
    // A pending session keeps the lifetime it will have once signed in (its second step
    // only clears `pending`); [`lookup`] ends the pending part after [`PENDING_MS`].
    let max_ms = new.max_ms;
    let user_agent = new.user_agent.as_deref().map(|ua| {
        ua.chars()
            .filter(|c| !c.is_control())
            .take(MAX_USER_AGENT)
            .collect::<String>()
    });
    conn.execute(
        "INSERT INTO sessions (token_hash, id, user_id, created_at, last_seen_at, expires_at, ip,
                               user_agent, method, factor, factor_at, pending)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            &hash(&token)[..],
            hex::encode(random_bytes::<16>()),
            user_id,
            now,
            now + max_ms,
            new.ip.map(|ip| ip.to_string()),
            user_agent,
            new.auth.method,
            new.auth.factor.map(|(f, _)| f),
            new.auth.factor.map(|(_, at)| at),
            new.pending,
        ],
    )?;
    Ok(token)
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: [u8; 32],
    /// Names the session on the account page (the token's hash stays private).
    pub id: String,
    pub user: User,
    pub last_seen_at: Millis,
    /// The dashboard's "Test data" switch: this session sees test pauses only, or live only.
    pub test_mode: bool,
    pub auth: AuthContext,
    /// Half-way through signing in: such a session opens only the sign-in steps.
    pub pending: Option<Pending>,
}

/// The session behind a token: not idle too long, not past its absolute end, and its user not
/// disabled. A pending one is returned too; [`crate::http::auth::load`] refuses it.
pub fn lookup(conn: &Connection, token: &str, now: Millis) -> AppResult<Option<Session>> {
    let token_hash = hash(token);
    let row = conn
        .prepare_cached(
            "SELECT user_id, last_seen_at, expires_at, test_mode, id, method, factor, factor_at,
                    pending, created_at
             FROM sessions WHERE token_hash = ?1",
        )?
        .query_row([&token_hash[..]], |r| {
            let factor: Option<Factor> = r.get(6)?;
            let factor_at: Option<Millis> = r.get(7)?;
            Ok((
                r.get::<_, UserId>(0)?,
                r.get::<_, Millis>(1)?,
                r.get::<_, Millis>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
                AuthContext {
                    method: r.get(5)?,
                    factor: factor.zip(factor_at),
                },
                r.get::<_, Option<Pending>>(8)?,
                r.get::<_, Millis>(9)?,
            ))
        })
        .optional()?;
    let Some((user_id, last_seen_at, expires_at, test_mode, id, auth, pending, created_at)) = row
    else {
        return Ok(None);
    };
    if now >= expires_at || now - last_seen_at >= IDLE_MS {
        return Ok(None);
    }
    if pending.is_some() && now - created_at >= PENDING_MS {
        return Ok(None);
    }
    match users::get(conn, user_id)? {
        Some(user) if !user.disabled => Ok(Some(Session {
            token_hash,
            id,
            user,
            last_seen_at,
            test_mode,
            auth,
            pending,
        })),
        _ => Ok(None),
    }
}

/// A second factor was used in this session just now (at sign-in's second step, or a step-up):
/// the session is no longer pending and may decide pauses that need step-up for 5 minutes.
pub fn record_factor(
    conn: &Connection,
    token_hash: &[u8],
    now: Millis,
    factor: Factor,
) -> crate::db::sql::Result<()> {
    conn.execute(
        "UPDATE sessions SET factor = ?1, factor_at = ?2, pending = NULL WHERE token_hash = ?3",
        params![factor, now, token_hash],
    )?;
    Ok(())
}

pub fn touch(conn: &Connection, token_hash: &[u8], now: Millis) -> crate::db::sql::Result<()> {
    conn.prepare_cached("UPDATE sessions SET last_seen_at = ?1 WHERE token_hash = ?2")?
        .execute(params![now, token_hash])?;
    Ok(())
}

/// Flips the session between live and test data (the dashboard's "Test data" switch). Kept
/// with the session rather than the user, so each browser has its own mode and a new sign-in
/// starts with live data.
pub fn set_test_mode(conn: &Connection, token_hash: &[u8], on: bool) -> crate::db::sql::Result<()> {
    conn.execute(
        "UPDATE sessions SET test_mode = ?1 WHERE token_hash = ?2",
        params![on, token_hash],
    )?;
    Ok(())
}

pub fn revoke(conn: &Connection, token_hash: &[u8]) -> crate::db::sql::Result<()> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

pub fn revoke_all_for_user(conn: &Connection, user_id: UserId) -> crate::db::sql::Result<usize> {
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])
}

pub fn purge_expired(conn: &Connection, now: Millis) -> crate::db::sql::Result<usize> {
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
