//! A key as the keys API shows it (with its groups and pinned agents), and changes to a key
//! after it was made: its name and its autonomy cap, each audited as `key.changed` with before
//! and after (its groups are `policy::group_keys`').

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::api_keys::{list_with_creators, KeyInfo, KeyListing};
use crate::domain::agents::pin;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::policy::group_keys;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

/// One unrevoked key of the workspace as the keys page lists it (None: unknown, revoked, or
/// another workspace's).
pub fn active_listing(
    conn: &Connection,
    workspace_id: WorkspaceId,
    id: ApiKeyId,
) -> AppResult<Option<KeyListing>> {
    Ok(list_with_creators(conn, workspace_id)?
        .into_iter()
        .find(|k| k.key.id == id && k.key.revoked_at.is_none()))
}

/// Renames a key (`key.changed`, with before and after); the same name records nothing.
pub fn rename(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    key: &KeyInfo,
    name: &str,
) -> AppResult<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            "a key name has 1 to 100 characters",
        ));
    }
    if name == key.name {
        return Ok(());
    }
    conn.execute(
        "UPDATE api_keys SET name = ?1 WHERE id = ?2",
        params![name, key.id],
    )?;
    let entry = Entry {
        workspace_id: Some(key.workspace_id),
        actor,
        event: EventType::KeyChanged,
        subject: Some(key.id.to_string()),
        details: Some(json!({ "name": { "before": key.name, "after": name } })),
    };
    audit::record(conn, now, entry)?;
    Ok(())
}

/// Sets or clears the key's cap on the autonomy level (`key.changed`); the same value records
/// nothing.
pub fn set_cap(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    listing: &KeyListing,
    cap: Option<u8>,
) -> AppResult<()> {
    if cap == listing.autonomy_level {
        return Ok(());
    }
    crate::domain::policy::settings::set_key_level(conn, listing.key.id, cap)?;
    let details = json!({
        "autonomy_level": { "before": listing.autonomy_level, "after": cap }
    });
    let entry = Entry {
        workspace_id: Some(listing.key.workspace_id),
        actor,
        event: EventType::KeyChanged,
        subject: Some(listing.key.id.to_string()),
        details: Some(details),
    };
    audit::record(conn, now, entry)?;
    Ok(())
}

/// A key as the API shows it: the listing plus its groups and the agents pinned to it.
#[derive(Debug, Clone)]
pub struct KeyDetails {
    pub listing: KeyListing,
    pub groups: Vec<String>,
    pub pinned_agents: Vec<String>,
}

/// The unrevoked key `id` of the workspace with its groups and pinned agents; 404 otherwise.
pub fn details(conn: &Connection, ws: WorkspaceId, id: ApiKeyId) -> AppResult<KeyDetails> {
    let listing = active_listing(conn, ws, id)?.ok_or_else(|| not_found(id))?;
    Ok(KeyDetails {
        groups: group_keys::key_groups(conn, id)?,
        pinned_agents: pin::pinned_to(conn, id)?,
        listing,
    })
}

/// Every unrevoked key of the workspace, newest first.
pub fn list(conn: &Connection, ws: WorkspaceId) -> AppResult<Vec<KeyDetails>> {
    list_with_creators(conn, ws)?
        .into_iter()
        .filter(|k| k.key.revoked_at.is_none())
        .map(|k| details(conn, ws, k.key.id))
        .collect()
}

pub fn not_found(id: ApiKeyId) -> AppError {
    AppError::NotFound(format!("no API key with id `{id}` in this workspace"))
}
