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
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};
use tokio::sync::{mpsc, oneshot};

use crate::config::Synchronous;
use crate::error::{AppError, AppResult};

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

/// Jobs per transaction at most; measured to give ~39k commits/s on 2 cores.
pub const MAX_BATCH: usize = 64;

/// Reads through a memory map instead of `pread` into each connection's own page cache: random
/// lookups over a large database were mostly syscalls and copies. The mapped pages are the OS's
/// file cache (shared by all connections, reclaimable), not private memory.
const MMAP_BYTES: u64 = 1 << 30;

/// The PRAGMAs every connection gets, readers and the writer alike.
pub fn configure(conn: &Connection, sync: Synchronous) -> rusqlite::Result<()> {
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
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    }
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open database {}", path.display()))?;
    configure(&conn, sync)?;
    Ok(conn)
}

pub fn open_pool(path: &Path, sync: Synchronous, size: u32) -> anyhow::Result<Pool> {
    let manager = SqliteConnectionManager::file(path).with_init(move |c| configure(c, sync));
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
pub fn start_checkpointer(path: &Path, sync: Synchronous, writer: &Writer) -> anyhow::Result<()> {
    let conn = open(path, sync)?;
    let alive = writer.tx.downgrade();
    std::thread::Builder::new()
        .name("holdpoint-checkpoint".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            if alive.upgrade().is_none() {
                return;
            }
            let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            });
            if let Err(e) = done {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        })?;
    Ok(())
}

/// Configures the writer's own connection (after [`configure`]).
fn configure_writer(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "wal_autocheckpoint", WRITER_AUTOCHECKPOINT)
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../migrations/0001_core.sql")),
        M::up(include_str!("../migrations/0002_invites.sql")),
        M::up(include_str!("../migrations/0003_usage_indexes.sql")),
        M::up(include_str!("../migrations/0004_audit_subject.sql")),
        M::up(include_str!("../migrations/0005_outbox.sql")),
        M::up(include_str!("../migrations/0006_decision_links.sql")),
        M::up(include_str!("../migrations/0007_slack.sql")),
        M::up(include_str!("../migrations/0008_retention.sql")),
    ])
}

/// Brings the schema up to date; migrations only ever run forward.
pub fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    migrations()
        .to_latest(conn)
        .context("database migration failed")
}

/// What a write job sees: the open transaction, the public base URL (events snapshot pauses as
/// agents see them), and what it changed, so waiters and the outbox dispatcher are woken once
/// the change is committed.
pub struct WriteCtx<'a> {
    pub conn: &'a Connection,
    pub base_url: &'a str,
    changed: Vec<i64>,
    outbox: bool,
}

impl<'a> WriteCtx<'a> {
    pub fn new(conn: &'a Connection) -> Self {
        Self::with_base_url(conn, "")
    }

    pub fn with_base_url(conn: &'a Connection, base_url: &'a str) -> Self {
        WriteCtx {
            conn,
            base_url,
            changed: Vec::new(),
            outbox: false,
        }
    }

    pub fn outbox_added(&mut self) {
        self.outbox = true;
    }

    pub fn pause_changed(&mut self, pause_id: i64) {
        self.changed.push(pause_id);
    }

    pub fn changed(&self) -> &[i64] {
        &self.changed
    }
}

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(Option<&mut WriteCtx<'_>>) -> Completion + Send>;
/// Called after each commit with the pauses it changed and whether it queued messages.
pub type OnCommit = Arc<dyn Fn(&[i64], bool) + Send + Sync>;

/// Handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on its own connection. `on_commit` receives the ids of the
    /// pauses each committed batch changed.
    pub fn start(
        conn: Connection,
        base_url: String,
        on_commit: OnCommit,
    ) -> (Writer, std::thread::JoinHandle<()>) {
        if let Err(e) = configure_writer(&conn) {
            tracing::warn!(error = %e, "cannot configure the writer connection");
        }
        let (tx, rx) = mpsc::channel::<Job>(4096);
        let handle = std::thread::Builder::new()
            .name("holdpoint-writer".into())
            .spawn(move || writer_loop(conn, &base_url, rx, on_commit))
            .expect("spawn writer thread");
        (Writer { tx }, handle)
    }

    /// Runs `f` in the writer's transaction and answers once it is committed.
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteCtx<'_>) -> AppResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |ctx| run_job(ctx, f, reply));
        self.tx
            .send(job)
            .await
            .map_err(|_| AppError::Unavailable("the database writer has stopped".into()))?;
        answer.await.map_err(|_| {
            AppError::Unavailable("the write was not completed; it is safe to retry".into())
        })?
    }

    /// Queues a job whose outcome nobody waits for (e.g. a last-used timestamp).
    pub fn spawn<F>(&self, f: F)
    where
        F: FnOnce(&mut WriteCtx<'_>) -> AppResult<()> + Send + 'static,
    {
        let (reply, _) = oneshot::channel();
        let job: Job = Box::new(move |ctx| run_job(ctx, f, reply));
        if self.tx.try_send(job).is_err() {
            tracing::debug!("writer queue full; dropped a best-effort write");
        }
    }
}

