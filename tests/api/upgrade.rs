//! The upgrade from the last release, with its data: `tests/fixtures/release-0008.db` was made by
//! that release's binary through its real interfaces (`tests/fixtures/make-release-db`), and
//! `release-0008.json` holds what it answered. The current server is started on a copy at the
//! fixture's time, so every pause must read back as the release answered it. Only the
//! documented changes since are allowed: a key sees only pauses of its own kind (test or live),
//! an Idempotency-Key belongs to the API key that used it, and `decidedBy` has a `type`.

use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use tempfile::TempDir;

use crate::helpers::{spawn_app_configured, Browser, TestApp};

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(fixture_path("release-0008.json")).unwrap();
    let mut fx = serde_json::from_str(&text).unwrap();
    as_answered_now(&mut fx);
    fx
}

/// The release's answers with what was documented as added since: `decidedBy` gained a `type`
/// discriminator (`user` for every decision the release recorded). Nothing else differs.
fn as_answered_now(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(by)) = map.get_mut("decidedBy") {
                by.entry("type").or_insert_with(|| "user".into());
            }
            map.values_mut().for_each(as_answered_now);
        }
        Value::Array(items) => items.iter_mut().for_each(as_answered_now),
        _ => {}
    }
}

/// The current server on a copy of the release's database, its clock at the moment the
/// release's answers were recorded (so pending and expired read the same).
async fn upgraded(fx: &Value) -> TestApp {
    let dir = Arc::new(TempDir::new().unwrap());
    std::fs::copy(
        fixture_path("release-0008.db"),
        dir.path().join("holdpoint.db"),
    )
    .unwrap();
    let public_url = fx["publicUrl"].as_str().unwrap().parse().unwrap();
    let now = fx["readAtMs"].as_i64().unwrap();
    spawn_app_configured(dir, now, |s| s.public_url = Some(public_url)).await
}

/// A pause as the release showed it: members added since then are checked and dropped. Every
/// pause of the release is an approval (`kind`, issue 11).
fn without_new_members(mut pause: Value) -> Value {
    let kind = pause.as_object_mut().unwrap().remove("kind");
    assert_eq!(kind, Some(Value::from("approval")), "{pause}");
    // Decision policies (issue 18): a pause made before them has no verdict.
    let policy = pause.as_object_mut().unwrap().remove("policy");
    assert_eq!(policy, Some(Value::Null), "{pause}");
    // Part 2 (issue 19): unrouted, one approval, expiring, with the decision as its one vote.
    let fields = pause.as_object_mut().unwrap();
    let mut take = |name: &str| fields.remove(name).unwrap_or(Value::Null);
    let added = [
        take("group"),
        take("requiredApprovals"),
        take("onTimeout"),
        take("overdue"),
        // Receipts (issue 23): nothing signed the release's decisions.
        take("receipt"),
    ];
    let (votes, needed) = (take("votes"), take("approvalsNeeded"));
    assert_eq!(
        added,
        [
            Value::Null,
            1.into(),
            "expire".into(),
            Value::Null,
            Value::Null
        ],
        "{pause}"
    );
    let status = pause["status"].as_str().unwrap();
    assert_eq!(needed, u8::from(status == "pending"), "{pause}");
    match status {
        "approved" | "rejected" => {
            assert_eq!(votes[0]["by"], pause["decidedBy"], "{pause}");
            assert_eq!(votes[0]["approved"], status == "approved", "{pause}");
            assert_eq!(votes.as_array().unwrap().len(), 1, "{pause}");
        }
        _ => assert_eq!(votes, serde_json::json!([]), "{pause}"),
    }
    pause
}

fn key(fx: &Value, kind: &str) -> String {
    fx["keys"][kind].as_str().unwrap().to_string()
}

fn kinds(fx: &Value) -> Vec<String> {
    fx["keys"].as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn every_pause_of_the_last_release_reads_back_the_same_with_a_key_of_its_kind() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    for (label, pause) in fx["pauses"].as_object().unwrap() {
        let own = pause["createdWith"].as_str().unwrap();
        assert_eq!(
            pause[own]["body"]["test"],
            own == "test",
            "{label}: fixture"
        );
        for kind in kinds(&fx) {
            let watch = pause["watchId"].as_str().unwrap();
            let res = app.get_pause_with(&key(&fx, &kind), watch, "").await;
            if kind == own {
                assert_eq!(res.status(), 200, "{label} with the {kind} key");
                let body = without_new_members(res.json().await.unwrap());
                assert_eq!(body, pause[&kind]["body"], "{label} with the {kind} key");
            } else {
                // Documented since 0009: a key does not see pauses of the other kind.
                assert_eq!(
                    pause[&kind]["status"], 200,
                    "{label}: the release showed it"
                );
                assert_eq!(res.status(), 404, "{label} with the {kind} key");
            }
        }
    }
}

