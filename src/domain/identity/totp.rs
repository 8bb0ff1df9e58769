//! TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s steps, one step either side), with
//! `totp-rs` doing the arithmetic. A code is accepted once: only a step later than the last one
//! accepted counts, and that step is in the database, so a replay fails after a restart too.
//!
//! The shared secret cannot be hashed (codes are computed from it); it stays in the database
//! file, which is created private.

use crate::db::sql::{params, Connection, OptionalExtension};
use totp_rs::{Algorithm, Totp};

use super::secrets::random_bytes;
use super::Millis;
use crate::domain::ids::UserId;
use crate::error::{AppError, AppResult};

/// The issuer authenticator apps show beside the account.
pub const ISSUER: &str = "Holdpoint";

fn totp(secret: &[u8], account: &str) -> AppResult<Totp> {
    // `:` separates issuer and account in an otpauth URI.
    let account = account.replace(':', "_");
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("TOTP settings: {e}")))
}

/// What the enrolment page shows: the otpauth URI (for the QR code) and the secret as text.
pub struct Enrolment {
    pub uri: String,
    pub secret_base32: String,
}

/// Starts (or restarts) enrolment: a new 160-bit secret, not in use until confirmed.
pub fn begin(conn: &Connection, user_id: UserId, email: &str) -> AppResult<Enrolment> {
    let secret = random_bytes::<20>();
    conn.execute(
        "UPDATE users SET totp_secret = ?1, totp_confirmed_at = NULL, totp_last_step = NULL
         WHERE id = ?2",
        params![&secret[..], user_id],
    )?;
    enrolment(&secret, email)
}

/// The pending enrolment's URI and secret again (the page was reloaded).
pub fn pending(conn: &Connection, user_id: UserId, email: &str) -> AppResult<Option<Enrolment>> {
    let secret: Option<Vec<u8>> = conn
        .query_row(
            "SELECT totp_secret FROM users WHERE id = ?1 AND totp_confirmed_at IS NULL",
            [user_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    secret.map(|s| enrolment(&s, email)).transpose()
}

fn enrolment(secret: &[u8], email: &str) -> AppResult<Enrolment> {
    let t = totp(secret, email)?;
    Ok(Enrolment {
        uri: t
            .to_url()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("otpauth URI: {e}")))?,
        secret_base32: t.secret().to_base32(),
    })
}

/// Whether the user has TOTP in use (enrolled and confirmed).
pub fn enabled(conn: &Connection, user_id: UserId) -> AppResult<bool> {
    Ok(conn.query_row(
        "SELECT totp_confirmed_at IS NOT NULL FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )?)
}

/// Checks `code` against the user's secret at `now` (confirmed, or pending when `confirming`),
/// and records its step so it is never accepted again. `false` for a wrong, stale or replayed
/// code; the caller counts failures ([`super::factor_throttle`]).
pub fn verify(
    conn: &Connection,
    now: Millis,
    user_id: UserId,
    code: &str,
    confirming: bool,
) -> AppResult<bool> {
    type Stored = (Option<Vec<u8>>, Option<Millis>, Option<i64>);
    let row: Option<Stored> = conn
        .query_row(
            "SELECT totp_secret, totp_confirmed_at, totp_last_step FROM users WHERE id = ?1",
            [user_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((Some(secret), confirmed_at, last_step)) = row else {
        return Ok(false);
    };
    if confirmed_at.is_some() == confirming {
        return Ok(false);
    }
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(step) = totp(&secret, "")?.check(&code, (now.max(0) / 1000) as u64) else {
        return Ok(false);
    };
    let step = step as i64;
    if last_step.is_some_and(|last| step <= last) {
        return Ok(false);
    }
    conn.execute(
        "UPDATE users SET totp_last_step = ?1,
             totp_confirmed_at = coalesce(totp_confirmed_at, ?2)
         WHERE id = ?3",
        params![step, now, user_id],
    )?;
    Ok(true)
}

/// Removes TOTP (the user turning it off, or an owner's reset).
pub fn remove(conn: &Connection, user_id: UserId) -> AppResult<()> {
    conn.execute(
        "UPDATE users SET totp_secret = NULL, totp_confirmed_at = NULL, totp_last_step = NULL
         WHERE id = ?1",
        [user_id],
    )?;
    Ok(())
}

#[cfg(test)]
#[path = "totp_tests.rs"]
mod tests;
