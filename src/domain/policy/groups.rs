//! Approver groups (decision policies, part 2): a workspace's named sets of people a pause can
//! be routed to. Only members are told of a routed pause, may vote on it and count towards its
//! quorum (the routing and voting come with the rest of part 2). Members are named by email, as
//! people know each other; a member must be an active user of the workspace.

use crate::db::sql::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::group_keys::{self, KeyRef};
use super::group_uses;
use crate::db::WriteCtx;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::ids::WorkspaceId;
use crate::domain::{rfc3339, Millis};
use crate::error::{AppError, AppResult};

/// The longest group name, in characters.
pub const MAX_NAME_CHARS: usize = 50;
/// The most members a group holds.
pub const MAX_MEMBERS: usize = 500;

/// A group as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub name: String,
    pub members: Vec<Member>,
    /// The unrevoked keys holding `decide` given the group.
    pub keys: Vec<KeyRef>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = GroupMember)]
pub struct Member {
    pub email: String,
    pub name: String,
}

/// A new group, or the whole of a changed one: its name and its members' emails.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = GroupCreate)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// 1 to 50 of lowercase letters, digits, `_` and `-`.
    #[schema(pattern = r"^[a-z0-9_-]{1,50}$")]
    pub name: String,
    #[serde(default)]
    pub members: Vec<String>,
}

/// A name routes name: lowercase letters, digits, `_` and `-`, 1 to [`MAX_NAME_CHARS`].
pub fn check_name(name: &str) -> AppResult<()> {
    let ok = (1..=MAX_NAME_CHARS).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    match ok {
        true => Ok(()),
        false => Err(AppError::invalid(
            "name",
            format!(
                "a group's name has 1 to {MAX_NAME_CHARS} of lowercase letters, digits, `_` \
                 and `-` (e.g. `finance`)"
            ),
        )),
    }
}

pub fn list(conn: &Connection, ws: WorkspaceId) -> AppResult<Vec<Group>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, created_at FROM approver_groups WHERE workspace_id = ?1 ORDER BY name",
    )?;
    let rows = stmt
        .query_map([ws], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<(i64, String, i64)>, _>>()?;
    rows.into_iter()
        .map(|(id, name, at)| group(conn, id, name, at))
        .collect()
}

