//! Migration 0028 adds receipts: decisions made before it keep every column and carry no
//! receipt (nothing signed them; the pause JSON shows `receipt: null`), there is no signing key
//! until the first start (or first decision) makes one, and a decision made after it is signed.

use crate::db::Connection;

use super::{migrate, migrations};
use crate::db::WriteCtx;
use crate::domain::ids::PauseId;
use crate::domain::pauses::get_by_id;
use crate::domain::receipts::{keys, seal};

/// How many migrations precede receipts: 0001 to 0027, the list has no 0017, so
/// `to_version` stops after 0027_identity.
const BEFORE_RECEIPTS: usize = 26;

fn at_the_last_release_with_decisions() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.sqlite_mut()
        .unwrap()
        .pragma_update(None, "foreign_keys", true)
        .unwrap();
    migrations()
        .to_version(conn.sqlite_mut().unwrap(), BEFORE_RECEIPTS)
        .unwrap();
    let has_receipts: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'signing_keys'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!has_receipts, "the database starts before migration 0028");
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0);
         INSERT INTO pauses (id, watch_id, workspace_id, status, action, context, created_at,
                             expires_at, decided_at, reason, version, decided_by_policy) VALUES
             (1, x'0190a1b2c3d47e5f8a9b0c1d2e3f4a01', 1, 'approved', 'old', '{\"n\":1}', 0,
              9000, 50, 'ok', 2, 'small refunds'),
             (2, x'0190a1b2c3d47e5f8a9b0c1d2e3f4a02', 1, 'pending', 'new', NULL, 0, 9000, NULL,
              NULL, 1, NULL);",
    )
    .unwrap();
    conn
}

#[test]
fn decisions_made_before_receipts_keep_their_row_and_carry_no_receipt() {
    let mut conn = at_the_last_release_with_decisions();
    migrate(&mut conn).unwrap();
    let old = get_by_id(&conn, PauseId(1)).unwrap().unwrap();
    assert_eq!(
        (old.action.as_str(), old.reason.as_deref(), old.version),
        ("old", Some("ok"), 2)
    );
    assert_eq!(old.context.as_deref(), Some("{\"n\":1}"));
    assert_eq!(old.receipt, None);
    assert!(
        keys::current(&conn).unwrap().is_none(),
        "no key before the first start"
    );
}

#[test]
fn a_decision_after_the_migration_is_signed_with_a_key_made_on_first_use() {
    let mut conn = at_the_last_release_with_decisions();
    migrate(&mut conn).unwrap();
    conn.execute_batch(
        "UPDATE pauses SET status = 'rejected', decided_at = 60, decided_by_policy = 'p'
         WHERE id = 2",
    )
    .unwrap();
    let ctx = WriteCtx::with_base_url(&conn, "https://hp.example.com/");
    let decided = get_by_id(ctx.conn, PauseId(2)).unwrap().unwrap();
    let sealed = seal(ctx.conn, 70, ctx.base_url, decided).unwrap();
    let stored = get_by_id(&conn, PauseId(2)).unwrap().unwrap();
    assert!(stored.receipt.is_some());
    assert_eq!(stored.receipt, sealed.receipt);
    assert_eq!(keys::list(&conn).unwrap().len(), 1);
    // Sealing again changes nothing: a receipt is made once.
    let again = seal(&conn, 80, "https://other.example.com", stored).unwrap();
    assert_eq!(again.receipt, sealed.receipt);
}
