//! Cancels in batches, without a server: a batch ends at most [`BATCH`] pauses, only the
//! target's (its agent or run, its mode, made before the cancel), and an empty batch ends it.

use crate::db::sql::Connection;

use super::*;
use crate::domain::audit::Actor;
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::pauses::NewPause;

const NOW: Millis = 1_800_000_000_000;

fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0);
         INSERT INTO api_keys (id, workspace_id, prefix, key_hash, created_at, is_test)
             VALUES (1, 1, 'hitl_live_a', x'01', 0, 0), (2, 1, 'hitl_test_a', x'02', 0, 1);",
    )
    .unwrap();
    conn
}

fn ask(conn: &Connection, test: bool, agent: &str, run: &str) {
    let p = NewPause {
        workspace_id: WorkspaceId(1),
        api_key_id: ApiKeyId(if test { 2 } else { 1 }),
        test,
        action: "x".into(),
        context: None,
        metadata: None,
        callback_url: None,
        timeout_secs: Some(3600),
        kind: crate::domain::kind::Kind::Approval,
        request_json: None,
        revises: None,
        risk: crate::domain::policy::Risk::High,
        tool: None,
        autonomy_level: None,
        required_approvals: None,
        on_timeout: None,
        agent: Some(agent.into()),
        run: Some(run.into()),
    };
    let made = crate::domain::pauses::create(&mut WriteCtx::new(conn), NOW, 60, p).unwrap();
    assert!(made.is_ok());
}

fn by() -> Controller {
    Controller {
        actor: Actor::System,
        label: "test".into(),
    }
}

fn pending(conn: &Connection, sql_where: &str) -> i64 {
    conn.query_row(
        &format!("SELECT count(*) FROM pauses WHERE status = 'pending' AND {sql_where}"),
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_batch_cancels_at_most_500_of_the_agents_pauses_and_an_empty_one_ends_the_cancel() {
    let conn = db();
    for _ in 0..(BATCH + 1) {
        ask(&conn, false, "a", "r1");
    }
    ask(&conn, false, "b", "r1");
    ask(&conn, true, "a", "r1");
    let fleet = Fleet::new(WorkspaceId(1), false);
    let agent = crate::domain::agents::require(&conn, fleet, "a").unwrap();
    let target = Target::agent(&conn, &agent).unwrap();
    ask(&conn, false, "a", "r2");
    let mut ctx = WriteCtx::new(&conn);
    assert_eq!(
        batch(&mut ctx, NOW, &target, &by()).unwrap().len(),
        BATCH as usize
    );
    assert_eq!(batch(&mut ctx, NOW, &target, &by()).unwrap().len(), 1);
    assert!(batch(&mut ctx, NOW, &target, &by()).unwrap().is_empty());
    assert_eq!(
        pending(&conn, "agent = 'a' AND is_test = 0 AND run = 'r1'"),
        0
    );
    assert_eq!(
        pending(&conn, "agent = 'a' AND run = 'r2'"),
        1,
        "made after the cancel"
    );
    assert_eq!(pending(&conn, "agent = 'b'"), 1, "another agent's");
    assert_eq!(pending(&conn, "is_test = 1"), 1, "the other mode's");
}

#[test]
fn a_run_cancel_ends_every_agents_pauses_of_the_run_in_its_mode_only() {
    let conn = db();
    ask(&conn, false, "a", "r1");
    ask(&conn, false, "b", "r1");
    ask(&conn, false, "b", "r2");
    ask(&conn, true, "a", "r1");
    let fleet = Fleet::new(WorkspaceId(1), false);
    let mut ctx = WriteCtx::new(&conn);
    let (target, agents) = cancel_run(&mut ctx, NOW, fleet, "r1", &by()).unwrap();
    assert_eq!(agents, vec!["a".to_string()], "b now runs r2");
    assert_eq!(batch(&mut ctx, NOW, &target, &by()).unwrap().len(), 2);
    assert_eq!(pending(&conn, "run = 'r1' AND is_test = 0"), 0);
    assert_eq!(pending(&conn, "run = 'r2'"), 1);
    assert_eq!(pending(&conn, "is_test = 1"), 1);
    let test_fleet = Fleet::new(WorkspaceId(1), true);
    assert!(!crate::domain::agents::run_cancelled(&conn, test_fleet, "r1", None).unwrap());
    assert!(
        cancel_run(&mut ctx, NOW, fleet, "nope", &by()).is_err(),
        "404 for an unknown run"
    );
}
