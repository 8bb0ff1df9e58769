//! One-time links that set a new password: the way back in for a user who cannot sign in. An
//! operator prints one with `holdpoint user reset-password` (valid 72 hours; the user's sessions
//! end at once), or the user asks for one by email from the sign-in page (valid 30 minutes, at
//! most [`EMAILS_PER_HOUR`] an hour). Only the SHA-256 of a link's token is stored; a link works
//! once, and a newer one replaces older ones.

use crate::db::sql::{params, Connection, OptionalExtension};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::outbox::{self, Channel, NewMessage};
use super::secrets::{random_token, sha256};
use super::sql_enum::sql_enum;
use super::users::{self, User};
use super::{sessions, Millis};
use crate::db::WriteCtx;
use crate::domain::ids::UserId;
use crate::error::{AppError, AppResult};

/// How long a link printed by the CLI works: as long as a sign-up link.
pub const CLI_TTL_MS: Millis = 72 * 3600 * 1000;
/// How long an emailed link works: short, since the mailbox may be less safe than the password.
pub const EMAIL_TTL_MS: Millis = 30 * 60 * 1000;
/// Emailed links per user per [`EMAIL_WINDOW_MS`]: enough to retry, too few to flood a mailbox.
pub const EMAILS_PER_HOUR: i64 = 3;
pub const EMAIL_WINDOW_MS: Millis = 3600 * 1000;

sql_enum! {
    /// Who made a link, as stored in `password_resets.via`.
    pub enum Via {
        Cli => "cli",
        Email => "email",
    }
}

/// What a reset link stands for right now.
#[derive(Debug, Clone)]
pub enum Reset {
    /// Usable, for this user.
    Open(User),
    Expired,
    /// Used already, or replaced by a newer link.
    Used,
    /// The user was disabled since.
    Withdrawn,
    Unknown,
}

fn hash(token: &str) -> [u8; 32] {
    sha256(token.as_bytes())
}

/// Older unused links of the user stop working.
fn replace_older(conn: &Connection, now: Millis, user_id: UserId) -> crate::db::sql::Result<()> {
    conn.execute(
        "UPDATE password_resets SET used_at = ?1 WHERE user_id = ?2 AND used_at IS NULL",
        params![now, user_id],
    )?;
    Ok(())
}

/// The operator's reset: a new link (its token returned, shown once) and every session of the
/// user ended, audited as `user.password_reset`. The password itself stays until the link is used.
pub fn issue_by_cli(conn: &Connection, now: Millis, user: &User) -> AppResult<String> {
    if user.disabled {
        return Err(AppError::Conflict {
            detail: format!(
                "the user {} is disabled; a reset link would not let them sign in",
                user.email
            ),
            current: None,
        });
    }
    replace_older(conn, now, user.id)?;
    let token = random_token(32);
    conn.execute(
        "INSERT INTO password_resets (user_id, via, token_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user.id, Via::Cli, &hash(&token)[..], now, now + CLI_TTL_MS],
    )?;
    let ended = sessions::revoke_all_for_user(conn, user.id)?;
    let details = json!({ "via": "cli", "sessions_ended": ended, "expires_at": now + CLI_TTL_MS });
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(user.workspace_id),
            actor: Actor::Cli,
            event: EventType::UserPasswordReset,
            subject: Some(user.id.to_string()),
            details: Some(details),
        },
    )?;
    Ok(token)
}

