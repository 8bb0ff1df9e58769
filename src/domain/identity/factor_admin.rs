//! Second factors as a whole: an owner's reset of a person who lost theirs, a person turning
//! TOTP off, and the workspace's "require two-factor sign-in". Each change is audited in the
//! same transaction.

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::{recovery_codes, second_factor, sessions, totp, Millis};
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::ids::WorkspaceId;
use crate::domain::users::{Role, User};
use crate::error::{AppError, AppResult};

/// Removes every second factor of `target` (TOTP, recovery codes, passkeys) and ends their
/// sessions: they sign in with their password alone next time, and enrol again if the
/// workspace requires it. Returns how many sessions ended.
pub fn reset(conn: &Connection, now: Millis, actor: Actor, target: &User) -> AppResult<usize> {
    let passkeys = conn.execute("DELETE FROM passkeys WHERE user_id = ?1", [target.id])?;
    let had_totp = totp::enabled(conn, target.id)?;
    totp::remove(conn, target.id)?;
    recovery_codes::remove(conn, target.id)?;
    super::factor_throttle::clear(conn, target.id)?;
    conn.execute(
        "UPDATE users SET factors_reset_at = ?1 WHERE id = ?2",
        params![now, target.id],
    )?;
    let ended = sessions::revoke_all_for_user(conn, target.id)?;
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(target.workspace_id),
            actor,
            event: EventType::UserTwoFactorReset,
            subject: Some(target.id.to_string()),
            details: Some(json!({
                "email": target.email,
                "totp": had_totp,
                "passkeys_removed": passkeys,
                "sessions_ended": ended,
            })),
        },
    )?;
    Ok(ended)
}

/// An owner resets another person's second factor from the Users page; their own they turn
/// off on the account page (with a code), so a stolen owner session cannot strip it silently.
pub fn reset_by_owner(
    conn: &Connection,
    now: Millis,
    actor: &User,
    target: &User,
) -> AppResult<usize> {
    if actor.role != Role::Owner {
        return Err(AppError::Forbidden(
            "only an owner can reset a person's second factor".into(),
        ));
    }
    if actor.id == target.id {
        return Err(AppError::Forbidden(
            "you cannot reset your own second factor here: turn it off on your account page".into(),
        ));
    }
    reset(conn, now, Actor::User(actor.id), target)
}

/// Whether TOTP must stay on: the workspace requires two-factor and it is the person's only
/// factor (a passkey would still count).
pub fn totp_must_stay(conn: &Connection, user: &User) -> AppResult<bool> {
    let passkeys: i64 = conn.query_row(
        "SELECT count(*) FROM passkeys WHERE user_id = ?1",
        [user.id],
        |r| r.get(0),
    )?;
    Ok(passkeys == 0 && second_factor::required(conn, user.workspace_id)?)
}

/// Turning TOTP off is refused while [`totp_must_stay`].
pub fn ensure_may_turn_off(conn: &Connection, user: &User) -> AppResult<()> {
    if totp_must_stay(conn, user)? {
        return Err(AppError::Forbidden(
            "this workspace requires two-factor sign-in and TOTP is your only second factor: \
             it stays on"
                .into(),
        ));
    }
    Ok(())
}

/// The person turns TOTP off (after giving a current code): the secret and the recovery codes
/// go.
pub fn turn_off(conn: &Connection, now: Millis, user: &User) -> AppResult<()> {
    ensure_may_turn_off(conn, user)?;
    totp::remove(conn, user.id)?;
    recovery_codes::remove(conn, user.id)?;
    audit::record(
        conn,
        now,
        Entry::by_user_on_self(user, EventType::UserTwoFactorDisabled, None),
    )?;
    Ok(())
}

/// Sets the workspace's "require two-factor sign-in", audited as a settings change. People
/// without a second factor are led to enrol at their next sign-in; sessions already open stay.
/// Returns whether anything changed.
pub fn set_required(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    ws: WorkspaceId,
    on: bool,
) -> AppResult<bool> {
    let before = second_factor::required(conn, ws)?;
    if before == on {
        return Ok(false);
    }
    conn.execute(
        "UPDATE workspaces SET require_two_factor = ?1 WHERE id = ?2",
        params![on, ws],
    )?;
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(ws),
            actor,
            event: EventType::WorkspaceSettingsChanged,
            subject: Some(ws.to_string()),
            details: Some(json!({
                "before": { "require_two_factor": before },
                "after": { "require_two_factor": on },
            })),
        },
    )?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::UserId;
    use crate::domain::users;

    fn db() -> Connection {
        let conn = super::super::test_db::with(
            "INSERT INTO users (id, workspace_id, email, role, password_hash, created_at)
             VALUES (1, 1, 'o@example.com', 'owner', 'x', 0),
                    (2, 1, 'a@example.com', 'admin', 'x', 0),
                    (3, 1, 'p@example.com', 'approver', 'x', 0);
             UPDATE users SET totp_secret = x'00', totp_confirmed_at = 0 WHERE id = 3;",
        );
        recovery_codes::generate(&conn, 0, UserId(3)).unwrap();
        conn
    }

    fn user(conn: &Connection, id: i64) -> User {
        users::get(conn, UserId(id)).unwrap().unwrap()
    }

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn only_an_owner_resets_and_never_their_own_and_a_reset_leaves_nothing_behind() {
        let conn = db();
        let target = user(&conn, 3);
        for actor in [user(&conn, 2), user(&conn, 1)] {
            let own = reset_by_owner(&conn, 5, &actor, &actor);
            assert!(matches!(own, Err(AppError::Forbidden(_))));
        }
        let by_admin = reset_by_owner(&conn, 5, &user(&conn, 2), &target);
        assert!(matches!(by_admin, Err(AppError::Forbidden(_))));
        assert!(second_factor::has_any(&conn, target.id).unwrap());
        reset_by_owner(&conn, 5, &user(&conn, 1), &target).unwrap();
        assert!(!second_factor::has_any(&conn, target.id).unwrap());
        assert_eq!(count(&conn, "SELECT count(*) FROM recovery_codes"), 0);
        let reset_at = "SELECT factors_reset_at FROM users WHERE id = 3";
        assert_eq!(count(&conn, reset_at), 5);
        let audited = "SELECT count(*) FROM audit_log WHERE event = 'user.two_factor_reset'
                       AND actor_type = 'user' AND actor_id = 1 AND subject = '3'";
        assert_eq!(count(&conn, audited), 1);
    }

    #[test]
    fn requiring_two_factor_is_audited_once_and_keeps_an_only_totp_on() {
        let conn = db();
        let ws = WorkspaceId(1);
        assert!(set_required(&conn, 1, Actor::Cli, ws, true).unwrap());
        assert!(!set_required(&conn, 2, Actor::Cli, ws, true).unwrap());
        let audited = "SELECT count(*) FROM audit_log WHERE event = 'workspace.settings_changed'";
        assert_eq!(count(&conn, audited), 1);
        let p = user(&conn, 3);
        assert!(totp_must_stay(&conn, &p).unwrap());
        assert!(matches!(
            turn_off(&conn, 3, &p),
            Err(AppError::Forbidden(_))
        ));
        set_required(&conn, 4, Actor::Cli, ws, false).unwrap();
        turn_off(&conn, 5, &p).unwrap();
        assert!(!totp::enabled(&conn, p.id).unwrap());
        assert_eq!(count(&conn, "SELECT count(*) FROM recovery_codes"), 0);
    }
}
