//! A damaged database: a file whose structure cannot be read is refused at start with a message
//! naming it and the README's restore section; damage found while serving fails `/readyz`;
//! `holdpoint check` runs the full integrity check.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use holdpoint::db::Connection;
use serde_json::json;

use crate::process::{key_create, run_cli, Server};

/// Pauses whose contexts fill many pages; the middle one carries a marker to find its page.
async fn fill_and_stop(dir: &Path) -> String {
    let mut server = Server::start(dir);
    let key = key_create(dir);
    let (ok, _, err) = run_cli(dir, &["workspace", "set-plan", "1", "pro"]);
    assert!(ok, "{err}");
    let client = reqwest::Client::new();
    let mut middle = String::new();
    for i in 0..300 {
        let tag = if i == 150 { "MIDDLE-MARKER" } else { "filler" };
        let body = json!({ "action": "deploy", "context": { "tag": tag, "pad": "p".repeat(600) } });
        let created = server.create_pause(&client, &key, &body).await;
        if i == 150 {
            middle = created["watchId"].as_str().unwrap().to_string();
        }
    }
    server.signal("-TERM");
    server.child.wait().unwrap();
    let conn = Connection::open(dir.join("holdpoint.db")).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    middle
}

/// Overwrites page `page` (1-based) of the database with 0xFF bytes.
fn damage_page(db: &Path, page: u64) {
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start((page - 1) * 4096)).unwrap();
    f.write_all(&[0xFF; 4096]).unwrap();
    f.sync_all().unwrap();
}

fn page_holding(db: &Path, marker: &[u8]) -> u64 {
    let mut bytes = Vec::new();
    std::fs::File::open(db)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("marker in the file");
    at as u64 / 4096 + 1
}

/// Runs `serve`, expecting it to refuse to start: killed (and the test failed) if it is still
/// running after 10 s.
fn serve(dir: &Path) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env_remove("HOLDPOINT_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server started on a damaged database");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_with_an_unreadable_table_is_refused_at_start_with_the_restore_section() {
    let tmp = tempfile::TempDir::new().unwrap();
    fill_and_stop(tmp.path()).await;
    let db = tmp.path().join("holdpoint.db");
    let root: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'api_keys'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    damage_page(&db, root as u64);

    let out = serve(tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("the database {} cannot be read", db.display())),
        "{err}"
    );
    assert!(err.contains("Backups, replication and upgrades"), "{err}");

    let (ok, stdout, err) = run_cli(tmp.path(), &["check"]);
    assert!(!ok);
    assert!(!stdout.starts_with("ok"), "{stdout}");
    assert!(
        err.contains(&db.display().to_string()) && err.contains("Restore"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damage_found_while_serving_fails_readyz_and_check_reports_it() {
    let tmp = tempfile::TempDir::new().unwrap();
    let middle = fill_and_stop(tmp.path()).await;
    let (ok, stdout, err) = run_cli(tmp.path(), &["check"]);
    assert!(ok, "{err}");
    assert_eq!(stdout.trim(), "ok");
    let db = tmp.path().join("holdpoint.db");
    damage_page(&db, page_holding(&db, b"MIDDLE-MARKER"));

    // The damage is inside the pauses table, not at its edges: the start-up check passes.
    let server = Server::start(tmp.path());
    let key = key_create(tmp.path());
    let client = reqwest::Client::new();
    let ready = |c: &reqwest::Client| c.get(format!("{}/readyz", server.base)).send();
    assert_eq!(ready(&client).await.unwrap().status(), 200);
    let read = client
        .get(format!("{}/api/pause/{middle}", server.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 500);
    let res = ready(&client).await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap(),
        json!({ "status": "database-damaged" })
    );

    let (ok, _, err) = run_cli(tmp.path(), &["check"]);
    assert!(!ok && err.contains("is damaged"), "{err}");
}
