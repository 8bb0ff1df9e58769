//! `changes_requested` flows where every status does: a waiting agent, Slack, the usage page
//! and the audit log's filter.

use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_without_email};
use crate::plans::{create_plan, PLAN_V1};

fn id(v: &Value) -> String {
    v["watchId"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_waiting_agent_is_woken_by_a_request_for_changes_and_the_etag_changes() {
    let app = spawn_app().await;
    let created = create_plan(&app, PLAN_V1, None).await;
    let watch_id = id(&created);
    let before = app.get_pause(&watch_id).await;
    let etag = before.headers()["etag"].to_str().unwrap().to_string();
    let (client, url, key) = (
        app.api.clone(),
        app.url(&format!("/api/pause/{watch_id}?wait=30")),
        app.key.clone(),
    );
    let poll = tokio::spawn(async move {
        let res = client
            .get(url)
            .bearer_auth(key)
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    });
    for _ in 0..200 {
        if app.app_state.waiters.active() >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser
        .decide(&watch_id, false, Some("smaller steps"))
        .await;
    assert_eq!(res.status(), 200);
    let (status, body) = poll.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["status"], "changes_requested");
    assert_eq!(body["reason"], "smaller steps");
}

#[tokio::test]
async fn changes_requested_reaches_slack_the_usage_page_and_the_audit_filter() {
    let app = spawn_app_without_email().await;
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE workspaces SET slack_webhook_url = 'http://127.0.0.1:9/slack'",
            [],
        )?)
    })
    .unwrap();
    let watch_id = id(&create_plan(&app, PLAN_V1, None).await);
    let browser = app.sign_in(&app.owner_email).await;
    browser.decide(&watch_id, false, Some("fewer steps")).await;
    let slack: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT payload FROM outbox WHERE channel = 'slack'
                   AND event = 'pause.changes_requested'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(
        slack.contains(
            "*Migrate billing* was sent back for changes by owner@example.com: fewer steps"
        ),
        "{slack}"
    );
    let usage = browser.get("/usage").await.text().await.unwrap();
    assert!(
        usage.contains("<div><dt>Changes requested</dt><dd>1</dd></div>"),
        "{usage}"
    );
    assert!(usage.contains("bar bar-changes_requested"));
    let audit = browser
        .get("/audit?event=pause.changes_requested")
        .await
        .text()
        .await
        .unwrap();
    assert!(audit.contains("<option value=\"pause.changes_requested\" selected>"));
    assert!(audit.contains(&watch_id), "{audit}");
}
