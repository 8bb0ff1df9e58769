//! The signing keys, in the database so every process of a deployment signs with the same one.
//! The signer is always read at signing time as "the newest key not retired", so a key rotated
//! by `holdpoint signing-key rotate` (another process) is used by the next decision, and two
//! processes that both made a key at their first start still agree on one.

use crate::db::sql::{params, Connection, OptionalExtension};

use super::jws::{self, Jwk};
use crate::domain::Millis;
use crate::error::AppResult;

/// The longest a receipt can live (`receiptTtlSeconds` at most), in seconds.
pub const MAX_TTL_SECS: i64 = 86_400;
/// How long a retired key stays in the JWKS: the longest receipt lifetime plus a day, so every
/// receipt it signed can be checked until it expires, with a day to spare for clocks and caches.
pub const KEEP_RETIRED_MS: Millis = (MAX_TTL_SECS + 86_400) * 1000;

/// The key that signs: its id and seed. Never logged (no `Debug`).
pub struct Signer {
    pub kid: String,
    pub seed: [u8; 32],
}

/// A key as `holdpoint signing-key list` shows it (no private part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub kid: String,
    pub created_at: Millis,
    pub retired_at: Option<Millis>,
}

/// The newest key not retired, if there is one.
pub fn current(conn: &Connection) -> AppResult<Option<Signer>> {
    Ok(conn
        .prepare_cached(
            "SELECT kid, private_key FROM signing_keys WHERE retired_at IS NULL
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([], |r| {
            Ok(Signer {
                kid: r.get(0)?,
                seed: r.get(1)?,
            })
        })
        .optional()?)
}

/// The signer, made first when there is none (the first start, or a database a decision
/// reaches before the server's own start-up made it). Call on the writer.
pub fn current_or_create(conn: &Connection, now: Millis) -> AppResult<Signer> {
    match current(conn)? {
        Some(signer) => Ok(signer),
        None => Ok(insert(conn, now)?),
    }
}

/// Makes the first key at start-up, if there is none, in one immediate transaction: two
/// processes starting at once take SQLite's write lock in turn, and the second finds the
/// first one's key.
pub fn ensure(conn: &Connection, now: Millis) -> anyhow::Result<()> {
    conn.begin_write()?;
    match current_or_create(conn, now) {
        Ok(_) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            conn.execute_batch("ROLLBACK")?;
            anyhow::bail!("cannot make the receipt signing key: {e}");
        }
    }
    Ok(())
}

fn insert(conn: &Connection, now: Millis) -> AppResult<Signer> {
    let (seed, public) = jws::generate();
    let kid = jws::thumbprint(&public);
    conn.prepare_cached(
        "INSERT INTO signing_keys (kid, private_key, public_key, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![kid, &seed[..], &public[..], now])?;
    Ok(Signer { kid, seed })
}

/// Adds a new key and retires every other: new receipts carry the new key's id at once; the
/// old keys stay in the JWKS for [`KEEP_RETIRED_MS`]. Returns the new key's id.
pub fn rotate(conn: &Connection, now: Millis) -> AppResult<String> {
    conn.prepare_cached("UPDATE signing_keys SET retired_at = ?1 WHERE retired_at IS NULL")?
        .execute([now])?;
    Ok(insert(conn, now)?.kid)
}

/// The public keys as of `now`: the signer first, then retired keys within their keep window,
/// newest first. (Writes are serialised by SQLite's write lock, so two processes starting at
/// once do not both make a key: the second one's transaction sees the first one's.)
pub fn published(conn: &Connection, now: Millis) -> AppResult<Vec<Jwk>> {
    let mut stmt = conn.prepare_cached(
        "SELECT public_key FROM signing_keys WHERE retired_at IS NULL OR retired_at > ?1
         ORDER BY retired_at IS NOT NULL, id DESC",
    )?;
    let rows = stmt.query_map([now - KEEP_RETIRED_MS], |r| r.get::<_, [u8; 32]>(0))?;
    let mut keys = Vec::new();
    for public in rows {
        keys.push(Jwk::ed25519(&public?));
    }
    Ok(keys)
}

/// Every key, newest first, for `holdpoint signing-key list`.
pub fn list(conn: &Connection) -> AppResult<Vec<KeyInfo>> {
    let mut stmt = conn
        .prepare_cached("SELECT kid, created_at, retired_at FROM signing_keys ORDER BY id DESC")?;
    let rows = stmt.query_map([], |r| {
        Ok(KeyInfo {
            kid: r.get(0)?,
            created_at: r.get(1)?,
            retired_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
