//! The events the reference docs name (issue 20): `approval.required` once per approval pause
//! that waits for a person (never one a policy decided), `run.awaiting_input` once per waiting
//! pause naming a run, `task.complete` / `agent.error` when a heartbeat changes the agent's
//! state; subscribable and signed like every event, test ones only where an endpoint opted in.

use reqwest::Method;
use serde_json::{json, Value};

use crate::agent_support::beat_ok;
use crate::helpers::{spawn_app, TestApp};
use crate::policy::{admin_key, set_level};
use crate::settle::outbox_settled;
use crate::webhooks::{verify, Delivery, Receiver};
use crate::webhooks_api::send;

const REFERENCE: [&str; 4] = [
    "approval.required",
    "run.awaiting_input",
    "task.complete",
    "agent.error",
];

/// An endpoint for the four reference events at `url`; returns its secret.
async fn subscribe(app: &TestApp, url: &str, test_events: bool) -> String {
    let body = json!({"url": url, "events": REFERENCE, "testEvents": test_events});
    let res = send(
        app,
        &admin_key(app, false),
        Method::POST,
        "/api/webhooks",
        Some(body),
    )
    .await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    made["secret"].as_str().unwrap().to_string()
}

fn bodies(got: &[Delivery]) -> Vec<Value> {
    let mut all: Vec<Value> = got
        .iter()
        .map(|d| serde_json::from_str(&d.body).unwrap())
        .collect();
    all.sort_by_key(|b| (b["type"].to_string(), b["data"]["action"].to_string()));
    all
}

async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    let res = app.post_pause_with(key, &body).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_waiting_pause_sends_approval_required_and_run_awaiting_input_with_the_reference_fields()
{
    let app = spawn_app().await;
    let receiver = Receiver::start(vec![]).await;
    let secret = subscribe(&app, &receiver.url, false).await;
    let context = json!({"trade_size_usd": 400});
    let both = create(
        &app,
        &app.key,
        json!({"action": "Buy", "context": context, "agent": "trader", "run": "r1"}),
    )
    .await;
    create(&app, &app.key, json!({"action": "Sell"})).await;
    let question = json!({"kind": "question", "action": "Which?", "run": "r2",
        "questions": [{"question": "Which market?", "options": [{"label": "US"}, {"label": "EU"}]}]});
    create(&app, &app.key, question).await;
    let got = receiver.wait_for(4).await;
    outbox_settled(&app).await;
    assert_eq!(receiver.count(), 4, "no more than one each");
    got.iter().for_each(|d| verify(d, &secret));
    let all = bodies(&got);
    let kinds: Vec<(&str, &str)> = all
        .iter()
        .map(|b| {
            (
                b["type"].as_str().unwrap(),
                b["data"]["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("approval.required", "Buy"),
            ("approval.required", "Sell"),
            ("run.awaiting_input", "Buy"),
            ("run.awaiting_input", "Which?"),
        ]
    );
    let data = &all[0]["data"];
    assert_eq!(data["agent_id"], "trader");
    assert_eq!(data["approval_id"], both["watchId"]);
    assert_eq!(
        data["watchId"], both["watchId"],
        "the usual pause payload too"
    );
    assert_eq!(data["payload"], context);
    assert_eq!(data["status"], "pending");
    assert_eq!(all[1]["data"]["agent_id"], Value::Null);
    assert_eq!(all[1]["data"]["payload"], Value::Null);
}

#[tokio::test]
async fn a_pause_the_policy_decides_at_creation_sends_no_approval_required() {
    let app = spawn_app().await;
    let receiver = Receiver::start(vec![]).await;
    subscribe(&app, &receiver.url, false).await;
    set_level(&app, 80, false).await;
    let decided = create(
        &app,
        &app.key,
        json!({"action": "ls", "risk": "low", "run": "r"}),
    )
    .await;
    assert_eq!(decided["status"], "approved");
    set_level(&app, 0, false).await;
    create(&app, &app.key, json!({"action": "rm", "risk": "low"})).await;
    let got = receiver.wait_for(1).await;
    outbox_settled(&app).await;
    assert_eq!(receiver.count(), 1, "only the pause that waits: {got:?}");
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(
        (&body["type"], &body["data"]["action"]),
        (&json!("approval.required"), &json!("rm"))
    );
}

#[tokio::test]
async fn a_heartbeat_that_reaches_complete_or_error_sends_task_complete_or_agent_error_once() {
    let app = spawn_app().await;
    let receiver = Receiver::start(vec![]).await;
    let secret = subscribe(&app, &receiver.url, false).await;
    beat_ok(&app, "builder", json!({"state": "acting", "run": "r1"})).await;
    beat_ok(&app, "builder", json!({"state": "complete"})).await;
    beat_ok(
        &app,
        "builder",
        json!({"state": "complete", "progress": 100}),
    )
    .await;
    beat_ok(&app, "builder", json!({"state": "error"})).await;
    let got = receiver.wait_for(2).await;
    outbox_settled(&app).await;
    assert_eq!(receiver.count(), 2, "once per change of state");
    got.iter().for_each(|d| verify(d, &secret));
    let all = bodies(&got);
    assert_eq!(all[0]["type"], "agent.error");
    assert_eq!(all[1]["type"], "task.complete");
    for b in &all {
        assert_eq!(b["data"]["agent_id"], "builder");
        assert_eq!(
            b["data"]["name"], "builder",
            "the usual agent payload too: {b}"
        );
    }
}

#[tokio::test]
async fn test_mode_reference_events_go_only_to_an_endpoint_that_opted_in() {
    let app = spawn_app().await;
    let (live_only, opted) = (Receiver::start(vec![]).await, Receiver::start(vec![]).await);
    subscribe(&app, &live_only.url, false).await;
    subscribe(&app, &opted.url, true).await;
    let test_key = app.create_key(1, true);
    create(&app, &test_key, json!({"action": "sandbox"})).await;
    let res = app
        .api
        .post(app.url("/api/agents/tester/heartbeat"))
        .bearer_auth(&test_key)
        .json(&json!({"state": "error"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let got = opted.wait_for(2).await;
    outbox_settled(&app).await;
    let types: Vec<Value> = bodies(&got).iter().map(|b| b["type"].clone()).collect();
    assert_eq!(types, [json!("agent.error"), json!("approval.required")]);
    assert_eq!(live_only.count(), 0);
}
