//! Who gets notification emails, and each user's own switches: emails on or off, and their own
//! ntfy topic for phone pushes.

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::audit::{self, Entry};
use super::event_type::EventType;
use super::users::User;
use super::Millis;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::error::AppResult;

/// (user id, email) of every user who should hear of a new pause: not disabled, signed up
/// (an invited user without a password cannot act on it) and not opted out.
pub fn email_recipients(
    conn: &Connection,
    workspace_id: WorkspaceId,
) -> AppResult<Vec<(UserId, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, email FROM users
         WHERE workspace_id = ?1 AND state = 'active'
           AND email_notifications = 1
         ORDER BY id",
    )?;
    let rows = stmt
        .query_map([workspace_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Who hears of a new pause: the routed group's members (as [`email_recipients`] picks them),
/// else everyone [`email_recipients`] names.
pub fn pause_recipients(
    conn: &Connection,
    workspace_id: WorkspaceId,
    group_id: Option<i64>,
) -> AppResult<Vec<(UserId, String)>> {
    let Some(group) = group_id else {
        return email_recipients(conn, workspace_id);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.email FROM users u
         JOIN approver_group_members m ON m.user_id = u.id AND m.group_id = ?2
         WHERE u.workspace_id = ?1 AND u.state = 'active'
           AND u.email_notifications = 1
         ORDER BY u.id",
    )?;
    let rows = stmt
        .query_map(params![workspace_id, group], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn email_enabled(conn: &Connection, user_id: UserId) -> AppResult<bool> {
    Ok(conn.query_row(
        "SELECT email_notifications FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )?)
}

/// Turns the user's own emails on or off, audited as `user.notifications_changed`.
/// Returns false (and writes nothing) when the setting already had that value.
pub fn set_email(conn: &Connection, now: Millis, user: &User, on: bool) -> AppResult<bool> {
    let n = conn.execute(
        "UPDATE users SET email_notifications = ?1 WHERE id = ?2 AND email_notifications != ?1",
        params![on, user.id],
    )?;
    if n == 0 {
        return Ok(false);
    }
    audit::record(
        conn,
        now,
        Entry::by_user_on_self(
            user,
            EventType::UserNotificationsChanged,
            Some(json!({ "email": on })),
        ),
    )?;
    Ok(true)
}

/// The user's own ntfy topic (on the workspace's ntfy server), if set.
pub fn user_topic(conn: &Connection, user_id: UserId) -> AppResult<Option<String>> {
    Ok(conn.query_row(
        "SELECT ntfy_topic FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )?)
}

/// Sets or clears (`None` or blank) the user's own topic, audited as
/// `user.notifications_changed` (whether a topic is set, not which: a topic is guessable
/// only if known). Returns false, writing nothing, when it already was that.
pub fn set_user_topic(
    conn: &Connection,
    now: Millis,
    user: &User,
    topic: Option<&str>,
) -> AppResult<bool> {
    let topic = topic.map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = topic {
        super::channels::check_topic("ntfyTopic", t)?;
    }
    let n = conn.execute(
        "UPDATE users SET ntfy_topic = ?1 WHERE id = ?2 AND ntfy_topic IS DISTINCT FROM ?1",
        params![topic, user.id],
    )?;
    if n == 0 {
        return Ok(false);
    }
    let details = json!({ "ntfyTopic": topic.is_some() });
    let entry = Entry::by_user_on_self(user, EventType::UserNotificationsChanged, Some(details));
    audit::record(conn, now, entry)?;
    Ok(true)
}
