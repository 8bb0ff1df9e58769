//! The dashboard's Agents page: the fleet with its live fragment, the buttons and the guidance
//! box, the confirmed emergency stop, and one agent's timeline.

use serde_json::{json, Value};

use crate::agent_support::*;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_agents_page_lists_the_fleet_with_state_tool_progress_and_pending_pauses() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let report = json!({ "state": "acting", "tool": "<b>web_search</b>", "progress": 40 });
    beat_ok(&app, "scout-1", report).await;
    watch_id_of(&app, "scout-1", "r1").await;
    let page = browser.get("/agents").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<a href="/agents" aria-current="page">Agents</a>"#));
    assert!(html.contains(r#"<a href="/agents/scout-1">scout-1</a>"#));
    assert!(
        html.contains("&#60;b&#62;web_search&#60;/b&#62;"),
        "escaped: {html}"
    );
    assert!(!html.contains("<b>web_search"));
    assert!(html.contains(r#"<progress max="100" value="40" aria-label="Progress of scout-1">"#));
    assert!(html.contains("1 pending"));
    assert!(html.contains(r#"action="/agents/scout-1/pause""#));
    assert!(html.contains(r#"name="confirm" value="yes" required"#));
    let items = browser.get("/agents/items").await.text().await.unwrap();
    assert!(items.contains(r#"id="agent-scout-1""#) && !items.contains("<html"));
    assert_eq!(
        app.api
            .get(app.url("/agents/items"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
}

#[tokio::test]
async fn the_buttons_pause_guide_resume_and_cancel_an_agent_as_the_signed_in_person() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    beat_ok(&app, "a", json!({ "run": "r1" })).await;
    let res = browser.post_html_form("/agents/a/pause", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/agents");
    let read: Value = control(&app, "a", "").await.json().await.unwrap();
    assert_eq!(read["control"], "paused");
    let html = browser.get("/agents").await.text().await.unwrap();
    assert!(html.contains("Paused a: it waits at its next checkpoint."));
    assert!(html.contains(r#"action="/agents/a/resume""#));

    let fields = [
        ("message", "Skip the LinkedIn results"),
        ("next", "/agents/a"),
    ];
    let res = browser.post_html_form("/agents/a/guide", &fields).await;
    assert_eq!(res.headers()["location"], "/agents/a");
    let read: Value = control(&app, "a", "?after=0").await.json().await.unwrap();
    assert_eq!(read["guidance"][0]["message"], "Skip the LinkedIn results");
    let too_long = "x".repeat(4001);
    browser
        .post_html_form("/agents/a/guide", &[("message", &too_long)])
        .await;
    let html = browser.get("/agents").await.text().await.unwrap();
    assert!(html.contains("`message` must have 1 to 4000 characters (got 4001)"));

    browser.post_html_form("/agents/a/resume", &[]).await;
    browser.post_html_form("/agents/a/cancel", &[]).await;
    let read: Value = control(&app, "a", "").await.json().await.unwrap();
    assert_eq!(read["control"], "cancelled");
    let audit = app.audit_events("a");
    let names: Vec<&str> = audit.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        names,
        [
            "agent.paused",
            "agent.guided",
            "agent.resumed",
            "agent.cancelled"
        ]
    );
    assert!(audit.iter().all(|(_, actor)| actor == "user"));

    let page = browser.get("/agents/a").await.text().await.unwrap();
    for line in [
        "Cancelled by owner@example.com",
        "Guidance from owner@example.com: Skip the LinkedIn results",
        "Paused by owner@example.com",
    ] {
        assert!(page.contains(line), "{line}");
    }
    assert_eq!(browser.get("/agents/nobody").await.status(), 404);
}

#[tokio::test]
async fn the_emergency_stop_needs_its_confirmation_and_can_be_lifted() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    beat_ok(&app, "a", json!({})).await;
    browser.post_html_form("/agents/stop-all", &[]).await;
    let html = browser.get("/agents").await.text().await.unwrap();
    assert!(html.contains("Tick the box to confirm the emergency stop"));
    let read: Value = control(&app, "a", "").await.json().await.unwrap();
    assert_eq!(read["control"], "running");

    browser
        .post_html_form("/agents/stop-all", &[("confirm", "yes")])
        .await;
    let read: Value = control(&app, "a", "").await.json().await.unwrap();
    assert_eq!(read["control"], "paused");
    let html = browser.get("/agents").await.text().await.unwrap();
    assert!(html.contains("Emergency stop is on"));
    browser.post_html_form("/agents/resume-all", &[]).await;
    let read: Value = control(&app, "a", "").await.json().await.unwrap();
    assert_eq!(read["control"], "running");
    assert_eq!(browser.get("/agents/stop-all").await.status(), 405);
}
