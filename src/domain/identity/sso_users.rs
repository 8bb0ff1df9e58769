//! The users behind single sign-on: found by the provider's `iss` + `sub` (which win over a
//! later change of email), linked to an invitation or an account with the same verified email,
//! or made for an email in an allowed domain; and, at each sign-on, the roles and approver
//! groups the provider's groups claim maps to. Every change is audited in the caller's
//! transaction.

use crate::db::sql::{params, Connection, OptionalExtension};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::users::{self, NewUser, Role, User, UserState};
use super::Millis;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::error::AppResult;

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct ProviderIdentity<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
}

/// The user linked to this provider identity, if any.
pub fn by_identity(conn: &Connection, id: &ProviderIdentity<'_>) -> AppResult<Option<User>> {
    let user_id: Option<UserId> = conn
        .query_row(
            "SELECT user_id FROM user_identities WHERE issuer = ?1 AND subject = ?2",
            params![id.issuer, id.subject],
            |r| r.get(0),
        )
        .optional()?;
    match user_id {
        Some(u) => users::get(conn, u),
        None => Ok(None),
    }
}

/// Whether `user` is linked to some identity at `issuer` already: another subject with the
/// same email is then not linked (an email changed at the provider must not take an account).
pub fn linked_at(conn: &Connection, user: UserId, issuer: &str) -> AppResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM user_identities WHERE user_id = ?1 AND issuer = ?2)",
        params![user, issuer],
        |r| r.get(0),
    )?)
}

/// Records a sign-on through a linked identity.
pub fn touch(conn: &Connection, now: Millis, id: &ProviderIdentity<'_>) -> AppResult<()> {
    conn.execute(
        "UPDATE user_identities SET last_used_at = ?3 WHERE issuer = ?1 AND subject = ?2",
        params![id.issuer, id.subject, now],
    )?;
    Ok(())
}

/// Links the identity to `user`, found by its verified email; an invited user becomes active
/// (with no password: they sign in through the provider). Audited as `auth.sso_linked`.
pub fn link(
    conn: &Connection,
    now: Millis,
    id: &ProviderIdentity<'_>,
    user: &User,
) -> AppResult<User> {
    conn.execute(
        "INSERT INTO user_identities (issuer, subject, user_id, created_at, last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![id.issuer, id.subject, user.id, now],
    )?;
    let was_invited = user.state == UserState::Invited;
    if was_invited {
        conn.execute(
            "UPDATE users SET state = 'active' WHERE id = ?1 AND state = 'invited'",
            [user.id],
        )?;
    }
    let details = json!({
        "issuer": id.issuer,
        "subject": id.subject,
        "email": user.email,
        "was": user.state.as_str(),
    });
    audit::record(
        conn,
        now,
        Entry::by_user_on_self(user, EventType::AuthSsoLinked, Some(details)),
    )?;
    if was_invited {
        audit::record(
            conn,
            now,
            Entry::by_user_on_self(
                user,
                EventType::UserInviteAccepted,
                Some(json!({"via": "sso"})),
            ),
        )?;
    }
    Ok(users::get(conn, user.id)?.unwrap_or_else(|| user.clone()))
}

/// Makes an active approver with no password in `workspace` and links the identity (the plan's
/// approver limit applies, as for any new user). Audited as `user.added` and
/// `auth.sso_provisioned`.
pub fn provision(
    conn: &Connection,
    now: Millis,
    id: &ProviderIdentity<'_>,
    workspace: WorkspaceId,
    email: &str,
    name: &str,
) -> AppResult<User> {
    let new = NewUser {
        workspace_id: workspace,
        email,
        name,
        role: Role::Approver,
        password_hash: None,
        state: UserState::Active,
    };
    let user_id = users::add(conn, now, Actor::System, new)?;
    conn.execute(
        "INSERT INTO user_identities (issuer, subject, user_id, created_at, last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![id.issuer, id.subject, user_id, now],
    )?;
    let user = users::get(conn, user_id)?.expect("just added");
    let details = json!({ "issuer": id.issuer, "subject": id.subject, "email": user.email });
    audit::record(
        conn,
        now,
        Entry::by_user_on_self(&user, EventType::AuthSsoProvisioned, Some(details)),
    )?;
    Ok(user)
}

/// Whether `user` is the workspace's last active owner (whom no mapping may demote).
fn last_owner(conn: &Connection, user: &User) -> AppResult<bool> {
    if user.role != Role::Owner {
        return Ok(false);
    }
    let others: i64 = conn.query_row(
        "SELECT count(*) FROM users WHERE workspace_id = ?1 AND id != ?2 AND role = 'owner'
         AND state = 'active'",
        params![user.workspace_id, user.id],
        |r| r.get(0),
    )?;
    Ok(others == 0)
}

/// Gives `user` the role the mapping says, unless that would demote the workspace's last
/// owner: then nothing changes and `auth.sso_mapping_skipped` says so. Returns the user as now.
pub fn map_role(conn: &Connection, now: Millis, user: &User, role: Role) -> AppResult<User> {
    if user.role == role {
        return Ok(user.clone());
    }
    let details = json!({ "from": user.role.as_str(), "to": role.as_str(), "via": "sso" });
    if last_owner(conn, user)? {
        let entry = Entry {
            actor: Actor::System,
            ..Entry::by_user_on_self(user, EventType::AuthSsoMappingSkipped, Some(details))
        };
        audit::record(conn, now, entry)?;
        return Ok(user.clone());
    }
    conn.execute(
        "UPDATE users SET role = ?1 WHERE id = ?2",
        params![role, user.id],
    )?;
    let entry = Entry {
        actor: Actor::System,
        ..Entry::by_user_on_self(user, EventType::UserRoleChanged, Some(details))
    };
    audit::record(conn, now, entry)?;
    Ok(users::get(conn, user.id)?.unwrap_or_else(|| user.clone()))
}

/// Puts `user` in, or takes them out of, the approver group `group` of their workspace. A group
/// that does not exist is left alone (returns false); a change is audited as `group.changed`.
pub fn set_membership(
    conn: &Connection,
    now: Millis,
    user: &User,
    group: &str,
    member: bool,
) -> AppResult<bool> {
    let gid: Option<i64> = conn
        .query_row(
            "SELECT id FROM approver_groups WHERE workspace_id = ?1 AND name = ?2",
            params![user.workspace_id, group],
            |r| r.get(0),
        )
        .optional()?;
    let Some(gid) = gid else {
        return Ok(false);
    };
    let changed = if member {
        conn.execute(
            "INSERT INTO approver_group_members (group_id, user_id) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
            params![gid, user.id],
        )?
    } else {
        conn.execute(
            "DELETE FROM approver_group_members WHERE group_id = ?1 AND user_id = ?2",
            params![gid, user.id],
        )?
    };
    if changed > 0 {
        let key = if member { "added" } else { "removed" };
        audit::record(
            conn,
            now,
            Entry {
                workspace_id: Some(user.workspace_id),
                actor: Actor::System,
                event: EventType::GroupChanged,
                subject: Some(format!("group {group}")),
                details: Some(json!({ key: [&user.email], "via": "sso" })),
            },
        )?;
    }
    Ok(changed > 0)
}

#[cfg(test)]
#[path = "sso_users_tests.rs"]
mod tests;
