//! Forward-only migrations on PostgreSQL: `migrations/pg/`, applied in order in one transaction
//! under an advisory lock, so processes starting together against one database agree.

use anyhow::Context;

use super::pg_migrations::PG_MIGRATIONS;
use super::sql::{Connection, OptionalExtension};

/// The advisory lock key migrations hold (any constant; "hpmg" in ASCII).
const LOCK: i64 = 0x6870_6d67;

const TABLE: &str = "CREATE TABLE IF NOT EXISTS holdpoint_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// The number of migrations applied, 0 on an empty database.
fn applied(conn: &Connection) -> anyhow::Result<i64> {
    let exists: Option<String> = conn
        .query_row(
            "SELECT to_regclass('holdpoint_migrations')::text",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if exists.is_none() {
        return Ok(0);
    }
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM holdpoint_migrations",
        [],
        |r| r.get(0),
    )?)
}

/// Migrations this binary has that the database has not had (negative: a newer binary's).
pub fn pending(conn: &Connection) -> anyhow::Result<i32> {
    Ok(PG_MIGRATIONS.len() as i32 - applied(conn)? as i32)
}

pub fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    conn.execute_batch("BEGIN")?;
    let done = apply(conn);
    match &done {
        Ok(_) => conn.execute_batch("COMMIT")?,
        Err(_) => {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    let (before, after) = done?;
    if after != before {
        tracing::info!(from = before, to = after, "PostgreSQL schema migrated");
    }
    Ok(())
}

fn apply(conn: &Connection) -> anyhow::Result<(i64, i64)> {
    conn.execute("SELECT pg_advisory_xact_lock(?1)", [LOCK])?;
    conn.execute_batch(TABLE)?;
    let before = applied(conn)?;
    if before > PG_MIGRATIONS.len() as i64 {
        anyhow::bail!(
            "the database was migrated by a newer Holdpoint (version {before}, this binary knows \
             {}): run the newer binary",
            PG_MIGRATIONS.len()
        );
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    for (i, (name, sql)) in PG_MIGRATIONS.iter().enumerate().skip(before as usize) {
        conn.execute_batch(sql)
            .with_context(|| format!("PostgreSQL migration {name} failed"))?;
        conn.execute(
            "INSERT INTO holdpoint_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            crate::db::sql::params![i as i64 + 1, name, now],
        )?;
    }
    Ok((before, PG_MIGRATIONS.len() as i64))
}
