//! `respond`'s rules without a server: the workspace's reason rule and the reason's length, who
//! may respond, email links, and the pause page's timeline read from the responses.

use crate::db::sql::Connection;

use super::tests::{
    approve, by, db, new_pause, reject, run, written, ALICE, BOB, DISABLED, ELSEWHERE, NOW,
};
use super::*;
use crate::domain::decision_links;
use crate::domain::ids::WorkspaceId;

#[test]
fn a_workspace_that_requires_a_reason_refuses_a_rejection_without_a_visible_one() {
    let conn = db();
    conn.execute("UPDATE workspaces SET reject_reason_required = 1", [])
        .unwrap();
    let p = new_pause(&conn);
    for missing in [None, Some(" \t\u{200B}\u{FEFF} ".to_string())] {
        let r = Response::new(false, missing);
        let refused = run(&conn, NOW, by(ALICE), &p, r);
        assert!(
            matches!(refused, Err(RespondError::ReasonRequired)),
            "{refused:?}"
        );
    }
    assert_eq!(written(&conn, &p).0, 0);
    // Approving needs no reason; the rule is only about rejecting.
    let approved = run(&conn, NOW, by(ALICE), &p, approve()).unwrap();
    assert_eq!(approved.pause.reason, None);
}

#[test]
fn a_reason_may_have_2000_characters_and_not_one_more() {
    let conn = db();
    let too_long = run(
        &conn,
        NOW,
        by(ALICE),
        &new_pause(&conn),
        reject(&"x".repeat(2001)),
    );
    assert!(
        matches!(too_long, Err(RespondError::ReasonTooLong)),
        "{too_long:?}"
    );
    let at_limit = run(
        &conn,
        NOW,
        by(ALICE),
        &new_pause(&conn),
        reject(&"é".repeat(2000)),
    );
    assert_eq!(
        at_limit.unwrap().pause.reason.unwrap().chars().count(),
        2000
    );
}

#[test]
fn a_link_is_used_up_by_a_recorded_response_and_only_then() {
    let conn = db();
    conn.execute("UPDATE workspaces SET reject_reason_required = 1", [])
        .unwrap();
    let p = new_pause(&conn);
    let tokens = decision_links::create(&conn, NOW, &p, BOB).unwrap();
    let link = decision_links::find(&conn, &tokens.token).unwrap().unwrap();
    let who = Responder::EmailLink {
        user_id: BOB,
        link_id: link.id,
    };
    let refused = run(&conn, NOW, who, &p, Response::new(false, None));
    assert!(matches!(refused, Err(RespondError::ReasonRequired)));
    let unused = decision_links::find(&conn, &tokens.token).unwrap().unwrap();
    assert_eq!(unused.used_at, None);
    run(&conn, NOW, who, &p, approve()).unwrap();
    let used = decision_links::find(&conn, &tokens.token).unwrap().unwrap();
    assert_eq!(used.used_at, Some(NOW));
    let via: String = conn
        .query_row("SELECT via FROM pause_responses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(via, "email link");
}

#[test]
fn another_workspace_s_pause_does_not_exist_and_a_disabled_account_cannot_respond() {
    let conn = db();
    let p = new_pause(&conn);
    let elsewhere = run(&conn, NOW, by(ELSEWHERE), &p, approve());
    assert!(
        matches!(elsewhere, Err(RespondError::NotFound)),
        "{elsewhere:?}"
    );
    let disabled = run(&conn, NOW, by(DISABLED), &p, approve());
    assert!(
        matches!(disabled, Err(RespondError::NotPermitted)),
        "{disabled:?}"
    );
    assert_eq!(written(&conn, &p).0, 0);
}

#[test]
fn the_timeline_tells_each_decision_once_from_its_response_row_after_the_request() {
    let conn = db();
    let p = new_pause(&conn);
    let told = |conn: &Connection| -> Vec<String> {
        let watch_id = p.watch_id.to_string();
        let events =
            crate::domain::timeline::for_pause(conn, WorkspaceId(1), p.id, &watch_id).unwrap();
        events
            .into_iter()
            .map(|e| format!("{} {}", e.event, e.actor))
            .collect()
    };
    // Same millisecond as the request: the decision still reads after it.
    run(&conn, NOW, by(ALICE), &p, reject("too risky")).unwrap();
    assert_eq!(
        told(&conn),
        [
            "pause.created key hitl_live_a…",
            "pause.rejected alice@example.com"
        ]
    );
    conn.execute("DELETE FROM pause_responses", []).unwrap();
    assert_eq!(
        told(&conn),
        ["pause.created key hitl_live_a…"],
        "not from the audit row"
    );
}

#[test]
fn only_a_plan_can_be_sent_back_for_changes() {
    let conn = db();
    let p = new_pause(&conn);
    let r = Response::RequestChanges {
        feedback: Some("smaller steps".into()),
    };
    let refused = run(&conn, NOW, by(ALICE), &p, r);
    assert!(
        matches!(refused, Err(RespondError::NotAPlan)),
        "{refused:?}"
    );
    assert_eq!(written(&conn, &p).0, 0);
}