pub fn get(conn: &Connection, ws: WorkspaceId, name: &str) -> AppResult<Option<Group>> {
    let row = conn
        .prepare_cached(
            "SELECT id, name, created_at FROM approver_groups
             WHERE workspace_id = ?1 AND name = ?2",
        )?
        .query_row(params![ws, name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    row.map(|(id, name, at)| group(conn, id, name, at))
        .transpose()
}

fn group(conn: &Connection, id: i64, name: String, created_at: Millis) -> AppResult<Group> {
    let members = conn
        .prepare_cached(
            "SELECT u.email, u.name FROM approver_group_members m JOIN users u ON u.id = m.user_id
             WHERE m.group_id = ?1 ORDER BY u.email",
        )?
        .query_map([id], |r| {
            Ok(Member {
                email: r.get(0)?,
                name: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Group {
        name,
        members,
        keys: group_keys::of_group(conn, id)?,
        created_at: rfc3339(created_at),
    })
}

pub fn not_found(name: &str) -> AppError {
    AppError::NotFound(format!(
        "no approver group named `{name}` in this workspace"
    ))
}

fn duplicate(name: &str) -> AppError {
    AppError::Conflict {
        detail: format!("a group named `{name}` already exists in this workspace"),
        current: None,
    }
}

/// The user ids of the emails, each an active user of the workspace; otherwise a 422 naming the
/// first that is not. Duplicates count once.
fn member_ids(conn: &Connection, ws: WorkspaceId, emails: &[String]) -> AppResult<Vec<i64>> {
    if emails.len() > MAX_MEMBERS {
        return Err(AppError::invalid(
            "members",
            format!("a group has at most {MAX_MEMBERS} members"),
        ));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM users WHERE workspace_id = ?1 AND email = ?2 AND state != 'disabled'",
    )?;
    let mut ids = Vec::with_capacity(emails.len());
    for email in emails {
        let id: Option<i64> = stmt
            .query_row(params![ws, email.trim()], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => {
                return Err(AppError::invalid(
                    "members",
                    format!("`{email}` is not an active user of this workspace"),
                ))
            }
        }
    }
    Ok(ids)
}

fn taken(conn: &Connection, ws: WorkspaceId, name: &str, except: i64) -> AppResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM approver_groups
             WHERE workspace_id = ?1 AND name = ?2 AND id != ?3)",
        )?
        .query_row(params![ws, name, except], |r| r.get(0))?)
}

fn set_members(conn: &Connection, id: i64, users: &[i64]) -> AppResult<()> {
    conn.prepare_cached("DELETE FROM approver_group_members WHERE group_id = ?1")?
        .execute([id])?;
    let mut add = conn
        .prepare_cached("INSERT INTO approver_group_members (group_id, user_id) VALUES (?1, ?2)")?;
    for user in users {
        add.execute(params![id, user])?;
    }
    Ok(())
}

fn record(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    actor: Actor,
    event: EventType,
    g: &Group,
) -> AppResult<()> {
    audit::record(
        ctx.conn,
        now,
        Entry {
            workspace_id: Some(ws),
            actor,
            event,
            subject: Some(format!("group {}", g.name)),
            details: Some(
                json!({ "members": g.members.iter().map(|m| &m.email).collect::<Vec<_>>() }),
            ),
        },
    )?;
    Ok(())
}

/// Adds a group; a name in use is a 409, a bad name or member a 422 naming it. Audited.
pub fn create(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    actor: Actor,
    spec: GroupSpec,
) -> AppResult<Group> {
    check_name(&spec.name)?;
    let users = member_ids(ctx.conn, ws, &spec.members)?;
    if taken(ctx.conn, ws, &spec.name, 0)? {
        return Err(duplicate(&spec.name));
    }
    let inserted_id: i64 = ctx.conn
        .prepare_cached(
            "INSERT INTO approver_groups (workspace_id, name, created_at) VALUES (?1, ?2, ?3) RETURNING id",
        )?
        .query_row(params![ws, spec.name, now], |r| r.get::<_, i64>(0))?;
    set_members(ctx.conn, inserted_id, &users)?;
    let g = get(ctx.conn, ws, &spec.name)?.ok_or_else(|| not_found(&spec.name))?;
    record(ctx, now, ws, actor, EventType::GroupCreated, &g)?;
    Ok(g)
}

/// Replaces a group's name and members; renaming a group the settings or a rule name is a 409.
/// Audited.
pub fn replace(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    actor: Actor,
    name: &str,
    spec: GroupSpec,
) -> AppResult<Group> {
    let id = id_of(ctx.conn, ws, name)?;
    check_name(&spec.name)?;
    if spec.name != name {
        group_uses::check_rename(ctx.conn, ws, name)?;
    }
    let users = member_ids(ctx.conn, ws, &spec.members)?;
    if taken(ctx.conn, ws, &spec.name, id)? {
        return Err(duplicate(&spec.name));
    }
    ctx.conn
        .prepare_cached("UPDATE approver_groups SET name = ?2 WHERE id = ?1")?
        .execute(params![id, spec.name])?;
    set_members(ctx.conn, id, &users)?;
    let g = get(ctx.conn, ws, &spec.name)?.ok_or_else(|| not_found(&spec.name))?;
    record(ctx, now, ws, actor, EventType::GroupChanged, &g)?;
    Ok(g)
}

/// Removes a group and its memberships (of users and keys); a group the settings, a rule or a
/// pending pause names is a 409 naming them. Audited.
pub fn delete(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    actor: Actor,
    name: &str,
) -> AppResult<()> {
    let g = get(ctx.conn, ws, name)?.ok_or_else(|| not_found(name))?;
    let id = id_of(ctx.conn, ws, name)?;
    group_uses::check_delete(ctx.conn, ws, name, id)?;
    set_members(ctx.conn, id, &[])?;
    ctx.conn
        .prepare_cached("DELETE FROM approver_group_keys WHERE group_id = ?1")?
        .execute([id])?;
    ctx.conn
        .prepare_cached("DELETE FROM approver_groups WHERE id = ?1")?
        .execute([id])?;
    record(ctx, now, ws, actor, EventType::GroupDeleted, &g)
}

fn id_of(conn: &Connection, ws: WorkspaceId, name: &str) -> AppResult<i64> {
    conn.prepare_cached("SELECT id FROM approver_groups WHERE workspace_id = ?1 AND name = ?2")?
        .query_row(params![ws, name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| not_found(name))
}

#[cfg(test)]
#[path = "groups_tests.rs"]
mod tests;
