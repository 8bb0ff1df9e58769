//! A person's view of their own sessions (the account page): which are active, from where and
//! how they signed in, and ending one, or all but the current one. Owners end every session of a
//! user of their workspace. Each ending is audited in the same transaction; a session is named
//! by its public `id`, never by its token's hash, and only its own user (or an owner, for all of
//! them) can end it.

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::auth_context::{AuthMethod, Factor};
use super::event_type::EventType;
use super::sessions::IDLE_MS;
use super::users::{get_in_workspace, Role, User};
use super::Millis;
use crate::domain::ids::UserId;
use crate::error::{AppError, AppResult};

/// One active session as the account page lists it.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub id: String,
    pub created_at: Millis,
    pub last_seen_at: Millis,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub method: AuthMethod,
    pub factor: Option<Factor>,
}

/// The user's sessions that still work at `now`, most recently used first. Sessions half-way
/// through signing in (pending a second factor or enrolment) are not active and not listed.
pub fn active(conn: &Connection, user: UserId, now: Millis) -> AppResult<Vec<ActiveSession>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, created_at, last_seen_at, ip, user_agent, method, factor FROM sessions
             WHERE user_id = ?1 AND pending IS NULL AND expires_at > ?2 AND last_seen_at > ?3
             ORDER BY last_seen_at DESC, created_at DESC",
        )?
        .query_map(params![user, now, now - IDLE_MS], |r| {
            Ok(ActiveSession {
                id: r.get(0)?,
                created_at: r.get(1)?,
                last_seen_at: r.get(2)?,
                ip: r.get(3)?,
                user_agent: r.get(4)?,
                method: r.get(5)?,
                factor: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Ends one of `user`'s own active sessions by its id (`auth.session_ended`). Another user's
/// session, a pending one, or an id that names nothing is refused alike, with nothing changed.
pub fn end_own(conn: &Connection, now: Millis, user: &User, id: &str) -> AppResult<()> {
    let ended = conn.execute(
        "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2 AND pending IS NULL",
        params![id, user.id],
    )?;
    if ended == 0 {
        return Err(AppError::invalid(
            "session",
            "that is not one of your active sessions (it may have ended already); nothing was \
             changed",
        ));
    }
    record(
        conn,
        now,
        Actor::User(user.id),
        user,
        EventType::AuthSessionEnded,
        json!({ "session": id }),
    )
}

/// Ends every session of `user` but the one whose token hashes to `keep`
/// (`auth.sessions_ended`). Returns how many ended.
pub fn end_others(conn: &Connection, now: Millis, user: &User, keep: &[u8]) -> AppResult<usize> {
    let ended = conn.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND token_hash != ?2",
        params![user.id, keep],
    )?;
    let details = json!({ "ended": ended, "kept": "the current session" });
    record(
        conn,
        now,
        Actor::User(user.id),
        user,
        EventType::AuthSessionsEnded,
        details,
    )?;
    Ok(ended)
}

/// An owner ends every session of `target`, a user of the owner's workspace
/// (`auth.sessions_ended`, by the owner). Returns the user and how many sessions ended.
pub fn end_all_of(
    conn: &Connection,
    now: Millis,
    owner: &User,
    target: UserId,
) -> AppResult<(User, usize)> {
    if owner.role != Role::Owner {
        return Err(AppError::Forbidden(
            "only an owner can end another user's sessions".into(),
        ));
    }
    let user = get_in_workspace(conn, owner.workspace_id, target)?;
    let ended = super::sessions::revoke_all_for_user(conn, user.id)?;
    let details = json!({ "ended": ended, "by_owner": true });
    record(
        conn,
        now,
        Actor::User(owner.id),
        &user,
        EventType::AuthSessionsEnded,
        details,
    )?;
    Ok((user, ended))
}

fn record(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    whose: &User,
    event: EventType,
    details: serde_json::Value,
) -> AppResult<()> {
    let entry = Entry {
        workspace_id: Some(whose.workspace_id),
        actor,
        event,
        subject: Some(whose.id.to_string()),
        details: Some(details),
    };
    audit::record(conn, now, entry)?;
    Ok(())
}

/// A user agent shortened for people: "Firefox 133 on Linux", "Chrome 131 on macOS",
/// "curl 8.5"; anything unrecognised is cut to its first 60 characters.
pub fn short_user_agent(ua: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find_map(|(marker, name)| {
        let rest = &ua[ua.find(marker)? + marker.len()..];
        let major: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        Some(format!("{name} {major}").trim_end().to_string())
    });
    let os = [
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| ua.contains(marker))
    .map(|(_, name)| name);
    match (browser, os) {
        (Some(b), Some(os)) => format!("{b} on {os}"),
        (Some(b), None) => b,
        _ => {
            let cut: String = ua.chars().take(60).collect();
            if ua.chars().count() > 60 {
                format!("{cut}…")
            } else {
                cut
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short_user_agent;

    #[test]
    fn common_user_agents_read_as_browser_and_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(short_user_agent(firefox), "Firefox 133 on Linux");
        let chrome = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, \
                      like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(short_user_agent(chrome), "Chrome 131 on macOS");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(short_user_agent(safari), "Safari 17 on iOS");
        assert_eq!(short_user_agent("curl/8.5.0"), "curl 8");
        assert_eq!(
            short_user_agent(&"x".repeat(70)),
            format!("{}…", "x".repeat(60))
        );
    }
}
