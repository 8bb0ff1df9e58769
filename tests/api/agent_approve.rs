//! The reference Agents API's decision path, `POST /api/agents/:agent/approve/:watchId`, and the
//! agent shown on the queue.

use serde_json::{json, Value};

use holdpoint::domain::scopes::KeyScope;

use crate::agent_support::*;
use crate::helpers::{assert_problem, spawn_app};
use crate::key_scopes::{assert_insufficient, key_with};

#[tokio::test]
async fn approving_through_the_agent_path_decides_as_the_pause_path_does() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let w = watch_id_of(&app, "a", "r1").await;
    let path = format!("/api/agents/a/approve/{w}");
    let body = json!({ "approved": false, "reason": "Use only the approved vendor list" });
    let decided = act_ok(&browser, &path, body).await;
    assert_eq!(decided["status"], "rejected");
    assert_eq!(decided["reason"], "Use only the approved vendor list");
    assert_eq!(decided["agent"], "a");
    let again = act(&browser, &path, json!({ "approved": true })).await;
    assert_problem(again, 409).await;
    let unknown = act(
        &browser,
        "/api/agents/a/approve/nope",
        json!({ "approved": true }),
    )
    .await;
    assert_problem(unknown, 404).await;
}

#[tokio::test]
async fn the_agent_path_finds_only_that_agents_pauses() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let w = watch_id_of(&app, "a", "r1").await;
    let plain = app.create_watch_id(json!({ "action": "no agent" })).await;
    for path in [
        format!("/api/agents/b/approve/{w}"),
        format!("/api/agents/a/approve/{plain}"),
    ] {
        let res = act(&browser, &path, json!({ "approved": true })).await;
        let problem = assert_problem(res, 404).await;
        assert!(problem["detail"]
            .as_str()
            .unwrap()
            .contains("asked by agent"));
    }
    assert_eq!(app.stored_status(&plain), "pending");
    // As on the pause path: a key needs `decide`, and then decides.
    let url = app.url(&format!("/api/agents/a/approve/{w}"));
    let res = app.api.post(&url).bearer_auth(&app.key);
    let res = res.json(&json!({ "approved": true })).send().await.unwrap();
    assert_insufficient(res, "decide").await;
    let (_, decider) = key_with(&app, "backend", false, &[KeyScope::Decide]);
    let res = app.api.post(&url).bearer_auth(&decider);
    let res = res.json(&json!({ "approved": true })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.stored_status(&w), "approved");
}

#[tokio::test]
async fn the_queue_shows_the_agent_of_each_pause() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    watch_id_of(&app, "billing-bot-7", "r1").await;
    let html = browser.get("/").await.text().await.unwrap();
    assert!(html.contains(r#"<span class="row-agent">billing-bot-7</span>"#));
    // The pane (the first pending pause) links the agent's page.
    assert!(html.contains(r#"<a href="/agents/billing-bot-7">billing-bot-7</a>"#));
    let plain: Value = app.create_pause("plain").await;
    assert!(plain["watchId"].is_string());
    let items = browser.get("/queue/items").await.text().await.unwrap();
    assert_eq!(items.matches("class=\"row-agent\"").count(), 1);
}

#[tokio::test]
async fn the_agent_path_tells_a_test_key_nothing_of_live_pauses() {
    let app = spawn_app().await;
    let live = watch_id_of(&app, "a", "r1").await;
    let (_, test) = key_with(&app, "ci", true, &[KeyScope::Pauses, KeyScope::Decide]);
    for (agent, watch) in [
        ("a", live.as_str()),
        ("b", live.as_str()),
        ("a", "0192f3a0-0000-7000-8000-000000000000"),
    ] {
        let res = app
            .api
            .post(app.url(&format!("/api/agents/{agent}/approve/{watch}")))
            .bearer_auth(&test)
            .json(&json!({ "approved": true }))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(res, 404).await;
        let one_text =
            format!("no pause with watchId `{watch}` asked by agent `{agent}` in this workspace");
        assert_eq!(problem["detail"], one_text);
    }
    assert_eq!(app.stored_status(&live), "pending");
}
