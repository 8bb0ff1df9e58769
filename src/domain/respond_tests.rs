//! `respond` without a server: every response against every state a pause can be in, the
//! workspace's reason rule, and two responses racing for one pause.

use rusqlite::Connection;

use super::*;
use crate::domain::api_keys::AuthKey;
use crate::domain::pauses::NewPause;

const NOW: Millis = 1_800_000_000_000;
const TIMEOUT_SECS: i64 = 3600;
const LATER: Millis = NOW + TIMEOUT_SECS * 1000;
const ALICE: i64 = 1;
const BOB: i64 = 2;
const DISABLED: i64 = 3;
const ELSEWHERE: i64 = 4;

fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0), (2, 'B', 'pro', 0);
         INSERT INTO users (id, workspace_id, email, role, password_hash, disabled_at, created_at) VALUES
             (1, 1, 'alice@example.com', 'owner', 'x', NULL, 0),
             (2, 1, 'bob@example.com', 'approver', 'x', NULL, 0),
             (3, 1, 'carol@example.com', 'approver', 'x', 5, 0),
             (4, 2, 'dave@example.com', 'owner', 'x', NULL, 0);
         INSERT INTO api_keys (id, workspace_id, prefix, key_hash, created_at)
             VALUES (1, 1, 'hitl_live_a', x'01', 0);",
    )
    .unwrap();
    conn
}

fn new_pause(conn: &Connection) -> Pause {
    let p = NewPause {
        workspace_id: 1,
        api_key_id: 1,
        test: false,
        action: "Delete the staging database".into(),
        context: None,
        metadata: None,
        callback_url: None,
        timeout_secs: Some(TIMEOUT_SECS),
    };
    pauses::create(&mut WriteCtx::new(conn), NOW, 60, p)
        .unwrap()
        .0
}

fn by(user_id: i64) -> Responder {
    Responder::User {
        user_id,
        via: Via::Dashboard,
    }
}

fn approve() -> Response {
    Response::Approve { reason: None }
}

fn reject(reason: &str) -> Response {
    Response::Reject {
        reason: Some(reason.into()),
    }
}

fn run(
    conn: &Connection,
    now: Millis,
    who: Responder,
    pause: &Pause,
    r: Response,
) -> Result<Responded, RespondError> {
    respond(&mut WriteCtx::new(conn), now, who, &pause.watch_id, r).unwrap()
}

/// Rows a response writes: its own, the audit row, and the pause's version.
fn written(conn: &Connection, pause: &Pause) -> (i64, i64, i64) {
    let count = |sql: &str| conn.query_row(sql, [pause.id], |r| r.get(0)).unwrap();
    (
        count("SELECT count(*) FROM pause_responses WHERE pause_id = ?1"),
        conn.query_row(
            "SELECT count(*) FROM audit_log WHERE subject = ?1",
            [pause.watch_id.to_string()],
            |r| r.get(0),
        )
        .unwrap(),
        count("SELECT version FROM pauses WHERE id = ?1"),
    )
}

/// A pause in each state a response can meet, and the time to respond at.
fn in_state(conn: &Connection, state: &str) -> (Pause, Millis) {
    let p = new_pause(conn);
    let now = match state {
        "pending" => NOW + 1,
        "approved" => run(conn, NOW, by(BOB), &p, approve())
            .map(|_| NOW + 1)
            .unwrap(),
        "rejected" => run(conn, NOW, by(BOB), &p, reject("no"))
            .map(|_| NOW + 1)
            .unwrap(),
        "cancelled" => {
            let key = AuthKey {
                id: 1,
                workspace_id: 1,
                test: false,
                last_used_at: None,
            };
            pauses::cancel(&mut WriteCtx::new(conn), NOW, &key, &p.watch_id).unwrap();
            NOW + 1
        }
        "expired by time" => LATER,
        "expired and swept" => {
            pauses::expire_due(&mut WriteCtx::new(conn), LATER, 100).unwrap();
            LATER + 1
        }
        _ => unreachable!(),
    };
    (p, now)
}

const STATES: [&str; 6] = [
    "pending",
    "approved",
    "rejected",
    "cancelled",
    "expired by time",
    "expired and swept",
];

#[test]
fn every_response_against_every_state_resolves_only_a_pending_pause() {
    for state in STATES {
        for (response, status) in [(approve(), "approved"), (reject("risky"), "rejected")] {
            let conn = db();
            let (p, now) = in_state(&conn, state);
            let before = written(&conn, &p);
            let result = run(&conn, now, by(ALICE), &p, response.clone());
            let label = format!("{response:?} on a {state} pause");
            match (state, result) {
                ("pending", Ok(done)) => {
                    assert_eq!(done.pause.status(now).as_str(), status, "{label}");
                    let who = done.pause.decided_by.as_ref().unwrap();
                    assert_eq!(who.email, "alice@example.com", "{label}");
                    assert_eq!(done.pause.decided_at, Some(now), "{label}");
                    let (rows, audit, version) = written(&conn, &p);
                    assert_eq!((rows, audit, version), (1, before.1 + 1, before.2 + 1));
                }
                ("approved" | "rejected", Err(RespondError::AlreadyDecided(won))) => {
                    assert_eq!(won.status(now).as_str(), state, "{label}");
                    let who = won.decided_by.as_ref().unwrap();
                    assert_eq!(who.email, "bob@example.com", "{label}: who won");
                    assert_eq!(written(&conn, &p), before, "{label}: nothing written");
                }
                ("cancelled", Err(RespondError::Cancelled(_)))
                | ("expired by time" | "expired and swept", Err(RespondError::Expired(_))) => {
                    assert_eq!(written(&conn, &p), before, "{label}: nothing written");
                }
                (_, other) => panic!("{label}: {other:?}"),
            }
        }
    }
}

