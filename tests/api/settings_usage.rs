use std::sync::Arc;

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::helpers::{spawn_app, spawn_app_in, Browser, TestApp};
use crate::manage_keys::post_without_csrf;

/// 2026-11-15T12:00:00Z: mid-month, so advancing the clock by hours stays in November.
const MID_NOVEMBER: i64 = 1_794_744_000_000;

fn settings_row(app: &TestApp) -> (String, Option<i64>, bool) {
    app.with_db(|c| {
        Ok(c.query_row(
            "SELECT name, default_timeout_secs, reject_reason_required FROM workspaces WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    })
    .unwrap()
}

fn settings_audits(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM audit_log WHERE event = 'workspace.settings_changed'")
}

async fn save(browser: &Browser, name: &str, timeout: &str, reason: &str) -> reqwest::Response {
    let fields = [
        ("name", name),
        ("default_timeout_secs", timeout),
        ("reject_reason_required", reason),
    ];
    browser.post_form("/settings", &fields).await
}

/// Seconds from `createdAt` to `expiresAt` of a pause created now with no timeout of its own.
async fn next_pause_timeout(app: &TestApp) -> i64 {
    let pause = app.create_pause("Deploy").await;
    let at = |f: &str| {
        let rfc3339 = &time::format_description::well_known::Rfc3339;
        time::OffsetDateTime::parse(pause[f].as_str().unwrap(), rfc3339).unwrap()
    };
    (at("expiresAt") - at("createdAt")).whole_seconds()
}

#[tokio::test]
async fn saved_settings_persist_and_are_audited_with_before_and_after() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let res = save(&browser, "Acme Ops", "120", "yes").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/settings");
    assert_eq!(
        settings_row(&app),
        ("Acme Ops".to_string(), Some(120), true)
    );

    let page = browser.get("/settings").await.text().await.unwrap();
    assert!(page.contains("Settings saved."));
    assert!(page.contains("value=\"Acme Ops\"") && page.contains("value=\"120\""));
    assert!(page.contains("value=\"yes\" checked"));

    let details: String = app
        .with_db(|c| {
            let sql = "SELECT details FROM audit_log WHERE event = 'workspace.settings_changed' AND actor_type = 'user'";
            Ok(c.query_row(sql, [], |r| r.get(0))?)
        })
        .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(
        details["before"],
        json!({ "name": "Default", "default_timeout_secs": null, "reject_reason_required": false, "slack": false, "context_retention_days": null })
    );
    assert_eq!(
        details["after"],
        json!({ "name": "Acme Ops", "default_timeout_secs": 120, "reject_reason_required": true, "slack": false, "context_retention_days": null })
    );

    // Saving the same values again changes and logs nothing.
    save(&browser, "Acme Ops", "120", "yes").await;
    assert!(browser
        .get("/settings")
        .await
        .text()
        .await
        .unwrap()
        .contains("Nothing changed."));
    assert_eq!(settings_audits(&app), 1);
}

#[tokio::test]
async fn the_default_timeout_applies_to_the_next_pause_and_empty_restores_the_servers() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(next_pause_timeout(&app).await, 900);
    save(&browser, "Default", "120", "no").await;
    assert_eq!(next_pause_timeout(&app).await, 120);
    save(&browser, "Default", "", "no").await;
    assert_eq!(settings_row(&app), ("Default".to_string(), None, false));
    assert_eq!(next_pause_timeout(&app).await, 900);
}

#[tokio::test]
async fn requiring_a_reason_makes_a_bare_rejection_fail() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    save(&browser, "Default", "", "yes").await;
    let watch_id = app.create_pause("Drop table").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(browser.decide(&watch_id, false, None).await.status(), 422);
    assert_eq!(app.stored_status(&watch_id), "pending");
}

#[tokio::test]
async fn invalid_settings_show_a_message_keep_the_input_and_write_nothing() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    for (name, timeout, message) in [
        ("Acme", "5", "10 to 2592000 seconds"),
        ("Acme", "2592001", "10 to 2592000 seconds"),
        ("Acme", "ten minutes", "a whole number of seconds"),
        ("   ", "60", "A workspace name has 1 to 200 characters"),
    ] {
        let res = browser
            .post_form(
                "/settings",
                &[
                    ("name", name),
                    ("default_timeout_secs", timeout),
                    ("reject_reason_required", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422, "{timeout:?}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains(message),
            "expected {message:?} for {timeout:?}"
        );
        assert!(html.contains("role=\"alert\"") && html.contains("aria-invalid=\"true\""));
        assert!(
            html.contains(&format!("value=\"{timeout}\"")),
            "the typed value is kept"
        );
    }
    assert_eq!(settings_row(&app), ("Default".to_string(), None, false));
    assert_eq!(settings_audits(&app), 0);
}

#[tokio::test]
async fn a_settings_post_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let fields = [
        ("name", "Forged"),
        ("default_timeout_secs", "60"),
        ("reject_reason_required", "yes"),
    ];
    assert_eq!(
        post_without_csrf(&browser, "/settings", &fields)
            .await
            .status(),
        403
    );
    assert_eq!(settings_row(&app), ("Default".to_string(), None, false));
    assert_eq!(settings_audits(&app), 0);
}

async fn mid_november_app() -> TestApp {
    spawn_app_in(Arc::new(TempDir::new().unwrap()), MID_NOVEMBER).await
}

fn stat(html: &str, name: &str) -> String {
    let marker = format!("<dt>{name}</dt><dd>");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no stat {name}"))
        + marker.len();
    html[start..start + html[start..].find('<').unwrap()].to_string()
}

#[tokio::test]
async fn usage_counts_created_decided_and_expired_pauses_with_decision_times() {
    let app = mid_november_app().await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            app.create_pause(&format!("p{i}")).await["watchId"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let test_key = app.create_key(1, true);
    assert_eq!(
        app.post_pause_with(&test_key, &json!({ "action": "free" }))
            .await
            .status(),
        201
    );
    let browser = app.sign_in(&app.owner_email).await;
    app.clock.advance_secs(30);
    assert_eq!(
        browser.decide(&ids[0], true, Some("ok")).await.status(),
        200
    );
    app.clock.advance_secs(60);
    assert_eq!(
        browser.decide(&ids[1], false, Some("no")).await.status(),
        200
    );
    // The other two pass their 900 s timeout without a decision.
    app.clock.advance_secs(811);

    let res = browser.get("/usage").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<strong>4 of 50</strong> pauses used this month"));
    assert!(html.contains("46 left"));
    assert_eq!(stat(&html, "Created"), "4");
    assert_eq!(stat(&html, "Approved"), "1");
    assert_eq!(stat(&html, "Rejected"), "1");
    assert_eq!(stat(&html, "Expired"), "2");
    // 30 s and 90 s: the median is their mean, p90 is 30 + 0.9 × 60 = 84 s.
    assert_eq!(stat(&html, "Median time to decision"), "1m 0s");
    assert_eq!(stat(&html, "90th percentile time to decision"), "1m 24s");
    assert!(html.contains("<svg class=\"usage-chart\"") && html.contains("role=\"img\""));
    assert!(html.contains("<title id=\"chart-title\">Pauses per day, November 2026</title>"));
    assert!(html.contains("<title>November 15: 4 created</title>"));
    assert!(html.contains("<title>November 15: 2 expired</title>"));
    // Created, approved, rejected, answered (questions), changes requested (plans), expired.
    assert!(html.contains(
        "<th scope=\"row\">15</th><td>4</td><td>1</td><td>1</td><td>0</td><td>0</td><td>2</td>"
    ));
}

#[tokio::test]
async fn usage_with_no_decisions_shows_dashes_and_the_pro_plan_is_unlimited() {
    let app = mid_november_app().await;
    app.set_billing_plan(1, "pro");
    app.create_pause("waiting").await;
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser.get("/usage").await.text().await.unwrap();
    assert!(html.contains("<strong>1</strong> pauses this month · <strong>unlimited</strong>"));
    assert!(!html.contains("<meter"));
    assert_eq!(stat(&html, "Median time to decision"), "—");
    assert_eq!(stat(&html, "90th percentile time to decision"), "—");
    assert_eq!(stat(&html, "Expired"), "0");
    assert!(html.contains("<svg class=\"usage-chart\""));
}

#[tokio::test]
async fn last_months_pauses_are_not_this_months_usage() {
    let app = mid_november_app().await;
    app.create_pause("november").await;
    app.clock.advance_secs(20 * 86_400);
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser.get("/usage").await.text().await.unwrap();
    assert!(html.contains("December 2026"));
    assert_eq!(stat(&html, "Created"), "0");
    assert!(html.contains("<strong>0 of 50</strong>"));
}
