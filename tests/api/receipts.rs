//! Signed decision receipts (issue 23): every way a pause becomes approved, answered, rejected
//! or changes requested stores a receipt that verifies against `/.well-known/jwks.json` with
//! the contract's claims; other statuses carry `null`; a receipt is made once.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::plans::{create_plan, PLAN_V1};
use crate::policy::{add_rule, create};
use crate::question_answer::{answer, question_pause, valid};
use crate::quorum_support::{decide_key, id, key_decides, pause, read, team};
use crate::receipts_support::{assert_receipt, jwks, request_hash, verify};
use holdpoint::domain::audit::Actor;

const TTL: i64 = 900;

async fn read_back(app: &TestApp, watch_id: &str) -> Value {
    read(app, watch_id).await
}

#[tokio::test]
async fn an_approval_with_edits_by_a_person_is_signed_over_the_context_and_the_edits() {
    let app = spawn_app().await;
    let body = json!({"action": "Send email", "tool": "mail.send",
        "context": {"to": "ann@example.com", "body": "Hi Ann"}, "editable": ["body"]});
    let p = pause(&app, body).await;
    assert_eq!(p["receipt"], Value::Null, "a pending pause has none");
    let owner = app.sign_in(&app.owner_email).await;
    let csrf = owner.csrf().await;
    let body = json!({"approved": true, "edits": {"body": "Hi Ann, see you"}});
    let res = owner.decide_with_token(&id(&p), &body, Some(&csrf)).await;
    assert_eq!(res.status(), 200);
    let decided = read_back(&app, &id(&p)).await;
    let claims = assert_receipt(&app, &decided, TTL).await;
    assert_eq!(claims["decidedBy"]["type"], "user");
    assert_eq!(claims["tool"], "mail.send");
    let unedited = request_hash(&decided["context"], &Value::Null);
    assert_ne!(
        claims["req"], unedited,
        "the edits are part of what was approved"
    );
}

#[tokio::test]
async fn an_approval_by_a_key_and_a_rejection_by_a_person_are_signed() {
    let (app, _) = team(&[]).await;
    let backend = decide_key(&app, "approver-bot", Actor::Cli);
    let approved = pause(&app, json!({"action": "Deploy", "context": {"v": 2}})).await;
    assert_eq!(
        key_decides(&app, &backend, &id(&approved), true)
            .await
            .status(),
        200
    );
    let approved = read_back(&app, &id(&approved)).await;
    let claims = assert_receipt(&app, &approved, TTL).await;
    assert_eq!(claims["decidedBy"]["type"], "key");
    let rejected = pause(&app, json!({"action": "Drop table"})).await;
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner.decide(&id(&rejected), false, Some("no")).await;
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    let rejected = read_back(&app, &id(&rejected)).await;
    assert_eq!(
        answer["receipt"], rejected["receipt"],
        "the decision's answer has it too"
    );
    let claims = assert_receipt(&app, &rejected, TTL).await;
    assert_eq!(
        (claims["status"].as_str(), claims["tool"].clone()),
        (Some("rejected"), Value::Null)
    );
}

#[tokio::test]
async fn a_pause_a_rule_approves_at_create_is_signed_in_the_create_answer_and_its_webhook() {
    let app = spawn_app().await;
    add_rule(
        &app,
        json!({"name": "refunds", "effect": "allow", "match": {"tool": "refund"}}),
    )
    .await;
    let p = create(
        &app,
        json!({"action": "Refund", "tool": "refund", "context": {"amount": 12},
               "callbackUrl": "https://agent.example.com/hook"}),
    )
    .await;
    assert_eq!(p["status"], "approved");
    let claims = assert_receipt(&app, &p, TTL).await;
    assert_eq!(
        claims["decidedBy"],
        json!({"type": "policy", "name": "refunds"})
    );
    assert_eq!(read_back(&app, &id(&p)).await["receipt"], p["receipt"]);
    let payload: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT payload FROM outbox WHERE event = 'pause.approved'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        payload["data"]["receipt"], p["receipt"],
        "the webhook carries the receipt"
    );
}

#[tokio::test]
async fn an_answered_question_and_a_plan_sent_back_for_changes_are_signed() {
    let app = spawn_app().await;
    let question = question_pause(&app).await;
    let owner = app.sign_in(&app.owner_email).await;
    let res = answer(&owner, &question, &json!({"answers": valid()})).await;
    assert_eq!(res.status(), 200);
    let answered = read_back(&app, &question).await;
    assert_eq!(answered["status"], "answered");
    assert_receipt(&app, &answered, TTL).await;
    let plan = id(&create_plan(&app, PLAN_V1, None).await);
    let res = owner
        .decide(&plan, false, Some("Snapshot to S3 first"))
        .await;
    assert_eq!(res.status(), 200);
    let sent_back = read_back(&app, &plan).await;
    assert_eq!(sent_back["status"], "changes_requested");
    assert_receipt(&app, &sent_back, TTL).await;
}

