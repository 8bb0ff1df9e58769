//! Shared steps of the quorum, routing and timeout tests (issue 19).

use holdpoint::domain::audit::Actor;
use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::scopes::{KeyScope, Scopes};
use holdpoint::domain::{api_keys, users::Role};
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::policy::admin_key;

/// A pro workspace with the owner and `people` approvers, and a live admin key.
pub async fn team(people: &[&str]) -> (TestApp, String) {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    for p in people {
        app.add_user(1, p, Role::Approver);
    }
    let admin = admin_key(&app, false);
    (app, admin)
}

/// A live key of workspace 1 with `decide` (and `pauses`), made by `by`.
pub fn decide_key(app: &TestApp, name: &str, by: Actor) -> String {
    let now = app.now();
    let scopes = Scopes::of(&[KeyScope::Pauses, KeyScope::Decide]);
    app.with_db(|c| api_keys::create_with_scopes(c, now, by, WorkspaceId(1), name, false, scopes))
        .unwrap()
        .1
}

pub async fn admin(
    app: &TestApp,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Response {
    app.api
        .request(method, app.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn settings(app: &TestApp, key: &str, body: Value) {
    let res = admin(
        app,
        key,
        reqwest::Method::PATCH,
        "/api/policy/settings",
        body,
    )
    .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

pub async fn group(app: &TestApp, key: &str, name: &str, members: &[&str]) {
    let body = json!({"name": name, "members": members});
    let res = admin(app, key, reqwest::Method::POST, "/api/groups", body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
}

/// Creates a pause with the workspace's key; its JSON (asserting 201).
pub async fn pause(app: &TestApp, body: Value) -> Value {
    let res = app.post_pause_with(&app.key, &body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json().await.unwrap()
}

pub async fn read(app: &TestApp, watch_id: &str) -> Value {
    app.get_pause(watch_id).await.json().await.unwrap()
}

/// A key's decision through the JSON API.
pub async fn key_decides(app: &TestApp, key: &str, watch_id: &str, approved: bool) -> Response {
    app.api
        .post(app.url(&format!("/api/pause/{watch_id}/approve")))
        .bearer_auth(key)
        .json(&json!({"approved": approved}))
        .send()
        .await
        .unwrap()
}

pub fn id(p: &Value) -> String {
    p["watchId"].as_str().unwrap().to_string()
}