/// What a list query answers now, derived from the release's full list for that key: the same
/// items in the same order, less the other kind's pauses.
fn expected_list(fx: &Value, kind: &str, query: &str) -> Value {
    let full = &fx["lists"][format!("{kind} ?limit=200")];
    assert_eq!(full["total"], full["items"].as_array().unwrap().len());
    let param = |name: &str| {
        query
            .trim_start_matches('?')
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
    };
    let status = param("status");
    let limit: usize = param("limit").map_or(50, |l| l.parse().unwrap());
    let offset: usize = param("offset").map_or(0, |o| o.parse().unwrap());
    let mine: Vec<Value> = full["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["test"] == (kind == "test"))
        .filter(|p| status.as_deref().is_none_or(|s| p["status"] == s))
        .cloned()
        .collect();
    let page: Vec<Value> = mine.iter().skip(offset).take(limit).cloned().collect();
    serde_json::json!({ "items": page, "limit": limit, "offset": offset, "total": mine.len() })
}

#[tokio::test]
async fn the_lists_of_the_last_release_answer_the_same_less_the_other_kind_of_pause() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    for (name, old) in fx["lists"].as_object().unwrap() {
        let (kind, query) = name.split_once(' ').unwrap();
        let res = app
            .api
            .get(app.url(&format!("/api/pause{query}")))
            .bearer_auth(key(&fx, kind))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{name}");
        let mut now: Value = res.json().await.unwrap();
        for item in now["items"].as_array_mut().unwrap() {
            *item = without_new_members(item.take());
        }
        assert_eq!(now, expected_list(&fx, kind, query), "{name}");
        let kept = |p: &&Value| p["test"] == (kind == "test");
        let old_mine: Vec<&Value> = old["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(kept)
            .collect();
        let now_items: Vec<&Value> = now["items"].as_array().unwrap().iter().collect();
        if old["total"] == old["items"].as_array().unwrap().len() {
            assert_eq!(
                now_items, old_mine,
                "{name}: an unpaged list keeps its order"
            );
        }
    }
}

#[tokio::test]
async fn people_of_the_last_release_sign_in_with_their_password_and_decide() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    for user in fx["users"].as_array().unwrap() {
        let browser = Browser::new(&app.address);
        let res = browser
            .login(
                user["email"].as_str().unwrap(),
                user["password"].as_str().unwrap(),
            )
            .await;
        assert_eq!(res.status(), 303, "{user}");
        assert_eq!(browser.get("/").await.status(), 200, "{user}");
    }
    let approver = Browser::new(&app.address);
    let res = approver
        .login("approver@fixture.example", "approver-fixture-password")
        .await;
    assert_eq!(res.status(), 303);
    let pending = fx["pauses"]["pending"]["watchId"].as_str().unwrap();
    let res = approver
        .decide(pending, true, Some("after the upgrade"))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "approved");
    assert_eq!(body["decidedBy"]["email"], "approver@fixture.example");
}

#[tokio::test]
async fn api_keys_of_the_last_release_still_authenticate_and_pauses_still_expire() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    for kind in kinds(&fx) {
        let res = app.list_with(&key(&fx, &kind)).await;
        assert_eq!(res.status(), 200, "the {kind} key");
    }
    let short = fx["pauses"]["pending_default_timeout"]["watchId"]
        .as_str()
        .unwrap();
    let long = fx["pauses"]["pending"]["watchId"].as_str().unwrap();
    app.clock.advance_secs(901);
    let live = key(&fx, "live");
    for (watch, status) in [(short, "expired"), (long, "pending")] {
        let body: Value = app
            .get_pause_with(&live, watch, "")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["status"], status, "{watch}");
    }
}

#[tokio::test]
async fn api_keys_of_the_last_release_get_the_pauses_scope_and_not_decide() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    assert_eq!(
        app.count("SELECT count(*) FROM api_keys WHERE scopes <> 'pauses'"),
        0
    );
    let pending = fx["pauses"]["pending"]["watchId"].as_str().unwrap();
    let res = app
        .api
        .post(app.url(&format!("/api/pause/{pending}/approve")))
        .bearer_auth(key(&fx, "live"))
        .json(&serde_json::json!({ "approved": true }))
        .send()
        .await
        .unwrap();
    let body = crate::helpers::assert_problem(res, 403).await;
    assert_eq!(body["scope"], "decide");
}

