//! One-time sign-up links. An owner or admin adds a user without a password and hands them a
//! link; whoever opens it sets a name and password and can then sign in. The link carries a
//! random 256-bit token of which only the SHA-256 is stored; it works once and for 72 hours,
//! and a newer link for the same user replaces the older one.

use crate::db::sql::{params, Connection, OptionalExtension};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::secrets::{random_token, sha256};
use super::users::{self, User};
use super::Millis;
use crate::domain::ids::UserId;
use crate::error::{AppError, AppResult};

pub const TTL_MS: Millis = 72 * 3600 * 1000;

/// What a sign-up link stands for right now.
#[derive(Debug, Clone)]
pub enum Invite {
    /// Usable: the invited user, who has not signed up yet.
    Open(User),
    Expired,
    /// Used already, or replaced by a newer link.
    Used,
    /// The invited user was disabled.
    Withdrawn,
    Unknown,
}

/// Issues a new link for a user who has not signed up yet and returns its token (shown once,
/// never stored). Older unused links for the user stop working.
pub fn issue(conn: &Connection, now: Millis, actor: Actor, user: &User) -> AppResult<String> {
    if user.disabled {
        return Err(AppError::Conflict {
            detail: format!("the user {} is disabled; enable them first", user.email),
            current: None,
        });
    }
    if user.state != users::UserState::Invited {
        return Err(AppError::Conflict {
            detail: format!("the user {} has already signed up", user.email),
            current: None,
        });
    }
    conn.execute(
        "UPDATE invites SET used_at = ?1 WHERE user_id = ?2 AND used_at IS NULL",
        params![now, user.id],
    )?;
    let token = random_token(32);
    conn.execute(
        "INSERT INTO invites (user_id, token_hash, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            user.id,
            &sha256(token.as_bytes())[..],
            match actor {
                Actor::User(id) => Some(id),
                _ => None,
            },
            now,
            now + TTL_MS
        ],
    )?;
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(user.workspace_id),
            actor,
            event: EventType::UserInvited,
            subject: Some(user.id.to_string()),
            details: Some(json!({ "email": user.email, "expires_at": now + TTL_MS })),
        },
    )?;
    Ok(token)
}

/// The state of the link with this token.
pub fn find(conn: &Connection, token: &str, now: Millis) -> AppResult<Invite> {
    let row: Option<(UserId, Millis, Option<Millis>)> = conn
        .query_row(
            "SELECT user_id, expires_at, used_at FROM invites WHERE token_hash = ?1",
            [&sha256(token.as_bytes())[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((user_id, expires_at, used_at)) = row else {
        return Ok(Invite::Unknown);
    };
    let signed_up: bool = conn.query_row(
        "SELECT state = 'active' FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )?;
    if used_at.is_some() || signed_up {
        return Ok(Invite::Used);
    }
    Ok(match users::get(conn, user_id)? {
        None => Invite::Unknown,
        Some(u) if u.disabled => Invite::Withdrawn,
        Some(_) if now >= expires_at => Invite::Expired,
        Some(u) => Invite::Open(u),
    })
}

/// Uses the link: sets the user's name and password hash and marks the link used. Returns the
/// link's state before, so `Open(user)` means it was accepted now; anything else changed nothing.
pub fn accept(
    conn: &Connection,
    now: Millis,
    token: &str,
    name: &str,
    password_hash: &str,
) -> AppResult<Invite> {
    let found = find(conn, token, now)?;
    let Invite::Open(user) = &found else {
        return Ok(found);
    };
    let name = users::validate_name(name, true)?;
    conn.execute(
        "UPDATE users SET name = ?1, password_hash = ?2, state = 'active' WHERE id = ?3",
        params![name, password_hash, user.id],
    )?;
    conn.execute(
        "UPDATE invites SET used_at = ?1 WHERE token_hash = ?2",
        params![now, &sha256(token.as_bytes())[..]],
    )?;
    audit::record(
        conn,
        now,
        Entry::by_user_on_self(user, EventType::UserInviteAccepted, None),
    )?;
    Ok(Invite::Open(User {
        name,
        ..user.clone()
    }))
}
