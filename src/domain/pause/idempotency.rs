//! `Idempotency-Key` for pause creation (IETF httpapi draft): the same key with the same body
//! replays the first response; with a different body it is refused. The check and the create
//! run in the same writer transaction, so two racing requests cannot both create. Records
//! belong to the API key that made them: another key (a live key after a test key, say) using
//! the same Idempotency-Key makes its own pause instead of being handed someone else's.

use crate::db::sql::{params, Connection, OptionalExtension};

use super::Millis;
use crate::domain::ids::ApiKeyId;
use crate::error::{AppError, AppResult};

/// Records are kept this long (the contract promises at least 24 h).
pub const RETENTION_MS: Millis = 48 * 3600 * 1000;

pub enum Lookup {
    New,
    Replay { status: u16, body: String },
}

pub fn validate_key(key: &str) -> AppResult<()> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "the Idempotency-Key header must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(())
}

pub fn lookup(
    conn: &Connection,
    api_key_id: ApiKeyId,
    key: &str,
    request_hash: &[u8],
) -> AppResult<Lookup> {
    let row: Option<(Vec<u8>, u16, String)> = conn
        .prepare_cached(
            "SELECT request_hash, status_code, response_body FROM idempotency_keys
             WHERE api_key_id = ?1 AND key = ?2",
        )?
        .query_row(params![api_key_id, key], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match row {
        None => Ok(Lookup::New),
        Some((hash, status, body)) if hash == request_hash => Ok(Lookup::Replay { status, body }),
        Some(_) => Err(AppError::IdempotencyMismatch(
            "this Idempotency-Key was already used with a different request body; \
             use a new key for a new request"
                .into(),
        )),
    }
}

pub fn store(
    conn: &Connection,
    api_key_id: ApiKeyId,
    key: &str,
    request_hash: &[u8],
    status: u16,
    body: &str,
    now: Millis,
) -> AppResult<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys (api_key_id, key, request_hash, status_code, response_body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![api_key_id, key, request_hash, status, body, now])?;
    Ok(())
}

pub fn purge(conn: &Connection, now: Millis) -> crate::db::sql::Result<usize> {
    conn.prepare_cached("DELETE FROM idempotency_keys WHERE created_at < ?1")?
        .execute([now - RETENTION_MS])
}
