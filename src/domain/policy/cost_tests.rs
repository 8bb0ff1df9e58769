//! What the policy costs a create with 100 rules (`cargo test --lib policy_cost -- --ignored
//! --nocapture`): the reads and the evaluation, printed per create. Ignored by default: a
//! figure to read, not a pass/fail check (bench/results.md keeps the measured ones).

use std::time::Instant;

use rusqlite::Connection;
use serde_json::json;

use super::rules::{self, RuleSet};
use crate::db::WriteCtx;
use crate::domain::audit::Actor;
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::kind::Kind;
use crate::domain::pauses::NewPause;

#[test]
#[ignore]
fn policy_cost_per_create_at_100_rules() {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0);
         INSERT INTO api_keys (id, workspace_id, prefix, key_hash, created_at)
             VALUES (1, 1, 'hitl_live_a', x'01', 0);",
    )
    .unwrap();
    let set = RuleSet {
        workspace_id: WorkspaceId(1),
        test: false,
    };
    for i in 0..100 {
        let effect = if i % 10 == 0 { "deny" } else { "allow" };
        let spec = super::spec::parse(json!({"name": format!("r{i}"), "effect": effect,
            "match": {"tool": format!("tool_{i}_*"), "agent": "bot-?",
                      "context": {"command": "git status*"}}}))
        .unwrap();
        rules::create(&mut WriteCtx::new(&conn), 0, set, Actor::Cli, spec).unwrap();
    }
    let p = NewPause {
        workspace_id: WorkspaceId(1),
        api_key_id: ApiKeyId(1),
        test: false,
        action: "x".into(),
        context: Some(r#"{"command":"git status"}"#.into()),
        metadata: None,
        callback_url: None,
        timeout_secs: None,
        kind: Kind::Approval,
        request_json: None,
        revises: None,
        agent: Some("bot-1".into()),
        run: None,
        risk: super::Risk::Low,
        tool: Some("tool_99_x".into()),
        autonomy_level: None,
        required_approvals: None,
        on_timeout: None,
    };
    let n = 2000;
    let start = Instant::now();
    for _ in 0..n {
        let v = super::quorum::route_for(&conn, 1, &p).unwrap().verdict;
        assert_eq!(v.rule.as_deref(), Some("r99"));
    }
    let per = start.elapsed() / n;
    println!("policy::load::verdict_for with 100 rules: {per:?} per create");
    let start = Instant::now();
    for _ in 0..n {
        rules::load_enabled(&conn, set).unwrap();
    }
    println!(
        "reading and compiling them without the cache: {:?}",
        start.elapsed() / n
    );
}
