//! Whether a sign-in is finished or waits for a second factor: the rule every way in (password,
//! sign-up, password reset, single sign-on) shares, so none of them bypasses the second factor.

use crate::db::sql::Connection;

use super::auth_context::AuthContext;
use super::sessions::Pending;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::domain::users::User;
use crate::error::AppResult;

/// Whether the user has a second factor in use: TOTP confirmed, or a passkey.
pub fn has_any(conn: &Connection, user_id: UserId) -> AppResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1 AND totp_confirmed_at IS NOT NULL)
             OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = ?1)",
        [user_id],
        |r| r.get(0),
    )?)
}

/// Whether owners require a second factor of everyone in the workspace.
pub fn required(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<bool> {
    Ok(conn.query_row(
        "SELECT require_two_factor FROM workspaces WHERE id = ?1",
        [workspace_id],
        |r| r.get(0),
    )?)
}

/// What a new session for `user`, authenticated as `auth`, still waits for: nothing when a
/// second factor was already used (a passkey sign-in, a provider sign-in whose `amr` counts), a
/// code when the user has a second factor, enrolment when the workspace requires one.
pub fn pending_for(
    conn: &Connection,
    user: &User,
    auth: &AuthContext,
) -> AppResult<Option<Pending>> {
    if auth.factor.is_some() {
        return Ok(None);
    }
    if has_any(conn, user.id)? {
        return Ok(Some(Pending::SecondFactor));
    }
    Ok(required(conn, user.workspace_id)?.then_some(Pending::Enrol))
}
