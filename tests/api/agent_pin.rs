//! Pinning an agent to one key (owners and admins, on the agent's page): every other key gets
//! 403 `agent-pinned` on its heartbeat, its control read, its controls and its pauses naming the
//! agent; the agent's read shows the key; pin and unpin are audited.

use serde_json::{json, Value};

use holdpoint::domain::scopes::KeyScope;

use crate::agent_support::beat_ok;
use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::key_scopes::key_with;

async fn call(
    app: &TestApp,
    key: &str,
    method: &str,
    path: &str,
    body: Value,
) -> reqwest::Response {
    let req = match method {
        "GET" => app.api.get(app.url(path)),
        _ => app.api.post(app.url(path)).json(&body),
    };
    req.bearer_auth(key).send().await.unwrap()
}

async fn pinned_key(app: &TestApp, key: &str) -> Value {
    let res = call(app, key, "GET", "/api/agents/a", Value::Null).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["pinnedKey"].clone()
}

#[tokio::test]
async fn a_pinned_agent_answers_only_its_key_and_every_other_key_gets_403_agent_pinned() {
    let app = spawn_app().await;
    let scopes = [KeyScope::Pauses, KeyScope::Agents];
    let (mine_id, mine) = key_with(&app, "mine", false, &scopes);
    let (_, other) = key_with(&app, "other", false, &scopes);
    beat_ok(&app, "a", json!({ "run": "r1" })).await;
    assert_eq!(
        pinned_key(&app, &mine).await,
        Value::Null,
        "unpinned at first"
    );

    let owner = app.sign_in(&app.owner_email).await;
    let page = owner.get("/agents/a").await.text().await.unwrap();
    assert!(
        page.contains(r#"action="/agents/a/pin""#),
        "the owner may pin"
    );
    let res = owner
        .post_form("/agents/a/pin", &[("key", &mine_id.to_string())])
        .await;
    assert_eq!(res.status(), 303);
    let shown = pinned_key(&app, &mine).await;
    assert_eq!(shown["name"], "mine");
    assert!(
        mine.starts_with(shown["prefix"].as_str().unwrap()),
        "{shown}"
    );

    let refused = [
        ("POST", "/api/agents/a/heartbeat"),
        ("GET", "/api/agents/a/control"),
        ("POST", "/api/agents/a/pause"),
        ("POST", "/api/agents/a/guide"),
        ("POST", "/api/agents/a/cancel"),
    ];
    for (method, path) in refused {
        let body = match path.ends_with("guide") {
            true => json!({ "message": "m" }),
            false => json!({}),
        };
        let res = call(&app, &other, method, path, body).await;
        let body = assert_problem(res, 403).await;
        assert_eq!(body["type"], "/problems/agent-pinned", "{path}: {body}");
    }
    let res = app
        .post_pause_with(&other, &json!({ "action": "x", "agent": "a" }))
        .await;
    assert_eq!(
        assert_problem(res, 403).await["type"],
        "/problems/agent-pinned"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM pauses"),
        0,
        "the refusal wrote nothing"
    );

    let res = call(&app, &mine, "POST", "/api/agents/a/heartbeat", json!({})).await;
    assert_eq!(res.status(), 200, "the pinned key still reports");
    let res = app
        .post_pause_with(&mine, &json!({ "action": "x", "agent": "a" }))
        .await;
    assert_eq!(res.status(), 201);
    let res = call(&app, &mine, "POST", "/api/agents/a/pause", Value::Null).await;
    assert_eq!(res.status(), 200, "and controls it");
    // A person's controls are not a key's: the pin does not stop the owner.
    let res = crate::agent_support::act(&owner, "/api/agents/a/resume", json!({})).await;
    assert_eq!(res.status(), 200);

    let res = owner.post_form("/agents/a/pin", &[("key", "")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(pinned_key(&app, &mine).await, Value::Null);
    let res = call(&app, &other, "POST", "/api/agents/a/heartbeat", json!({})).await;
    assert_eq!(res.status(), 200, "unpinned: any pauses key reports again");
    let events: Vec<String> = app.audit_events("a").into_iter().map(|(e, _)| e).collect();
    assert!(events.contains(&"agent.pinned".to_string()), "{events:?}");
    assert!(events.contains(&"agent.unpinned".to_string()), "{events:?}");
}

#[tokio::test]
async fn only_owners_and_admins_pin_and_only_to_a_key_of_the_agents_mode_that_reports() {
    let app = spawn_app().await;
    beat_ok(&app, "a", json!({})).await;
    let (test_id, _) = key_with(&app, "test", true, &[KeyScope::Pauses]);
    let (decide_id, _) = key_with(&app, "decider", false, &[KeyScope::Decide]);
    let owner = app.sign_in(&app.owner_email).await;
    for id in [test_id, decide_id, 999] {
        let res = owner
            .post_form("/agents/a/pin", &[("key", &id.to_string())])
            .await;
        assert_eq!(res.status(), 303);
        let page = owner.get("/agents/a").await.text().await.unwrap();
        assert!(
            page.contains("in the agent to an unrevoked live key of this workspace"),
            "key {id}: {page}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) FROM agents WHERE pinned_key_id IS NOT NULL"),
        0
    );
    app.set_billing_plan(1, "pro");
    app.add_user(
        1,
        "approver@example.com",
        holdpoint::domain::users::Role::Approver,
    );
    let approver = app.sign_in("approver@example.com").await;
    let page = approver.get("/agents/a").await.text().await.unwrap();
    assert!(!page.contains(r#"action="/agents/a/pin""#));
    let res = approver.post_form("/agents/a/pin", &[("key", "1")]).await;
    assert_eq!(res.status(), 403);
}
