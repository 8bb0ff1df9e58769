//! What owners and admins may do to the users of their workspace, and what every user may
//! change about themselves. Each change writes its audit row in the same transaction.

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::users::{active_count, add, get_in_workspace, validate_name, NewUser, Role, User};
use super::{api_keys, sessions, workspaces, Millis};
use crate::domain::ids::{UserId, WorkspaceId};
use crate::error::{AppError, AppResult};

/// Who may add, change or disable whom, kept deliberately simple: owners manage everyone;
/// admins manage admins and approvers but may neither touch an owner nor make one; approvers
/// manage nobody. A change needs the right over both the old and the new role.
pub fn may_manage(actor: Role, target: Role) -> bool {
    match actor {
        Role::Owner => true,
        Role::Admin => target != Role::Owner,
        Role::Approver => false,
    }
}

pub fn ensure_may_manage(actor: &User, target: Role) -> AppResult<()> {
    if may_manage(actor.role, target) {
        return Ok(());
    }
    Err(AppError::Forbidden(match actor.role {
        Role::Approver => "only owners and admins can manage users".into(),
        _ => "only an owner can add, change or disable an owner".into(),
    }))
}

/// Refuses to demote or disable the workspace's last owner who can sign in: without one,
/// nobody could ever manage owners again. Invited owners do not count (they may never sign up).
fn ensure_not_last_owner(conn: &Connection, target: &User, what: &str) -> AppResult<()> {
    if target.role != Role::Owner || target.disabled {
        return Ok(());
    }
    let others: i64 = conn.query_row(
        "SELECT count(*) FROM users WHERE workspace_id = ?1 AND id != ?2 AND role = 'owner'
         AND state = 'active'",
        params![target.workspace_id, target.id],
        |r| r.get(0),
    )?;
    if others == 0 {
        return Err(AppError::Forbidden(format!(
            "the user {} is the last owner of this workspace and cannot be {what}; make another user \
             owner first",
            target.email
        )));
    }
    Ok(())
}

/// The plan's approver limit, as [`add`] enforces it: every enabled user (invited ones too)
/// can approve, so re-enabling a user needs room just like adding one.
pub fn ensure_room(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<()> {
    let ws = workspaces::get(conn, workspace_id)?;
    let billing_plan = workspaces::billing_plan(conn, &ws.billing_plan_id)?;
    match billing_plan.max_approvers {
        Some(max) if active_count(conn, ws.id)? >= max => {
            Err(workspaces::approver_limit_error(&billing_plan, ws.id, max))
        }
        _ => Ok(()),
    }
}

/// [`add`] on behalf of a signed-in manager, into the manager's own workspace.
pub fn add_by(conn: &Connection, now: Millis, actor: &User, u: NewUser<'_>) -> AppResult<UserId> {
    ensure_may_manage(actor, u.role)?;
    let u = NewUser {
        workspace_id: actor.workspace_id,
        ..u
    };
    add(conn, now, Actor::User(actor.id), u)
}

fn record_change(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    event: EventType,
    target: &User,
    details: serde_json::Value,
) -> AppResult<()> {
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(target.workspace_id),
            actor,
            event,
            subject: Some(target.id.to_string()),
            details: Some(details),
        },
    )?;
    Ok(())
}

/// Changes a user's role. Returns the user as it was and whether anything changed.
pub fn set_role(
    conn: &Connection,
    now: Millis,
    actor: &User,
    id: UserId,
    role: Role,
) -> AppResult<(User, bool)> {
    let target = get_in_workspace(conn, actor.workspace_id, id)?;
    if target.role == role {
        return Ok((target, false));
    }
    ensure_may_manage(actor, target.role)?;
    ensure_may_manage(actor, role)?;
    ensure_not_last_owner(conn, &target, "demoted")?;
    conn.execute(
        "UPDATE users SET role = ?1 WHERE id = ?2",
        params![role, id],
    )?;
    let details = json!({ "from": target.role.as_str(), "to": role.as_str() });
    record_change(
        conn,
        now,
        Actor::User(actor.id),
        EventType::UserRoleChanged,
        &target,
        details,
    )?;
    Ok((target, true))
}

/// Disables a user and ends every session of theirs in the same transaction, so the very next
/// request they make is signed out. With `revoke_keys`, the live API keys they created are
/// revoked in that transaction too (each audited). Returns the user as it was, whether
/// anything changed, and how many keys were revoked.
pub fn disable(
    conn: &Connection,
    now: Millis,
    actor: &User,
    id: UserId,
    revoke_keys: bool,
) -> AppResult<(User, bool, usize)> {
    let target = get_in_workspace(conn, actor.workspace_id, id)?;
    if target.disabled {
        return Ok((target, false, 0));
    }
    ensure_may_manage(actor, target.role)?;
    ensure_not_last_owner(conn, &target, "disabled")?;
    let ended = mark_disabled(conn, now, id)?;
    let mut revoked = Vec::new();
    if revoke_keys {
        let ws = actor.workspace_id;
        for key in api_keys::live_created_by(conn, id)? {
            if key.workspace_id == ws {
                api_keys::revoke(conn, now, Actor::User(actor.id), key.id, Some(ws))?;
                revoked.push(key.id);
            }
        }
    }
    let details = json!({ "sessions_ended": ended, "keys_revoked": revoked });
    let by = Actor::User(actor.id);
    record_change(conn, now, by, EventType::UserDisabled, &target, details)?;
    Ok((target, true, revoked.len()))
}