/// "Forgot password?": queues an email with a link for the user with this email, if there is
/// one that can sign in and it has had fewer than [`EMAILS_PER_HOUR`] this hour. Whatever the
/// case, the caller answers the same, so the answer tells nothing about which emails exist.
/// The email's token is made when it is sent (see `notify::reset_email`), never stored raw.
/// Returns whether an email was queued (for the log and tests only).
pub fn request_by_email(ctx: &mut WriteCtx<'_>, now: Millis, email: &str) -> AppResult<bool> {
    let Ok(email) = users::normalize_email(email) else {
        return Ok(false);
    };
    let user = match users::for_login(ctx.conn, &email)? {
        Some((u, Some(_))) if u.state == users::UserState::Active => u,
        _ => return Ok(false),
    };
    let recent: i64 = ctx.conn.query_row(
        "SELECT count(*) FROM password_resets WHERE user_id = ?1 AND via = 'email'
         AND created_at > ?2",
        params![user.id, now - EMAIL_WINDOW_MS],
        |r| r.get(0),
    )?;
    if recent >= EMAILS_PER_HOUR {
        return Ok(false);
    }
    replace_older(ctx.conn, now, user.id)?;
    let inserted_id: i64 = ctx.conn.query_row(
        "INSERT INTO password_resets (user_id, via, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4) RETURNING id",
        params![user.id, Via::Email, now, now + EMAIL_TTL_MS],
        |r| r.get::<_, i64>(0),
    )?;
    let reset_id = inserted_id;
    let payload = json!({ "reset_id": reset_id }).to_string();
    outbox::enqueue(
        ctx,
        now,
        NewMessage {
            workspace_id: user.workspace_id,
            channel: Channel::Email,
            target: &user.email,
            endpoint_id: None,
            user_id: Some(user.id),
            pause_id: None,
            event: EventType::UserPasswordResetRequested,
            payload: &payload,
        },
    )?;
    let details = json!({ "via": "email", "expires_at": now + EMAIL_TTL_MS });
    audit::record(
        ctx.conn,
        now,
        Entry {
            workspace_id: Some(user.workspace_id),
            actor: Actor::System,
            event: EventType::UserPasswordResetRequested,
            subject: Some(user.id.to_string()),
            details: Some(details),
        },
    )?;
    Ok(true)
}

/// Makes the token of the emailed link `reset_id`, when the email is about to be sent. None
/// when the link can no longer be used (replaced, used, expired, or the user disabled): the
/// email is then skipped. The link's expiry stays as set at the request. A retried email gets
/// a fresh token, which replaces the one of the attempt that failed.
pub fn token_for_email(conn: &Connection, now: Millis, reset_id: i64) -> AppResult<Option<String>> {
    let row: Option<(UserId, Millis, bool)> = conn
        .query_row(
            "SELECT user_id, expires_at, used_at IS NOT NULL
             FROM password_resets WHERE id = ?1 AND via = 'email'",
            [reset_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((user_id, expires_at, spent)) = row else {
        return Ok(None);
    };
    let usable = users::get(conn, user_id)?.is_some_and(|u| !u.disabled);
    if spent || now >= expires_at || !usable {
        return Ok(None);
    }
    let token = random_token(32);
    conn.execute(
        "UPDATE password_resets SET token_hash = ?1 WHERE id = ?2",
        params![&hash(&token)[..], reset_id],
    )?;
    Ok(Some(token))
}

/// The state of the link with this token.
pub fn find(conn: &Connection, token: &str, now: Millis) -> AppResult<Reset> {
    let row: Option<(UserId, Millis, Option<Millis>)> = conn
        .query_row(
            "SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?1",
            [&hash(token)[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((user_id, expires_at, used_at)) = row else {
        return Ok(Reset::Unknown);
    };
    if used_at.is_some() {
        return Ok(Reset::Used);
    }
    Ok(match users::get(conn, user_id)? {
        None => Reset::Unknown,
        Some(u) if u.disabled => Reset::Withdrawn,
        Some(_) if now >= expires_at => Reset::Expired,
        Some(u) => Reset::Open(u),
    })
}

/// Uses the link: sets the password hash, marks the link used, ends every session of the user
/// (a thief's included) and audits `user.password_changed`. Returns the link's state before, so
/// `Open(user)` means the password was set now; anything else changed nothing.
pub fn complete(
    conn: &Connection,
    now: Millis,
    token: &str,
    password_hash: &str,
) -> AppResult<Reset> {
    let found = find(conn, token, now)?;
    let Reset::Open(user) = &found else {
        return Ok(found);
    };
    conn.execute(
        "UPDATE users SET password_hash = ?1,
             state = CASE state WHEN 'invited' THEN 'active' ELSE state END WHERE id = ?2",
        params![password_hash, user.id],
    )?;
    replace_older(conn, now, user.id)?;
    let ended = sessions::revoke_all_for_user(conn, user.id)?;
    let details = json!({ "via": "reset_link", "other_sessions_ended": ended });
    audit::record(
        conn,
        now,
        Entry::by_user_on_self(user, EventType::UserPasswordChanged, Some(details)),
    )?;
    Ok(found)
}
