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
