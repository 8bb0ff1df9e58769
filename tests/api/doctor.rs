//! `holdpoint doctor` on the data directory: a healthy setup passes every check (exit 0) and
//! writes nothing; each problem is one `FIX:` line and exit 1.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use rusqlite::Connection;

use crate::process::{run_cli, Server};

/// Runs `holdpoint doctor` on `dir` with `args`; (exit 0, stdout lines, stderr). The public URL
/// defaults to a port nothing listens on, so no other server on this machine answers for it.
pub fn doctor(dir: &Path, args: &[&str]) -> (bool, Vec<String>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_holdpoint"));
    cmd.arg("--data-dir").arg(dir).arg("doctor").args(args);
    if !args.contains(&"--public-url") {
        cmd.args(["--public-url", &format!("http://{}", closed_port())]);
    }
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("HOLDPOINT_")) {
        cmd.env_remove(name);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout.lines().map(str::to_string).collect();
    (
        out.status.success(),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An address on 127.0.0.1 where nothing listens (bound, then let go).
pub fn closed_port() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// An empty directory as the server would create it: 0700 (a temp dir follows the umask).
pub fn private_dir() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

/// A data directory as `holdpoint migrate` makes it: 0700, the database 0600.
pub fn migrated() -> tempfile::TempDir {
    let dir = private_dir();
    let (ok, _, err) = run_cli(dir.path(), &["migrate"]);
    assert!(ok, "{err}");
    dir
}

/// The lines that need a fix; asserts every other line is `ok …` and the exit matches.
pub fn fixes(result: &(bool, Vec<String>, String)) -> Vec<String> {
    let (ok, lines, stderr) = result;
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("ok ") || l.starts_with("FIX: ")),
        "{lines:?}"
    );
    let fixes: Vec<String> = lines
        .iter()
        .filter(|l| l.starts_with("FIX: "))
        .cloned()
        .collect();
    assert_eq!(
        *ok,
        fixes.is_empty(),
        "exit status against {lines:?} / {stderr}"
    );
    if !fixes.is_empty() {
        assert!(
            stderr.contains("need") && stderr.contains("fixing"),
            "{stderr}"
        );
    }
    fixes
}

/// Names, sizes, modes and modification times of everything in `dir`.
fn snapshot(dir: &Path) -> Vec<String> {
    let mut all: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            let modified = m.modified().unwrap();
            format!(
                "{:?} {} {:o} {modified:?}",
                e.file_name(),
                m.len(),
                m.permissions().mode()
            )
        })
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn a_healthy_setup_with_its_server_running_passes_every_check() {
    let dir = migrated();
    let public = "https://192.0.0.9/services/T/B/x";
    crate::doctor_net::store_channels(dir.path(), public, public);
    let server = Server::start(dir.path());
    let (smtp, _) = crate::doctor_net::smtp_server("250 OK\r\n").await;
    let args = vec![
        "--public-url".into(),
        server.base.clone(),
        "--smtp-url".into(),
        smtp,
    ];
    let result = crate::doctor_net::doctor_async(dir.path(), args).await;
    assert_eq!(fixes(&result), Vec::<String>::new());
    let lines = result.1;
    assert_eq!(lines.len(), 9, "one line per check: {lines:?}");
    for start in [
        "ok flags",
        "ok data directory",
        "ok database files",
        "ok database: ",
        "ok clock",
        "ok workspace 1 slack.url",
        "ok webhook endpoint 1 of workspace 1",
        "ok email: smtp://127.0.0.1:",
        "ok public URL: GET",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(start)),
            "{start}: {lines:?}"
        );
    }
    assert!(lines
        .iter()
        .any(|l| l.contains("passes quick_check, schema current")));
}

#[test]
fn with_no_server_running_the_public_url_is_skipped_with_a_note_and_nothing_is_written() {
    let dir = migrated();
    let before = snapshot(dir.path());
    let result = doctor(dir.path(), &[]);
    assert_eq!(fixes(&result), Vec::<String>::new());
    let note = result
        .1
        .iter()
        .find(|l| l.starts_with("ok public URL"))
        .unwrap();
    assert!(note.contains("skipped, no server answers at"), "{note}");
    assert_eq!(
        snapshot(dir.path()),
        before,
        "doctor changed the data directory"
    );
}

