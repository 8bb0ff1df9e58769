//! SQLite: one pool for reads, one writer thread for every write.
//!
//! Several pooled writers contend on SQLite's single write lock and its busy handler sleeps,
//! which wrecks tail latency. One thread takes write jobs from a channel and commits up to
//! [`MAX_BATCH`] of them in one transaction (group commit), so a durable `synchronous=FULL`
//! fsync is shared by every job in the batch. A job runs inside its own SAVEPOINT, so one job's
//! failure rolls back only that job. Replies are sent only after COMMIT returns: an answered
//! write is a durable write.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use r2d2_sqlite::SqliteConnectionManager;

use rusqlite_migration::{Migrations, M};

use crate::config::Synchronous;

pub mod check;
pub mod health;
mod pg_migrate;
pub mod pg_migrations;
mod pool;
pub mod sql;
mod target;
mod writer;

pub use pool::{Manager, Pool};
pub use sql::Connection;
pub use target::{connect, DatabaseUrl, Target};

pub use health::WriteError;
pub use writer::{with_transaction, JobError, OnCommit, WriteCtx, Writer, MAX_BATCH};

/// Reads through a memory map instead of `pread` into each connection's own page cache: random
/// lookups over a large database were mostly syscalls and copies. The mapped pages are the OS's
/// file cache (shared by all connections, reclaimable), not private memory.
const MMAP_BYTES: u64 = 1 << 30;

/// The PRAGMAs every connection gets, readers and the writer alike.
pub fn configure(conn: &rusqlite::Connection, sync: Synchronous) -> rusqlite::Result<()> {
    conn.busy_handler(Some(on_busy))?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = {};
         PRAGMA foreign_keys = ON;
         PRAGMA journal_size_limit = 67108864;
         PRAGMA cache_size = -16000;
         PRAGMA temp_store = MEMORY;
         PRAGMA mmap_size = {MMAP_BYTES};",
        sync.pragma()
    ))
}

/// Times any connection of this process waited for a lock (SQLITE_BUSY), for `/metrics`.
static BUSY_RETRIES: AtomicU64 = AtomicU64::new(0);

/// How long a connection waits for a lock before SQLITE_BUSY reaches the caller.
const BUSY_BUDGET_MS: u64 = 5000;

pub fn busy_retries() -> u64 {
    BUSY_RETRIES.load(Ordering::Relaxed)
}

/// SQLite's own busy_timeout with a count: the same back-off (1, 2, 5 … 100 ms) and the same
/// 5 s budget, but each wait is counted so `/metrics` can show lock contention (with one writer
/// thread it should stay near zero; a CLI writer or a backup beside the server raises it).
fn on_busy(attempt: i32) -> bool {
    const DELAYS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];
    let n = attempt.max(0) as usize;
    let waited: u64 = if n < DELAYS.len() {
        DELAYS[..n].iter().sum()
    } else {
        DELAYS.iter().sum::<u64>() + (n - DELAYS.len()) as u64 * 100
    };
    if waited >= BUSY_BUDGET_MS {
        return false;
    }
    BUSY_RETRIES.fetch_add(1, Ordering::Relaxed);
    let delay = DELAYS.get(n).copied().unwrap_or(100);
    std::thread::sleep(Duration::from_millis(delay.min(BUSY_BUDGET_MS - waited)));
    true
}

pub fn open(path: &Path, sync: Synchronous) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent() {
        crate::files::prepare_data_dir(dir, path)?;
    }
    let conn = rusqlite::Connection::open(path).map_err(|e| open_failed(path, e))?;
    configure(&conn, sync).map_err(|e| open_failed(path, e))?;
    Ok(Connection::from_sqlite(conn))
}

/// Opens the database for a command that serves or changes it: the cheap structural check
/// first (a damaged file is refused with the way to restore it), then migrations.
pub fn open_and_migrate(path: &Path, sync: Synchronous) -> anyhow::Result<Connection> {
    let mut conn = open(path, sync)?;
    if let Some(lite) = conn.sqlite() {
        check::quick(lite).map_err(|e| open_failed(path, e))?;
    }
    migrate(&mut conn).map_err(|e| {
        match e
            .downcast_ref::<sql::Error>()
            .and_then(sql::Error::as_sqlite)
        {
            Some(db) if health::classify(db) == Some(health::Fault::Damaged) => {
                check::unreadable(path, db)
            }
            _ => e,
        }
    })?;
    Ok(conn)
}

fn open_failed(path: &Path, e: rusqlite::Error) -> anyhow::Error {
    match health::classify(&e) {
        Some(health::Fault::Damaged) => check::unreadable(path, &e),
        _ => anyhow::anyhow!("cannot open the database {}: {e}", path.display()),
    }
}

pub fn open_pool(path: &Path, sync: Synchronous, size: u32) -> anyhow::Result<Pool> {
    let manager =
        Manager::Sqlite(SqliteConnectionManager::file(path).with_init(move |c| configure(c, sync)));
    r2d2::Pool::builder()
        .max_size(size)
        // A SQLite file connection does not go stale; validating it on every checkout cost
        // ~7 % of a read request (`execute_batch("")`).
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(5))
        .build(manager)
        .context("cannot open the database connection pool")
}

/// WAL pages after which the writer checkpoints by itself: a safety net only; normally the
/// checkpointer thread has done it long before.
const WRITER_AUTOCHECKPOINT: u32 = 16_384;

