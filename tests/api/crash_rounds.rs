//! Crash safety under load: 20 rounds of concurrent creates and decisions against the real
//! binary, each ended by `kill -9` at a random moment, then a restart on the same data directory.
//! Whatever the server acknowledged must survive, decided once, with its webhook still queued.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use holdpoint::db::Connection;
use rand::Rng;
use serde_json::{json, Value};

use crate::helpers::{Browser, PASSWORD};
use crate::process::{key_create, run_cli, Server};

const ROUNDS: usize = 20;

/// What the server acknowledged: pauses answered 201, decisions answered 200.
#[derive(Default)]
struct Ledger {
    created: Mutex<Vec<String>>,
    pending: Mutex<VecDeque<String>>,
    decided: Mutex<HashMap<String, &'static str>>,
}

struct Load {
    base: String,
    key: String,
    browser: Browser,
    csrf: String,
    ledger: Arc<Ledger>,
    stop: AtomicBool,
}

async fn creator(load: Arc<Load>) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut acked = Vec::new();
    while !load.stop.load(Ordering::SeqCst) {
        let res = client
            .post(format!("{}/api/pause", load.base))
            .bearer_auth(&load.key)
            .json(&json!({ "action": "crash test", "context": { "n": acked.len() } }))
            .send()
            .await;
        let Ok(res) = res else { continue };
        if res.status() != 201 {
            continue;
        }
        let Ok(v) = res.json::<Value>().await else {
            continue;
        };
        let id = v["watchId"].as_str().unwrap().to_string();
        load.ledger.created.lock().unwrap().push(id.clone());
        load.ledger.pending.lock().unwrap().push_back(id.clone());
        acked.push(id);
    }
    acked
}

/// Approves, rejects (as the signed-in owner) or cancels (as the agent) acknowledged pauses.
async fn decider(load: Arc<Load>) {
    while !load.stop.load(Ordering::SeqCst) {
        let Some(id) = load.ledger.pending.lock().unwrap().pop_front() else {
            tokio::time::sleep(Duration::from_millis(2)).await;
            continue;
        };
        let choice = rand::thread_rng().gen_range(0..3);
        let (req, status) = match choice {
            0 | 1 => (
                load.browser
                    .client
                    .post(format!("{}/api/pause/{id}/approve", load.base))
                    .header("x-csrf-token", &load.csrf)
                    .json(&json!({ "approved": choice == 0, "reason": "crash test" })),
                if choice == 0 { "approved" } else { "rejected" },
            ),
            _ => (
                load.browser
                    .client
                    .post(format!("{}/api/pause/{id}/cancel", load.base))
                    .bearer_auth(&load.key),
                "cancelled",
            ),
        };
        let Ok(res) = req.send().await else { continue };
        if res.status() == 200 && res.json::<Value>().await.is_ok() {
            load.ledger.decided.lock().unwrap().insert(id, status);
        }
    }
}

