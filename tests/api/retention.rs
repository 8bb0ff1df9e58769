//! Retention: with "purge contexts after N days" set, housekeeping replaces the context of
//! pauses decided (or expired) more than N days ago by a marker; newer and pending pauses keep
//! theirs, and the audit log only grows.

use serde_json::{json, Value};

use crate::helpers::{spawn_app_without_email, Browser, TestApp};
use crate::manage_keys::post_without_csrf;

const DAY: i64 = 86_400;

async fn set_retention(browser: &Browser, days: &str) -> reqwest::Response {
    let fields = [
        ("name", "Default"),
        ("default_timeout_secs", ""),
        ("reject_reason_required", "no"),
        ("context_retention_days", days),
    ];
    browser.post_form("/settings", &fields).await
}

async fn create(app: &TestApp, action: &str, timeout: i64) -> String {
    app.create_watch_id(json!({ "action": action, "context": { "customer": "ada@example.com" }, "timeoutSeconds": timeout }))
        .await
}

async fn read(app: &TestApp, watch_id: &str) -> Value {
    let res = app.get_pause(watch_id).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn audit_rows(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM audit_log")
}

#[tokio::test]
async fn with_30_day_retention_a_31_day_old_decision_loses_its_context_and_newer_ones_keep_it() {
    let app = spawn_app_without_email().await;
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(set_retention(&browser, "30").await.status(), 303);

    let old = create(&app, "Approved long ago", 900).await;
    assert_eq!(browser.decide(&old, true, Some("fine")).await.status(), 200);
    let expired = create(&app, "Expired long ago", 10).await;
    app.clock.advance_secs(20);
    assert_eq!(app.sweep().await, 1);
    app.clock.advance_secs(2 * DAY);
    let recent = create(&app, "Cancelled 29 days before the purge", 900).await;
    assert_eq!(app.cancel_pause(&app.key, &recent).await.status(), 200);
    app.clock.advance_secs(29 * DAY);
    let pending = create(&app, "Still waiting", 900).await;
    let (audits_before, old_audits) = (audit_rows(&app), app.audit_events(&old));

    app.housekeeping().await;

    for id in [&old, &expired] {
        let p = read(&app, id).await;
        assert_eq!(p["context"], Value::Null, "{p}");
        assert!(p["contextPurgedAt"].is_string(), "{p}");
    }
    let p = read(&app, &old).await;
    assert_eq!(
        (p["status"].as_str(), p["reason"].as_str()),
        (Some("approved"), Some("fine"))
    );
    for id in [&recent, &pending] {
        let p = read(&app, id).await;
        assert_eq!(
            p["context"],
            json!({ "customer": "ada@example.com" }),
            "{p}"
        );
        assert!(p.get("contextPurgedAt").is_none(), "{p}");
    }
    // The pause's own audit rows stay; the purge adds one row for its batch.
    assert_eq!(app.audit_events(&old), old_audits);
    assert_eq!(audit_rows(&app), audits_before + 1);
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = 'pause.context_purged'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(
        (
            details["pauses"].as_i64(),
            details["retention_days"].as_i64()
        ),
        (Some(2), Some(30))
    );

    let page = app
        .sign_in(&app.owner_email)
        .await
        .get(&format!("/pauses/{old}"))
        .await;
    assert!(page.text().await.unwrap().contains("id=\"context-purged\""));

    // Nothing left to purge: a second run writes no purge row.
    app.housekeeping().await;
    let purges = "SELECT count(*) FROM audit_log WHERE event = 'pause.context_purged'";
    assert_eq!(app.count(purges), 1);
}

#[tokio::test]
async fn without_a_retention_setting_every_context_is_kept() {
    let app = spawn_app_without_email().await;
    let browser = app.sign_in(&app.owner_email).await;
    let id = create(&app, "Kept", 900).await;
    assert_eq!(browser.decide(&id, false, Some("no")).await.status(), 200);
    app.clock.advance_secs(400 * DAY);
    app.housekeeping().await;
    assert_eq!(
        read(&app, &id).await["context"],
        json!({ "customer": "ada@example.com" })
    );
}

#[tokio::test]
async fn the_retention_setting_is_validated_csrf_protected_and_audited() {
    let app = spawn_app_without_email().await;
    let browser = app.sign_in(&app.owner_email).await;
    for bad in ["0", "3651", "a month"] {
        let res = set_retention(&browser, bad).await;
        assert_eq!(res.status(), 422, "{bad}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("whole number of days from 1 to 3650"),
            "{bad}"
        );
        assert!(
            html.contains(&format!("value=\"{bad}\"")),
            "the typed value is kept"
        );
    }
    let forged = [
        ("name", "Default"),
        ("reject_reason_required", "no"),
        ("context_retention_days", "1"),
    ];
    assert_eq!(
        post_without_csrf(&browser, "/settings", &forged)
            .await
            .status(),
        403
    );
    let stored =
        || app.count("SELECT coalesce(context_retention_days, 0) FROM workspaces WHERE id = 1");
    assert_eq!(stored(), 0);

    assert_eq!(set_retention(&browser, "30").await.status(), 303);
    assert_eq!(stored(), 30);
    assert!(browser
        .get("/settings")
        .await
        .text()
        .await
        .unwrap()
        .contains("value=\"30\""));
    let details: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = 'workspace.settings_changed'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["before"]["context_retention_days"], Value::Null);
    assert_eq!(details["after"]["context_retention_days"], 30);
}
