use crate::db::sql::Connection;
use serde_json::json;

use super::rules::{self, RuleSet};
use crate::db::WriteCtx;
use crate::domain::audit::Actor;
use crate::domain::ids::WorkspaceId;

fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0)",
    )
    .unwrap();
    conn
}

const LIVE: RuleSet = RuleSet {
    workspace_id: WorkspaceId(1),
    test: false,
};

#[test]
fn the_cached_rules_follow_every_change_and_each_mode_has_its_own() {
    let conn = db();
    let spec = super::spec::parse(json!({"name": "a", "effect": "allow", "match": {"tool": "t"}}))
        .unwrap();
    let made = rules::create(&mut WriteCtx::new(&conn), 0, LIVE, Actor::Cli, spec).unwrap();
    assert_eq!(rules::load_cached(&conn, LIVE).unwrap().len(), 1);
    let test = RuleSet { test: true, ..LIVE };
    assert_eq!(rules::load_cached(&conn, test).unwrap().len(), 0);
    let off = json!({"enabled": false});
    rules::update(
        &mut WriteCtx::new(&conn),
        1,
        LIVE,
        Actor::Cli,
        made.id,
        &off,
    )
    .unwrap();
    assert_eq!(rules::load_cached(&conn, LIVE).unwrap().len(), 0);
    let on = json!({"enabled": true, "match": {"tool": "u"}});
    rules::update(&mut WriteCtx::new(&conn), 2, LIVE, Actor::Cli, made.id, &on).unwrap();
    let loaded = rules::load_cached(&conn, LIVE).unwrap();
    assert!(loaded[0].matches.tool.matches("u"));
    rules::delete(&mut WriteCtx::new(&conn), 3, LIVE, Actor::Cli, made.id).unwrap();
    assert!(rules::load_cached(&conn, LIVE).unwrap().is_empty());
}
