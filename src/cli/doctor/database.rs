//! The checks that read the data directory: its modes, the database's health and schema, the
//! clock against the newest row, and the channel URLs stored in it.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::db::sql::Connection;
use rusqlite::OpenFlags;

use super::Verdict;
use crate::config::Settings;
use crate::db;
use crate::domain::clock::system_now;
use crate::domain::rfc3339;

pub async fn checks(settings: &Settings) -> Vec<Verdict> {
    let dir = &settings.data_dir;
    let mut out = vec![data_dir(dir)];
    let path = settings.database_path();
    if !path.is_file() {
        out.push(Verdict::Fix(format!(
            "database: there is none at {}; start the server once, or run `holdpoint --data-dir \
             {} migrate`, to create it",
            path.display(),
            dir.display()
        )));
        return out;
    }
    out.push(file_modes(&path));
    let conn = match open_read_only(&path) {
        Ok(conn) => conn,
        Err(e) => {
            out.push(Verdict::Fix(format!(
                "database: {} does not open: {e}",
                path.display()
            )));
            return out;
        }
    };
    out.push(health(&conn, &path));
    out.push(clock(system_now(), newest_row(&conn)));
    for (what, url) in super::net::stored_channel_urls(&conn) {
        out.push(super::net::channel(settings, &what, &url).await);
    }
    out
}

/// Opens the database without creating anything. SQLite's read-only mode still creates the
/// `-wal` and `-shm` files of a WAL database when they are missing; they are missing only when no
/// server has the file open (the last connection removes them), so then nothing can change it
/// under us and it is opened `immutable`. With a `-wal` present, it is read through it.
fn open_read_only(path: &Path) -> crate::db::sql::Result<Connection> {
    let wal = format!("{}-wal", path.display());
    if Path::new(&wal).exists() {
        return Ok(Connection::from_sqlite(
            rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?,
        ));
    }
    let escaped: String = path
        .display()
        .to_string()
        .chars()
        .map(|c| match c {
            '%' => "%25".to_string(),
            '?' => "%3f".to_string(),
            '#' => "%23".to_string(),
            c => c.to_string(),
        })
        .collect();
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
    Ok(Connection::from_sqlite(
        rusqlite::Connection::open_with_flags(format!("file:{escaped}?immutable=1"), flags)?,
    ))
}

/// The mode bits that let the group or others in.
fn open_to_others(path: &Path) -> Option<u32> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

fn data_dir(dir: &Path) -> Verdict {
    if !dir.is_dir() {
        return Verdict::Fix(format!(
            "data directory: {} does not exist; the server creates it (0700) at its first start",
            dir.display()
        ));
    }
    match open_to_others(dir) {
        None => Verdict::Ok(format!("data directory: {} is 0700", dir.display())),
        Some(mode) => Verdict::Fix(format!(
            "data directory: {} is {mode:04o}, readable by other users; run `chmod 700 {}`",
            dir.display(),
            dir.display()
        )),
    }
}

/// The database and its `-wal`/`-shm` files (when present) are the owner's alone.
fn file_modes(db: &Path) -> Verdict {
    let name = db.display().to_string();
    let open: Vec<String> = [name.clone(), format!("{name}-wal"), format!("{name}-shm")]
        .into_iter()
        .filter_map(|f| open_to_others(Path::new(&f)).map(|m| format!("{f} ({m:04o})")))
        .collect();
    if open.is_empty() {
        return Verdict::Ok(format!("database files: {name} is 0600"));
    }
    Verdict::Fix(format!(
        "database files: {} readable by other users; run `chmod 600 {name}*`",
        open.join(", ")
    ))
}

/// `quick_check` (every page, without comparing indexes to tables) and the schema version.
fn health(conn: &Connection, path: &Path) -> Verdict {
    let report: Result<Vec<String>, _> = conn
        .prepare("PRAGMA quick_check")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
    match report {
        Ok(lines) if lines == ["ok"] => {}
        Ok(lines) => {
            return Verdict::Fix(format!(
                "database: {} is damaged ({}); {}",
                path.display(),
                lines.join("; "),
                db::check::RESTORE_HINT
            ))
        }
        Err(e) => {
            return Verdict::Fix(format!(
                "database: {} cannot be read ({e}); {}",
                path.display(),
                db::check::RESTORE_HINT
            ))
        }
    }
    match db::pending_migrations(conn) {
        Ok(0) => Verdict::Ok(format!(
            "database: {} passes quick_check, schema current",
            path.display()
        )),
        Ok(n) if n > 0 => Verdict::Fix(format!(
            "database: {n} migration(s) not applied yet; the server applies them at start, or run \
             `holdpoint migrate` (take a backup first)"
        )),
        Ok(_) => Verdict::Fix(
            "database: it was migrated by a newer holdpoint than this one; run that version (or \
             restore a backup made before the upgrade)"
                .into(),
        ),
        Err(e) => Verdict::Fix(format!("database: cannot read its schema version: {e}")),
    }
}

/// The newest time written to the database: its audit rows and pauses.
fn newest_row(conn: &Connection) -> Option<i64> {
    conn.query_row(
        "SELECT max(coalesce((SELECT max(at) FROM audit_log), 0),
                    coalesce((SELECT max(created_at) FROM pauses), 0))",
        [],
        |r| r.get::<_, i64>(0),
    )
    .ok()
    .filter(|&t| t > 0)
}

/// A clock behind what the server already wrote would make deadlines, expiries and the audit
/// log's order lie.
pub fn clock(now: i64, newest: Option<i64>) -> Verdict {
    match newest {
        None => Verdict::Ok("clock: the database has no rows yet to compare with".into()),
        Some(t) if t <= now => Verdict::Ok(format!(
            "clock: {} is not behind the newest row ({})",
            rfc3339(now),
            rfc3339(t)
        )),
        Some(t) => Verdict::Fix(format!(
            "clock: {} is {} ms behind the newest row ({}); set the time right (NTP) before \
             starting the server",
            rfc3339(now),
            t - now,
            rfc3339(t)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_may_equal_the_newest_row_but_not_be_one_millisecond_behind_it() {
        let now = 1_800_000_000_000;
        assert!(matches!(clock(now, Some(now)), Verdict::Ok(_)));
        assert!(matches!(clock(now, Some(now - 1)), Verdict::Ok(_)));
        assert!(matches!(clock(now, None), Verdict::Ok(_)));
        let Verdict::Fix(text) = clock(now, Some(now + 1)) else {
            panic!("a clock behind passed");
        };
        assert!(text.contains("1 ms behind"), "{text}");
    }
}
