//! Step-up among `respond`'s checks, without a server: a pause that needs it is decided by a
//! person only with a recent second factor, never by an email link, and by a key only while
//! `keysMayDecideCritical` is on; the response row says how the person authenticated.

use super::tests::{approve, db, new_pause, run, written, ALICE, NOW};
use super::*;
use crate::domain::decision_links;
use crate::domain::identity::auth_context::{AuthMethod, Factor, STEP_UP_FRESH_MS};

fn critical(conn: &Connection) -> Pause {
    let p = new_pause(conn);
    conn.execute("UPDATE pauses SET risk = 'critical' WHERE id = ?1", [p.id])
        .unwrap();
    pauses::get_by_id(conn, p.id).unwrap().unwrap()
}

fn with_totp_at(at: Millis) -> Responder {
    Responder::User {
        user_id: ALICE,
        via: Via::Api,
        auth: AuthContext {
            method: AuthMethod::Password,
            factor: Some((Factor::Totp, at)),
        },
    }
}

#[test]
fn a_critical_pause_needs_a_second_factor_from_the_last_five_minutes_when_step_up_is_on() {
    let conn = db();
    let p = critical(&conn);
    let stale = with_totp_at(NOW - STEP_UP_FRESH_MS);
    assert!(
        run(&conn, NOW, stale, &p, approve()).is_ok(),
        "step-up is off"
    );
    let conn = db();
    conn.execute("UPDATE workspaces SET step_up = 1", [])
        .unwrap();
    let p = critical(&conn);
    let refused = run(&conn, NOW, stale, &p, approve());
    assert!(
        matches!(refused, Err(RespondError::StepUpRequired)),
        "{refused:?}"
    );
    assert_eq!(written(&conn, &p).0, 0);
    let fresh = with_totp_at(NOW - STEP_UP_FRESH_MS + 1);
    run(&conn, NOW, fresh, &p, approve()).unwrap();
    let auth: String = conn
        .query_row("SELECT auth FROM pause_responses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(auth, "password+totp");
}

#[test]
fn an_email_link_never_decides_and_a_key_only_while_keys_may_decide_critical() {
    let conn = db();
    conn.execute("UPDATE workspaces SET step_up = 1", [])
        .unwrap();
    let p = critical(&conn);
    let link = decision_links::create(&conn, NOW, &p, ALICE).unwrap();
    let link_id = decision_links::find(&conn, &link.token)
        .unwrap()
        .unwrap()
        .id;
    let by_link = Responder::EmailLink {
        user_id: ALICE,
        link_id,
    };
    let refused = run(&conn, NOW, by_link, &p, approve());
    assert!(
        matches!(refused, Err(RespondError::StepUpRequired)),
        "{refused:?}"
    );
    conn.execute_batch(
        "UPDATE workspaces SET keys_may_decide_critical = 0;
         INSERT INTO api_keys (id, workspace_id, prefix, key_hash, created_at, scopes)
             VALUES (2, 1, 'hitl_live_b', x'02', 0, 'decide');",
    )
    .unwrap();
    let by_key = Responder::ApiKey {
        key_id: crate::domain::ids::ApiKeyId(2),
    };
    let refused = run(&conn, NOW, by_key, &p, approve());
    assert!(
        matches!(refused, Err(RespondError::KeyMayNotDecideCritical)),
        "{refused:?}"
    );
    conn.execute("UPDATE workspaces SET keys_may_decide_critical = 1", [])
        .unwrap();
    run(&conn, NOW, by_key, &p, approve()).unwrap();
}
