use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app};

async fn post(
    app: &crate::helpers::TestApp,
    key: &str,
    idem: &str,
    body: &Value,
) -> reqwest::Response {
    app.api
        .post(app.url("/api/pause"))
        .bearer_auth(key)
        .header("idempotency-key", idem)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_same_idempotency_key_and_body_replays_the_first_response() {
    let app = spawn_app().await;
    let body = json!({ "action": "deploy", "context": { "v": 1 } });
    let first = post(&app, &app.key, "req-1", &body).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let second = post(&app, &app.key, "req-1", &body).await;
    assert_eq!(second.status(), 201);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["watchId"], second["watchId"]);
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
    assert_eq!(app.count("SELECT pauses FROM usage_counters"), 1);
}

#[tokio::test]
async fn the_same_idempotency_key_with_another_body_is_422() {
    let app = spawn_app().await;
    post(&app, &app.key, "req-1", &json!({ "action": "a" })).await;
    let problem = assert_problem(
        post(&app, &app.key, "req-1", &json!({ "action": "b" })).await,
        422,
    )
    .await;
    assert!(problem["type"]
        .as_str()
        .unwrap()
        .ends_with("idempotency-key-reused"));
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}

#[tokio::test]
async fn idempotency_keys_are_kept_at_least_24_hours_and_then_purged() {
    let app = spawn_app().await;
    let body = json!({ "action": "a" });
    let first: Value = post(&app, &app.key, "k", &body).await.json().await.unwrap();
    app.clock.advance_secs(25 * 3600);
    app.housekeeping().await;
    let replay: Value = post(&app, &app.key, "k", &body).await.json().await.unwrap();
    assert_eq!(first["watchId"], replay["watchId"]);
    app.clock.advance_secs(24 * 3600);
    app.housekeeping().await;
    let fresh: Value = post(&app, &app.key, "k", &body).await.json().await.unwrap();
    assert_ne!(first["watchId"], fresh["watchId"]);
}

#[tokio::test]
async fn idempotency_keys_are_per_workspace() {
    let app = spawn_app().await;
    let other_ws = app.create_workspace("B", "free");
    let other_key = app.create_key(other_ws, false);
    let body = json!({ "action": "a" });
    let a = post(&app, &app.key, "same", &body).await;
    assert_eq!(a.status(), 201);
    let a: Value = a.json().await.unwrap();
    let b = post(&app, &other_key, "same", &body).await;
    assert_eq!(
        b.status(),
        201,
        "the other workspace's first use of the key"
    );
    let b: Value = b.json().await.unwrap();
    assert_ne!(a["watchId"], b["watchId"]);
    assert_eq!(
        app.count("SELECT count(DISTINCT workspace_id) FROM pauses"),
        2
    );
}

#[tokio::test]
async fn concurrent_requests_with_one_idempotency_key_create_one_pause() {
    let app = spawn_app().await;
    let body = json!({ "action": "race" });
    let all =
        futures_util::future::join_all((0..8).map(|_| post(&app, &app.key, "race-key", &body)))
            .await;
    let mut ids = Vec::new();
    for res in all {
        assert_eq!(res.status(), 201);
        ids.push(res.json::<Value>().await.unwrap()["watchId"].clone());
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}

#[tokio::test]
async fn an_invalid_idempotency_key_is_422() {
    let app = spawn_app().await;
    let long = "k".repeat(256);
    let problem = assert_problem(
        post(&app, &app.key, &long, &json!({ "action": "a" })).await,
        422,
    )
    .await;
    assert_eq!(problem["field"], "Idempotency-Key");
}
