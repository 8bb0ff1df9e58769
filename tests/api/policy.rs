//! Decision policies on the create path (issue 18): the autonomy dial and its bands, caps that
//! only lower it, rules deciding at creation through the one respond command, `explain`
//! agreeing with the real create, and refusals that write nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use holdpoint::domain::api_keys;
use holdpoint::domain::audit::Actor;
use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::scopes::{KeyScope, Scopes};

pub fn admin_key(app: &TestApp, test: bool) -> String {
    let now = app.now();
    let scopes = Scopes::of(&[KeyScope::Admin, KeyScope::Pauses, KeyScope::Agents]);
    app.with_db(|c| {
        api_keys::create_with_scopes(c, now, Actor::Cli, WorkspaceId(1), "admin", test, scopes)
    })
    .unwrap()
    .1
}

pub async fn set_level(app: &TestApp, level: i64, shadow: bool) {
    let res = app
        .api
        .patch(app.url("/api/policy/settings"))
        .bearer_auth(admin_key(app, false))
        .json(&json!({"autonomyLevel": level, "autonomyShadow": shadow}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

pub async fn add_rule(app: &TestApp, rule: Value) -> Value {
    let res = app
        .api
        .post(app.url("/api/rules"))
        .bearer_auth(admin_key(app, false))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json().await.unwrap()
}

pub async fn create(app: &TestApp, body: Value) -> Value {
    let res = app.post_pause_with(&app.key, &body).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn every_band_lets_through_exactly_its_risks_and_the_rest_wait() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    let bands = [
        (0, "copilot", ["pending"; 4]),
        (
            20,
            "supervised",
            ["approved", "approved", "pending", "pending"],
        ),
        (
            50,
            "autonomous",
            ["approved", "approved", "approved", "pending"],
        ),
        (80, "full_auto", ["approved"; 4]),
    ];
    for (level, band, statuses) in bands {
        set_level(&app, level, false).await;
        for (risk, want) in ["low", "medium", "high", "critical"].iter().zip(statuses) {
            let p = create(&app, json!({"action": "a", "risk": risk, "tool": "t"})).await;
            assert_eq!(p["status"], want, "{level} {risk}");
            assert_eq!(p["policy"]["band"], band);
            assert_eq!(p["policy"]["autonomyLevel"], level);
            assert_eq!(p["risk"], *risk);
            if want == "approved" {
                assert_eq!(p["policy"]["source"], "band");
                let by = json!({"type": "policy", "name": format!("autonomy:{band}")});
                assert_eq!(p["decidedBy"], by);
            } else {
                assert_eq!(p["policy"]["result"], "wait");
            }
        }
    }
    // No risk sent is `high`: below 50 it waits.
    set_level(&app, 49, false).await;
    let p = create(&app, json!({"action": "a"})).await;
    assert_eq!(
        (&p["status"], &p["risk"]),
        (&json!("pending"), &json!("high"))
    );
}

#[tokio::test]
async fn a_key_an_agent_and_a_request_only_lower_the_autonomy_level() {
    let app = spawn_app().await;
    set_level(&app, 60, false).await;
    let low = json!({"action": "a", "risk": "low", "agent": "bot"});
    assert_eq!(
        create(&app, low.clone()).await["policy"]["autonomyLevel"],
        60
    );
    let mut capped = low.clone();
    capped["autonomyLevel"] = json!(10);
    let p = create(&app, capped).await;
    assert_eq!(
        (&p["status"], &p["policy"]["autonomyLevel"]),
        (&json!("pending"), &json!(10))
    );
    let mut higher = low.clone();
    higher["autonomyLevel"] = json!(100);
    assert_eq!(create(&app, higher).await["policy"]["autonomyLevel"], 60);
    app.with_db(|c| Ok(c.execute("UPDATE agents SET autonomy_level = 30", [])?))
        .unwrap();
    assert_eq!(
        create(&app, low.clone()).await["policy"]["autonomyLevel"],
        30
    );
    app.with_db(|c| Ok(c.execute("UPDATE api_keys SET autonomy_level = 25", [])?))
        .unwrap();
    let p = create(&app, low).await;
    assert_eq!(
        (&p["status"], &p["policy"]["autonomyLevel"]),
        (&json!("approved"), &json!(25))
    );
    app.with_db(|c| Ok(c.execute("UPDATE api_keys SET autonomy_level = 95", [])?))
        .unwrap();
    let p = create(&app, json!({"action": "a", "risk": "critical"})).await;
    assert_eq!(p["policy"]["autonomyLevel"], 60);
    for bad in [json!(-1), json!(101), json!("high")] {
        let res = app
            .post_pause_with(&app.key, &json!({"action": "a", "autonomyLevel": bad}))
            .await;
        let problem = crate::helpers::assert_problem(res, 422).await;
        assert_eq!(problem["field"], "autonomyLevel", "{bad}");
    }
}

#[tokio::test]
async fn a_policy_decided_pause_sends_no_email_and_webhooks_hear_created_then_decided() {
    let app = spawn_app().await;
    add_rule(
        &app,
        json!({"name": "refunds", "effect": "allow", "match": {"tool": "refund"}}),
    )
    .await;
    add_rule(
        &app,
        json!({"name": "no-drops", "effect": "deny", "note": "Never drop tables",
                          "match": {"tool": "drop_*"}}),
    )
    .await;
    let emails = "SELECT count(*) FROM outbox WHERE channel = 'email'";
    let p = create(
        &app,
        json!({"action": "Refund", "tool": "refund",
                                "callbackUrl": "https://agent.example.com/hook"}),
    )
    .await;
    assert_eq!(p["status"], "approved");
    assert_eq!(p["decidedBy"], json!({"type": "policy", "name": "refunds"}));
    assert_eq!(p["policy"]["source"], "rule");
    assert_eq!(p["policy"]["rule"], "refunds");
    assert_eq!(app.count(emails), 0);
    let events = app.count(
        "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND event = 'pause.approved'",
    );
    assert_eq!(events, 1, "the callback hears the decision");
    let responder = "SELECT count(*) FROM pause_responses WHERE responder_type = 'policy'";
    assert_eq!(app.count(responder), 1);
    let trail = app.audit_events(p["watchId"].as_str().unwrap());
    let names: Vec<&str> = trail.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names, ["pause.created", "pause.approved"]);
    let denied = create(&app, json!({"action": "Drop", "tool": "drop_users"})).await;
    assert_eq!(
        (&denied["status"], &denied["reason"]),
        (&json!("rejected"), &json!("Never drop tables"))
    );
    assert_eq!(app.count(emails), 0);
    let waits = create(&app, json!({"action": "Other", "tool": "other"})).await;
    assert_eq!(waits["status"], "pending");
    assert!(
        app.count(emails) > 0,
        "a pause that waits still asks its approvers"
    );
    let list = app.list_pauses("?decidedBy=policy").await;
    let list: Value = list.json().await.unwrap();
    assert_eq!(list["total"], 2);
    let rules: Value = app
        .api
        .get(app.url("/api/rules"))
        .bearer_auth(admin_key(&app, false))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rules["items"][0]["hits"], 1);
    let mut out = String::new();
    app.app_state.services.metrics.encode(&mut out).unwrap();
    assert!(
        out.contains("holdpoint_policy_decisions_total{result=\"approved\",source=\"rule\"} 1"),
        "{out}"
    );
}

#[tokio::test]
async fn questions_and_plans_wait_and_the_stop_holds_all_but_a_deny() {
    let app = spawn_app().await;
    set_level(&app, 100, false).await;
    add_rule(
        &app,
        json!({"name": "deny-x", "effect": "deny", "match": {"tool": "x"}}),
    )
    .await;
    let q = create(
        &app,
        json!({"action": "Which?", "kind": "question", "tool": "x",
                                "questions": [{"question": "Which?"}]}),
    )
    .await;
    assert_eq!(
        (&q["status"], &q["policy"]["source"]),
        (&json!("pending"), &json!("kind"))
    );
    let stop = app
        .api
        .post(app.url("/api/agents/stop-all"))
        .bearer_auth(admin_key(&app, false))
        .send()
        .await
        .unwrap();
    assert!(stop.status().is_success(), "{:?}", stop.text().await);
    let held = create(&app, json!({"action": "a", "risk": "low", "tool": "y"})).await;
    assert_eq!(
        (&held["status"], &held["policy"]["source"]),
        (&json!("pending"), &json!("stop"))
    );
    let denied = create(&app, json!({"action": "a", "tool": "x"})).await;
    assert_eq!(denied["status"], "rejected");
}

#[tokio::test]
async fn shadow_rules_and_a_shadow_dial_record_what_they_would_do_and_change_nothing() {
    let app = spawn_app().await;
    set_level(&app, 90, true).await;
    let rule = add_rule(
        &app,
        json!({"name": "maybe", "effect": "deny", "shadow": true,
                                     "match": {"tool": "t"}}),
    )
    .await;
    let p = create(&app, json!({"action": "a", "risk": "low", "tool": "t"})).await;
    assert_eq!(p["status"], "pending");
    assert_eq!(
        p["policy"]["shadow"],
        json!({"result": "rejected", "rule": "maybe", "band": null})
    );
    let p = create(&app, json!({"action": "a", "risk": "low", "tool": "u"})).await;
    assert_eq!(
        p["policy"]["shadow"],
        json!({"result": "approved", "rule": null, "band": "full_auto"})
    );
    let id = rule["id"].as_i64().unwrap();
    let stored = app.count(&format!(
        "SELECT shadow_hits FROM policy_rules WHERE id = {id}"
    ));
    assert_eq!(stored, 1);
}