fn run_job<T, F>(
    ctx: Option<&mut WriteCtx<'_>>,
    f: F,
    reply: oneshot::Sender<AppResult<T>>,
) -> Completion
where
    T: Send + 'static,
    F: FnOnce(&mut WriteCtx<'_>) -> AppResult<T>,
{
    let result = match ctx {
        None => Err(AppError::Unavailable(
            "the database is not accepting writes".into(),
        )),
        Some(ctx) => in_savepoint(ctx, f),
    };
    Box::new(move |commit| {
        let out = match commit {
            Ok(()) => result,
            Err(e) => Err(AppError::Internal(anyhow::anyhow!("commit failed: {e}"))),
        };
        let _ = reply.send(out);
    })
}

fn in_savepoint<T>(
    ctx: &mut WriteCtx<'_>,
    f: impl FnOnce(&mut WriteCtx<'_>) -> AppResult<T>,
) -> AppResult<T> {
    // Cached statements: parsing these three on every job showed up in the writer's profile.
    ctx.conn.prepare_cached("SAVEPOINT job")?.execute([])?;
    let (changed_before, outbox_before) = (ctx.changed.len(), ctx.outbox);
    let result = f(ctx);
    if result.is_ok() {
        ctx.conn.prepare_cached("RELEASE job")?.execute([])?;
    } else {
        ctx.changed.truncate(changed_before);
        ctx.outbox = outbox_before;
        ctx.conn.prepare_cached("ROLLBACK TO job")?.execute([])?;
        ctx.conn.prepare_cached("RELEASE job")?.execute([])?;
    }
    result
}

fn writer_loop(conn: Connection, base_url: &str, mut rx: mpsc::Receiver<Job>, on_commit: OnCommit) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&conn, base_url, batch, &on_commit);
    }
    tracing::debug!("writer thread stopped");
}

fn commit_batch(conn: &Connection, base_url: &str, batch: Vec<Job>, on_commit: &OnCommit) {
    if let Err(e) = begin_immediate(conn) {
        tracing::error!(error = %e, "cannot begin a write transaction");
        for job in batch {
            job(None)(Err(e.to_string()));
        }
        return;
    }
    let mut ctx = WriteCtx::with_base_url(conn, base_url);
    let mut completions: Vec<Completion> = Vec::with_capacity(batch.len());
    for job in batch {
        // A panicking job must not take the writer thread (and every later write) with it.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(Some(&mut ctx)))) {
            Ok(done) => completions.push(done),
            Err(_) => {
                tracing::error!("a write job panicked; its batch is rolled back");
                let _ = conn.execute_batch("ROLLBACK");
                // Jobs not yet run are dropped: their callers see the write as not done.
                completions
                    .into_iter()
                    .for_each(|c| c(Err("rolled back".into())));
                return;
            }
        }
    }
    let (changed, outbox) = (std::mem::take(&mut ctx.changed), ctx.outbox);
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            if !changed.is_empty() || outbox {
                on_commit(&changed, outbox);
            }
            completions.into_iter().for_each(|c| c(Ok(())));
        }
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the batch is rolled back");
            let _ = conn.execute_batch("ROLLBACK");
            completions.into_iter().for_each(|c| c(Err(e.to_string())));
        }
    }
}

/// `BEGIN IMMEDIATE` takes the write lock up front, so busy_timeout applies (a deferred BEGIN
/// that later writes fails at once with SQLITE_BUSY). Retried briefly for CLI writers.
fn begin_immediate(conn: &Connection) -> rusqlite::Result<()> {
    let mut attempt = 0;
    loop {
        match conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 3 => {
                tracing::warn!(error = %e, "BEGIN IMMEDIATE failed; retrying");
                attempt += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Runs `f` in a `BEGIN IMMEDIATE` transaction on a plain connection: used by the CLI, which
/// may run beside a live server (WAL and busy_timeout make that safe).
pub fn with_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&mut WriteCtx<'_>) -> AppResult<T>,
) -> AppResult<T> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let out = {
        let mut ctx = WriteCtx::new(&tx);
        f(&mut ctx)?
    };
    tx.commit()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> (Writer, tempfile::TempDir) {
        let dir = tempfile::TempDir::new().unwrap();
        let conn = open(&dir.path().join("t.db"), Synchronous::Normal).unwrap();
        conn.execute_batch("CREATE TABLE t (v INTEGER)").unwrap();
        (
            Writer::start(conn, String::new(), Arc::new(|_: &[i64], _| {})).0,
            dir,
        )
    }

    #[tokio::test]
    async fn a_failing_job_rolls_back_only_itself() {
        let (w, _dir) = writer();
        let ok = w.run(|ctx| Ok(ctx.conn.execute("INSERT INTO t VALUES (1)", [])?));
        let bad = w.run(|ctx| {
            ctx.conn.execute("INSERT INTO t VALUES (2)", [])?;
            Err::<(), _>(AppError::BadRequest("no".into()))
        });
        let (ok, bad) = tokio::join!(ok, bad);
        assert!(ok.is_ok() && bad.is_err());
        let rows: Vec<i64> = w
            .run(|ctx| {
                let mut s = ctx.conn.prepare("SELECT v FROM t")?;
                let v = s.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
                Ok(v)
            })
            .await
            .unwrap();
        assert_eq!(rows, vec![1]);
    }

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

    #[tokio::test]
    async fn the_writer_survives_a_panicking_job() {
        let (w, _dir) = writer();
        let panicked = w.run(|_ctx| -> AppResult<()> { panic!("boom") }).await;
        assert!(matches!(panicked, Err(AppError::Unavailable(_))));
        let after = w
            .run(|ctx| Ok(ctx.conn.execute("INSERT INTO t VALUES (3)", [])?))
            .await;
        assert_eq!(after.unwrap(), 1);
    }
}
