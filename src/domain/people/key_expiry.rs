//! The warning ahead of a key's expiry: once per key, [`WARN_AHEAD_MS`] before it stops working,
//! every active owner of its workspace gets an email naming the key. `expiry_warned_at` is set
//! in the transaction that queues the emails and writes the audit row, so extra ticks,
//! concurrent runs and restarts warn nobody twice; a key made with less than the lead time left
//! is warned at the next sweep.

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::outbox::{self, Channel, NewMessage};
use super::{rfc3339, Millis};
use crate::db::WriteCtx;
use crate::domain::ids::{ApiKeyId, UserId, WorkspaceId};
use crate::error::AppResult;

/// How long before its expiry a key's owners are told.
pub const WARN_AHEAD_MS: Millis = 7 * 24 * 3600 * 1000;

/// A key to warn about, and what its email says.
#[derive(Debug, Clone)]
pub struct Expiring {
    pub id: ApiKeyId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub prefix: String,
    pub expires_at: Millis,
}

/// Unrevoked keys not warned yet whose expiry is at most [`WARN_AHEAD_MS`] away and not past.
const DUE: &str = "FROM api_keys
     WHERE revoked_at IS NULL AND expiry_warned_at IS NULL AND expires_at IS NOT NULL
       AND expires_at - ?1 <= ?2 AND ?2 <= expires_at";

/// Whether [`warn_due`] has anything to do at `now` (a read, so an idle tick writes nothing).
pub fn any_due(conn: &Connection, now: Millis) -> AppResult<bool> {
    Ok(conn
        .prepare_cached(&format!("SELECT EXISTS (SELECT 1 {DUE})"))?
        .query_row(params![WARN_AHEAD_MS, now], |r| r.get(0))?)
}

/// Warns about up to `batch` keys due at `now`: each marked warned, one email per active owner
/// queued, and `key.expiry_warned` audited. Returns how many keys were warned about.
pub fn warn_due(ctx: &mut WriteCtx<'_>, now: Millis, batch: i64) -> AppResult<usize> {
    let due: Vec<Expiring> = ctx
        .conn
        .prepare_cached(&format!(
            "SELECT id, workspace_id, name, prefix, expires_at {DUE} ORDER BY id LIMIT ?3"
        ))?
        .query_map(params![WARN_AHEAD_MS, now, batch], |r| {
            Ok(Expiring {
                id: r.get(0)?,
                workspace_id: r.get(1)?,
                name: r.get(2)?,
                prefix: r.get(3)?,
                expires_at: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    for key in &due {
        warn_one(ctx, now, key)?;
    }
    Ok(due.len())
}

fn warn_one(ctx: &mut WriteCtx<'_>, now: Millis, key: &Expiring) -> AppResult<()> {
    ctx.conn
        .prepare_cached("UPDATE api_keys SET expiry_warned_at = ?1 WHERE id = ?2")?
        .execute(params![now, key.id])?;
    let payload = json!({
        "key_id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "expires_at": key.expires_at,
    })
    .to_string();
    let owners = owners(ctx.conn, key.workspace_id)?;
    for (user_id, email) in &owners {
        let message = NewMessage {
            workspace_id: key.workspace_id,
            channel: Channel::Email,
            target: email,
            endpoint_id: None,
            user_id: Some(*user_id),
            pause_id: None,
            event: EventType::KeyExpiryWarned,
            payload: &payload,
        };
        outbox::enqueue(ctx, now, message)?;
    }
    let entry = Entry {
        workspace_id: Some(key.workspace_id),
        actor: Actor::System,
        event: EventType::KeyExpiryWarned,
        subject: Some(key.id.to_string()),
        details: Some(json!({
            "expires_at": rfc3339(key.expires_at),
            "owners_emailed": owners.len(),
        })),
    };
    audit::record(ctx.conn, now, entry)?;
    Ok(())
}

/// The workspace's owners who can sign in. A key's expiry is not a request to decide, so the
/// per-request email switch does not silence it.
pub fn owners(conn: &Connection, ws: WorkspaceId) -> AppResult<Vec<(UserId, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, email FROM users
             WHERE workspace_id = ?1 AND role = 'owner' AND state = 'active' ORDER BY id",
        )?
        .query_map([ws], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// What a queued warning's payload names: (key id, name, prefix, expiry).
pub fn read_payload(payload: &str) -> Option<(ApiKeyId, String, String, Millis)> {
    let v: serde_json::Value = serde_json::from_str(payload).ok()?;
    Some((
        ApiKeyId(v["key_id"].as_i64()?),
        v["name"].as_str()?.to_string(),
        v["prefix"].as_str()?.to_string(),
        v["expires_at"].as_i64()?,
    ))
}
