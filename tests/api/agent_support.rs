//! Calls of the agents API shared by the agent tests: an agent's checkpoint with the test key,
//! a person's controls with a signed-in session and its CSRF header.

use std::time::{Duration, Instant};

use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{Browser, TestApp};

pub async fn heartbeat(app: &TestApp, agent: &str, body: Value, query: &str) -> Response {
    app.api
        .post(app.url(&format!("/api/agents/{agent}/heartbeat{query}")))
        .bearer_auth(&app.key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn beat_ok(app: &TestApp, agent: &str, body: Value) -> Value {
    let res = heartbeat(app, agent, body, "").await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

pub async fn control(app: &TestApp, agent: &str, query: &str) -> Response {
    app.api
        .get(app.url(&format!("/api/agents/{agent}/control{query}")))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap()
}

pub async fn agent(app: &TestApp, agent: &str) -> Response {
    app.api
        .get(app.url(&format!("/api/agents/{agent}")))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap()
}

/// A person's control: `path` like `/api/agents/a/pause`, with the session's CSRF header.
pub async fn act(browser: &Browser, path: &str, body: Value) -> Response {
    let csrf = browser.csrf().await;
    browser
        .client
        .post(browser.url(path))
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn act_ok(browser: &Browser, path: &str, body: Value) -> Value {
    let res = act(browser, path, body).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    body
}

pub async fn guide(browser: &Browser, agent: &str, message: &str) -> Value {
    let path = format!("/api/agents/{agent}/guide");
    act_ok(browser, &path, json!({ "message": message })).await
}

/// Creates a pause naming `agent` and `run` (either may be null); returns the response.
pub async fn pause_of(app: &TestApp, agent: Value, run: Value) -> Response {
    let mut body = json!({ "action": "Send the invoice" });
    if !agent.is_null() {
        body["agent"] = agent;
    }
    if !run.is_null() {
        body["run"] = run;
    }
    app.post_pause_with(&app.key, &body).await
}

pub async fn watch_id_of(app: &TestApp, agent: &str, run: &str) -> String {
    let res = pause_of(app, json!(agent), json!(run)).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    body["watchId"].as_str().unwrap().to_string()
}

/// Waits (briefly, in real time) until `n` long-polls are parked on the notifier.
pub async fn until_parked(app: &TestApp, n: usize) {
    for _ in 0..300 {
        if app.app_state.waiters.active() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("long-polls never parked");
}

/// A control long-poll in the background: its status, body and when it was answered.
pub fn spawn_control(
    app: &TestApp,
    agent: &str,
    query: &str,
) -> tokio::task::JoinHandle<(u16, Value, Instant)> {
    let (client, url, key) = (
        app.api.clone(),
        app.url(&format!("/api/agents/{agent}/control{query}")),
        app.key.clone(),
    );
    tokio::spawn(async move {
        let res = client.get(url).bearer_auth(key).send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, body, Instant::now())
    })
}

/// Awaits a background poll, failing after five seconds; logs how long the wake took.
pub async fn answered(
    poll: tokio::task::JoinHandle<(u16, Value, Instant)>,
    since: Instant,
    what: &str,
) -> (u16, Value) {
    let (status, body, at) = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .unwrap_or_else(|_| panic!("{what}: the long-poll was not answered"))
        .unwrap();
    eprintln!(
        "{what}: answered {:?} after the control",
        at.duration_since(since)
    );
    (status, body)
}
