//! Migration 0027 rebuilds `users` with an explicit state: the old convention (an empty password
//! hash is an invited user who has not signed up) becomes `invited` with no hash, a disabled user
//! `disabled`, everyone else `active`; every column and id comes through, and sessions made
//! before it keep working with an id of their own.

use crate::db::Connection;

use super::{migrate, migrations};

/// The list position of 0026_webhook_deleted, the last migration before identity.
const BEFORE_IDENTITY: usize = 25;

fn at_the_last_release_with_users() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.sqlite_mut()
        .unwrap()
        .pragma_update(None, "foreign_keys", true)
        .unwrap();
    migrations()
        .to_version(conn.sqlite_mut().unwrap(), BEFORE_IDENTITY)
        .unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0);
         INSERT INTO users (id, workspace_id, email, name, role, password_hash, disabled_at,
                            created_at, email_notifications, theme, time_zone, ntfy_topic) VALUES
             (1, 1, 'owner@example.com', 'Olive', 'owner', '$argon2id$x', NULL, 10, 1, 'dark', 'Europe/Paris', 'olive-t'),
             (2, 1, 'invited@example.com', '', 'approver', '', NULL, 20, 1, 'system', NULL, NULL),
             (3, 1, 'gone@example.com', 'Gus', 'admin', '$argon2id$y', 30, 30, 0, 'light', NULL, NULL),
             (4, 1, 'gone-invited@example.com', '', 'approver', '', 40, 40, 1, 'system', NULL, NULL);
         INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
             VALUES (x'01', 1, 5, 6, 99), (x'02', 1, 5, 6, 99);
         INSERT INTO api_keys (id, workspace_id, prefix, key_hash, created_by, created_at)
             VALUES (3, 1, 'hitl_live_a', x'01', 1, 0);",
    )
    .unwrap();
    conn
}

#[test]
fn users_keep_every_column_and_get_the_state_their_old_row_meant() {
    let mut conn = at_the_last_release_with_users();
    migrate(&mut conn).unwrap();
    type Row = (i64, String, Option<String>, Option<i64>, String, String);
    let rows: Vec<Row> = conn
        .prepare(
            "SELECT id, state, password_hash, disabled_at, name || '|' || theme || '|' ||
                    coalesce(time_zone, '-') || '|' || coalesce(ntfy_topic, '-') || '|' ||
                    email_notifications, email
             FROM users ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let states: Vec<(&str, Option<&str>, Option<i64>)> = rows
        .iter()
        .map(|r| (r.1.as_str(), r.2.as_deref(), r.3))
        .collect();
    assert_eq!(
        states,
        vec![
            ("active", Some("$argon2id$x"), None),
            ("invited", None, None),
            ("disabled", Some("$argon2id$y"), Some(30)),
            ("disabled", None, Some(40)),
        ]
    );
    assert_eq!(rows[0].4, "Olive|dark|Europe/Paris|olive-t|1");
    assert_eq!(rows[2].4, "Gus|light|-|-|0");
    // The email keeps its case-insensitive uniqueness.
    let dup = conn.execute(
        "INSERT INTO users (workspace_id, email, role, created_at)
         VALUES (1, 'OWNER@example.com', 'approver', 0)",
        [],
    );
    assert!(dup.is_err());
}

#[test]
fn sessions_made_before_get_an_id_each_and_are_password_sessions() {
    let mut conn = at_the_last_release_with_users();
    migrate(&mut conn).unwrap();
    let rows: Vec<(String, String, Option<String>)> = conn
        .prepare("SELECT id, method, pending FROM sessions ORDER BY token_hash")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[0].0, rows[1].0);
    assert_eq!(rows[0].0.len(), 32);
    assert!(rows.iter().all(|r| r.1 == "password" && r.2.is_none()));
}

#[test]
fn a_state_that_contradicts_disabled_at_is_refused() {
    let mut conn = at_the_last_release_with_users();
    migrate(&mut conn).unwrap();
    let bad = conn.execute("UPDATE users SET state = 'disabled' WHERE id = 1", []);
    assert!(bad.is_err(), "disabled without disabled_at");
    let bad = conn.execute("UPDATE users SET state = 'asleep' WHERE id = 1", []);
    assert!(bad.is_err());
}
