//! "Remember this decision" on approve (issue 18): an allow rule for that tool, agent and key
//! up to the pause's risk; another agent's or a riskier pause still waits.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};
use holdpoint::domain::api_keys;
use holdpoint::domain::audit::Actor;
use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::scopes::{KeyScope, Scopes};

fn key_with(app: &TestApp, scopes: &[KeyScope]) -> String {
    let now = app.now();
    let scopes = Scopes::of(scopes);
    app.with_db(|c| {
        api_keys::create_with_scopes(c, now, Actor::Cli, WorkspaceId(1), "backend", false, scopes)
    })
    .unwrap()
    .1
}

async fn create(app: &TestApp, body: Value) -> Value {
    let res = app.post_pause_with(&app.key, &body).await;
    assert_eq!(res.status(), 201, "{body}");
    res.json().await.unwrap()
}

async fn approve(app: &TestApp, key: &str, watch: &Value, body: Value) -> reqwest::Response {
    let path = format!("/api/pause/{}/approve", watch.as_str().unwrap());
    app.api
        .post(app.url(&path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_remembered_approval_lets_the_same_action_through_and_no_other() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let backend = key_with(&app, &[KeyScope::Decide, KeyScope::Admin]);
    let ask = json!({"action": "Email the customer", "tool": "send_email", "agent": "mailer",
                     "risk": "medium"});
    let first = create(&app, ask.clone()).await;
    let res = approve(
        &app,
        &backend,
        &first["watchId"],
        json!({"approved": true, "remember": {"expiresInDays": 30}}),
    )
    .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let again = create(&app, ask.clone()).await;
    assert_eq!(again["status"], "approved");
    let name = again["decidedBy"]["name"].as_str().unwrap();
    assert!(
        name.starts_with("remember:send_email:mailer:hitl_live_"),
        "{name}"
    );
    let mut other_agent = ask.clone();
    other_agent["agent"] = json!("spammer");
    assert_eq!(create(&app, other_agent).await["status"], "pending");
    let mut riskier = ask.clone();
    riskier["risk"] = json!("high");
    assert_eq!(create(&app, riskier).await["status"], "pending");
    let audited = app.count("SELECT count(*) FROM audit_log WHERE event = 'rule.created'");
    assert_eq!(audited, 1);
    app.clock.advance_secs(31 * 86_400);
    assert_eq!(
        create(&app, ask).await["status"],
        "pending",
        "the rule expired"
    );
}

#[tokio::test]
async fn remember_is_refused_with_a_rejection_on_a_plan_without_tool_or_agent_and_without_admin() {
    let app = spawn_app().await;
    let backend = key_with(&app, &[KeyScope::Decide, KeyScope::Admin]);
    let decide_only = key_with(&app, &[KeyScope::Decide]);
    let p = create(&app, json!({"action": "a", "tool": "t", "agent": "bot"})).await;
    let no = approve(
        &app,
        &backend,
        &p["watchId"],
        json!({"approved": false, "remember": {}}),
    )
    .await;
    assert_eq!(assert_problem(no, 422).await["field"], "remember");
    let res = approve(
        &app,
        &decide_only,
        &p["watchId"],
        json!({"approved": true, "remember": {}}),
    )
    .await;
    assert_eq!(assert_problem(res, 403).await["scope"], "admin");
    let bare = create(&app, json!({"action": "a", "tool": "t"})).await;
    let res = approve(
        &app,
        &backend,
        &bare["watchId"],
        json!({"approved": true, "remember": {}}),
    )
    .await;
    assert_eq!(assert_problem(res, 422).await["field"], "remember");
    // A rule remembered from a plan would let approvals of its tool through: refused.
    let plan = json!({"action": "a", "kind": "plan", "plan": "# P", "tool": "t", "agent": "bot"});
    let plan = create(&app, plan).await;
    let res = approve(
        &app,
        &backend,
        &plan["watchId"],
        json!({"approved": true, "remember": {}}),
    )
    .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["field"], "remember", "{problem}");
    for watch in [&p["watchId"], &bare["watchId"], &plan["watchId"]] {
        assert_eq!(app.stored_status(watch.as_str().unwrap()), "pending");
    }
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 0);
}
