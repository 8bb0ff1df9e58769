//! A key that may decide but not read pauses (`decide` without `pauses`) learns, in a
//! decision's answer and in a late decision's 409, who settled the pause and when: never the
//! context it would need `pauses` to read. A key with both keeps the whole pause.

use holdpoint::domain::scopes::KeyScope;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::key_scopes::key_with;
use crate::question_answer::{question_pause, valid};

const SECRET: &str = "card ending 4242";

/// Exactly these keys: who settled the pause and when.
const SETTLEMENT: [&str; 4] = ["decidedAt", "decidedBy", "status", "watchId"];

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> reqwest::Response {
    app.api
        .post(app.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn keys_of(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    keys
}

fn assert_settlement_only(v: &Value, status: &str) {
    assert_eq!(keys_of(v), SETTLEMENT, "{v}");
    assert_eq!(v["status"], status);
    assert!(!v.to_string().contains(SECRET), "{v}");
}

async fn secret_pause(app: &TestApp, extra: Value) -> String {
    let mut body = json!({ "action": "Refund", "context": { "card": SECRET } });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.create_watch_id(body).await
}

#[tokio::test]
async fn a_decide_only_key_reads_only_who_settled_the_pause_it_approves_and_a_late_retry() {
    let app = spawn_app().await;
    let (_, decider) = key_with(&app, "decider", false, &[KeyScope::Decide]);
    let id = secret_pause(&app, json!({})).await;
    let path = format!("/api/pause/{id}/approve");
    let res = post(&app, &decider, &path, json!({ "approved": true })).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_settlement_only(&body, "approved");
    assert_eq!(body["decidedBy"]["name"], "decider");
    let late = post(&app, &decider, &path, json!({ "approved": false })).await;
    let problem = assert_problem(late, 409).await;
    assert_settlement_only(&problem["current"], "approved");
}

#[tokio::test]
async fn a_decide_only_key_reads_only_who_settled_the_questions_it_answers_and_a_late_retry() {
    let app = spawn_app().await;
    let (_, decider) = key_with(&app, "decider", false, &[KeyScope::Decide]);
    let id = question_pause(&app).await;
    let path = format!("/api/pause/{id}/answer");
    let res = post(&app, &decider, &path, json!({ "answers": valid() })).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        keys_of(&body),
        SETTLEMENT,
        "no questions, no answers: {body}"
    );
    let late = post(&app, &decider, &path, json!({ "answers": valid() })).await;
    let problem = assert_problem(late, 409).await;
    assert_eq!(keys_of(&problem["current"]), SETTLEMENT);
    assert_eq!(problem["current"]["status"], "answered");
}

#[tokio::test]
async fn a_decide_only_key_learns_nothing_more_on_the_agent_approve_path() {
    let app = spawn_app().await;
    let (_, decider) = key_with(&app, "decider", false, &[KeyScope::Decide]);
    let id = secret_pause(&app, json!({ "agent": "billing" })).await;
    let path = format!("/api/agents/billing/approve/{id}");
    let res = post(&app, &decider, &path, json!({ "approved": true })).await;
    assert_eq!(res.status(), 200);
    assert_settlement_only(&res.json().await.unwrap(), "approved");
    let late = post(&app, &decider, &path, json!({ "approved": true })).await;
    let problem = assert_problem(late, 409).await;
    assert_settlement_only(&problem["current"], "approved");
}

#[tokio::test]
async fn a_key_that_may_also_read_pauses_keeps_the_whole_pause_in_both_answers() {
    let app = spawn_app().await;
    let scopes = [KeyScope::Pauses, KeyScope::Decide];
    let (_, decider) = key_with(&app, "decider", false, &scopes);
    let id = secret_pause(&app, json!({})).await;
    let path = format!("/api/pause/{id}/approve");
    let res = post(&app, &decider, &path, json!({ "approved": true })).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["context"]["card"], SECRET);
    let late = post(&app, &decider, &path, json!({ "approved": true })).await;
    let problem = assert_problem(late, 409).await;
    assert_eq!(problem["current"]["context"]["card"], SECRET);
    let qid = question_pause(&app).await;
    let answered = post(
        &app,
        &decider,
        &format!("/api/pause/{qid}/answer"),
        json!({ "answers": valid() }),
    )
    .await;
    let body: Value = answered.json().await.unwrap();
    assert_eq!(body["answers"]["Which region?"], "eu");
}