#[test]
fn a_data_directory_or_database_readable_by_others_needs_a_chmod() {
    let dir = migrated();
    let db = dir.path().join("holdpoint.db");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o750)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o640)).unwrap();
    let fixes = fixes(&doctor(dir.path(), &[]));
    assert_eq!(fixes.len(), 2, "{fixes:?}");
    assert!(
        fixes[0].contains("is 0750") && fixes[0].contains("chmod 700"),
        "{fixes:?}"
    );
    assert!(
        fixes[1].contains("(0640)") && fixes[1].contains("chmod 600"),
        "{fixes:?}"
    );
}

#[test]
fn a_missing_database_needs_the_server_started_or_migrate() {
    let dir = private_dir();
    let fixes = fixes(&doctor(dir.path(), &[]));
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert!(
        fixes[0].contains("there is none at") && fixes[0].contains("migrate"),
        "{fixes:?}"
    );
    assert!(
        !dir.path().join("holdpoint.db").exists(),
        "doctor created the database"
    );
}

fn set_user_version(db: &Path, change: i64) {
    let conn = Connection::open(db).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    conn.pragma_update(None, "user_version", v + change)
        .unwrap();
}

#[test]
fn a_schema_behind_or_ahead_of_the_binary_needs_a_fix() {
    let dir = migrated();
    let db = dir.path().join("holdpoint.db");
    set_user_version(&db, -1);
    let behind = fixes(&doctor(dir.path(), &[]));
    assert!(
        behind.len() == 1 && behind[0].contains("1 migration(s) not applied"),
        "{behind:?}"
    );
    set_user_version(&db, 2);
    let ahead = fixes(&doctor(dir.path(), &[]));
    assert!(
        ahead.len() == 1 && ahead[0].contains("newer holdpoint"),
        "{ahead:?}"
    );
}

#[test]
fn a_damaged_database_needs_the_restore_section() {
    let dir = migrated();
    let db = dir.path().join("holdpoint.db");
    {
        let conn = Connection::open(&db).unwrap();
        let pad = "p".repeat(600);
        for i in 0..300 {
            let marker = if i == 150 { "MIDDLE-MARKER" } else { "filler" };
            conn.execute(
                "INSERT INTO audit_log (workspace_id, at, actor_type, event, details)
                 VALUES (1, 1, 'cli', 'test.filler', ?1)",
                [format!("{marker}{pad}")],
            )
            .unwrap();
        }
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let bytes = std::fs::read(&db).unwrap();
    let at = bytes
        .windows(13)
        .position(|w| w == b"MIDDLE-MARKER")
        .unwrap();
    let mut damaged = bytes.clone();
    let page = at / 4096 * 4096;
    damaged[page..page + 4096].fill(0xFF);
    std::fs::write(&db, damaged).unwrap();
    let fixes = fixes(&doctor(dir.path(), &[]));
    assert!(fixes.iter().any(|f| f.contains("Restore")), "{fixes:?}");
}

#[test]
fn a_clock_behind_the_newest_row_needs_setting_right() {
    let dir = migrated();
    let ahead = holdpoint::domain::clock::system_now() + 3_600_000;
    let conn = Connection::open(dir.path().join("holdpoint.db")).unwrap();
    conn.execute(
        "INSERT INTO audit_log (workspace_id, at, actor_type, event) VALUES (1, ?1, 'cli', 'x')",
        [ahead],
    )
    .unwrap();
    drop(conn);
    let fixes = fixes(&doctor(dir.path(), &[]));
    assert!(
        fixes.len() == 1 && fixes[0].starts_with("FIX: clock: "),
        "{fixes:?}"
    );
    assert!(fixes[0].contains("behind the newest row"), "{fixes:?}");
}

#[test]
fn trusting_forwarded_for_without_trusted_proxies_is_a_fix_as_serve_refuses_it() {
    let dir = migrated();
    let fixes = fixes(&doctor(dir.path(), &["--trust-forwarded-for", "true"]));
    assert!(
        fixes.len() == 1 && fixes[0].contains("needs --trusted-proxies"),
        "{fixes:?}"
    );
    let args = [
        "--trust-forwarded-for",
        "true",
        "--trusted-proxies",
        "127.0.0.1",
    ];
    assert_eq!(
        self::fixes(&doctor(dir.path(), &args)),
        Vec::<String>::new()
    );
    // The environment a unit file or container sets is read as `serve` reads it.
    let out = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("doctor")
        .env("HOLDPOINT_DATA_DIR", dir.path())
        .env("HOLDPOINT_PUBLIC_URL", format!("http://{}", closed_port()))
        .env("HOLDPOINT_TRUST_FORWARDED_FOR", "true")
        .env_remove("HOLDPOINT_TRUSTED_PROXIES")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        stdout.contains("FIX: flags: --trust-forwarded-for needs"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("ok data directory: {}", dir.path().display())));
}
