//! Users: one workspace each, a role, an argon2id password hash.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::{workspaces, Millis};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    Approver,
}

impl Role {
    pub fn parse(s: &str) -> AppResult<Role> {
        match s {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "approver" => Ok(Role::Approver),
            other => Err(AppError::invalid(
                "role",
                format!("unknown role `{other}`; use owner, admin or approver"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Approver => "approver",
        }
    }

    /// Owners and admins manage the workspace; approvers only decide.
    pub fn can_manage(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub workspace_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
}

pub struct NewUser<'a> {
    pub workspace_id: i64,
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    /// Already hashed with [`hash_password`] (off the async runtime).
    pub password_hash: String,
}

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 1024;

pub fn validate_password(pw: &str) -> AppResult<()> {
    let n = pw.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(AppError::invalid(
            "password",
            format!("a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

pub fn normalize_email(email: &str) -> AppResult<String> {
    let e = email.trim().to_lowercase();
    let valid = e.len() <= 254
        && !e.chars().any(char::is_whitespace)
        && matches!(e.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'));
    if !valid {
        return Err(AppError::invalid(
            "email",
            format!("`{}` is not an email address", email.trim()),
        ));
    }
    Ok(e)
}

/// argon2id with the crate's defaults, which are OWASP's recommendation (19 MiB, t=2, p=1).
/// Slow on purpose: call it from a blocking thread.
pub fn hash_password(pw: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

pub fn verify_password(hash: &str, pw: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

pub fn active_count(conn: &Connection, workspace_id: i64) -> AppResult<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM users WHERE workspace_id = ?1 AND disabled_at IS NULL",
        [workspace_id],
        |r| r.get(0),
    )?)
}

/// Adds a user, refusing one beyond the plan's approver count (every active user can approve).
pub fn add(conn: &Connection, now: Millis, actor: Actor, u: NewUser<'_>) -> AppResult<i64> {
    let email = normalize_email(u.email)?;
    let name = u.name.trim();
    if name.chars().count() > 200 {
        return Err(AppError::invalid(
            "name",
            "a name has at most 200 characters",
        ));
    }
    let ws = workspaces::get(conn, u.workspace_id)?;
    let plan = workspaces::plan(conn, &ws.plan_id)?;
    if let Some(max) = plan.max_approvers {
        if active_count(conn, ws.id)? >= max {
            return Err(AppError::Forbidden(format!(
                "the {} plan allows {max} approver{}; this workspace has reached it. \
                 Disable a user or move to a larger plan",
                plan.id,
                if max == 1 { "" } else { "s" }
            )));
        }
    }
    let taken: Option<i64> = conn
        .query_row("SELECT id FROM users WHERE email = ?1", [&email], |r| {
            r.get(0)
        })
        .optional()?;
    if taken.is_some() {
        return Err(AppError::Conflict {
            detail: format!("a user with email {email} already exists"),
            current: None,
        });
    }
    conn.execute(
        "INSERT INTO users (workspace_id, email, name, role, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![ws.id, email, name, u.role.as_str(), u.password_hash, now],
    )?;
    let id = conn.last_insert_rowid();
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(ws.id),
            actor,
            event: "user.added",
            subject: Some(id.to_string()),
            details: Some(json!({ "email": email, "role": u.role.as_str() })),
        },
    )?;
    Ok(id)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(4)?;
    Ok(User {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        email: r.get(2)?,
        name: r.get(3)?,
        role: Role::parse(&role).unwrap_or(Role::Approver),
        disabled: r.get::<_, Option<i64>>(5)?.is_some(),
    })
}

const COLUMNS: &str = "id, workspace_id, email, name, role, disabled_at";

pub fn get(conn: &Connection, id: i64) -> AppResult<Option<User>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// The user and password hash for a sign-in attempt.
pub fn for_login(conn: &Connection, email: &str) -> AppResult<Option<(User, String)>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, password_hash FROM users WHERE email = ?1"
        ))?
        .query_row([email], |r| Ok((from_row(r)?, r.get(6)?)))
        .optional()?)
}

pub fn any_exists(conn: &Connection) -> AppResult<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0))?)
}

// ---- managing users from the dashboard ------------------------------------------------------

/// A row of the Users page.
#[derive(Debug, Clone)]
pub struct Listed {
    pub user: User,
    /// Invited, sign-up link not used yet: the row has no password and cannot sign in.
    pub invited: bool,
    pub created_at: Millis,
}

impl Listed {
    pub fn status(&self) -> &'static str {
        if self.user.disabled {
            "disabled"
        } else if self.invited {
            "invited"
        } else {
            "active"
        }
    }
}

