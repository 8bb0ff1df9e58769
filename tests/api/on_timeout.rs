//! What a deadline means (issue 19): `onTimeout` is `expire` (as before), `reject` (rejected by
//! the policy `timeout` from the deadline on, before and after the sweep writes it) or `wait`
//! (still pending, overdue, its ETag changing once); the one status rule answers reads, list
//! filters, long-polls and usage alike. A timeout rejection reads `receipt: null` until the
//! sweep writes and signs it (its ETag then changes once, see `domain::receipts`).

use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::quorum_support::{id, pause, read, settings, team};

async fn listed(app: &TestApp, status: &str) -> Vec<String> {
    let page: Value = app
        .list_pauses(&format!("?status={status}"))
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["action"].as_str().unwrap().to_string())
        .collect()
}

async fn etag(app: &TestApp, watch: &str) -> String {
    app.get_pause(watch).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string()
}

fn callbacks(app: &TestApp, event: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND event = '{event}'"
    ))
}

#[tokio::test]
async fn a_pause_that_rejects_on_timeout_reads_rejected_by_timeout_from_its_deadline() {
    let (app, _) = team(&[]).await;
    let p = pause(
        &app,
        json!({"action": "reject me", "timeoutSeconds": 60, "onTimeout": "reject",
        "callbackUrl": "https://agent.example.com/hook"}),
    )
    .await;
    assert_eq!(p["onTimeout"], "reject");
    app.clock.advance_secs(59);
    assert_eq!(read(&app, &id(&p)).await["status"], "pending");
    app.clock.advance_secs(1);
    let before_sweep = etag(&app, &id(&p)).await;
    let seen = read(&app, &id(&p)).await;
    assert_eq!(seen["status"], "rejected");
    assert_eq!(seen["reason"], "timed out");
    assert_eq!(
        seen["decidedBy"],
        json!({"type": "policy", "name": "timeout"})
    );
    assert_eq!(seen["decidedAt"], seen["expiresAt"]);
    assert_eq!(seen["votes"], json!([]));
    assert_eq!(listed(&app, "rejected").await, ["reject me"]);
    assert!(listed(&app, "expired").await.is_empty());
    assert!(listed(&app, "pending").await.is_empty());
    assert_eq!(seen["receipt"], Value::Null, "nothing signed it yet");
    app.sweep().await;
    assert_eq!(app.stored_status(&id(&p)), "rejected");
    let mut after = read(&app, &id(&p)).await;
    assert!(after["receipt"].is_string(), "the sweep signs it: {after}");
    after["receipt"] = Value::Null;
    assert_eq!(after, seen, "the sweep writes down what was read");
    assert_ne!(
        etag(&app, &id(&p)).await,
        before_sweep,
        "the receipt is new to readers: the ETag changes once"
    );
    assert_eq!(callbacks(&app, "pause.rejected"), 1);
    assert_eq!(callbacks(&app, "pause.expired"), 0);
    let events: Vec<String> = app
        .audit_events(&id(&p))
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    assert_eq!(events, ["pause.created", "pause.rejected"]);
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(owner.decide(&id(&p), true, None).await.status(), 409);
    let usage = owner.get("/usage").await.text().await.unwrap();
    assert!(
        usage.contains(r#"<dd id="policy-total">1</dd>"#),
        "a timeout is the policy's decision"
    );
}

#[tokio::test]
async fn a_pause_that_waits_stays_pending_and_overdue_and_can_still_be_decided() {
    let (app, admin) = team(&[]).await;
    settings(&app, &admin, json!({"onTimeout": "wait"})).await;
    let p = pause(&app, json!({"action": "wait for me", "timeoutSeconds": 60})).await;
    assert_eq!(
        (p["onTimeout"].clone(), p.get("overdue")),
        (json!("wait"), None)
    );
    let fresh = etag(&app, &id(&p)).await;
    app.clock.advance_secs(60);
    let seen = read(&app, &id(&p)).await;
    assert_eq!(
        (seen["status"].clone(), seen["overdue"].clone()),
        (json!("pending"), json!(true))
    );
    let overdue = etag(&app, &id(&p)).await;
    assert_ne!(
        overdue, fresh,
        "the ETag changes once when it becomes overdue"
    );
    app.clock.advance_secs(3600);
    app.sweep().await;
    assert_eq!(etag(&app, &id(&p)).await, overdue);
    assert_eq!(app.stored_status(&id(&p)), "pending");
    assert_eq!(listed(&app, "pending").await, ["wait for me"]);
    assert_eq!(callbacks(&app, "pause.expired"), 0);
    // A long-poll with the overdue ETag waits for a decision, and wakes with it.
    let url = app.url(&format!("/api/pause/{}?wait=20", id(&p)));
    let (api, key, tag) = (app.api.clone(), app.key.clone(), overdue.clone());
    let poll = tokio::spawn(async move {
        api.get(url)
            .bearer_auth(key)
            .header("if-none-match", tag)
            .send()
            .await
            .unwrap()
    });
    let owner = app.sign_in(&app.owner_email).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(owner.decide(&id(&p), true, None).await.status(), 200);
    let woke: Value = poll.await.unwrap().json().await.unwrap();
    assert_eq!(
        (woke["status"].clone(), woke.get("overdue")),
        (json!("approved"), None)
    );
}

#[tokio::test]
async fn expire_is_the_default_and_only_expire_pauses_the_agent() {
    let (app, admin) = team(&[]).await;
    let p = pause(
        &app,
        json!({"action": "expire me", "timeoutSeconds": 60, "agent": "bot"}),
    )
    .await;
    assert_eq!(p["onTimeout"], "expire");
    settings(&app, &admin, json!({"onTimeout": "reject"})).await;
    let q = pause(&app, json!({"action": "reject me", "timeoutSeconds": 60})).await;
    assert_eq!(q["onTimeout"], "reject", "the settings' default");
    app.clock.advance_secs(61);
    assert_eq!(read(&app, &id(&p)).await["status"], "expired");
    assert_eq!(listed(&app, "expired").await, ["expire me"]);
    app.sweep().await;
    assert_eq!(callbacks(&app, "pause.expired"), 0, "no callback was given");
    assert_eq!(app.stored_status(&id(&p)), "expired");
    assert_eq!(app.stored_status(&id(&q)), "rejected");
}

#[tokio::test]
async fn a_pause_decided_before_its_deadline_is_left_alone_by_the_timeout_sweep() {
    let (app, _) = team(&[]).await;
    let p = pause(
        &app,
        json!({"action": "decided in time", "timeoutSeconds": 60, "onTimeout": "reject",
        "callbackUrl": "https://agent.example.com/hook"}),
    )
    .await;
    let owner = app.sign_in(&app.owner_email).await;
    assert_eq!(owner.decide(&id(&p), true, None).await.status(), 200);
    let decided = read(&app, &id(&p)).await;
    app.clock.advance_secs(61);
    app.sweep().await;
    assert_eq!(read(&app, &id(&p)).await, decided);
    assert_eq!(callbacks(&app, "pause.rejected"), 0);
    assert_eq!(app.count("SELECT count(*) FROM pause_responses"), 1);
    let events: Vec<String> = app
        .audit_events(&id(&p))
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    assert_eq!(events, ["pause.created", "pause.approved"]);
}
