//! Every documented limit of decision policies at the limit and one past it: a rule's name
//! (1 to 100 characters), its note (500), `metadata` and `context` pairs (32 each), a pause's
//! `tool` (100 of `[A-Za-z0-9._:/-]`) and a remembered decision's `expiresInDays` (1 to 3650).

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::policy::admin_key;
use holdpoint::domain::api_keys;
use holdpoint::domain::audit::Actor;
use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::scopes::{KeyScope, Scopes};

async fn post_rule(app: &TestApp, rule: Value) -> reqwest::Response {
    app.api
        .post(app.url("/api/rules"))
        .bearer_auth(admin_key(app, false))
        .json(&rule)
        .send()
        .await
        .unwrap()
}

fn pairs(n: usize) -> Value {
    Value::Object((0..n).map(|i| (format!("k{i}"), json!("v*"))).collect())
}

#[tokio::test]
async fn a_rule_name_has_1_to_100_characters_and_a_note_at_most_500() {
    let app = spawn_app().await;
    let rule = |name: String, note: String| json!({"name": name, "effect": "deny", "note": note, "match": {"tool": "t"}});
    let ok = post_rule(&app, rule("n".repeat(100), "x".repeat(500))).await;
    assert_eq!(ok.status(), 201);
    let long = post_rule(&app, rule("m".repeat(101), String::new())).await;
    assert_eq!(assert_problem(long, 422).await["field"], "name");
    let empty = post_rule(&app, rule("  ".into(), String::new())).await;
    assert_eq!(assert_problem(empty, 422).await["field"], "name");
    let note = post_rule(&app, rule("other".into(), "x".repeat(501))).await;
    assert_eq!(assert_problem(note, 422).await["field"], "note");
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 1);
}

#[tokio::test]
async fn a_rule_matches_at_most_32_metadata_and_32_context_members() {
    let app = spawn_app().await;
    for (i, member) in ["metadata", "context"].into_iter().enumerate() {
        let mut at =
            json!({"name": format!("at-{member}"), "effect": "deny", "match": {"tool": "t"}});
        at["match"][member] = pairs(32);
        assert_eq!(post_rule(&app, at).await.status(), 201);
        let mut past =
            json!({"name": format!("past-{member}"), "effect": "deny", "match": {"tool": "t"}});
        past["match"][member] = pairs(33);
        assert_eq!(
            assert_problem(post_rule(&app, past).await, 422).await["field"],
            "match"
        );
        assert_eq!(app.count("SELECT count(*) FROM policy_rules"), i as i64 + 1);
    }
}

#[tokio::test]
async fn a_pause_tool_has_1_to_100_allowed_characters() {
    let app = spawn_app().await;
    let at = app
        .post_pause_with(&app.key, &json!({"action": "a", "tool": "t".repeat(100)}))
        .await;
    assert_eq!(at.status(), 201);
    for bad in [
        "t".repeat(101),
        String::new(),
        "send email".into(),
        "café".into(),
    ] {
        let res = app
            .post_pause_with(&app.key, &json!({"action": "a", "tool": bad}))
            .await;
        assert_eq!(assert_problem(res, 422).await["field"], "tool", "{bad:?}");
    }
    let mcp = app
        .post_pause_with(
            &app.key,
            &json!({"action": "a", "tool": "mcp__fs__write_file:v1/x-y.z"}),
        )
        .await;
    assert_eq!(mcp.status(), 201);
}

#[tokio::test]
async fn a_remembered_decision_lasts_1_to_3650_days() {
    let app = spawn_app().await;
    let scopes = Scopes::of(&[KeyScope::Decide, KeyScope::Admin]);
    let now = app.now();
    let decider = app
        .with_db(|c| {
            api_keys::create_with_scopes(c, now, Actor::Cli, WorkspaceId(1), "b", false, scopes)
        })
        .unwrap()
        .1;
    for (days, status) in [(0, 422), (3651, 422), (3650, 200)] {
        let body = json!({"action": "a", "tool": "t", "agent": format!("bot-{days}")});
        let made: Value = app
            .post_pause_with(&app.key, &body)
            .await
            .json()
            .await
            .unwrap();
        let path = format!("/api/pause/{}/approve", made["watchId"].as_str().unwrap());
        let res = app
            .api
            .post(app.url(&path))
            .bearer_auth(&decider)
            .json(&json!({"approved": true, "remember": {"expiresInDays": days}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{days} days");
        if status == 422 {
            assert_eq!(
                assert_problem(res, 422).await["field"],
                "remember.expiresInDays"
            );
            assert_eq!(
                app.stored_status(made["watchId"].as_str().unwrap()),
                "pending"
            );
        }
    }
    let expires: String = app
        .with_db(|c| {
            Ok(c.query_row("SELECT expires_at FROM policy_rules", [], |r| {
                r.get::<_, i64>(0)
            })?)
        })
        .map(holdpoint::domain::rfc3339)
        .unwrap();
    assert_eq!(expires, holdpoint::domain::rfc3339(now + 3650 * 86_400_000));
}
