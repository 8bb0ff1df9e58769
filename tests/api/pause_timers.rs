//! Expiry timers: a pause arms its expiry timer when it is created, the sweep expires pauses
//! from their due timers, and a pause decided or cancelled first is never expired.

use serde_json::json;

use crate::helpers::spawn_app;

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

#[tokio::test]
async fn the_sweep_expires_a_backlog_larger_than_one_batch() {
    let app = spawn_app().await;
    app.set_plan(1, "pro");
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