#[test]
fn the_response_row_says_who_what_why_and_how() {
    let conn = db();
    let p = new_pause(&conn);
    let done = run(&conn, NOW, by(ALICE), &p, reject("\u{200B} too risky ")).unwrap();
    let row: (i64, String, i64, String, String, String, i64) = conn
        .query_row(
            "SELECT pause_id, responder_type, user_id, kind, reason, via, created_at
             FROM pause_responses WHERE id = ?1",
            [done.response_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .unwrap();
    let expected = (p.id, "user", ALICE, "reject", "too risky", "dashboard", NOW);
    assert_eq!(
        (row.0, row.1.as_str(), row.2, row.3.as_str()),
        (expected.0, expected.1, expected.2, expected.3)
    );
    assert_eq!(
        (row.4.as_str(), row.5.as_str(), row.6),
        (expected.4, expected.5, expected.6)
    );
    assert_eq!(done.pause.reason.as_deref(), Some("too risky"));
    let details: String = conn
        .query_row(
            "SELECT details FROM audit_log WHERE event = 'pause.rejected'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(details, r#"{"reason":"too risky","via":"dashboard"}"#);
}

#[test]
fn a_workspace_that_requires_a_reason_refuses_a_rejection_without_a_visible_one() {
    let conn = db();
    conn.execute("UPDATE workspaces SET reject_reason_required = 1", [])
        .unwrap();
    let p = new_pause(&conn);
    for missing in [None, Some(" \t\u{200B}\u{FEFF} ".to_string())] {
        let r = Response::Reject { reason: missing };
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
fn of_two_responses_to_one_pause_exactly_one_wins_and_the_other_is_told_who_won() {
    let conn = db();
    let p = new_pause(&conn);
    let first = run(&conn, NOW, by(BOB), &p, reject("not now"));
    let second = run(&conn, NOW, by(ALICE), &p, approve());
    assert!(first.is_ok());
    let Err(RespondError::AlreadyDecided(won)) = second else {
        panic!("{second:?}")
    };
    assert_eq!(won.status(NOW), Status::Rejected);
    assert_eq!(won.decided_by.unwrap().email, "bob@example.com");
    assert_eq!(won.reason.as_deref(), Some("not now"));
    assert_eq!(written(&conn, &p).0, 1, "one response recorded");
}

#[test]
fn the_compare_and_set_refuses_a_response_to_a_pause_changed_since_it_was_read() {
    // The writer reads and changes in one transaction, so this cannot happen today; the
    // compare-and-set is what keeps it true if a pause is ever read outside it.
    let conn = db();
    let stale = new_pause(&conn);
    run(&conn, NOW, by(BOB), &stale, approve()).unwrap();
    let entry = Entry {
        workspace_id: Some(1),
        actor: Actor::User(ALICE),
        event: "pause.rejected",
        subject: Some(stale.watch_id.to_string()),
        details: None,
    };
    let update = |conn: &Connection, id| {
        conn.execute(
            "UPDATE pauses SET status = 'rejected' WHERE id = ?1 AND status = 'pending'",
            [id],
        )
    };
    let outcome = pauses::transition(&mut WriteCtx::new(&conn), NOW, &stale, entry, update);
    assert!(matches!(outcome.unwrap(), Outcome::AlreadyFinal(_)));
    assert_eq!(written(&conn, &stale).1, 2, "no audit row for the loser");
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
    let refused = run(&conn, NOW, who, &p, Response::Reject { reason: None });
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
    // Same millisecond as the request: the decision still reads after it.
    run(&conn, NOW, by(ALICE), &p, reject("too risky")).unwrap();
    let events = crate::domain::timeline::for_pause(&conn, 1, p.id, &p.watch_id.to_string());
    let told: Vec<(String, String)> = events
        .unwrap()
        .into_iter()
        .filter(|e| e.event != "pause.notified")
        .map(|e| (e.event, e.actor))
        .collect();
    let expected = [
        ("pause.created", "key hitl_live_a…"),
        ("pause.rejected", "alice@example.com"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(e, a)| (e.to_string(), a.to_string()))
        .collect();
    assert_eq!(told, expected);
    conn.execute("DELETE FROM pause_responses", []).unwrap();
    let events = crate::domain::timeline::for_pause(&conn, 1, p.id, &p.watch_id.to_string());
    assert!(
        !events.unwrap().iter().any(|e| e.event == "pause.rejected"),
        "the decision is read from the response row, not the audit row"
    );
}
