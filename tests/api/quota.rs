use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app_in};

/// 2026-11-30T23:00:00Z: one hour before the month turns.
const LATE_NOVEMBER: i64 = 1_796_079_600_000;

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_free_plan_allows_50_pauses_a_month_then_429_until_the_month_turns() {
    let app = spawn_app_in(
        std::sync::Arc::new(tempfile::TempDir::new().unwrap()),
        LATE_NOVEMBER,
    )
    .await;
    for i in 0..50 {
        let res = app
            .post_pause_with(&app.key, &json!({ "action": format!("p{i}") }))
            .await;
        assert_eq!(res.status(), 201);
        assert_eq!(
            header(&res, "ratelimit-policy"),
            "\"monthly\";q=50;w=2592000"
        );
        assert_eq!(
            header(&res, "ratelimit"),
            format!("\"monthly\";r={};t=3600", 49 - i)
        );
    }
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "one too many" }))
        .await;
    assert_eq!(header(&res, "retry-after"), "3600");
    assert_eq!(header(&res, "ratelimit"), "\"monthly\";r=0;t=3600");
    let problem = assert_problem(res, 429).await;
    assert!(problem["type"]
        .as_str()
        .unwrap()
        .ends_with("quota-exceeded"));
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 50);

    // Test keys do not count and are not refused.
    let test_key = app.create_key(1, true);
    assert_eq!(
        app.post_pause_with(&test_key, &json!({ "action": "sandbox" }))
            .await
            .status(),
        201
    );

    // A new month, a new quota.
    app.clock.advance_secs(3600);
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "december" }))
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        header(&res, "ratelimit"),
        format!("\"monthly\";r=49;t={}", 31 * 86400)
    );
}

#[tokio::test]
async fn quota_headers_are_sent_on_refused_creates_too() {
    let app = crate::helpers::spawn_app().await;
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "" }))
        .await;
    assert_eq!(res.status(), 422);
    assert!(header(&res, "ratelimit").starts_with("\"monthly\";r=50;"));
}

#[tokio::test]
async fn an_unlimited_plan_has_no_monthly_cap() {
    let app = crate::helpers::spawn_app().await;
    app.set_billing_plan(1, "pro");
    for _ in 0..60 {
        assert_eq!(
            app.post_pause_with(&app.key, &json!({ "action": "x" }))
                .await
                .status(),
            201
        );
    }
    let body: Value = app.list_pauses("?limit=1").await.json().await.unwrap();
    assert_eq!(body["total"], 60);
}

#[tokio::test]
async fn moving_to_a_larger_plan_lifts_the_refusal_at_once() {
    let app = spawn_app_in(
        std::sync::Arc::new(tempfile::TempDir::new().unwrap()),
        LATE_NOVEMBER,
    )
    .await;
    for _ in 0..50 {
        app.post_pause_with(&app.key, &json!({ "action": "x" }))
            .await;
    }
    assert_eq!(
        app.post_pause_with(&app.key, &json!({ "action": "x" }))
            .await
            .status(),
        429
    );
    app.set_billing_plan(1, "starter");
    let res = app
        .post_pause_with(&app.key, &json!({ "action": "x" }))
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        header(&res, "ratelimit-policy"),
        "\"monthly\";q=500;w=2592000"
    );
}