/// The sweep writes the timeout's rejection down and signs it; before that the pause already
/// reads rejected, with `receipt: null` (see `domain::receipts`).
#[tokio::test]
async fn a_timeout_rejection_reads_without_a_receipt_until_the_sweep_signs_it() {
    let (app, _) = team(&[]).await;
    let p = pause(
        &app,
        json!({"action": "Late", "timeoutSeconds": 60, "onTimeout": "reject"}),
    )
    .await;
    app.clock.advance_secs(61);
    let virtual_rejection = read_back(&app, &id(&p)).await;
    assert_eq!(virtual_rejection["status"], "rejected");
    assert_eq!(virtual_rejection["receipt"], Value::Null);
    app.sweep().await;
    let swept = read_back(&app, &id(&p)).await;
    let claims = assert_receipt(&app, &swept, TTL).await;
    assert_eq!(
        claims["decidedBy"],
        json!({"type": "policy", "name": "timeout"})
    );
    assert_eq!(
        swept["decidedAt"], swept["expiresAt"],
        "decided at the deadline"
    );
}

#[tokio::test]
async fn pending_cancelled_and_expired_pauses_carry_a_null_receipt() {
    let (app, _) = team(&[]).await;
    let pending = pause(&app, json!({"action": "Wait"})).await;
    let cancelled = pause(&app, json!({"action": "Withdrawn"})).await;
    assert_eq!(
        app.cancel_pause(&app.key, &id(&cancelled)).await.status(),
        200
    );
    let expired = pause(&app, json!({"action": "Old", "timeoutSeconds": 60})).await;
    app.clock.advance_secs(61);
    app.sweep().await;
    for (p, status) in [
        (pending, "pending"),
        (cancelled, "cancelled"),
        (expired, "expired"),
    ] {
        let seen = read_back(&app, &id(&p)).await;
        assert_eq!(seen["status"], status);
        assert!(
            seen.as_object().unwrap().contains_key("receipt"),
            "always present"
        );
        assert_eq!(seen["receipt"], Value::Null, "{status}");
    }
}

#[tokio::test]
async fn two_reads_show_the_same_receipt_and_etag() {
    let (app, _) = team(&[]).await;
    let backend = decide_key(&app, "approver-bot", Actor::Cli);
    let p = pause(&app, json!({"action": "Deploy"})).await;
    key_decides(&app, &backend, &id(&p), true).await;
    let first = app.get_pause(&id(&p)).await;
    let first_tag = first.headers()["etag"].clone();
    let first: Value = first.json().await.unwrap();
    let second = app.get_pause(&id(&p)).await;
    assert_eq!(second.headers()["etag"], first_tag);
    assert_eq!(
        second.json::<Value>().await.unwrap()["receipt"],
        first["receipt"]
    );
}

#[tokio::test]
async fn a_changed_claim_or_a_signature_by_another_key_fails_verification() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;
    let (app, _) = team(&[]).await;
    let backend = decide_key(&app, "approver-bot", Actor::Cli);
    let p = pause(&app, json!({"action": "Pay", "context": {"amount": 10}})).await;
    key_decides(&app, &backend, &id(&p), true).await;
    let receipt = read_back(&app, &id(&p)).await["receipt"]
        .as_str()
        .unwrap()
        .to_string();
    let keys = jwks(&app).await;
    assert!(verify(&receipt, &keys).is_ok());
    let parts: Vec<&str> = receipt.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
    claims["action"] = json!("Pay a lot");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(claims.to_string()),
        parts[2]
    );
    assert!(verify(&forged, &keys).is_err(), "a changed claim");
    let (seed, _) = holdpoint::domain::receipts::jws::generate();
    let kid = keys["keys"][0]["kid"].as_str().unwrap();
    let other = holdpoint::domain::receipts::jws::sign(&seed, kid, &claims).unwrap();
    assert!(
        verify(&other, &keys).is_err(),
        "another key under the same kid"
    );
}

#[tokio::test]
async fn a_test_keys_pause_is_signed_with_the_same_workspace_id() {
    let app = spawn_app().await;
    use holdpoint::domain::scopes::KeyScope;
    let agent = crate::key_scopes::key_with(&app, "test-agent", true, &[KeyScope::Pauses]).1;
    let decider = crate::key_scopes::key_with(&app, "test-decider", true, &[KeyScope::Decide]).1;
    let res = app.post_pause_with(&agent, &json!({"action": "Try"})).await;
    let p: Value = res.json().await.unwrap();
    assert_eq!(
        key_decides(&app, &decider, &id(&p), true).await.status(),
        200
    );
    let seen: Value = app
        .get_pause_with(&agent, &id(&p), "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["test"], true);
    assert_receipt(&app, &seen, TTL).await;
}
