//! `GET /metrics`: Prometheus text with request counts by route pattern, latency histograms,
//! and the gauges read at scrape time; optionally behind a bearer token.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{
    assert_problem, spawn_app, spawn_app_configured, spawn_app_without_email, TestApp,
};
use crate::mail_support::free_port;

async fn scrape(app: &TestApp) -> String {
    let res = app.metrics(None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    res.text().await.unwrap()
}

/// Scrapes until `line` appears (background work such as deliveries happens on its own time).
async fn scrape_until(app: &TestApp, line: &str) -> String {
    for _ in 0..200 {
        let text = scrape(app).await;
        if text.lines().any(|l| l == line) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("never saw {line:?} in:\n{}", scrape(app).await);
}

fn has(text: &str, line: &str) -> bool {
    text.lines().any(|l| l == line)
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_and_status_never_by_raw_path() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("Deploy").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.get_pause(&watch_id).await.status(), 200);
    assert_eq!(app.get_pause(&watch_id).await.status(), 200);
    assert_eq!(
        app.api
            .get(app.url("/no/such/page"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let text = scrape(&app).await;
    for line in [
        r#"holdpoint_http_requests_total{method="POST",route="/api/pause",status="201"} 1"#,
        r#"holdpoint_http_requests_total{method="GET",route="/api/pause/{watch_id}",status="200"} 2"#,
        r#"holdpoint_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"holdpoint_http_request_duration_seconds_count{method="GET",route="/api/pause/{watch_id}"} 2"#,
        r#"holdpoint_http_request_duration_seconds_bucket{method="POST",route="/api/pause",le="+Inf"} 1"#,
    ] {
        assert!(has(&text, line), "missing {line} in:\n{text}");
    }
    assert!(!text.contains(&watch_id) && !text.contains("/no/such/page"));
    assert!(!text.contains(&app.key));
}

#[tokio::test]
async fn pending_pauses_quota_waiters_and_the_outbox_backlog_are_read_at_scrape_time() {
    let app = spawn_app_without_email().await;
    let first = app.create_pause("One").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    app.create_pause("Two").await;
    let text = scrape(&app).await;
    for line in [
        r#"holdpoint_pauses_pending{workspace="1"} 2"#,
        r#"holdpoint_quota_used{workspace="1"} 2"#,
        r#"holdpoint_quota_limit{workspace="1"} 50"#,
        "holdpoint_longpoll_waiters 0",
        "holdpoint_outbox_pending 0",
        "holdpoint_outbox_oldest_pending_age_seconds 0",
    ] {
        assert!(has(&text, line), "missing {line} in:\n{text}");
    }
    assert!(text.contains("# TYPE holdpoint_sqlite_busy_retries_total counter"));

    let poll = {
        let (api, url, key) = (
            app.api.clone(),
            app.url(&format!("/api/pause/{first}?wait=30")),
            app.key.clone(),
        );
        tokio::spawn(async move { api.get(url).bearer_auth(key).send().await.unwrap().status() })
    };
    scrape_until(&app, "holdpoint_longpoll_waiters 1").await;

    // A message queued two minutes ago whose next attempt is an hour away: the backlog.
    let now = app.now();
    app.with_db(|c| {
        Ok(c.execute(
            "INSERT INTO outbox (msg_id, workspace_id, channel, target, event, payload, next_attempt_at, created_at)
             VALUES ('msg_test', 1, 'webhook', 'http://127.0.0.1:9/', 'pause.created', '{}', ?1, ?2)",
            [now + 3_600_000, now - 120_000],
        )?)
    })
    .unwrap();
    let text = scrape(&app).await;
    assert!(has(&text, "holdpoint_outbox_pending 1"), "{text}");
    assert!(
        has(&text, "holdpoint_outbox_oldest_pending_age_seconds 120"),
        "{text}"
    );

    assert_eq!(app.cancel_pause(&app.key, &first).await.status(), 200);
    assert_eq!(poll.await.unwrap(), 200);
    let text = scrape_until(&app, "holdpoint_longpoll_waiters 0").await;
    assert!(
        has(&text, r#"holdpoint_pauses_pending{workspace="1"} 1"#),
        "{text}"
    );
}

#[tokio::test]
async fn a_failed_webhook_delivery_is_counted() {
    let app = spawn_app_without_email().await;
    let callback = format!("http://127.0.0.1:{}/hook", free_port());
    let created = app
        .post_pause_with(
            &app.key,
            &json!({ "action": "Deploy", "callbackUrl": callback }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let watch_id = created.json::<serde_json::Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!has(
        &scrape(&app).await,
        r#"holdpoint_outbox_delivery_failures_total{channel="webhook"} 1"#
    ));
    assert_eq!(app.cancel_pause(&app.key, &watch_id).await.status(), 200);
    scrape_until(
        &app,
        r#"holdpoint_outbox_delivery_failures_total{channel="webhook"} 1"#,
    )
    .await;
}

#[tokio::test]
async fn with_a_metrics_token_a_scrape_without_it_or_with_a_wrong_one_gets_401() {
    let dir = std::sync::Arc::new(tempfile::TempDir::new().unwrap());
    let app = spawn_app_configured(dir, holdpoint::domain::clock::system_now(), |s| {
        s.metrics_token = Some("scrape-me-7f3a9c".parse().unwrap());
    })
    .await;
    for token in [
        None,
        Some("scrape-me-7f3a9"),
        Some("scrape-me-7f3a9c0"),
        Some(app.key.as_str()),
    ] {
        let res = app.metrics(token).await;
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        let body = assert_problem(res, 401).await;
        assert!(
            body["detail"].as_str().unwrap().contains("metrics token"),
            "{body}"
        );
    }
    let res = app.metrics(Some("scrape-me-7f3a9c")).await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("holdpoint_pauses_pending"));
}