/// Every user of one workspace, by email.
pub fn list(conn: &Connection, workspace_id: i64) -> AppResult<Vec<Listed>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, password_hash = '', created_at FROM users
         WHERE workspace_id = ?1 ORDER BY email"
    ))?;
    let rows = stmt
        .query_map([workspace_id], |r| {
            Ok(Listed {
                user: from_row(r)?,
                invited: r.get(6)?,
                created_at: r.get(7)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A user of this workspace. Another workspace's user is "not found", never "forbidden", so an
/// id reveals nothing about other workspaces.
pub fn get_in_workspace(conn: &Connection, workspace_id: i64, id: i64) -> AppResult<User> {
    get(conn, id)?
        .filter(|u| u.workspace_id == workspace_id)
        .ok_or_else(|| AppError::NotFound(format!("there is no user {id} in this workspace")))
}

/// The stored hash; empty for an invited user who has not signed up yet.
pub fn password_hash(conn: &Connection, id: i64) -> AppResult<String> {
    Ok(
        conn.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })?,
    )
}

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

fn ensure_may_manage(actor: &User, target: Role) -> AppResult<()> {
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
         AND disabled_at IS NULL AND password_hash != ''",
        params![target.workspace_id, target.id],
        |r| r.get(0),
    )?;
    if others == 0 {
        return Err(AppError::Forbidden(format!(
            "{} is the last owner of this workspace and cannot be {what}; make another user \
             owner first",
            target.email
        )));
    }
    Ok(())
}

/// The plan's approver limit, as [`add`] enforces it: every enabled user (invited ones too)
/// can approve, so re-enabling a user needs room just like adding one.
pub fn ensure_room(conn: &Connection, workspace_id: i64) -> AppResult<()> {
    let ws = workspaces::get(conn, workspace_id)?;
    let plan = workspaces::plan(conn, &ws.plan_id)?;
    match plan.max_approvers {
        Some(max) if active_count(conn, ws.id)? >= max => Err(AppError::Forbidden(format!(
            "the {} plan allows {max} approver{}; this workspace has reached it. \
             Disable a user or move to a larger plan",
            plan.id,
            if max == 1 { "" } else { "s" }
        ))),
        _ => Ok(()),
    }
}

/// [`add`] on behalf of a signed-in manager, into the manager's own workspace.
pub fn add_by(conn: &Connection, now: Millis, actor: &User, u: NewUser<'_>) -> AppResult<i64> {
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
    actor: &User,
    event: &str,
    target: &User,
    details: serde_json::Value,
) -> AppResult<()> {
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(target.workspace_id),
            actor: Actor::User(actor.id),
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
    id: i64,
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
        params![role.as_str(), id],
    )?;
    let details = json!({ "from": target.role.as_str(), "to": role.as_str() });
    record_change(conn, now, actor, "user.role_changed", &target, details)?;
    Ok((target, true))
}

/// Disables a user and ends every session of theirs in the same transaction, so the very next
/// request they make is signed out.
pub fn disable(conn: &Connection, now: Millis, actor: &User, id: i64) -> AppResult<(User, bool)> {
    let target = get_in_workspace(conn, actor.workspace_id, id)?;
    if target.disabled {
        return Ok((target, false));
    }
    ensure_may_manage(actor, target.role)?;
    ensure_not_last_owner(conn, &target, "disabled")?;
    conn.execute(
        "UPDATE users SET disabled_at = ?1 WHERE id = ?2",
        params![now, id],
    )?;
    let ended = super::sessions::revoke_all_for_user(conn, id)?;
    record_change(
        conn,
        now,
        actor,
        "user.disabled",
        &target,
        json!({ "sessions_ended": ended }),
    )?;
    Ok((target, true))
}

/// Re-enables a disabled user, if the plan has room for one more.
pub fn enable(conn: &Connection, now: Millis, actor: &User, id: i64) -> AppResult<(User, bool)> {
    let target = get_in_workspace(conn, actor.workspace_id, id)?;
    if !target.disabled {
        return Ok((target, false));
    }
    ensure_may_manage(actor, target.role)?;
    ensure_room(conn, target.workspace_id)?;
    conn.execute("UPDATE users SET disabled_at = NULL WHERE id = ?1", [id])?;
    record_change(conn, now, actor, "user.enabled", &target, json!({}))?;
    Ok((target, true))
}

/// A display name: trimmed, at most 200 characters; `required` refuses an empty one.
pub fn validate_name(name: &str, required: bool) -> AppResult<String> {
    let name = name.trim();
    if required && name.is_empty() {
        return Err(AppError::invalid("name", "please enter a name"));
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "a name has at most 200 characters and no control characters",
        ));
    }
    Ok(name.to_string())
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
    record_change(conn, now, user, "user.name_changed", user, details)?;
    Ok(true)
}

/// A user changes their own password: every OTHER session of theirs ends (a thief's session
/// must not survive the change), the one making the change stays. Returns sessions ended.
pub fn set_password(
    conn: &Connection,
    now: Millis,
    user: &User,
    hash: &str,
    keep_session: &[u8],
) -> AppResult<usize> {
    conn.execute(
        "UPDATE users SET password_hash = ?1 WHERE id = ?2",
        params![hash, user.id],
    )?;
    let ended = conn.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND token_hash != ?2",
        params![user.id, keep_session],
    )?;
    let details = json!({ "other_sessions_ended": ended });
    record_change(conn, now, user, "user.password_changed", user, details)?;
    Ok(ended)
}
