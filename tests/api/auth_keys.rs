use holdpoint::domain::users::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn missing_malformed_unknown_and_revoked_keys_all_get_the_same_401() {
    let app = spawn_app().await;
    let revoked = app.create_key(1, false);
    let now = app.now();
    app.with_db(|c| {
        holdpoint::domain::api_keys::revoke(
            c,
            now,
            holdpoint::domain::audit::Actor::Cli,
            holdpoint::domain::ids::ApiKeyId(2),
            None,
        )
    })
    .unwrap();
    let unknown = holdpoint::domain::api_keys::generate(false);
    let mut bodies = Vec::new();
    for key in [
        None,
        Some("garbage"),
        Some("hitl_live_"),
        Some(unknown.as_str()),
        Some(revoked.as_str()),
    ] {
        let mut req = app
            .api
            .post(app.url("/api/pause"))
            .json(&json!({ "action": "x" }));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.headers().get("www-authenticate").unwrap(), "Bearer");
        bodies.push(assert_problem(res, 401).await);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "401 bodies differ: {bodies:?}"
    );
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 0);
}

#[tokio::test]
async fn a_key_sees_only_its_own_workspace_and_other_pauses_are_404() {
    let app = spawn_app().await;
    let pause = app.create_pause("workspace A's secret").await;
    let watch_id = pause["watchId"].as_str().unwrap();
    let other_ws = app.create_workspace("B", "pro");
    let other_key = app.create_key(other_ws, false);
    assert_problem(app.get_pause_with(&other_key, watch_id, "").await, 404).await;
    assert_problem(
        app.get_pause_with(&other_key, watch_id, "?wait=1").await,
        404,
    )
    .await;
    assert_problem(app.cancel_pause(&other_key, watch_id).await, 404).await;
    let list: Value = app
        .api
        .get(app.url("/api/pause"))
        .bearer_auth(&other_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    // A user of workspace B cannot decide A's pause either.
    app.add_user(other_ws, "b-owner@example.com", Role::Owner);
    let browser = app.sign_in("b-owner@example.com").await;
    assert_problem(browser.decide(watch_id, true, None).await, 404).await;
    assert_eq!(app.stored_status(watch_id), "pending");
}

#[tokio::test]
async fn test_keys_create_test_pauses() {
    let app = spawn_app().await;
    let test_key = app.create_key(1, true);
    assert!(test_key.starts_with("hitl_test_"));
    let res = app
        .post_pause_with(&test_key, &json!({ "action": "try" }))
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["test"], true);
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(
        app.api
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let ready: Value = app
        .api
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_problem_json() {
    let app = spawn_app().await;
    assert_problem(app.api.get(app.url("/api/nope")).send().await.unwrap(), 404).await;
    let res = app.api.delete(app.url("/api/pause")).send().await.unwrap();
    assert_eq!(res.headers().get("allow").unwrap(), "GET, POST");
    assert_problem(res, 405).await;
    let doc = app
        .api
        .get(app.url("/problems/quota-exceeded"))
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), 200);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/healthz", "/login", "/api/pause"] {
        let res = app.api.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    }
}