#[tokio::test]
async fn pending_pauses_of_the_last_release_get_expiry_timers_and_the_sweep_expires_them() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let pending = app.count("SELECT count(*) FROM pauses WHERE status = 'pending'");
    let armed = "SELECT count(*) FROM pause_timers t JOIN pauses p ON p.id = t.pause_id
                 WHERE t.kind = 'expiry' AND t.fired_at IS NULL AND t.due_at = p.expires_at
                 AND p.status = 'pending'";
    assert!(pending > 0);
    assert_eq!(app.count(armed), pending, "one timer per pending pause");
    let short = fx["pauses"]["pending_default_timeout"]["watchId"]
        .as_str()
        .unwrap();
    let long = fx["pauses"]["pending"]["watchId"].as_str().unwrap();
    app.clock.advance_secs(901);
    assert!(app.sweep().await >= 1);
    assert_eq!(app.stored_status(short), "expired");
    assert_eq!(app.stored_status(long), "pending");
    let events: Vec<String> = app.audit_events(short).into_iter().map(|e| e.0).collect();
    assert_eq!(events.last().map(String::as_str), Some("pause.expired"));
}

#[tokio::test]
async fn an_idempotency_key_used_before_the_upgrade_replays_for_the_api_key_that_used_it() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    for record in fx["idempotency"].as_array().unwrap() {
        let idem = record["idempotencyKey"].as_str().unwrap();
        let own = record["apiKey"].as_str().unwrap();
        let res = app.post_idempotent(&key(&fx, own), idem, record).await;
        assert_eq!(res.status(), 201, "{idem}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body, record["answer"],
            "{idem} replays the release's answer"
        );
        // Documented since 0009: the other kind's key with the same value makes its own pause.
        let other = if own == "live" { "test" } else { "live" };
        let res = app.post_idempotent(&key(&fx, other), idem, record).await;
        assert_eq!(res.status(), 201, "{idem} with the {other} key");
        let body: Value = res.json().await.unwrap();
        assert_ne!(body["watchId"], record["answer"]["watchId"], "{idem}");
    }
}

#[tokio::test]
async fn the_upgraded_database_keeps_every_row_and_is_sound_at_the_latest_version() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let migrations = std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count() as i64;
    app.with_db(|c| {
        let release = Connection::open_with_flags(
            fixture_path("release-0008.db"),
            OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(check, "ok");
        let broken: i64 =
            c.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        assert_eq!(broken, 0, "foreign keys");
        let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        assert_eq!(version, migrations, "the version is the latest migration");
        for table in tables(&release) {
            assert_eq!(
                count(c.sqlite().unwrap(), &table),
                count(&release, &table),
                "rows of {table}"
            );
        }
        assert_eq!(
            audit_rows(c.sqlite().unwrap(), &release),
            audit_rows(&release, &release)
        );
        Ok(())
    })
    .unwrap();
}

fn tables(conn: &Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap();
    let names = stmt.query_map([], |r| r.get(0)).unwrap();
    names.collect::<Result<_, _>>().unwrap()
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
        r.get(0)
    })
    .unwrap()
}

/// Every audit row as the release wrote it (the release's columns; a later migration may add
/// more), oldest first.
fn audit_rows(conn: &Connection, release: &Connection) -> Vec<String> {
    let mut stmt = release
        .prepare("SELECT name FROM pragma_table_info('audit_log')")
        .unwrap();
    let columns: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let sql = format!("SELECT {} FROM audit_log ORDER BY id", columns.join(", "));
    let mut stmt = conn.prepare(&sql).unwrap();
    let rows = stmt
        .query_map([], |r| {
            let cells: Vec<String> = (0..columns.len())
                .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                .collect();
            Ok(cells.join(" | "))
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

impl TestApp {
    async fn list_with(&self, key: &str) -> reqwest::Response {
        let url = self.url("/api/pause");
        self.api.get(url).bearer_auth(key).send().await.unwrap()
    }

    /// Resends a recorded create: the same body bytes with the same Idempotency-Key.
    async fn post_idempotent(&self, key: &str, idem: &str, record: &Value) -> reqwest::Response {
        self.api
            .post(self.url("/api/pause"))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .header("idempotency-key", idem)
            .body(record["body"].as_str().unwrap().to_string())
            .send()
            .await
            .unwrap()
    }
}
