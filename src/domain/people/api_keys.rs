//! API keys, shaped like GitHub's tokens: `hitl_live_` or `hitl_test_`, 30 base62 characters of
//! randomness (178 bits) and a 6-character CRC32 checksum, so a mistyped key is refused without
//! a database lookup. Only the SHA-256 of a key is stored.

use crate::db::sql::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::scopes::{KeyScope, Scopes};
use super::secrets::{base62_u32, random_base62, sha256};
use super::Millis;
use crate::domain::ids::{ApiKeyId, UserId, WorkspaceId};
use crate::error::{AppError, AppResult};

pub const LIVE_PREFIX: &str = "hitl_live_";
pub const TEST_PREFIX: &str = "hitl_test_";
const RANDOM_LEN: usize = 30;
const CHECKSUM_LEN: usize = 6;
/// Characters of the key kept in listings (`hitl_live_` plus 6 of the random part).
const VISIBLE_LEN: usize = 16;

pub fn generate(test: bool) -> String {
    let prefix = if test { TEST_PREFIX } else { LIVE_PREFIX };
    let body = format!("{prefix}{}", random_base62(RANDOM_LEN));
    let checksum = base62_u32(crc32fast::hash(body.as_bytes()));
    format!("{body}{checksum}")
}

/// True when the key has the right shape and checksum (no database needed).
pub fn well_formed(key: &str) -> bool {
    let rest = match key
        .strip_prefix(LIVE_PREFIX)
        .or_else(|| key.strip_prefix(TEST_PREFIX))
    {
        Some(r) => r,
        None => return false,
    };
    if rest.len() != RANDOM_LEN + CHECKSUM_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (body, checksum) = key.split_at(key.len() - CHECKSUM_LEN);
    base62_u32(crc32fast::hash(body.as_bytes())) == checksum
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    pub id: ApiKeyId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub prefix: String,
    pub test: bool,
    pub created_by: Option<UserId>,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
    #[serde(serialize_with = "scopes_text")]
    pub scopes: Scopes,
    /// The last instant the key works (None: it never expires).
    pub expires_at: Option<Millis>,
}

fn scopes_text<S: serde::Serializer>(scopes: &Scopes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&scopes.to_text())
}

/// Creates a key with the default scope (`pauses`); see [`create_with_scopes`].
pub fn create(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    name: &str,
    test: bool,
) -> AppResult<(ApiKeyId, String)> {
    let scopes = Scopes::default_for_new_key();
    create_with_scopes(conn, now, actor, workspace_id, name, test, scopes)
}

/// Creates a key that never expires; see [`create_spec`].
pub fn create_with_scopes(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    name: &str,
    test: bool,
    scopes: Scopes,
) -> AppResult<(ApiKeyId, String)> {
    let spec = KeySpec {
        name,
        test,
        scopes,
        expires_at: None,
    };
    create_spec(conn, now, actor, workspace_id, &spec)
}

/// What a new key is: its name, kind, scopes and the last instant it works (None: never; the
/// caller checks it is ahead, see `app::keys`).
#[derive(Debug, Clone, Copy)]
pub struct KeySpec<'a> {
    pub name: &'a str,
    pub test: bool,
    pub scopes: Scopes,
    pub expires_at: Option<Millis>,
}

