use std::sync::Arc;

use reqwest::Response;
use serde_json::json;
use tempfile::TempDir;

use crate::helpers::{assert_problem, spawn_app_configured, TestApp};

/// 2026-11-10T00:00:00Z: November has 30 days, 21 of them left.
const NOV_10: i64 = 1_794_268_800_000;

/// A key may send `burst` requests at once, then `rate` a second.
async fn app_with_key_rate(rate: u32, burst: u32) -> TestApp {
    spawn_app_configured(Arc::new(TempDir::new().unwrap()), NOV_10, |s| {
        s.limits.key_rate = rate;
        s.limits.key_burst = burst;
    })
    .await
}

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_key_past_its_burst_gets_429_with_retry_after_and_the_burst_policy() {
    let app = app_with_key_rate(1, 3).await;
    for _ in 0..3 {
        assert_eq!(app.list_pauses("").await.status(), 200);
    }
    let refused = app.list_pauses("").await;
    assert_eq!(header(&refused, "retry-after"), "1");
    assert_eq!(header(&refused, "ratelimit-policy"), "\"burst\";q=3;w=3");
    assert_eq!(header(&refused, "ratelimit"), "\"burst\";r=0;t=1");
    let body = assert_problem(refused, 429).await;
    assert_eq!(body["type"], "/problems/rate-limited");
    assert_eq!(
        body["detail"],
        "this API key sent too many requests: at most 3 at once and 1 a second; retry in 1 s"
    );

    let other_key = app.create_key(1, false);
    let res = app.get_pause_with(&other_key, "no-such-pause", "").await;
    assert_eq!(res.status(), 404, "another key has its own budget");

    app.clock.advance_secs(1);
    assert_eq!(app.list_pauses("").await.status(), 200);
    assert_eq!(app.list_pauses("").await.status(), 429);
}

#[tokio::test]
async fn every_api_route_counts_against_the_key() {
    let app = app_with_key_rate(1, 4).await;
    let watch_id = app.create_pause("one").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.get_pause(&watch_id).await.status(), 200);
    assert_eq!(app.list_pauses("").await.status(), 200);
    assert_eq!(app.cancel_pause(&app.key, &watch_id).await.status(), 200);
    assert_problem(app.get_pause(&watch_id).await, 429).await;
    assert_problem(app.cancel_pause(&app.key, &watch_id).await, 429).await;
}

#[tokio::test]
async fn a_create_past_the_key_rate_lists_the_burst_and_monthly_policies_together() {
    let app = app_with_key_rate(1, 1).await;
    let created = app
        .post_pause_with(&app.key, &json!({ "action": "first" }))
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(
        header(&created, "ratelimit-policy"),
        "\"monthly\";q=50;w=2592000"
    );
    assert_eq!(header(&created, "ratelimit"), "\"monthly\";r=49;t=1814400");

    let refused = app
        .post_pause_with(&app.key, &json!({ "action": "second" }))
        .await;
    assert_eq!(header(&refused, "retry-after"), "1");
    assert_eq!(
        header(&refused, "ratelimit-policy"),
        "\"burst\";q=1;w=1, \"monthly\";q=50;w=2592000"
    );
    assert_eq!(
        header(&refused, "ratelimit"),
        "\"burst\";r=0;t=1, \"monthly\";r=49;t=1814400"
    );
    assert_problem(refused, 429).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM pauses"), 1);
}

#[tokio::test]
async fn unknown_keys_get_401_not_429_however_often_they_try() {
    let app = app_with_key_rate(1, 1).await;
    for _ in 0..3 {
        let res = app
            .get_pause_with("hitl_live_not-a-real-key", "x", "")
            .await;
        assert_problem(res, 401).await;
    }
    assert_eq!(app.list_pauses("").await.status(), 200);
}
