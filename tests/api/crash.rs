//! Crash safety with the real binary: a message whose first attempt failed survives `kill -9`
//! and is delivered after a restart on the same data directory, and the database is intact.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Value};

use crate::webhooks::Receiver;

/// The server process; killed when dropped so a failing test leaves nothing running.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `holdpoint` on port 0 and reads its address from the startup log line.
    fn start(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
            .arg("--data-dir")
            .arg(dir)
            .args(["--bind", "127.0.0.1:0"])
            .env_remove("HOLDPOINT_PUBLIC_URL")
            .env("HOLDPOINT_WEBHOOK_ALLOW_PRIVATE", "true")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("server printed its address").unwrap();
            if let Some(i) = line.find("public_url=") {
                let rest = &line[i + "public_url=".len()..];
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, base }
    }

    fn kill_9(&mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap()
            .success());
        self.child.wait().unwrap();
    }
}

fn key_create(dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("--data-dir")
        .arg(dir)
        .args(["key", "create", "--workspace", "1"])
        .env_remove("HOLDPOINT_DATA_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A read-only look at the live database, as an operator's `sqlite3` would take.
fn query(dir: &Path, sql: &str) -> String {
    let conn =
        Connection::open_with_flags(dir.join("holdpoint.db"), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
        .map(|v| format!("{v:?}"))
        .unwrap()
}

async fn wait_until(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_failed_callback_survives_kill_9_and_is_delivered_after_restart() {
    let dir = tempfile::TempDir::new().unwrap();
    let key = key_create(dir.path());
    // A port where nothing listens yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server::start(dir.path());
    let client = reqwest::Client::new();
    let body = json!({ "action": "Restart the cluster", "callbackUrl": format!("http://127.0.0.1:{port}/hook") });
    let created: Value = client
        .post(format!("{}/api/pause", server.base))
        .bearer_auth(&key)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let watch_id = created["watchId"].as_str().unwrap();
    let res = client
        .post(format!("{}/api/pause/{watch_id}/cancel", server.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    wait_until("the first attempt is recorded", 10, || {
        query(dir.path(), "SELECT count(*) FROM outbox_attempts") == "Integer(1)"
    })
    .await;
    server.kill_9();

    let receiver = Receiver::start_on(&format!("127.0.0.1:{port}"), vec![]).await;
    let restarted = Server::start(dir.path());
    // The retry is due 5 s (±10 %) after the failed attempt, on the system clock.
    wait_until("the callback is delivered after the restart", 15, || {
        receiver.count() >= 1
    })
    .await;
    let got = receiver.wait_for(1).await;
    assert!(got[0].id.starts_with("msg_"), "{}", got[0].id);
    let stored = query(dir.path(), "SELECT msg_id FROM outbox");
    assert!(
        stored.contains(&got[0].id),
        "the same message, not a new one"
    );
    assert!(got[0].body.contains("pause.cancelled"));
    wait_until("the delivery is recorded", 5, || {
        query(dir.path(), "SELECT state FROM outbox") == "Text(\"delivered\")"
    })
    .await;
    drop(restarted);
    assert_eq!(query(dir.path(), "PRAGMA integrity_check"), "Text(\"ok\")");
}
