//! Deciding by API key: a backend with a `decide` key approves and rejects, the decision reads
//! as that key everywhere (`decidedBy`, webhooks, long-poll, audit, pages). The separation of
//! duties between keys is in `key_separation`.

use holdpoint::domain::scopes::KeyScope;
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_without_email, TestApp};
use crate::key_scopes::key_with;
use crate::webhooks::Receiver;

pub async fn decide_with_key(app: &TestApp, key: &str, watch_id: &str, body: Value) -> Response {
    app.api
        .post(app.url(&format!("/api/pause/{watch_id}/approve")))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn prefix(key: &str) -> &str {
    &key[..16]
}

#[tokio::test]
async fn a_backend_with_a_decide_key_approves_and_the_pause_says_which_key_decided() {
    let app = spawn_app().await;
    let (key_id, backend) = key_with(&app, "billing-backend", false, &[KeyScope::Decide]);
    let watch_id = app.create_watch_id(json!({ "action": "Refund $40" })).await;
    let res = decide_with_key(&app, &backend, &watch_id, json!({ "approved": true })).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "approved");
    let by = json!({ "type": "key", "name": "billing-backend", "prefix": prefix(&backend) });
    assert_eq!(body["decidedBy"], by);
    // The agent reads the same.
    let read: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(read["decidedBy"], by);
    // Audited as that key, and recorded as the key's response.
    let actor: (String, String, i64) = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT event, actor_type, actor_id FROM audit_log
                 WHERE subject = ?1 AND event = 'pause.approved'",
                [&watch_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .unwrap();
    assert_eq!(actor, ("pause.approved".into(), "key".into(), key_id));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM pause_responses WHERE responder_type = 'key' \
             AND api_key_id = {key_id} AND user_id IS NULL AND kind = 'approve' AND via = 'api'"
        )),
        1
    );
}

#[tokio::test]
async fn a_decide_key_rejects_with_a_reason_and_the_workspace_rules_still_apply() {
    let app = spawn_app().await;
    let (_, backend) = key_with(&app, "backend", false, &[KeyScope::Decide]);
    let watch_id = app.create_watch_id(json!({ "action": "x" })).await;
    app.with_db(|c| Ok(c.execute("UPDATE workspaces SET reject_reason_required = 1", [])?))
        .unwrap();
    let bare = decide_with_key(&app, &backend, &watch_id, json!({ "approved": false })).await;
    let problem = assert_problem(bare, 422).await;
    assert_eq!(
        problem["detail"],
        "this workspace requires a reason to reject"
    );
    let res = decide_with_key(
        &app,
        &backend,
        &watch_id,
        json!({ "approved": false, "reason": "over budget" }),
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "rejected");
    assert_eq!(body["decidedBy"]["type"], "key");
    // The reason is read by the agent (a decide-only key sees only who settled it and when).
    let read: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(read["reason"], "over budget");
}

#[tokio::test]
async fn a_person_s_decision_reads_as_type_user_with_email_and_name() {
    let app = spawn_app().await;
    let watch_id = app.create_watch_id(json!({ "action": "x" })).await;
    let browser = app.sign_in(&app.owner_email).await;
    let body: Value = browser
        .decide(&watch_id, true, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["decidedBy"],
        json!({ "type": "user", "email": "owner@example.com", "name": "Test User" })
    );
}

#[tokio::test]
async fn the_webhook_and_a_waiting_long_poll_carry_the_key_as_decider() {
    let app = spawn_app_without_email().await;
    let receiver = Receiver::start(vec![]).await;
    let (_, backend) = key_with(&app, "backend", false, &[KeyScope::Decide]);
    let watch_id = app
        .create_watch_id(json!({ "action": "x", "callbackUrl": receiver.url }))
        .await;
    let poll = app.get_pause_with(&app.key, &watch_id, "?wait=30");
    let decide = async {
        // Let the long-poll register first; the answer does not depend on it.
        tokio::task::yield_now().await;
        decide_with_key(&app, &backend, &watch_id, json!({ "approved": true })).await
    };
    let (polled, decided) = tokio::join!(poll, decide);
    assert_eq!(decided.status(), 200);
    let by = json!({ "type": "key", "name": "backend", "prefix": prefix(&backend) });
    let polled: Value = polled.json().await.unwrap();
    assert_eq!(polled["status"], "approved");
    assert_eq!(polled["decidedBy"], by);
    let got = receiver.wait_for(1).await;
    let event: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(event["type"], "pause.approved");
    assert_eq!(event["data"]["decidedBy"], by);
}

#[tokio::test]
async fn the_pages_say_which_key_decided() {
    let app = spawn_app().await;
    let (_, backend) = key_with(&app, "billing-backend", false, &[KeyScope::Decide]);
    let watch_id = app.create_watch_id(json!({ "action": "x" })).await;
    decide_with_key(&app, &backend, &watch_id, json!({ "approved": true })).await;
    let label = format!("key billing-backend ({}…)", prefix(&backend));
    let browser = app.sign_in(&app.owner_email).await;
    let page = browser
        .get(&format!("/pauses/{watch_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("<strong>Approved</strong> by {label}")),
        "{page}"
    );
    let history = browser.get("/history").await.text().await.unwrap();
    assert!(history.contains(&label), "{history}");
    let audit = browser
        .get("/audit?event=pause.approved")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        audit.contains(&format!("key “billing-backend” ({}…)", prefix(&backend))),
        "{audit}"
    );
}

#[tokio::test]
async fn a_revoked_decide_key_and_no_credentials_are_refused_with_401() {
    let app = spawn_app().await;
    let (id, backend) = key_with(&app, "backend", false, &[KeyScope::Decide]);
    let watch_id = app.create_watch_id(json!({ "action": "x" })).await;
    let browser = app.sign_in(&app.owner_email).await;
    let revoked = browser.post_form(&format!("/keys/{id}/revoke"), &[]).await;
    assert_eq!(revoked.status(), 303);
    let res = decide_with_key(&app, &backend, &watch_id, json!({ "approved": true })).await;
    assert_problem(res, 401).await;
    let anonymous = app
        .api
        .post(app.url(&format!("/api/pause/{watch_id}/approve")))
        .json(&json!({ "approved": true }))
        .send()
        .await
        .unwrap();
    let body = assert_problem(anonymous, 401).await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("an API key with the `decide` scope"));
    assert_eq!(app.stored_status(&watch_id), "pending");
}
