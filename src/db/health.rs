//! What the database can do right now, for `/readyz` and for errors that are the disk's fault
//! rather than the request's.
//!
//! Storage full: a write that fails because the disk refuses it (SQLITE_FULL, or a write I/O
//! error) answers 503 `storage-full` so clients retry, instead of a 500. The state is entered
//! and left with one log line each (a full disk would otherwise log once per request); writes
//! are always attempted, so they resume by themselves once space returns.
//!
//! Damaged: SQLITE_CORRUPT or SQLITE_NOTADB seen on any query means the file cannot serve;
//! `/readyz` then fails until the operator restores a backup and restarts.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::ffi;

static STORAGE_FULL: AtomicBool = AtomicBool::new(false);
static DAMAGED: AtomicBool = AtomicBool::new(false);

/// Why a database error is not the request's fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    StorageFull,
    Damaged,
}

/// Extended result codes of failed writes to the file system.
const WRITE_IO_ERRORS: [i32; 3] = [
    ffi::SQLITE_IOERR_WRITE,
    ffi::SQLITE_IOERR_SHMSIZE,
    ffi::SQLITE_IOERR_TRUNCATE,
];

pub fn classify(e: &rusqlite::Error) -> Option<Fault> {
    let rusqlite::Error::SqliteFailure(err, _) = e else {
        return None;
    };
    classify_code(err.extended_code)
}

/// [`classify`] for either engine: PostgreSQL's `disk_full` (53100) is a full disk too.
pub fn classify_any(e: &crate::db::sql::Error) -> Option<Fault> {
    match e {
        crate::db::sql::Error::Sqlite(e) => classify(e),
        crate::db::sql::Error::Postgres(e) => e
            .as_db_error()
            .filter(|db| db.code().code() == "53100")
            .map(|_| Fault::StorageFull),
        _ => None,
    }
}

pub fn classify_code(extended: i32) -> Option<Fault> {
    match extended & 0xff {
        ffi::SQLITE_FULL => Some(Fault::StorageFull),
        ffi::SQLITE_IOERR if WRITE_IO_ERRORS.contains(&extended) => Some(Fault::StorageFull),
        ffi::SQLITE_CORRUPT | ffi::SQLITE_NOTADB => Some(Fault::Damaged),
        _ => None,
    }
}

/// Records `fault`; logs only when the state changes.
pub fn note(fault: Fault, cause: &dyn std::fmt::Display) {
    match fault {
        Fault::StorageFull => {
            if !STORAGE_FULL.swap(true, Ordering::Relaxed) {
                tracing::error!(
                    error = %cause,
                    "storage full: the disk holding the data directory refuses writes; \
                     writes answer 503 storage-full until space is freed (reads keep working)"
                );
            }
        }
        Fault::Damaged => {
            if !DAMAGED.swap(true, Ordering::Relaxed) {
                tracing::error!(
                    error = %cause,
                    "the database file is damaged; /readyz now fails. Restore the latest \
                     backup (README: Backups, replication and upgrades) and restart"
                );
            }
        }
    }
}

/// Why a write was not done, as the database layer knows it. How each reads to a client is
/// `crate::error`'s to say (the database does not know about HTTP).
#[derive(Debug)]
pub enum WriteError {
    /// The writer thread has stopped (shutdown).
    Stopped,
    /// The job was dropped before its batch committed: safe to retry.
    NotCompleted,
    /// The batch's transaction could not begin.
    NotAccepting,
    /// The disk refuses writes (see [`Fault::StorageFull`]).
    StorageFull,
    /// COMMIT failed for another reason (logged where it happened).
    CommitFailed(String),
}

/// What a database error means for the request beyond itself: `Some` when the disk or the file
/// is at fault (recorded and logged once per change, see [`note`]).
pub fn fault_of(e: &crate::db::sql::Error) -> Option<Fault> {
    let fault = classify_any(e)?;
    note(fault, e);
    Some(fault)
}

/// Why a writer batch did not commit, told to each of its jobs' callers.
#[derive(Clone, Debug)]
pub struct Failure {
    full: bool,
    text: String,
}

impl Failure {
    /// Classifies `e` and logs it: once per transition for a full disk, else every time.
    pub fn of(e: &crate::db::sql::Error, what: &str) -> Failure {
        let fault = classify_any(e);
        match fault {
            Some(f) => note(f, e),
            None => tracing::error!(error = %e, "{what}"),
        }
        Failure {
            full: fault == Some(Fault::StorageFull),
            text: e.to_string(),
        }
    }

    pub fn rolled_back() -> Failure {
        Failure {
            full: false,
            text: "rolled back".into(),
        }
    }

    pub fn into_error(self) -> WriteError {
        if self.full {
            WriteError::StorageFull
        } else {
            WriteError::CommitFailed(self.text)
        }
    }
}

/// A write reached the disk. While storage is full that alone proves little (a small write
/// can fit in WAL pages a checkpoint freed, and the next one fail again), so the state is left
/// only once the space probe fits too; otherwise a nearly full disk would flap in the log.
pub fn note_write_ok(db_path: Option<&str>) {
    if !storage_full() {
        return;
    }
    match db_path.and_then(|p| Path::new(p).parent()) {
        Some(dir) => {
            recheck_storage(dir);
        }
        None => leave_storage_full(),
    }
}

fn leave_storage_full() {
    if STORAGE_FULL.swap(false, Ordering::Relaxed) {
        tracing::info!("storage available again: writes succeed");
    }
}

pub fn storage_full() -> bool {
    STORAGE_FULL.load(Ordering::Relaxed)
}

pub fn damaged() -> bool {
    DAMAGED.load(Ordering::Relaxed)
}

/// Bytes a probe writes: several WAL frames' worth, so "ready" means a write can fit.
const PROBE_BYTES: usize = 256 * 1024;

/// While storage is full, checks whether space has returned by writing (and removing) a probe
/// file in the data directory; leaves the state when it fits. Returns whether storage is full.
pub fn recheck_storage(data_dir: &Path) -> bool {
    if !storage_full() {
        return false;
    }
    let probe = data_dir.join(".space-probe");
    let fits = write_probe(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    if fits {
        leave_storage_full();
    }
    !fits
}

fn write_probe(path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(&vec![0u8; PROBE_BYTES])?;
    f.sync_all()
}
