//! `respond` without a server: every response against every state a pause can be in, what a
//! response records, and two responses racing for one pause. The fixture is shared with
//! `respond_rules_tests.rs`.

use crate::db::sql::Connection;

use super::*;
use crate::domain::api_keys::AuthKey;
use crate::domain::audit::{Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::ids::{ApiKeyId, UserId, WorkspaceId};
use crate::domain::pauses::{NewPause, Transition};

pub(super) const NOW: Millis = 1_800_000_000_000;
const TIMEOUT_SECS: i64 = 3600;
pub(super) const LATER: Millis = NOW + TIMEOUT_SECS * 1000;
pub(super) const ALICE: UserId = UserId(1);
pub(super) const BOB: UserId = UserId(2);
pub(super) const DISABLED: UserId = UserId(3);
pub(super) const ELSEWHERE: UserId = UserId(4);

pub(super) fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0), (2, 'B', 'pro', 0);
         INSERT INTO users (id, workspace_id, email, role, password_hash, disabled_at, state, created_at) VALUES
             (1, 1, 'alice@example.com', 'owner', 'x', NULL, 'active', 0),
             (2, 1, 'bob@example.com', 'approver', 'x', NULL, 'active', 0),
             (3, 1, 'carol@example.com', 'approver', 'x', 5, 'disabled', 0),
             (4, 2, 'dave@example.com', 'owner', 'x', NULL, 'active', 0);
         INSERT INTO api_keys (id, workspace_id, prefix, key_hash, created_at)
             VALUES (1, 1, 'hitl_live_a', x'01', 0);",
    )
    .unwrap();
    conn
}

pub(super) fn new_pause(conn: &Connection) -> Pause {
    let p = NewPause {
        workspace_id: WorkspaceId(1),
        api_key_id: ApiKeyId(1),
        test: false,
        action: "Delete the staging database".into(),
        context: None,
        metadata: None,
        callback_url: None,
        timeout_secs: Some(TIMEOUT_SECS),
        kind: crate::domain::kind::Kind::Approval,
        request_json: None,
        revises: None,
        risk: crate::domain::policy::Risk::High,
        tool: None,
        autonomy_level: None,
        required_approvals: None,
        on_timeout: None,
        agent: None,
        run: None,
    };
    pauses::create(&mut WriteCtx::new(conn), NOW, 60, p)
        .unwrap()
        .unwrap()
        .pause
}

pub(super) fn by(user_id: UserId) -> Responder {
    Responder::User {
        user_id,
        via: Via::Dashboard,
        auth: crate::domain::identity::auth_context::AuthContext::PASSWORD,
    }
}

pub(super) fn approve() -> Response {
    Response::new(true, None)
}

pub(super) fn reject(reason: &str) -> Response {
    Response::new(false, Some(reason.into()))
}

pub(super) fn run(
    conn: &Connection,
    now: Millis,
    who: Responder,
    pause: &Pause,
    r: Response,
) -> Result<Responded, RespondError> {
    respond(&mut WriteCtx::new(conn), now, who, &pause.watch_id, r).unwrap()
}

/// Rows a response writes: its own, the audit row, and the pause's version.
pub(super) fn written(conn: &Connection, pause: &Pause) -> (i64, i64, i64) {
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
                id: ApiKeyId(1),
                workspace_id: WorkspaceId(1),
                test: false,
                last_used_at: None,
                scopes: crate::domain::scopes::Scopes::default_for_new_key(),
                expires_at: None,
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
                    assert_eq!(who.email(), Some("alice@example.com"), "{label}");
                    assert_eq!(done.pause.decided_at, Some(now), "{label}");
                    let (rows, audit, version) = written(&conn, &p);
                    assert_eq!((rows, audit, version), (1, before.1 + 1, before.2 + 1));
                }
                ("approved" | "rejected", Err(RespondError::AlreadyDecided(won))) => {
                    assert_eq!(won.status(now).as_str(), state, "{label}");
                    let who = won.decided_by.as_ref().unwrap();
                    assert_eq!(who.email(), Some("bob@example.com"), "{label}: who won");
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

fn text(conn: &Connection, sql: &str) -> String {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn the_response_row_says_who_what_why_and_how() {
    let conn = db();
    let p = new_pause(&conn);
    let done = run(&conn, NOW, by(ALICE), &p, reject("\u{200B} too risky ")).unwrap();
    let row = text(
        &conn,
        &format!(
            "SELECT concat_ws('|', pause_id, responder_type, user_id, kind, reason, via, created_at,
                              auth)
             FROM pause_responses WHERE id = {}",
            done.response_id
        ),
    );
    assert_eq!(
        row,
        format!(
            "{}|user|{ALICE}|reject|too risky|dashboard|{NOW}|password",
            p.id
        )
    );
    assert_eq!(done.pause.reason.as_deref(), Some("too risky"));
    let details = text(
        &conn,
        "SELECT details FROM audit_log WHERE event = 'pause.rejected'",
    );
    assert_eq!(
        details,
        r#"{"reason":"too risky","via":"dashboard","auth":"password"}"#
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
    assert_eq!(won.decided_by.unwrap().email(), Some("bob@example.com"));
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
        workspace_id: Some(WorkspaceId(1)),
        actor: Actor::User(ALICE),
        event: EventType::PauseRejected,
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
    assert!(matches!(outcome.unwrap(), Transition::AlreadyFinal(_)));
    assert_eq!(written(&conn, &stale).1, 2, "no audit row for the loser");
}
