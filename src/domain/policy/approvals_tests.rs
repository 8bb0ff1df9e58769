use crate::db::sql::Connection;
use serde_json::json;

use super::*;
use crate::db::WriteCtx;
use crate::domain::audit::Actor;

const WS: WorkspaceId = WorkspaceId(1);

fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0)",
    )
    .unwrap();
    let sre = groups::GroupSpec {
        name: "sre".into(),
        members: vec![],
    };
    groups::create(&mut WriteCtx::new(&conn), 0, WS, Actor::Cli, sre).unwrap();
    conn
}

fn with(changes: serde_json::Value) -> ApprovalSettings {
    let mut v = serde_json::to_value(ApprovalSettings::default()).unwrap();
    for (k, x) in changes.as_object().unwrap() {
        v[k] = x.clone();
    }
    serde_json::from_value(v).unwrap()
}

fn field(conn: &Connection, s: &ApprovalSettings) -> String {
    match store(conn, WS, s).unwrap_err() {
        AppError::Invalid { field, .. } => field,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_fresh_workspace_reads_every_default_and_a_stored_object_reads_back() {
    let conn = db();
    assert_eq!(get(&conn, WS).unwrap(), ApprovalSettings::default());
    let s = with(
        json!({"routeTo": {"critical": "sre", "low": null}, "minApprovals": {"high": 2},
                        "noSelfApproval": true, "escalateTo": "sre", "onTimeout": "wait"}),
    );
    store(&conn, WS, &s).unwrap();
    assert_eq!(get(&conn, WS).unwrap(), s);
}

#[test]
fn approvals_are_1_to_5_and_the_points_ordered_fractions_from_5_to_95_percent() {
    let conn = db();
    for ok in [
        json!({"minApprovals": {"low": 1, "critical": 5}}),
        json!({"remindAt": 0.05, "escalateAt": 0.95}),
    ] {
        store(&conn, WS, &with(ok)).unwrap();
    }
    assert_eq!(
        field(&conn, &with(json!({"minApprovals": {"low": 6}}))),
        "minApprovals"
    );
    assert_eq!(
        field(&conn, &with(json!({"minApprovals": {"low": 0}}))),
        "minApprovals"
    );
    assert_eq!(field(&conn, &with(json!({"remindAt": 0.04}))), "remindAt");
    assert_eq!(
        field(&conn, &with(json!({"escalateAt": 0.96}))),
        "escalateAt"
    );
    assert_eq!(
        field(&conn, &with(json!({"remindAt": 0.8, "escalateAt": 0.8}))),
        "remindAt"
    );
}

#[test]
fn routes_and_escalation_name_groups_that_exist() {
    let conn = db();
    assert_eq!(
        field(&conn, &with(json!({"routeTo": {"high": "finance"}}))),
        "routeTo.high"
    );
    assert_eq!(
        field(&conn, &with(json!({"escalateTo": "finance"}))),
        "escalateTo"
    );
    assert!(
        serde_json::from_value::<ApprovalSettings>(json!({"routeTo": {"huge": "sre"}})).is_err()
    );
    assert!(serde_json::from_value::<ApprovalSettings>(json!({"onTimeout": "never"})).is_err());
    assert_eq!(
        get(&conn, WS).unwrap(),
        ApprovalSettings::default(),
        "refusals store nothing"
    );
}
