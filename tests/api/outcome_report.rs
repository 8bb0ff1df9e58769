//! The outcome report: after acting on a decision, the key that created the pause says what it
//! did, once; the pause, its page, its trail and the history filter show it.

use holdpoint::domain::users::Role;
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};

async fn report(app: &TestApp, key: &str, id: &str, body: Value) -> Response {
    app.api
        .post(app.url(&format!("/api/pause/{id}/outcome")))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A pause created by the workspace's key and approved by the owner.
async fn approved(app: &TestApp, action: &str) -> String {
    let id = app.create_pause(action).await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.decide(&id, true, None).await.status(), 200);
    id
}

fn name_key(app: &TestApp, name: &str) {
    app.with_db(|c| Ok(c.execute("UPDATE api_keys SET name = ?1 WHERE id = 1", [name])?))
        .unwrap();
}

#[tokio::test]
async fn the_creating_key_reports_an_outcome_once_and_the_pause_returns_it() {
    let app = spawn_app().await;
    name_key(&app, "billing-bot-7");
    let id = approved(&app, "Refund order 42").await;
    let etag = app.get_pause(&id).await.headers()["etag"].clone();
    let body = json!({ "status": "executed", "detail": "refund r_981 issued" });
    let res = report(&app, &app.key, &id, body).await;
    assert_eq!(res.status(), 200);
    let read = app.get_pause(&id).await;
    assert_ne!(
        read.headers()["etag"],
        etag,
        "long-polls on the ETag see the report"
    );
    let read: Value = read.json().await.unwrap();
    let outcome = &read["outcome"];
    assert_eq!(outcome["status"], "executed");
    assert_eq!(outcome["detail"], "refund r_981 issued");
    assert!(outcome["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(outcome["by"]["type"], "key");
    assert_eq!(outcome["by"]["name"], "billing-bot-7");
    assert_eq!(
        app.audit_events(&id).last().unwrap(),
        &("pause.outcome_reported".to_string(), "key".to_string())
    );

    let again = report(&app, &app.key, &id, json!({ "status": "failed" })).await;
    let problem = assert_problem(again, 409).await;
    assert_eq!(
        problem["detail"],
        "an outcome was already reported for this pause; it is reported once"
    );
    assert_eq!(problem["current"]["outcome"]["status"], "executed");
}

#[tokio::test]
async fn a_pending_expired_or_cancelled_pause_takes_no_outcome() {
    let app = spawn_app().await;
    let pending = app.create_pause("p").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let problem = assert_problem(
        report(&app, &app.key, &pending, json!({ "status": "skipped" })).await,
        409,
    )
    .await;
    assert_eq!(
        problem["detail"],
        "the pause is pending: an outcome is reported only after a decision"
    );
    app.cancel_pause(&app.key, &pending).await;
    let problem = assert_problem(
        report(&app, &app.key, &pending, json!({ "status": "skipped" })).await,
        409,
    )
    .await;
    assert_eq!(
        problem["detail"],
        "the pause is cancelled: an outcome is reported only after a decision"
    );
    assert!(app
        .get_pause(&pending)
        .await
        .json::<Value>()
        .await
        .unwrap()
        .get("outcome")
        .is_none());
}

#[tokio::test]
async fn a_rejected_pause_takes_an_outcome_such_as_skipped() {
    let app = spawn_app().await;
    let id = app.create_pause("Drop table").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.decide(&id, false, Some("no")).await.status(), 200);
    let res = report(&app, &app.key, &id, json!({ "status": "skipped" })).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["outcome"]["status"],
        "skipped"
    );
}

#[tokio::test]
async fn only_the_creating_key_reports_and_other_workspaces_or_modes_see_no_pause() {
    let app = spawn_app().await;
    let id = approved(&app, "Deploy").await;
    let sibling = app.create_key(1, false);
    let problem = assert_problem(
        report(&app, &sibling, &id, json!({ "status": "executed" })).await,
        403,
    )
    .await;
    assert_eq!(
        problem["detail"],
        "only the API key that created this pause may report its outcome"
    );
    let test_key = app.create_key(1, true);
    let other_ws = app.create_workspace("Other", "pro");
    let stranger = app.create_key(other_ws, false);
    for key in [test_key, stranger] {
        let problem = assert_problem(
            report(&app, &key, &id, json!({ "status": "executed" })).await,
            404,
        )
        .await;
        assert_eq!(
            problem["detail"],
            format!("no pause with watchId `{id}` in this workspace")
        );
    }
}

