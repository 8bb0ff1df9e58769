//! Migration 0013 gives keys scopes: every key made before it could create, read, list and
//! cancel pauses, and keeps exactly that (`pauses`, not `decide`).

use crate::db::Connection;

use super::migrations;
use crate::domain::api_keys;
use crate::domain::scopes::{KeyScope, Scopes};

#[test]
fn keys_made_before_scopes_get_pauses_and_nothing_else() {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.sqlite_mut()
        .unwrap()
        .pragma_update(None, "foreign_keys", true)
        .unwrap();
    migrations()
        .to_version(conn.sqlite_mut().unwrap(), 12)
        .unwrap();
    let digest = [7u8; 32];
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'free', 0);
         INSERT INTO users (id, workspace_id, email, role, password_hash, created_at)
             VALUES (7, 1, 'a@example.com', 'approver', 'x', 0);
         INSERT INTO pauses (id, watch_id, workspace_id, status, action, created_at, expires_at,
                             decided_at, decided_by)
             VALUES (1, x'0190a1b2c3d47e5f8a9b0c1d2e3f4a01', 1, 'approved', 'a', 0, 9, 5, 7);",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO api_keys (id, workspace_id, name, prefix, key_hash, is_test, created_at)
         VALUES (3, 1, 'old bot', 'hitl_live_abcdef', ?1, 0, 0)",
        [&digest[..]],
    )
    .unwrap();
    super::migrate(&mut conn).unwrap();

    let key = api_keys::authenticate_digest(&conn, &digest)
        .unwrap()
        .unwrap();
    assert_eq!(key.scopes, Scopes::of(&[KeyScope::Pauses]));
    assert!(!key.scopes.has(KeyScope::Decide));
    let listed = api_keys::list(&conn, crate::domain::ids::WorkspaceId(1)).unwrap();
    assert_eq!(listed[0].scopes.to_text(), "pauses");
    let pause = crate::domain::pauses::get_by_id(&conn, crate::domain::ids::PauseId(1))
        .unwrap()
        .unwrap();
    assert_eq!(
        pause.decided_by.unwrap().email(),
        Some("a@example.com"),
        "a person's decision reads as before"
    );
}
