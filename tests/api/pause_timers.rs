//! Expiry timers: a pause arms its expiry timer when it is created, the sweep expires pauses
//! from their due timers, and a pause decided or cancelled first is never expired: its timers
//! are removed in the transaction that decides or cancels it.

use serde_json::json;

use crate::helpers::{spawn_app, TestApp};

#[tokio::test]
async fn a_new_pause_arms_its_expiry_timer_and_the_sweep_fires_it_once() {
    let app = spawn_app().await;
    let watch_id = app
        .create_watch_id(json!({ "action": "x", "timeoutSeconds": 10 }))
        .await;
    let armed = "SELECT count(*) FROM pause_timers t JOIN pauses p ON p.id = t.pause_id
                 WHERE t.kind = 'expiry' AND t.fired_at IS NULL AND t.due_at = p.expires_at";
    assert_eq!(app.count(armed), 1);
    app.clock.advance_secs(9);
    assert_eq!(app.sweep().await, 0, "not due yet");
    app.clock.advance_secs(1);
    assert_eq!(app.sweep().await, 1);
    assert_eq!(app.stored_status(&watch_id), "expired");
    assert_eq!(app.count(armed), 0);
    let fired = "SELECT count(*) FROM pause_timers WHERE fired_at IS NOT NULL";
    assert_eq!(app.count(fired), 1);
    assert_eq!(app.sweep().await, 0);
}

#[tokio::test]
async fn a_pause_cancelled_before_its_expiry_is_not_expired_and_its_timer_is_dropped() {
    let app = spawn_app().await;
    let watch_id = app
        .create_watch_id(json!({ "action": "x", "timeoutSeconds": 10 }))
        .await;
    assert_eq!(app.cancel_pause(&app.key, &watch_id).await.status(), 200);
    app.clock.advance_secs(11);
    assert_eq!(app.sweep().await, 0);
    assert_eq!(app.stored_status(&watch_id), "cancelled");
    assert_eq!(app.count("SELECT count(*) FROM pause_timers"), 0);
    let events: Vec<String> = app
        .audit_events(&watch_id)
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(events, ["pause.created", "pause.cancelled"]);
}

/// Expiry timers still armed on the pause `watch_id` (reminders are `reminders.rs`'s).
fn timers_of(app: &TestApp, watch_id: &str) -> i64 {
    let id = uuid::Uuid::parse_str(watch_id).unwrap();
    app.with_db(|c| {
        Ok(c.query_row(
            "SELECT count(*) FROM pause_timers t JOIN pauses p ON p.id = t.pause_id
             WHERE p.watch_id = ?1 AND t.kind = 'expiry'",
            [&id.as_bytes()[..]],
            |r| r.get(0),
        )?)
    })
    .unwrap()
}

#[tokio::test]
async fn a_decision_removes_the_pauses_timers_at_once_and_leaves_other_pauses_timers() {
    let app = spawn_app().await;
    let approved = app.create_watch_id(json!({ "action": "a" })).await;
    let rejected = app.create_watch_id(json!({ "action": "r" })).await;
    let untouched = app.create_watch_id(json!({ "action": "u" })).await;
    assert_eq!(timers_of(&app, &approved), 1);
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.decide(&approved, true, None).await.status(), 200);
    assert_eq!(timers_of(&app, &approved), 0, "no sweep has run yet");
    let res = browser.decide(&rejected, false, Some("no")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(timers_of(&app, &rejected), 0);
    assert_eq!(timers_of(&app, &untouched), 1);
}

#[tokio::test]
async fn a_cancel_removes_the_pauses_timers_at_once() {
    let app = spawn_app().await;
    let watch_id = app.create_watch_id(json!({ "action": "x" })).await;
    let other = app.create_watch_id(json!({ "action": "y" })).await;
    assert_eq!(app.cancel_pause(&app.key, &watch_id).await.status(), 200);
    assert_eq!(timers_of(&app, &watch_id), 0, "no sweep has run yet");
    assert_eq!(timers_of(&app, &other), 1);
}

#[tokio::test]
async fn a_refused_decision_leaves_the_timer_armed() {
    let app = spawn_app().await;
    let watch_id = app.create_watch_id(json!({ "action": "x" })).await;
    let browser = app.sign_in(&app.owner_email).await;
    let too_long = "x".repeat(2001);
    let res = browser.decide(&watch_id, false, Some(&too_long)).await;
    assert_eq!(res.status(), 422);
    assert_eq!(timers_of(&app, &watch_id), 1);
}

#[tokio::test]
async fn the_sweep_expires_a_backlog_larger_than_one_batch() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let mut ids = Vec::new();
    for i in 0..520 {
        let body = json!({ "action": format!("a{i}"), "timeoutSeconds": 10 });
        ids.push(app.create_watch_id(body).await);
    }
    // Some decided first: their timers are dropped, and count toward no expiry.
    for id in &ids[..30] {
        assert_eq!(app.cancel_pause(&app.key, id).await.status(), 200);
    }
    app.clock.advance_secs(10);
    assert_eq!(app.sweep().await, 490);
    assert_eq!(
        app.count("SELECT count(*) FROM pauses WHERE status = 'expired'"),
        490
    );
}