/// Moves WAL checkpoints off the writer's commit path: with `synchronous=FULL` a checkpoint
/// fsyncs the database file, and done inside a commit it stalled every write in the batch.
/// A PASSIVE checkpoint from another connection runs beside the writer without blocking it.
/// It stops once `writer` (every clone of it) is gone.
pub fn start_checkpointer<E: JobError>(
    path: &Path,
    sync: Synchronous,
    writer: &Writer<E>,
) -> anyhow::Result<()> {
    let conn = open(path, sync)?;
    let alive = writer.downgrade();
    std::thread::Builder::new()
        .name("holdpoint-checkpoint".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            if alive.upgrade().is_none() {
                return;
            }
            let Some(conn) = conn.sqlite() else { return };
            let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            });
            match done {
                // The writer reports a full disk (once); a checkpoint retried every 500 ms
                // must not log it twice a second.
                Err(e) if health::classify(&e).is_some() => {
                    tracing::debug!(error = %e, "WAL checkpoint failed")
                }
                Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
                Ok(_) => {}
            }
        })?;
    Ok(())
}

/// Configures the writer's own connection (after [`configure`]).
pub(crate) fn configure_writer(conn: &Connection) -> rusqlite::Result<()> {
    match conn.sqlite() {
        Some(c) => c.pragma_update(None, "wal_autocheckpoint", WRITER_AUTOCHECKPOINT),
        None => Ok(()),
    }
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/0001_core.sql")),
        M::up(include_str!("../../migrations/0002_invites.sql")),
        M::up(include_str!("../../migrations/0003_usage_indexes.sql")),
        M::up(include_str!("../../migrations/0004_audit_subject.sql")),
        M::up(include_str!("../../migrations/0005_outbox.sql")),
        M::up(include_str!("../../migrations/0006_decision_links.sql")),
        M::up(include_str!("../../migrations/0007_slack.sql")),
        M::up(include_str!("../../migrations/0008_retention.sql")),
        M::up(include_str!("../../migrations/0009_key_scoped_sandbox.sql")),
        M::up(include_str!("../../migrations/0010_outbox_fairness.sql")),
        M::up(include_str!("../../migrations/0011_pause_responses.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0012_pause_timers.sql")),
        M::up(include_str!("../../migrations/0013_key_scopes.sql")),
        M::up(include_str!("../../migrations/0014_plan_revisions.sql")),
        M::up(include_str!("../../migrations/0015_pause_outcomes.sql")),
        M::up(include_str!("../../migrations/0016_sandbox_mode.sql")),
        M::up(include_str!("../../migrations/0018_agents.sql")),
        M::up(include_str!("../../migrations/0019_agent_modes.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0020_password_resets.sql")),
        M::up(include_str!("../../migrations/0021_user_display.sql")),
        M::up(include_str!("../../migrations/0022_policies.sql")),
        M::up(include_str!("../../migrations/0023_groups.sql")),
        M::up(include_str!("../../migrations/0024_retention_details.sql")),
        M::up(include_str!("../../migrations/0025_channels.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0026_webhook_deleted.sql")),
        M::up(include_str!("../../migrations/0027_identity.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0028_receipts.sql")),
    ])
}

/// Migrations this binary has that the database has not had yet (negative: the database was
/// migrated by a newer binary). Reads `user_version` only, so it works read-only (`doctor`).
pub fn pending_migrations(conn: &Connection) -> anyhow::Result<i32> {
    match conn.sqlite() {
        Some(c) => Ok(migrations().pending_migrations(c)?),
        None => pg_migrate::pending(conn),
    }
}

/// Brings the schema up to date; migrations only ever run forward.
///
/// Foreign keys are off while they run (a table rebuild drops a table others refer to, and the
/// pragma is ignored inside the migrations' transaction); a migration that rebuilds a table
/// checks them before its transaction commits (`M::foreign_key_check`).
pub fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    match conn.sqlite_mut() {
        Some(c) => migrate_sqlite(c),
        None => pg_migrate::migrate(conn),
    }
}

fn migrate_sqlite(conn: &mut rusqlite::Connection) -> anyhow::Result<()> {
    let enforced: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let version = |c: &rusqlite::Connection| {
        c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
    };
    let before = version(conn)?;
    let done = migrations()
        .to_latest(conn)
        .context("database migration failed");
    conn.pragma_update(None, "foreign_keys", enforced)?;
    let after = version(conn)?;
    if done.is_ok() && after != before {
        // rusqlite_migration logs "migrated to version N" too; N is no file number.
        tracing::info!(
            from = before,
            to = after,
            "database schema migrated to version {after}: the version counts the migrations \
             listed in src/db/mod.rs, it is not a file number (see migrations/README.md)"
        );
    }
    done
}

#[cfg(test)]
mod migration_0009_tests;
#[cfg(test)]
mod migration_0011_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_waiting_for_a_lock_counts_busy_retries_and_then_succeeds() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("busy.db");
        let holder = open(&path, Synchronous::Normal).unwrap();
        holder.execute_batch("CREATE TABLE t (v INTEGER)").unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let before = busy_retries();
        let waiter = std::thread::spawn(move || {
            let conn = open(&path, Synchronous::Normal).unwrap();
            conn.execute("INSERT INTO t VALUES (1)", [])
        });
        std::thread::sleep(Duration::from_millis(150));
        holder.execute_batch("COMMIT").unwrap();
        assert_eq!(waiter.join().unwrap().unwrap(), 1);
        assert!(busy_retries() > before, "the wait was not counted");
    }
}
#[cfg(test)]
mod migration_0013_tests;
#[cfg(test)]
mod migration_0027_tests;
#[cfg(test)]
mod migration_0028_tests;
#[cfg(test)]
mod migration_list_tests;
#[cfg(test)]
mod pg_schema_tests;
