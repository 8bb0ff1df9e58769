//! Users: one workspace each, a role, an argon2id password hash.

use crate::db::sql::{params, Connection, OptionalExtension, Row};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::sql_enum::sql_enum;
use super::{workspaces, Millis};
use crate::domain::ids::{UserId, WorkspaceId};
use crate::error::{AppError, AppResult};

pub use super::email_address::{normalize_email, quoted, MAX_EMAIL};

sql_enum! {
    #[schema(as = UserRole)]
    /// What a user may do in their workspace.
    pub enum Role {
        Owner => "owner",
        Admin => "admin",
        Approver => "approver",
    }
}

sql_enum! {
    /// Where a user stands: added by an owner and not signed up yet, able to sign in, or
    /// disabled. (A user without a password signs in through the identity provider.)
    pub enum UserState {
        Invited => "invited",
        Active => "active",
        Disabled => "disabled",
    }
}

impl Role {
    /// A role as typed in a form or on the command line.
    pub fn parse(s: &str) -> AppResult<Role> {
        Role::from_name(s).ok_or_else(|| {
            AppError::invalid(
                "role",
                format!("unknown role {}; use owner, admin or approver", quoted(s)),
            )
        })
    }

    /// Owners and admins manage the workspace; approvers only decide.
    pub fn can_manage(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub workspace_id: WorkspaceId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub state: UserState,
    /// `state == Disabled`, kept as a field because so many checks read it.
    pub disabled: bool,
    /// Theme and time zone the pages are shown in.
    pub display: super::display::Display,
}

pub struct NewUser<'a> {
    pub workspace_id: WorkspaceId,
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    /// Already hashed with [`crate::auth::password`] (off the async runtime); `None` for an
    /// invited user and for one who signs in only through the identity provider.
    pub password_hash: Option<String>,
    pub state: UserState,
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

pub fn active_count(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM users WHERE workspace_id = ?1 AND state != 'disabled'",
        [workspace_id],
        |r| r.get(0),
    )?)
}

/// Adds a user, refusing one beyond the plan's approver count (every active user can approve).
pub fn add(conn: &Connection, now: Millis, actor: Actor, u: NewUser<'_>) -> AppResult<UserId> {
    let email = normalize_email(u.email)?;
    let name = u.name.trim();
    if name.chars().count() > 200 {
        return Err(AppError::invalid(
            "name",
            "a name has at most 200 characters",
        ));
    }
    let ws = workspaces::get(conn, u.workspace_id)?;
    let billing_plan = workspaces::billing_plan(conn, &ws.billing_plan_id)?;
    if let Some(max) = billing_plan.max_approvers {
        if active_count(conn, ws.id)? >= max {
            return Err(workspaces::approver_limit_error(&billing_plan, ws.id, max));
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
    let inserted_id: i64 = conn.query_row(
        "INSERT INTO users (workspace_id, email, name, role, password_hash, state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        params![ws.id, email, name, u.role, u.password_hash, u.state, now],
        |r| r.get::<_, i64>(0),
    )?;
    let id = UserId(inserted_id);
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(ws.id),
            actor,
            event: EventType::UserAdded,
            subject: Some(id.to_string()),
            details: Some(json!({ "email": email, "role": u.role.as_str() })),
        },
    )?;
    Ok(id)
}

fn from_row(r: &Row<'_>) -> crate::db::sql::Result<User> {
    Ok(User {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        email: r.get(2)?,
        name: r.get(3)?,
        role: r.get(4)?,
        state: r.get(5)?,
        disabled: r.get::<_, UserState>(5)? == UserState::Disabled,
        display: super::display::Display {
            theme: r.get(6)?,
            time_zone: r.get(7)?,
        },
    })
}

const COLUMNS: &str = "id, workspace_id, email, name, role, state, theme, time_zone";

/// A user who can sign in and be told things: enabled, signed up (with a password or through
/// the identity provider). For SQL over `users` aliased `u`.
pub const ACTIVE_U: &str = "u.state = 'active'";

pub fn get(conn: &Connection, id: UserId) -> AppResult<Option<User>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// The user and password hash for a sign-in attempt (`None`: no password to sign in with).
pub fn for_login(conn: &Connection, email: &str) -> AppResult<Option<(User, Option<String>)>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, password_hash FROM users WHERE email = ?1"
        ))?
        .query_row([email], |r| Ok((from_row(r)?, r.get(8)?)))
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
    /// Invited, sign-up link not used yet: the row cannot sign in.
    pub invited: bool,
    pub created_at: Millis,
}

impl Listed {
    pub fn status(&self) -> &'static str {
        self.user.state.as_str()
    }
}

/// Every user of one workspace, by email.
pub fn list(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<Vec<Listed>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, state = 'invited', created_at FROM users
         WHERE workspace_id = ?1 ORDER BY email"
    ))?;
    let rows = stmt
        .query_map([workspace_id], |r| {
            Ok(Listed {
                user: from_row(r)?,
                invited: r.get(8)?,
                created_at: r.get(9)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A user of this workspace. Another workspace's user is "not found", never "forbidden", so an
/// id reveals nothing about other workspaces.
pub fn get_in_workspace(
    conn: &Connection,
    workspace_id: WorkspaceId,
    id: UserId,
) -> AppResult<User> {
    get(conn, id)?
        .filter(|u| u.workspace_id == workspace_id)
        .ok_or_else(|| AppError::NotFound(format!("there is no user {id} in this workspace")))
}

/// The stored hash; `None` for an invited user and for one who signs in only through the
/// identity provider.
pub fn password_hash(conn: &Connection, id: UserId) -> AppResult<Option<String>> {
    Ok(
        conn.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })?,
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sql_enum::tests::read_stored;

    #[test]
    fn an_unknown_stored_role_is_an_error_not_an_approver() {
        assert!(read_stored::<Role>("superuser").is_err());
        assert_eq!(read_stored::<Role>("admin").unwrap(), Role::Admin);
    }
}