/// Sets `disabled_at` and ends every session of the user; returns how many sessions ended.
fn mark_disabled(conn: &Connection, now: Millis, id: UserId) -> AppResult<usize> {
    conn.execute(
        "UPDATE users SET disabled_at = ?1, state = 'disabled' WHERE id = ?2",
        params![now, id],
    )?;
    Ok(sessions::revoke_all_for_user(conn, id)?)
}

/// `holdpoint user disable ID`: the operator may disable anyone but the last owner who can sign
/// in. Their API keys stay (the dashboard offers to revoke them). Returns the user as it was and
/// whether anything changed.
pub fn disable_by_cli(conn: &Connection, now: Millis, id: UserId) -> AppResult<(User, bool)> {
    let target = get_any(conn, id)?;
    if target.disabled {
        return Ok((target, false));
    }
    ensure_not_last_owner(conn, &target, "disabled")?;
    let ended = mark_disabled(conn, now, id)?;
    let details = json!({ "sessions_ended": ended, "keys_revoked": [] });
    record_change(
        conn,
        now,
        Actor::Cli,
        EventType::UserDisabled,
        &target,
        details,
    )?;
    Ok((target, true))
}

/// A user of any workspace (the operator's commands name users by id alone).
pub fn get_any(conn: &Connection, id: UserId) -> AppResult<User> {
    super::users::get(conn, id)?.ok_or_else(|| {
        AppError::NotFound(format!(
            "there is no user with id {id} (see `holdpoint user list`)"
        ))
    })
}

/// When the user last signed in, from the audit log (sign-ins are audited on the user).
pub fn last_sign_in(conn: &Connection, id: UserId) -> AppResult<Option<Millis>> {
    Ok(conn.query_row(
        "SELECT max(at) FROM audit_log WHERE subject = ?1 AND event = 'auth.signed_in'",
        [id.to_string()],
        |r| r.get(0),
    )?)
}

/// Re-enables a disabled user, if the plan has room for one more.
pub fn enable(conn: &Connection, now: Millis, actor: &User, id: UserId) -> AppResult<(User, bool)> {
    let target = get_in_workspace(conn, actor.workspace_id, id)?;
    if !target.disabled {
        return Ok((target, false));
    }
    ensure_may_manage(actor, target.role)?;
    ensure_room(conn, target.workspace_id)?;
    // Back to invited when they never signed up (no password, no provider identity).
    conn.execute(
        "UPDATE users SET disabled_at = NULL,
             state = CASE WHEN password_hash IS NULL AND NOT EXISTS
                 (SELECT 1 FROM user_identities i WHERE i.user_id = users.id)
                 THEN 'invited' ELSE 'active' END
         WHERE id = ?1",
        [id],
    )?;
    let by = Actor::User(actor.id);
    record_change(conn, now, by, EventType::UserEnabled, &target, json!({}))?;
    Ok((target, true))
}

/// A user changes their own name. Returns whether anything changed.
pub fn set_name(conn: &Connection, now: Millis, user: &User, name: &str) -> AppResult<bool> {
    let name = validate_name(name, true)?;
    if name == user.name {
        return Ok(false);
    }
    conn.execute(
        "UPDATE users SET name = ?1 WHERE id = ?2",
        params![name, user.id],
    )?;
    let details = json!({ "from": user.name, "to": name });
    let by = Actor::User(user.id);
    record_change(conn, now, by, EventType::UserNameChanged, user, details)?;
    Ok(true)
}

/// A user changes their own password: every session of theirs ends (a thief's session must
/// not survive the change) and a new one starts for the browser that made the change, so a
/// token that leaked before is worthless. Returns the other sessions ended and the new token.
pub fn set_password(
    conn: &Connection,
    now: Millis,
    user: &User,
    hash: &str,
    new: &sessions::NewSession,
) -> AppResult<(usize, String)> {
    conn.execute(
        "UPDATE users SET password_hash = ?1 WHERE id = ?2",
        params![hash, user.id],
    )?;
    let others = sessions::revoke_all_for_user(conn, user.id)?.saturating_sub(1);
    let token = sessions::create(conn, now, user.id, new)?;
    let details = json!({ "other_sessions_ended": others, "session_rotated": true });
    record_change(
        conn,
        now,
        Actor::User(user.id),
        EventType::UserPasswordChanged,
        user,
        details,
    )?;
    Ok((others, token))
}
