//! File modes: the data directory holds the database, its WAL and `.eml` files with live
//! one-click links, so no other local user may read any of it.

use std::path::Path;

/// Makes every file and directory this process creates private to its user (0600 / 0700):
/// the database, WAL, shared-memory file, `.eml` files and backups alike, whichever code or
/// library creates them. Called first thing by every command.
pub fn restrict_umask() {
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Warns when an existing data directory is open to the group or other users (a directory made
/// by an older version, or by hand): the umask protects new files only.
pub fn warn_if_readable_by_others(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(dir) else {
        return;
    };
    let mode = meta.permissions().mode() & 0o777;
    if meta.is_dir() && mode & 0o077 != 0 {
        tracing::warn!(
            data_dir = %dir.display(),
            mode = %format!("{mode:o}"),
            "the data directory can be read by other local users; run: chmod -R go-rwx {}",
            dir.display()
        );
    }
}

/// Makes sure the directory of `db` can hold it: created if missing, a directory, the database
/// writable if it exists, the directory writable (SQLite creates its `-wal` and `-shm` files
/// beside the database). Each failure names the path and says the cause in words.
pub fn prepare_data_dir(dir: &Path, db: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "the data directory {} is a file, not a directory; pass another --data-dir",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create the data directory {}: {}",
            dir.display(),
            cause(&e)
        )
    })?;
    check_database_writable(db)?;
    writable(dir).map_err(|e| {
        anyhow::anyhow!(
            "the data directory {} is not writable: {}",
            dir.display(),
            cause(&e)
        )
    })
}

/// Refuses an existing database file this process cannot write.
fn check_database_writable(path: &Path) -> anyhow::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    writable(path).map_err(|e| {
        anyhow::anyhow!(
            "the database {} is read-only: {}",
            path.display(),
            cause(&e)
        )
    })
}

fn writable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// An I/O failure in an operator's words, with the system's own text after it.
fn cause(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let words = match e.kind() {
        K::PermissionDenied => {
            "permission denied: the user running holdpoint may not write there (check the \
             owner and mode, or choose another --data-dir)"
        }
        K::ReadOnlyFilesystem => "the file system is read-only",
        K::NotADirectory => "a part of the path is a file, not a directory",
        K::NotFound => "a parent directory does not exist",
        K::StorageFull => "the disk is full",
        _ => return e.to_string(),
    };
    format!("{words} ({e})")
}