/// Creates a key and returns (id, the whole key). The whole key is never stored or shown again.
/// A key needs at least one scope.
pub fn create_spec(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    spec: &KeySpec<'_>,
) -> AppResult<(ApiKeyId, String)> {
    let KeySpec {
        name,
        test,
        scopes,
        expires_at,
    } = *spec;
    if scopes.is_empty() {
        return Err(AppError::invalid(
            "scopes",
            "a key needs at least one scope (pauses, decide, agents or admin)",
        ));
    }
    if test && scopes.has(KeyScope::Admin) {
        return Err(AppError::invalid(
            "scopes",
            "a test key cannot have the `admin` scope: test keys touch only test data, and \
             workspace configuration is live. Make a live key for `admin`",
        ));
    }
    let name = name.trim();
    if name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            "a key name has at most 100 characters",
        ));
    }
    super::workspaces::get(conn, workspace_id)?;
    let key = generate(test);
    let created_by = match actor {
        Actor::User(id) => Some(id),
        _ => None,
    };
    let inserted_id: i64 = conn.query_row(
        "INSERT INTO api_keys (workspace_id, name, prefix, key_hash, is_test, created_by, created_at,
                               scopes, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        params![workspace_id, name, &key[..VISIBLE_LEN], &sha256(key.as_bytes())[..], test, created_by, now, scopes.to_text(), expires_at],
     |r| r.get::<_, i64>(0))?;
    let id = ApiKeyId(inserted_id);
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(workspace_id),
            actor,
            event: EventType::KeyCreated,
            subject: Some(id.to_string()),
            details: Some(json!({
                "name": name,
                "prefix": &key[..VISIBLE_LEN],
                "test": test,
                "scopes": scopes.to_text(),
                "expires_at": expires_at.map(super::rfc3339),
            })),
        },
    )?;
    Ok((id, key))
}

pub fn list(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<Vec<KeyInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, workspace_id, name, prefix, is_test, created_by, created_at, last_used_at, revoked_at,
                scopes, expires_at
         FROM api_keys WHERE workspace_id = ?1 ORDER BY id",
    )?;
    let keys = stmt
        .query_map([workspace_id], key_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(keys)
}

/// The live keys a user created. Keys belong to the workspace, not to their creator, so they
/// outlive a disabled user unless revoked: the disable confirmation lists them.
pub fn live_created_by(conn: &Connection, user_id: UserId) -> AppResult<Vec<KeyInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, workspace_id, name, prefix, is_test, created_by, created_at, last_used_at, revoked_at,
                scopes, expires_at
         FROM api_keys WHERE created_by = ?1 AND revoked_at IS NULL ORDER BY id",
    )?;
    let keys = stmt
        .query_map([user_id], key_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(keys)
}

/// A [`KeyInfo`] from the first eleven columns, in the order the listings select them.
fn key_from_row(r: &crate::db::sql::Row<'_>) -> crate::db::sql::Result<KeyInfo> {
    Ok(KeyInfo {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        name: r.get(2)?,
        prefix: r.get(3)?,
        test: r.get(4)?,
        created_by: r.get(5)?,
        created_at: r.get(6)?,
        last_used_at: r.get(7)?,
        revoked_at: r.get(8)?,
        scopes: r.get(9)?,
        expires_at: r.get(10)?,
    })
}

/// Revokes a key. With `workspace_id`, a key of another workspace is "not found".
pub fn revoke(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    key_id: ApiKeyId,
    workspace_id: Option<WorkspaceId>,
) -> AppResult<()> {
    let row: Option<(WorkspaceId, Option<i64>)> = conn
        .query_row(
            "SELECT workspace_id, revoked_at FROM api_keys WHERE id = ?1",
            [key_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let ws = match row {
        Some((ws, _)) if workspace_id.is_some_and(|w| w != ws) => None,
        Some((ws, None)) => Some(ws),
        Some((_, Some(_))) => {
            return Err(AppError::Conflict {
                detail: format!("key {key_id} is already revoked"),
                current: None,
            })
        }
        None => None,
    }
    .ok_or_else(|| AppError::NotFound(format!("no API key with id {key_id}")))?;
    conn.execute(
        "UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2",
        params![now, key_id],
    )?;
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(ws),
            actor,
            event: EventType::KeyRevoked,
            subject: Some(key_id.to_string()),
            details: None,
        },
    )?;
    Ok(())
}

