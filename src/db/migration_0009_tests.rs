//! Migration 0009 re-keys idempotency records by API key: a record written before it must still
//! replay for the key whose pause it made, and for no other key.

use crate::db::sql::{params, Connection};

use super::migrations;
use crate::domain::idempotency::{self, Lookup};

const WATCH_ID: &str = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

fn at_version_8_with_a_record() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.sqlite_mut()
        .unwrap()
        .pragma_update(None, "foreign_keys", true)
        .unwrap();
    migrations()
        .to_version(conn.sqlite_mut().unwrap(), 8)
        .unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'free', 0);
         INSERT INTO api_keys (id, workspace_id, prefix, key_hash, is_test, created_at)
             VALUES (1, 1, 'hitl_live_a', x'01', 0, 0), (2, 1, 'hitl_test_b', x'02', 1, 0);",
    )
    .unwrap();
    let watch = uuid::Uuid::parse_str(WATCH_ID).unwrap();
    conn.execute(
        "INSERT INTO pauses (watch_id, workspace_id, api_key_id, status, action, created_at, expires_at)
         VALUES (?1, 1, 1, 'pending', 'a', 0, 1000)",
        [&watch.as_bytes()[..]],
    )
    .unwrap();
    let body = format!(r#"{{"watchId":"{WATCH_ID}","test":false}}"#);
    let orphan = r#"{"watchId":"0190a1b2-0000-7000-8000-000000000000"}"#;
    for (key, body) in [("k", body.as_str()), ("gone", orphan)] {
        conn.execute(
            "INSERT INTO idempotency_keys VALUES (1, ?1, x'aa', 201, ?2, 5)",
            params![key, body],
        )
        .unwrap();
    }
    conn
}

#[test]
fn a_record_from_before_0009_replays_for_the_key_that_made_its_pause_and_no_other() {
    let mut conn = at_version_8_with_a_record();
    migrations().to_latest(conn.sqlite_mut().unwrap()).unwrap();
    let replayed =
        idempotency::lookup(&conn, crate::domain::ids::ApiKeyId(1), "k", &[0xaa]).unwrap();
    assert!(matches!(replayed, Lookup::Replay { status: 201, body } if body.contains(WATCH_ID)));
    assert!(matches!(
        idempotency::lookup(&conn, crate::domain::ids::ApiKeyId(2), "k", &[0xaa]).unwrap(),
        Lookup::New
    ));
    let left: i64 = conn
        .query_row("SELECT count(*) FROM idempotency_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 1, "a record whose pause is unknown is dropped");
    assert_eq!(
        idempotency::purge(&conn, idempotency::RETENTION_MS + 6).unwrap(),
        1
    );
}
