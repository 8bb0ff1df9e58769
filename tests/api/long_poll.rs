use std::time::{Duration, Instant};

use serde_json::{json, Value};

use holdpoint::waiters::Topic;

use crate::helpers::{assert_problem, spawn_app, TestApp};

/// Waits (briefly, in real time) until `n` long-polls are parked on the notifier.
async fn until_waiting(app: &TestApp, n: usize) {
    for _ in 0..200 {
        if app.app_state.waiters.active() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("long-polls never parked");
}

fn spawn_poll(
    app: &TestApp,
    watch_id: &str,
    query: &str,
) -> tokio::task::JoinHandle<(u16, Value, Instant)> {
    let (client, url, key) = (
        app.api.clone(),
        app.url(&format!("/api/pause/{watch_id}{query}")),
        app.key.clone(),
    );
    tokio::spawn(async move {
        let res = client.get(url).bearer_auth(key).send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, body, Instant::now())
    })
}

#[tokio::test]
async fn a_long_poll_is_woken_by_the_approval_at_once() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let poll = spawn_poll(&app, &watch_id, "?wait=30");
    until_waiting(&app, 1).await;
    let decided = browser.decide(&watch_id, true, Some("ok")).await;
    let answered = Instant::now();
    assert_eq!(decided.status(), 200);
    let (status, body, woke) = poll.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["status"], "approved");
    assert_eq!(body["reason"], "ok");
    assert!(
        woke.duration_since(answered) < Duration::from_secs(2),
        "took {:?}",
        woke.duration_since(answered)
    );
    assert_eq!(app.app_state.waiters.active(), 0);
}

#[tokio::test]
async fn a_long_poll_is_woken_by_the_agents_cancel() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let poll = spawn_poll(&app, &watch_id, "?wait=30s");
    until_waiting(&app, 1).await;
    assert_eq!(app.cancel_pause(&app.key, &watch_id).await.status(), 200);
    let (_, body, _) = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(body["status"], "cancelled");
}

#[tokio::test]
async fn a_long_poll_is_woken_by_one_wake_of_its_whole_workspace() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let poll = spawn_poll(&app, &watch_id, "?wait=30");
    until_waiting(&app, 1).await;
    // A change that wakes no pause's topic (as a workspace-wide stop would make), then the wake.
    app.with_db(|c| {
        let sql = "UPDATE pauses SET status = 'cancelled', version = version + 1";
        Ok(c.execute(sql, [])?)
    })
    .unwrap();
    app.app_state
        .waiters
        .wake(&[Topic::Workspace(holdpoint::domain::ids::WorkspaceId(1))]);
    let (_, body, _) = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the workspace's wake reaches the long-poll")
        .unwrap();
    assert_eq!(body["status"], "cancelled");
}

#[tokio::test]
async fn a_long_poll_is_woken_by_expiry() {
    let app = spawn_app().await;
    let created: Value = app
        .post_pause_with(&app.key, &json!({ "action": "x", "timeoutSeconds": 10 }))
        .await
        .json()
        .await
        .unwrap();
    let watch_id = created["watchId"].as_str().unwrap().to_string();
    let poll = spawn_poll(&app, &watch_id, "?wait=30");
    until_waiting(&app, 1).await;
    app.clock.advance_secs(10);
    assert_eq!(app.sweep().await, 1);
    let (_, body, _) = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(body["status"], "expired");
}

#[tokio::test]
async fn a_long_poll_answers_with_the_current_state_when_its_time_is_up() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let started = Instant::now();
    let res = app.get_pause_with(&app.key, &watch_id, "?wait=1").await;
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "pending");
}

#[tokio::test]
async fn a_decided_pause_answers_a_long_poll_immediately() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    app.cancel_pause(&app.key, &watch_id).await;
    let started = Instant::now();
    let res = app.get_pause_with(&app.key, &watch_id, "?wait=30").await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
}

#[tokio::test]
async fn wait_values_outside_0_to_55_seconds_are_refused() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    for q in [
        "?wait=56",
        "?wait=-1",
        "?wait=abc",
        "?wait=10m",
        "?wait=1.5",
    ] {
        let problem = assert_problem(app.get_pause_with(&app.key, &watch_id, q).await, 422).await;
        assert_eq!(problem["field"], "wait", "{q}");
    }
    assert_eq!(
        app.get_pause_with(&app.key, &watch_id, "?wait=0")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn if_none_match_with_wait_waits_for_a_change() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let etag = app
        .get_pause(&watch_id)
        .await
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    // No change within the wait: 304.
    let unchanged = app
        .api
        .get(app.url(&format!("/api/pause/{watch_id}?wait=1")))
        .bearer_auth(&app.key)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), 304);
    // A change wakes it with the new representation.
    let (client, url, key) = (
        app.api.clone(),
        app.url(&format!("/api/pause/{watch_id}?wait=30")),
        app.key.clone(),
    );
    let tag = etag.clone();
    let poll = tokio::spawn(async move {
        client
            .get(url)
            .bearer_auth(key)
            .header("if-none-match", tag)
            .send()
            .await
            .unwrap()
    });
    until_waiting(&app, 1).await;
    app.cancel_pause(&app.key, &watch_id).await;
    let res = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_ne!(res.headers().get("etag").unwrap().to_str().unwrap(), etag);
}

#[tokio::test]
async fn parked_waiters_hold_no_database_connection() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    // Far more waiters than the pool has connections (2 workers → 6).
    let polls: Vec<_> = (0..40)
        .map(|_| spawn_poll(&app, &watch_id, "?wait=30"))
        .collect();
    until_waiting(&app, 40).await;
    let started = Instant::now();
    let other = app.create_pause("still served").await;
    assert_eq!(
        app.get_pause(other["watchId"].as_str().unwrap())
            .await
            .status(),
        200
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    app.cancel_pause(&app.key, &watch_id).await;
    for p in polls {
        let (_, body, _) = tokio::time::timeout(Duration::from_secs(5), p)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(body["status"], "cancelled");
    }
}