/// The caller behind a valid, unrevoked key.
#[derive(Debug, Clone, Copy)]
pub struct AuthKey {
    pub id: ApiKeyId,
    pub workspace_id: WorkspaceId,
    pub test: bool,
    pub last_used_at: Option<Millis>,
    pub scopes: Scopes,
    /// The last instant the key works; checked at each use against the request's time (see
    /// [`AuthKey::expired`]), so a remembered key cannot outlive it.
    pub expires_at: Option<Millis>,
}

impl AuthKey {
    /// Past its last instant: the key gets `401 key-expired` instead of doing anything.
    pub fn expired(&self, now: Millis) -> bool {
        self.expires_at.is_some_and(|at| now > at)
    }
}

/// Looks a live key up by the SHA-256 of the key (check [`well_formed`] first: a malformed
/// key is not worth a lookup). Unknown and revoked keys give `None`; an expired one is returned,
/// for the caller to refuse with its own answer.
pub fn authenticate_digest(conn: &Connection, digest: &[u8; 32]) -> AppResult<Option<AuthKey>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, workspace_id, is_test, last_used_at, scopes, expires_at FROM api_keys
             WHERE key_hash = ?1 AND revoked_at IS NULL",
        )?
        .query_row([&digest[..]], auth_key_from_row)
        .optional()?)
}

/// The unrevoked key with this id, read again where a decision is recorded (a key revoked
/// since its request was authenticated decides nothing).
pub fn live_by_id(conn: &Connection, key_id: ApiKeyId) -> AppResult<Option<AuthKey>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, workspace_id, is_test, last_used_at, scopes, expires_at FROM api_keys
             WHERE id = ?1 AND revoked_at IS NULL",
        )?
        .query_row([key_id], auth_key_from_row)
        .optional()?)
}

/// An [`AuthKey`] from `id, workspace_id, is_test, last_used_at, scopes, expires_at`.
fn auth_key_from_row(r: &crate::db::sql::Row<'_>) -> crate::db::sql::Result<AuthKey> {
    Ok(AuthKey {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        test: r.get(2)?,
        last_used_at: r.get(3)?,
        scopes: r.get(4)?,
        expires_at: r.get(5)?,
    })
}

pub fn touch(conn: &Connection, key_id: ApiKeyId, now: Millis) -> crate::db::sql::Result<()> {
    conn.prepare_cached("UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2")?
        .execute(params![now, key_id])?;
    Ok(())
}

/// A key as the keys page lists it: who created it is an email, or None for the CLI.
#[derive(Debug, Clone)]
pub struct KeyListing {
    pub key: KeyInfo,
    pub created_by_email: Option<String>,
    /// The key's cap on the autonomy level, if it has one.
    pub autonomy_level: Option<u8>,
}

/// The workspace's keys for the keys page: live ones first, newest first within each group.
pub fn list_with_creators(
    conn: &Connection,
    workspace_id: WorkspaceId,
) -> AppResult<Vec<KeyListing>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.id, k.workspace_id, k.name, k.prefix, k.is_test, k.created_by, k.created_at,
                k.last_used_at, k.revoked_at, k.scopes, k.expires_at, u.email, k.autonomy_level
         FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
         WHERE k.workspace_id = ?1 ORDER BY k.revoked_at IS NOT NULL, k.id DESC",
    )?;
    let keys = stmt
        .query_map([workspace_id], |r| {
            Ok(KeyListing {
                key: key_from_row(r)?,
                created_by_email: r.get(11)?,
                autonomy_level: r.get(12)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_well_formed_and_a_typo_is_caught() {
        let key = generate(false);
        assert!(key.starts_with(LIVE_PREFIX));
        assert!(well_formed(&key));
        let mut typo = key.clone().into_bytes();
        let i = LIVE_PREFIX.len() + 3;
        typo[i] = if typo[i] == b'a' { b'b' } else { b'a' };
        assert!(!well_formed(std::str::from_utf8(&typo).unwrap()));
        assert!(well_formed(&generate(true)));
        assert!(!well_formed("hitl_live_short"));
    }
}
