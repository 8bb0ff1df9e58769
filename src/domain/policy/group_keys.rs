//! Keys given approver groups: a key holding `decide` votes on the pauses routed to its
//! groups, as a member would (`approver_group_keys`). Only an unrevoked key of the workspace
//! holding `decide` can be given groups, so a group never gains a key that cannot decide.

use crate::db::sql::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

use crate::db::WriteCtx;
use crate::domain::api_keys;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::scopes::KeyScope;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

/// A key of a group, as `GET /api/groups` shows it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = GroupKey)]
pub struct KeyRef {
    pub name: String,
    pub prefix: String,
}

/// The unrevoked keys given the group, oldest first.
pub fn of_group(conn: &Connection, group_id: i64) -> AppResult<Vec<KeyRef>> {
    Ok(conn
        .prepare_cached(
            "SELECT k.name, k.prefix FROM approver_group_keys gk JOIN api_keys k
             ON k.id = gk.api_key_id WHERE gk.group_id = ?1 AND k.revoked_at IS NULL
             ORDER BY k.id",
        )?
        .query_map([group_id], |r| {
            Ok(KeyRef {
                name: r.get(0)?,
                prefix: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// The names of the groups the key was given, in name order.
pub fn key_groups(conn: &Connection, key: ApiKeyId) -> AppResult<Vec<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT g.name FROM approver_group_keys gk JOIN approver_groups g
             ON g.id = gk.group_id WHERE gk.api_key_id = ?1 ORDER BY g.name",
        )?
        .query_map([key], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

fn not_found(key: ApiKeyId) -> AppError {
    AppError::NotFound(format!("no API key with id `{key}` in this workspace"))
}

/// Replaces the key's groups with `names` (each a group of the workspace; duplicates count
/// once), audited as `key.groups_changed` with before and after; the same set records nothing.
/// A revoked key, or one without `decide`, is a 422.
pub fn set_key_groups(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    actor: Actor,
    key: ApiKeyId,
    names: &[String],
) -> AppResult<Vec<String>> {
    let info = api_keys::list(ctx.conn, ws)?
        .into_iter()
        .find(|k| k.id == key)
        .ok_or_else(|| not_found(key))?;
    if info.revoked_at.is_some() || !info.scopes.has(KeyScope::Decide) {
        return Err(AppError::invalid(
            "groups",
            format!(
                "only an unrevoked key holding `decide` can be given groups; “{}” {}",
                info.name,
                match info.revoked_at {
                    Some(_) => "is revoked",
                    None => "does not hold `decide`",
                }
            ),
        ));
    }
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let id = group_id(ctx.conn, ws, name.trim())?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let before = key_groups(ctx.conn, key)?;
    ctx.conn
        .prepare_cached("DELETE FROM approver_group_keys WHERE api_key_id = ?1")?
        .execute([key])?;
    let mut add = ctx
        .conn
        .prepare_cached("INSERT INTO approver_group_keys (group_id, api_key_id) VALUES (?1, ?2)")?;
    for id in ids {
        add.execute(params![id, key])?;
    }
    let after = key_groups(ctx.conn, key)?;
    if after != before {
        audit::record(
            ctx.conn,
            now,
            Entry {
                workspace_id: Some(ws),
                actor,
                event: EventType::KeyGroupsChanged,
                subject: Some(format!("{} ({}…)", info.name, info.prefix)),
                details: Some(json!({"before": before, "after": after})),
            },
        )?;
    }
    Ok(after)
}

fn group_id(conn: &Connection, ws: WorkspaceId, name: &str) -> AppResult<i64> {
    conn.prepare_cached("SELECT id FROM approver_groups WHERE workspace_id = ?1 AND name = ?2")?
        .query_row(params![ws, name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            AppError::invalid(
                "groups",
                format!("there is no approver group named `{name}` in this workspace"),
            )
        })
}
