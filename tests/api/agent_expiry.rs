//! A pause of a named agent that expires without a decision pauses the agent (a workspace
//! setting, on by default, changed on the Agents page by owners and admins).

use serde_json::{json, Value};

use crate::agent_support::*;
use crate::helpers::spawn_app;

async fn expiring_pause(app: &crate::helpers::TestApp, agent: &str) {
    let body = json!({ "action": "Pay invoice 118", "agent": agent, "timeoutSeconds": 10 });
    assert_eq!(app.post_pause_with(&app.key, &body).await.status(), 201);
}

#[tokio::test]
async fn an_expired_pause_pauses_its_agent_and_the_checkpoint_is_told() {
    let app = spawn_app().await;
    beat_ok(&app, "a", json!({ "state": "waiting" })).await;
    beat_ok(&app, "b", json!({})).await;
    expiring_pause(&app, "a").await;
    app.clock.advance_secs(11);
    assert_eq!(app.sweep().await, 1);
    let read: Value = control(&app, "a", "").await.json().await.unwrap();
    assert_eq!(read["control"], "paused");
    let other: Value = control(&app, "b", "").await.json().await.unwrap();
    assert_eq!(other["control"], "running");
    assert_eq!(
        app.audit_events("a"),
        [("agent.paused".to_string(), "system".to_string())]
    );
}

#[tokio::test]
async fn with_the_setting_off_an_expired_pause_leaves_its_agent_running() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser.get("/agents").await.text().await.unwrap();
    assert!(html.contains(r#"<strong id="pause-on-expiry">is paused</strong>"#));
    let res = browser
        .post_html_form("/agents/settings", &[("pause_on_expiry", "off")])
        .await;
    assert_eq!(res.status(), 303);
    let html = browser.get("/agents").await.text().await.unwrap();
    assert!(html.contains(r#"<strong id="pause-on-expiry">goes on</strong>"#));
    expiring_pause(&app, "a").await;
    app.clock.advance_secs(11);
    app.sweep().await;
    let read: Value = control(&app, "a", "").await.json().await.unwrap();
    assert_eq!(read["control"], "running");
    let changed = "SELECT count(*) FROM audit_log WHERE event = 'workspace.settings_changed'
                   AND details LIKE '%pauseAgentOnExpiry%'";
    assert_eq!(app.count(changed), 1);
}

#[tokio::test]
async fn an_approver_cannot_change_the_expiry_setting() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "starter");
    app.add_user(
        1,
        "approver@example.com",
        holdpoint::domain::users::Role::Approver,
    );
    let browser = app.sign_in("approver@example.com").await;
    let html = browser.get("/agents").await.text().await.unwrap();
    assert!(!html.contains("/agents/settings"));
    let res = browser
        .post_html_form("/agents/settings", &[("pause_on_expiry", "off")])
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn the_approvers_who_were_emailed_get_one_expired_email_with_a_link_to_the_agent() {
    use crate::mail_support::{list, wait_for_files};
    use crate::settle::outbox_settled;
    let app = spawn_app().await;
    beat_ok(&app, "billing-bot-7", json!({})).await;
    expiring_pause(&app, "billing-bot-7").await;
    let plain = json!({ "action": "No agent here", "timeoutSeconds": 10 });
    assert_eq!(app.post_pause_with(&app.key, &plain).await.status(), 201);
    let dir = app.dir.path().join("mail");
    wait_for_files(&dir, 2).await;
    outbox_settled(&app).await;
    app.clock.advance_secs(11);
    assert_eq!(app.sweep().await, 2);
    outbox_settled(&app).await;
    let mails = wait_for_files(&dir, 3).await;
    outbox_settled(&app).await;
    assert_eq!(
        list(&dir).len(),
        3,
        "one expired email, only for the agent's pause"
    );
    let expired: Vec<_> = mails
        .iter()
        .filter(|m| {
            m.header("Subject")
                .starts_with("Expired without a decision")
        })
        .collect();
    assert_eq!(expired.len(), 1);
    let m = expired[0];
    assert_eq!(
        m.header("Subject"),
        "Expired without a decision: Pay invoice 118"
    );
    assert_eq!(m.header("To"), app.owner_email);
    assert!(m
        .text
        .contains(&format!("The agent: {}", app.url("/agents/billing-bot-7"))));
    assert!(m.text.contains("The agent is paused"));
    assert!(m
        .html
        .contains(&format!("href=\"{}\"", app.url("/agents/billing-bot-7"))));
}