#[tokio::test]
async fn an_outcome_body_that_breaks_the_rules_is_refused_with_a_detail() {
    let app = spawn_app().await;
    let id = approved(&app, "Deploy").await;
    let problem = assert_problem(
        report(&app, &app.key, &id, json!({ "status": "done" })).await,
        422,
    )
    .await;
    assert_eq!(
        problem["detail"],
        "`status` is one of executed, failed, skipped (got `done`)"
    );
    let long = json!({ "status": "failed", "detail": "d".repeat(2001) });
    let problem = assert_problem(report(&app, &app.key, &id, long).await, 422).await;
    assert_eq!(problem["detail"], "`detail` has at most 2000 characters");
    let at_limit = json!({ "status": "failed", "detail": "d".repeat(2000) });
    assert_eq!(report(&app, &app.key, &id, at_limit).await.status(), 200);
}

#[tokio::test]
async fn the_pause_page_and_its_timeline_read_approved_by_then_executed_by_the_key() {
    let app = spawn_app().await;
    name_key(&app, "billing-bot-7");
    let id = approved(&app, "Refund").await;
    report(&app, &app.key, &id, json!({ "status": "executed" })).await;
    let browser = app.sign_in(&app.owner_email).await;
    let page = browser
        .get(&format!("/pauses/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Approved by Test User &#60;owner@example.com&#62; → executed by key “billing-bot-7” at"),
        "{page}"
    );
    assert!(page.contains("Executed, reported by key “billing-bot-7”"));
    let audit = browser
        .get("/audit?event=pause.outcome_reported")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        audit.contains("billing-bot-7") && audit.contains("executed"),
        "{audit}"
    );
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = 'pause.outcome_reported'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&details).unwrap(),
        json!({ "status": "executed", "detail": null, "decision": "approved" })
    );
}

#[tokio::test]
async fn the_history_filter_finds_approved_pauses_never_executed() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "ann@example.com", Role::Approver);
    let executed = approved(&app, "executed-one").await;
    let silent = approved(&app, "silent-one").await;
    let failed = approved(&app, "failed-one").await;
    let pending = app.create_pause("pending-one").await;
    report(&app, &app.key, &executed, json!({ "status": "executed" })).await;
    report(&app, &app.key, &failed, json!({ "status": "failed" })).await;
    let browser = app.sign_in("ann@example.com").await;
    let page = browser
        .get("/history?outcome=not_executed")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("silent-one") && page.contains("failed-one"),
        "{page}"
    );
    assert!(!page.contains("executed-one") && !page.contains("pending-one"));
    assert!(page.contains("<option value=\"not_executed\" selected>"));
    let _ = (silent, pending);
}

#[tokio::test]
async fn subscribed_endpoints_get_the_outcome_event_and_the_pauses_own_callback_does_not() {
    let app = crate::helpers::spawn_app_without_email().await;
    let now = app.now();
    app.with_db(move |c| {
        holdpoint::domain::webhooks::create(
            c,
            now,
            holdpoint::domain::ids::WorkspaceId(1),
            "https://hooks.example.com/outcomes",
            &["pause.outcome_reported".into()],
        )
    })
    .unwrap();
    let body = json!({ "action": "Deploy", "callbackUrl": "https://agent.example.com/cb" });
    let id = app.create_watch_id(body).await;
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.decide(&id, true, None).await.status(), 200);
    let res = report(&app, &app.key, &id, json!({ "status": "executed" })).await;
    assert_eq!(res.status(), 200);
    let rows: Vec<(String, String, String)> = app
        .with_db(|c| {
            let mut stmt = c.prepare(
                "SELECT event, target, payload FROM outbox WHERE channel = 'webhook' ORDER BY id",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .unwrap();
    let sent: Vec<(&str, &str)> = rows
        .iter()
        .map(|(e, t, _)| (e.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        sent,
        [
            ("pause.approved", "https://agent.example.com/cb"),
            (
                "pause.outcome_reported",
                "https://hooks.example.com/outcomes"
            ),
        ]
    );
    let payload: Value = serde_json::from_str(&rows[1].2).unwrap();
    assert_eq!(payload["type"], "pause.outcome_reported");
    assert_eq!(payload["data"]["outcome"]["status"], "executed");
}
