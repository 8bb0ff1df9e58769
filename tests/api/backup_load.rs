//! `holdpoint backup` taken while agents keep creating pauses: the copy passes
//! `PRAGMA integrity_check` and holds every pause acknowledged before the backup started.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::spawn_app_without_email;
use crate::process::run_cli;

async fn create_until_stopped(
    client: reqwest::Client,
    url: String,
    key: String,
    acked: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::SeqCst) {
        let res = client
            .post(&url)
            .bearer_auth(&key)
            .json(&json!({ "action": "backed up?", "context": { "pad": "x".repeat(300) } }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.unwrap();
        acked
            .lock()
            .unwrap()
            .push(v["watchId"].as_str().unwrap().to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_is_intact_and_holds_every_pause_acknowledged_before_it() {
    let app = spawn_app_without_email().await;
    app.set_billing_plan(1, "pro");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let creators: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(create_until_stopped(
                app.api.clone(),
                app.url("/api/pause"),
                app.key.clone(),
                acked.clone(),
                stop.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before: Vec<String> = acked.lock().unwrap().clone();
    let target = app.dir.path().join("backup.db");
    let (dir, path) = (app.dir.path().to_path_buf(), target.clone());
    let (ok, _, err) =
        tokio::task::spawn_blocking(move || run_cli(&dir, &["backup", path.to_str().unwrap()]))
            .await
            .unwrap();
    assert!(ok, "{err}");
    stop.store(true, Ordering::SeqCst);
    for c in creators {
        c.await.unwrap();
    }
    let after = acked.lock().unwrap().len();
    assert!(
        !before.is_empty() && after > before.len(),
        "creates ran during the backup"
    );

    let copy = rusqlite::Connection::open(&target).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut find = copy
        .prepare("SELECT count(*) FROM pauses WHERE watch_id = ?1")
        .unwrap();
    for id in &before {
        let uuid = uuid::Uuid::parse_str(id).unwrap();
        let n: i64 = find
            .query_row([&uuid.as_bytes()[..]], |r| r.get(0))
            .unwrap();
        assert_eq!(
            n, 1,
            "pause {id}, acknowledged before the backup, is not in it"
        );
    }
}

#[tokio::test]
async fn a_binary_refuses_a_database_migrated_by_a_newer_one() {
    let dir = tempfile::TempDir::new().unwrap();
    assert!(run_cli(dir.path(), &["migrate"]).0);
    let conn = rusqlite::Connection::open(dir.path().join("holdpoint.db")).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert!(version > 0);
    // As if a newer release had added a migration this binary does not know.
    conn.execute_batch(&format!("PRAGMA user_version = {}", version + 1))
        .unwrap();
    let (ok, _, err) = run_cli(dir.path(), &["migrate"]);
    assert!(!ok && err.contains("migration"), "{err}");
    let after: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, version + 1, "nothing was rolled back");
}
