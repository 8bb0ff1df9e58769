use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;

use crate::helpers::{assert_problem, spawn_app_configured, TestApp};

async fn app_with_cap(max_waiters: usize) -> TestApp {
    app_with_caps(max_waiters, max_waiters).await
}

async fn app_with_caps(max_waiters: usize, per_key: usize) -> TestApp {
    spawn_app_configured(
        Arc::new(TempDir::new().unwrap()),
        holdpoint::domain::clock::system_now(),
        |s| {
            s.limits.max_waiters = max_waiters;
            s.limits.max_waiters_per_key = per_key;
        },
    )
    .await
}

async fn new_pause(app: &TestApp) -> String {
    app.create_pause("wait for me").await["watchId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Waits (briefly, in real time) until exactly `n` long-polls hold a slot.
async fn until_parked(app: &TestApp, n: usize) {
    for _ in 0..300 {
        if app.app_state.waiters.active() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "expected {n} parked long-polls, have {}",
        app.app_state.waiters.active()
    );
}

fn spawn_long_poll(app: &TestApp, watch_id: &str) -> tokio::task::JoinHandle<(u16, Value)> {
    spawn_long_poll_with(app, &app.key, watch_id)
}

fn spawn_long_poll_with(
    app: &TestApp,
    key: &str,
    watch_id: &str,
) -> tokio::task::JoinHandle<(u16, Value)> {
    let request = app
        .api
        .get(app.url(&format!("/api/pause/{watch_id}?wait=30")))
        .bearer_auth(key);
    tokio::spawn(async move {
        let res = request.send().await.unwrap();
        (
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        )
    })
}

#[tokio::test]
async fn past_the_cap_a_long_poll_gets_503_with_retry_after_while_plain_reads_go_on() {
    let app = app_with_cap(2).await;
    let (first, second, third) = (
        new_pause(&app).await,
        new_pause(&app).await,
        new_pause(&app).await,
    );
    let parked_first = spawn_long_poll(&app, &first);
    let _parked_second = spawn_long_poll(&app, &second);
    until_parked(&app, 2).await;

    let refused = app.get_pause_with(&app.key, &third, "?wait=30").await;
    assert_eq!(refused.headers()["retry-after"], "2");
    let body = assert_problem(refused, 503).await;
    assert_eq!(body["type"], "/problems/too-many-waiters");
    assert_eq!(
        body["detail"],
        "the server is already holding its maximum of 2 long-polls; retry in 2 s \
         (a request without `wait` is answered at once)"
    );
    let plain = app.get_pause(&third).await;
    assert_eq!(plain.status(), 200);

    assert_eq!(app.cancel_pause(&app.key, &first).await.status(), 200);
    let (status, answered) = parked_first.await.unwrap();
    assert_eq!(
        (status, answered["status"].as_str()),
        (200, Some("cancelled"))
    );
    until_parked(&app, 1).await;
    let _parked_third = spawn_long_poll(&app, &third);
    until_parked(&app, 2).await;
}

#[tokio::test]
async fn a_long_poll_already_answered_needs_no_slot() {
    let app = app_with_cap(1).await;
    let (waiting, done) = (new_pause(&app).await, new_pause(&app).await);
    let _parked = spawn_long_poll(&app, &waiting);
    until_parked(&app, 1).await;
    assert_eq!(app.cancel_pause(&app.key, &done).await.status(), 200);
    let res = app.get_pause_with(&app.key, &done, "?wait=30").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
}

#[tokio::test]
async fn a_long_poll_whose_client_hangs_up_gives_its_slot_back() {
    let app = app_with_cap(1).await;
    let watch_id = new_pause(&app).await;
    let mut conn = app.raw_connection().await;
    let request = format!(
        "GET /api/pause/{watch_id}?wait=30 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        app.key
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    until_parked(&app, 1).await;
    drop(conn);
    until_parked(&app, 0).await;
    let _parked = spawn_long_poll(&app, &watch_id);
    until_parked(&app, 1).await;
}

#[tokio::test]
async fn shutting_down_answers_every_long_poll_and_frees_every_slot() {
    let app = app_with_cap(2).await;
    let polls = [
        spawn_long_poll(&app, &new_pause(&app).await),
        spawn_long_poll(&app, &new_pause(&app).await),
    ];
    until_parked(&app, 2).await;
    app.app_state.waiters.shut_down();
    for poll in polls {
        let (status, body) = tokio::time::timeout(Duration::from_secs(5), poll)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((status, body["status"].as_str()), (200, Some("pending")));
    }
    assert_eq!(app.app_state.waiters.active(), 0);
}

#[tokio::test]
async fn a_key_past_its_share_gets_the_same_503_while_another_key_still_parks() {
    let app = app_with_caps(3, 2).await;
    let pauses = [
        new_pause(&app).await,
        new_pause(&app).await,
        new_pause(&app).await,
    ];
    let parked_first = spawn_long_poll(&app, &pauses[0]);
    let _parked_second = spawn_long_poll(&app, &pauses[1]);
    until_parked(&app, 2).await;

    let refused = app.get_pause_with(&app.key, &pauses[2], "?wait=30").await;
    assert_eq!(refused.headers()["retry-after"], "2");
    let body = assert_problem(refused, 503).await;
    assert_eq!(body["type"], "/problems/too-many-waiters");
    assert_eq!(
        body["detail"],
        "this API key is already holding its maximum of 2 long-polls; retry in 2 s \
         (a request without `wait` is answered at once)"
    );
    assert_eq!(app.get_pause(&pauses[2]).await.status(), 200);

    let other_key = app.create_key(1, false);
    let _other = spawn_long_poll_with(&app, &other_key, &pauses[2]);
    until_parked(&app, 3).await;

    assert_eq!(app.cancel_pause(&app.key, &pauses[0]).await.status(), 200);
    parked_first.await.unwrap();
    until_parked(&app, 2).await;
    let _again = spawn_long_poll(&app, &pauses[2]);
    until_parked(&app, 3).await;
}