fn integrity(conn: &Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// After a restart: what the last round acknowledged reads back the same over HTTP.
async fn check_round(base: &str, key: &str, created: &[String], ledger: &Ledger) {
    let client = reqwest::Client::new();
    let decided = ledger.decided.lock().unwrap().clone();
    for id in created {
        let res = client
            .get(format!("{base}/api/pause/{id}"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "acknowledged pause {id} is gone");
        let v: Value = res.json().await.unwrap();
        if let Some(status) = decided.get(id) {
            assert_eq!(
                v["status"], *status,
                "acknowledged decision on {id} changed"
            );
        }
    }
}

/// A workspace on the pro plan, an owner to decide, and a webhook endpoint on a closed port.
fn prepare(dir: &std::path::Path) -> String {
    let key = key_create(dir);
    assert!(run_cli(dir, &["workspace", "set-plan", "1", "pro"]).0);
    let pw = dir.join("pw");
    std::fs::write(&pw, PASSWORD).unwrap();
    let add = [
        "user",
        "add",
        "--workspace",
        "1",
        "--email",
        "owner@example.com",
        "--role",
        "owner",
        "--password-file",
        pw.to_str().unwrap(),
    ];
    assert!(run_cli(dir, &add).0);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let conn = Connection::open(dir.join("holdpoint.db")).unwrap();
    let events: Vec<String> = ["created", "approved", "rejected", "cancelled", "expired"]
        .iter()
        .map(|e| format!("pause.{e}"))
        .collect();
    let url = format!("http://{closed}/hook");
    holdpoint::domain::webhooks::create(
        &conn,
        0,
        holdpoint::domain::ids::WorkspaceId(1),
        &url,
        &events,
    )
    .unwrap();
    conn.execute("UPDATE users SET email_notifications = 0", [])
        .unwrap();
    key
}

async fn one_round(server: &mut Server, load: Arc<Load>) -> Vec<String> {
    let creators: Vec<_> = (0..4)
        .map(|_| tokio::spawn(creator(load.clone())))
        .collect();
    let deciders: Vec<_> = (0..2)
        .map(|_| tokio::spawn(decider(load.clone())))
        .collect();
    let run_for = rand::thread_rng().gen_range(100..=600);
    tokio::time::sleep(Duration::from_millis(run_for)).await;
    server.kill_9();
    load.stop.store(true, Ordering::SeqCst);
    for d in deciders {
        d.await.unwrap();
    }
    let mut created = Vec::new();
    for c in creators {
        created.extend(c.await.unwrap());
    }
    created
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_pauses_and_decisions_survive_twenty_kill_9s_under_load() {
    let dir = tempfile::TempDir::new().unwrap();
    let key = prepare(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let bind = port.to_string();
    let ledger = Arc::new(Ledger::default());
    let mut browser_csrf = None;
    let mut last_round: Vec<String> = Vec::new();
    for round in 0..ROUNDS {
        let mut server = Server::start_on(dir.path(), &bind);
        let conn = Connection::open(dir.path().join("holdpoint.db")).unwrap();
        assert_eq!(integrity(&conn), "ok", "integrity after restart {round}");
        check_round(&server.base, &key, &last_round, &ledger).await;
        if browser_csrf.is_none() {
            let browser = Browser::new(&server.base);
            assert_eq!(
                browser.login("owner@example.com", PASSWORD).await.status(),
                303
            );
            let csrf = browser.csrf().await;
            browser_csrf = Some((browser, csrf));
        }
        let (browser, csrf) = browser_csrf.take().unwrap();
        let load = Arc::new(Load {
            base: server.base.clone(),
            key: key.clone(),
            browser,
            csrf,
            ledger: ledger.clone(),
            stop: AtomicBool::new(false),
        });
        last_round = one_round(&mut server, load.clone()).await;
        let load = Arc::into_inner(load).expect("the round's tasks are done");
        browser_csrf = Some((load.browser, load.csrf));
    }
    let server = Server::start_on(dir.path(), &bind);
    check_round(&server.base, &key, &last_round, &ledger).await;
    drop(server);
    let created = ledger.created.lock().unwrap().clone();
    let decided = ledger.decided.lock().unwrap().clone();
    eprintln!(
        "{} pauses and {} decisions acknowledged",
        created.len(),
        decided.len()
    );
    assert!(
        created.len() > ROUNDS && !decided.is_empty(),
        "the load ran"
    );
    check_database(dir.path(), &created, &decided);
}

/// The final word, read from the file: every acknowledged pause and decision is there, no pause
/// was decided twice, and every acknowledged event still waits in the outbox.
fn check_database(dir: &std::path::Path, created: &[String], decided: &HashMap<String, &str>) {
    let conn = Connection::open(dir.join("holdpoint.db")).unwrap();
    assert_eq!(integrity(&conn), "ok");
    let twice: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT subject FROM audit_log
              WHERE event IN ('pause.approved', 'pause.rejected', 'pause.cancelled', 'pause.expired')
              GROUP BY subject HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(twice, 0, "a pause has two decisions");
    let mut status = conn
        .prepare("SELECT id, status FROM pauses WHERE watch_id = ?1")
        .unwrap();
    let mut queued = conn
        .prepare(
            "SELECT count(*) FROM outbox WHERE pause_id = ?1 AND channel = 'webhook'
               AND event = ?2 AND state = 'pending'",
        )
        .unwrap();
    for id in created {
        let uuid = uuid::Uuid::parse_str(id).unwrap();
        let (pause_id, stored): (i64, String) = status
            .query_row([&uuid.as_bytes()[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap_or_else(|e| panic!("acknowledged pause {id} is missing: {e}"));
        let mut events = vec!["pause.created".to_string()];
        if let Some(d) = decided.get(id) {
            assert_eq!(stored, *d, "acknowledged decision on {id} changed");
            events.push(format!("pause.{d}"));
        }
        for event in events {
            let n: i64 = queued
                .query_row(holdpoint::db::sql::params![pause_id, event], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 1, "{event} of {id} is not queued in the outbox");
        }
    }
}
