//! Migration 0011 rebuilds `pauses` and backfills `pause_responses`: every pause must come
//! through unchanged (ids included, so outbox rows and email links still point at it), and every
//! decided pause gets its response row, with how it was decided taken from its audit row.

use crate::db::Connection;

use super::{migrate, migrations};

const PAUSE_COLUMNS: &str = "id, hex(watch_id), workspace_id, api_key_id, is_test, status, action,
    context, metadata, callback_url, created_at, expires_at, decided_at, decided_by, reason,
    version, context_purged_at";

fn at_version_10_with_pauses() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.sqlite_mut()
        .unwrap()
        .pragma_update(None, "foreign_keys", true)
        .unwrap();
    migrations()
        .to_version(conn.sqlite_mut().unwrap(), 10)
        .unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'free', 0);
         INSERT INTO users (id, workspace_id, email, role, password_hash, created_at)
             VALUES (7, 1, 'a@example.com', 'approver', 'x', 0);
         INSERT INTO api_keys (id, workspace_id, prefix, key_hash, created_at)
             VALUES (3, 1, 'hitl_live_a', x'01', 0);
         INSERT INTO pauses (id, watch_id, workspace_id, api_key_id, status, action, context,
                             created_at, expires_at, decided_at, decided_by, reason, version,
                             context_purged_at) VALUES
             (1, x'0190a1b2c3d47e5f8a9b0c1d2e3f4a01', 1, 3, 'pending', 'p', '{}', 0, 9000, NULL, NULL, NULL, 1, NULL),
             (2, x'0190a1b2c3d47e5f8a9b0c1d2e3f4a02', 1, 3, 'approved', 'a', NULL, 0, 9000, 50, 7, NULL, 2, 70),
             (3, x'0190a1b2c3d47e5f8a9b0c1d2e3f4a03', 1, 3, 'rejected', 'r', NULL, 0, 9000, 60, 7, 'no', 2, NULL),
             (4, x'0190a1b2c3d47e5f8a9b0c1d2e3f4a04', 1, 3, 'expired', 'e', NULL, 0, 9000, NULL, NULL, NULL, 2, NULL),
             (5, x'0190a1b2c3d47e5f8a9b0c1d2e3f4a05', 1, 3, 'cancelled', 'c', NULL, 0, 9000, 40, NULL, NULL, 2, NULL);
         INSERT INTO audit_log (workspace_id, at, actor_type, actor_id, event, subject, details) VALUES
             (1, 50, 'user', 7, 'pause.approved', '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02',
              '{\"reason\":null,\"via\":\"email link\"}');
         INSERT INTO outbox (msg_id, workspace_id, channel, target, pause_id, event, payload,
                             next_attempt_at, created_at)
             VALUES ('m1', 1, 'webhook', 'http://127.0.0.1/', 3, 'pause.rejected', '{}', 0, 0);
         INSERT INTO decision_links (token_hash, pause_id, user_id, intent, created_at, expires_at)
             VALUES (x'02', 2, 7, 'approve', 0, 9000);",
    )
    .unwrap();
    conn
}

fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            let cells: Vec<String> = (0..n)
                .map(|i| format!("{:?}", r.get::<_, crate::db::sql::OwnedValue>(i).unwrap()))
                .collect();
            Ok(cells.join(" | "))
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

#[test]
fn the_rebuild_keeps_every_pause_its_indexes_and_the_rows_that_point_at_it() {
    let mut conn = at_version_10_with_pauses();
    let select = format!("SELECT {PAUSE_COLUMNS} FROM pauses ORDER BY id");
    let before = rows(&conn, &select);
    // Indexes of later migrations (0014's `pauses_revises`, 0018's `pauses_agent` and
    // `pauses_run`, 0022's `pauses_decided_by_policy`, 0023's `pauses_group`, and 0024's
    // `pauses_retention`, which replaces `pauses_context_retention`) are not the rebuild's
    // business.
    let indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pauses'
                     AND name NOT IN ('pauses_revises', 'pauses_agent', 'pauses_run',
                                      'pauses_decided_by_policy', 'pauses_group',
                                      'pauses_context_retention', 'pauses_retention')
                   ORDER BY name";
    let indexes_before = rows(&conn, indexes);
    migrate(&mut conn).unwrap();
    assert_eq!(rows(&conn, &select), before);
    assert_eq!(rows(&conn, indexes), indexes_before);
    assert_eq!(
        rows(&conn, "SELECT DISTINCT kind FROM pauses"),
        ["Text(\"approval\")"]
    );
    assert!(rows(&conn, "PRAGMA foreign_key_check").is_empty());
    let enforced: bool = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert!(enforced, "foreign keys are on again after migrating");
    assert_eq!(
        rows(
            &conn,
            "SELECT pause_id FROM outbox UNION ALL SELECT pause_id FROM decision_links"
        ),
        ["Integer(3)", "Integer(2)"]
    );
}

#[test]
fn decided_pauses_get_their_response_row_with_how_they_were_decided() {
    let mut conn = at_version_10_with_pauses();
    migrate(&mut conn).unwrap();
    assert_eq!(
        rows(
            &conn,
            "SELECT pause_id, responder_type, user_id, kind, reason, via, created_at
             FROM pause_responses ORDER BY id"
        ),
        [
            "Integer(2) | Text(\"user\") | Integer(7) | Text(\"approve\") | Null | Text(\"email link\") | Integer(50)",
            "Integer(3) | Text(\"user\") | Integer(7) | Text(\"reject\") | Text(\"no\") | Text(\"dashboard\") | Integer(60)",
        ]
    );
}

#[test]
fn the_rebuilt_table_accepts_the_coming_kinds_and_statuses_and_refuses_others() {
    let mut conn = at_version_10_with_pauses();
    migrate(&mut conn).unwrap();
    let insert = |kind: &str, status: &str| {
        conn.execute(
            "INSERT INTO pauses (watch_id, workspace_id, kind, status, action, created_at, expires_at)
             VALUES (randomblob(16), 1, ?1, ?2, 'x', 0, 1)",
            [kind, status],
        )
    };
    assert!(insert("question", "answered").is_ok());
    assert!(insert("plan", "changes_requested").is_ok());
    assert!(insert("survey", "pending").is_err());
    assert!(insert("approval", "maybe").is_err());
}
