//! Expiring API keys (issue 21): an expiry set on the keys page, by `holdpoint key create
//! --expires` or as `expiresAt` on the keys API; a key past it gets 401 `key-expired` (the one
//! 401 that says why), checked at each use against the clock; owners get one email per key 7
//! days ahead.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::cli::holdpoint;
use crate::helpers::{assert_problem, spawn_app_in, TestApp};
use crate::mail_support::{list, wait_for_files};
use crate::manage_keys::full_key_in;
use crate::policy::admin_key;
use crate::settle::outbox_settled;
use crate::webhooks_api::send;
use holdpoint::domain::users::Role;

/// 2026-12-07T14:00:00Z.
const NOW: i64 = 1_796_652_000_000;
/// 2026-12-10T23:59:59.999Z: the last millisecond of the 10th.
const END_OF_10TH: i64 = 1_796_947_199_999;
const DAY: i64 = 86_400_000;

async fn app() -> TestApp {
    spawn_app_in(Arc::new(TempDir::new().unwrap()), NOW).await
}

async fn create_pause(app: &TestApp, key: &str) -> reqwest::Response {
    app.post_pause_with(key, &json!({ "action": "deploy" }))
        .await
}

/// A key made on the keys page with the date field set to `date`.
async fn key_from_page(app: &TestApp, date: &str) -> String {
    let browser = app.sign_in(&app.owner_email).await;
    let fields = [
        ("name", "deploy bot"),
        ("kind", "live"),
        ("scope_pauses", "on"),
        ("expires", date),
    ];
    let res = browser.post_form("/keys", &fields).await;
    assert_eq!(res.status(), 200);
    full_key_in(&res.text().await.unwrap()).expect("the new key is shown")
}

#[tokio::test]
async fn a_key_expiring_at_the_end_of_a_day_works_at_its_last_millisecond_and_gets_key_expired_one_later(
) {
    let app = app().await;
    let key = key_from_page(&app, "2026-12-10").await;
    let stored = app.count("SELECT expires_at FROM api_keys WHERE name = 'deploy bot'");
    assert_eq!(stored, END_OF_10TH);

    app.clock.set(END_OF_10TH);
    assert_eq!(create_pause(&app, &key).await.status(), 201);
    // Remembered by the key cache now: the cache must not keep serving it.
    app.clock.set(END_OF_10TH + 1);
    let res = create_pause(&app, &key).await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    let problem = assert_problem(res, 401).await;
    assert_eq!(problem["type"], "/problems/key-expired", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("2026-12-10T23:59:59.999Z"),
        "{problem}"
    );
    let page = app
        .api
        .get(app.url("/problems/key-expired"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
}

#[tokio::test]
async fn a_revoked_or_unknown_key_still_gets_the_generic_401_after_its_expiry() {
    let app = app().await;
    let key = key_from_page(&app, "2026-12-10").await;
    let admin = admin_key(&app, false);
    let id = app.count("SELECT id FROM api_keys WHERE name = 'deploy bot'");
    let res = send(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/keys/{id}"),
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    app.clock.set(END_OF_10TH + 1);
    for bad in [
        key.as_str(),
        "hitl_live_000000000000000000000000000000000000",
    ] {
        let problem = assert_problem(create_pause(&app, bad).await, 401).await;
        assert_eq!(
            problem["type"], "/problems/unauthorized",
            "{bad}: {problem}"
        );
    }
}

#[tokio::test]
async fn the_api_round_trips_expires_at_and_refuses_a_past_or_malformed_one_with_422() {
    let app = app().await;
    let admin = admin_key(&app, false);
    let body = json!({"name": "ci", "expiresAt": "2027-03-31T23:59:59.999Z"});
    let res = send(&app, &admin, Method::POST, "/api/keys", Some(body)).await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    assert_eq!(made["expiresAt"], "2027-03-31T23:59:59.999Z");
    let read: Value = send(&app, &admin, Method::GET, "/api/keys", None)
        .await
        .json()
        .await
        .unwrap();
    let items = read["items"].as_array().unwrap();
    let ci = items.iter().find(|k| k["name"] == "ci").unwrap();
    assert_eq!(ci["expiresAt"], "2027-03-31T23:59:59.999Z");
    let admin_row = items.iter().find(|k| k["name"] == "admin").unwrap();
    assert_eq!(
        admin_row["expiresAt"],
        Value::Null,
        "a key without one never expires"
    );

    let before = app.count("SELECT count(*) FROM api_keys");
    for bad in [
        "2026-12-07T13:59:59.999Z",
        "2026-12-07T14:00:00Z",
        "next week",
        "2027-03-31",
    ] {
        let body = json!({"name": "late", "expiresAt": bad});
        let res = send(&app, &admin, Method::POST, "/api/keys", Some(body)).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["field"], "expiresAt", "{bad}: {problem}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM api_keys"),
        before,
        "nothing made"
    );
}

#[tokio::test]
async fn the_keys_page_refuses_a_past_date_readably_and_makes_nothing() {
    let app = app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let fields = [
        ("name", "old"),
        ("kind", "live"),
        ("scope_pauses", "on"),
        ("expires", "2026-12-06"),
    ];
    assert_eq!(browser.post_form("/keys", &fields).await.status(), 303);
    let page = browser.get("/keys").await.text().await.unwrap();
    assert!(page.contains("is not in the future"), "{page}");
    assert!(page.contains("No key was created."));
    assert_eq!(
        app.count("SELECT count(*) FROM api_keys WHERE name = 'old'"),
        0
    );
}

#[tokio::test]
async fn the_cli_makes_a_key_expiring_in_90_days_or_at_the_end_of_a_date_and_refuses_nonsense() {
    let app = app().await;
    let dir = app.dir.path();
    let before = holdpoint::domain::clock::system_now();
    let (ok, key, err) = holdpoint(
        dir,
        &["key", "create", "--name", "ninety", "--expires", "90d"],
        None,
    );
    assert!(ok, "{err}");
    assert!(key.trim().starts_with("hitl_live_"));
    let after = holdpoint::domain::clock::system_now();
    let at = app.count("SELECT expires_at FROM api_keys WHERE name = 'ninety'");
    assert!((before + 90 * DAY..=after + 90 * DAY).contains(&at), "{at}");

    let (ok, _, err) = holdpoint(
        dir,
        &[
            "key",
            "create",
            "--name",
            "dated",
            "--expires",
            "2099-01-31",
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("working until 2099-01-31T23:59:59.999Z"),
        "{err}"
    );
    let at = app.count("SELECT expires_at FROM api_keys WHERE name = 'dated'");
    assert_eq!(holdpoint::domain::rfc3339(at), "2099-01-31T23:59:59.999Z");

    let (ok, listing, _) = holdpoint(dir, &["key", "list"], None);
    assert!(
        ok && listing.lines().next().unwrap().contains("EXPIRES"),
        "{listing}"
    );
    assert!(listing.contains("2099-01-31T23:59:59.999Z"), "{listing}");

    let count = app.count("SELECT count(*) FROM api_keys");
    for bad in ["2001-01-01", "soon", "0d"] {
        let (ok, out, err) = holdpoint(dir, &["key", "create", "--expires", bad], None);
        assert!(!ok && out.is_empty(), "{bad}: {out}");
        assert!(err.contains("--expires"), "{bad}: {err}");
    }
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), count);
}

/// Runs the warning sweep now; returns the warning emails queued so far.
async fn warn(app: &TestApp) -> i64 {
    holdpoint::jobs::warn_expiring_keys(&app.app_state.services())
        .await
        .unwrap();
    app.count("SELECT count(*) FROM outbox WHERE event = 'key.expiry_warned'")
}

#[tokio::test]
async fn the_owners_get_one_email_per_key_seven_days_before_it_expires_and_never_twice() {
    let app = app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(1, "second-owner@example.com", Role::Owner);
    app.add_user(1, "admin@example.com", Role::Admin);
    app.add_user(1, "approver@example.com", Role::Approver);
    let admin = admin_key(&app, false);
    let body = json!({"name": "nightly", "expiresAt": holdpoint::domain::rfc3339(NOW + 10 * DAY)});
    assert_eq!(
        send(&app, &admin, Method::POST, "/api/keys", Some(body))
            .await
            .status(),
        201
    );

    app.clock.set(NOW + 3 * DAY - 1);
    assert_eq!(warn(&app).await, 0, "more than 7 days ahead");
    app.clock.set(NOW + 3 * DAY);
    assert_eq!(warn(&app).await, 2, "one email per owner");
    app.clock.set(NOW + 4 * DAY);
    assert_eq!(warn(&app).await, 2, "never twice");

    let dir = app.dir.path().join("mail");
    let mails = wait_for_files(&dir, 2).await;
    outbox_settled(&app).await;
    assert_eq!(list(&dir).len(), 2);
    let mut to: Vec<String> = mails.iter().map(|m| m.header("To")).collect();
    to.sort();
    assert_eq!(to, ["owner@example.com", "second-owner@example.com"]);
    assert!(mails[0].text.contains("\"nightly\""), "{}", mails[0].text);
    assert!(
        mails[0].text.contains("2026-12-17 14:00 UTC"),
        "{}",
        mails[0].text
    );
    let audited = app.audit_events(
        &app.count("SELECT id FROM api_keys WHERE name = 'nightly'")
            .to_string(),
    );
    let warned = audited
        .iter()
        .filter(|(e, _)| e == "key.expiry_warned")
        .count();
    assert_eq!(warned, 1, "{audited:?}");
}

#[tokio::test]
async fn a_key_made_with_less_than_a_week_left_is_warned_at_the_next_sweep_and_a_revoked_one_never()
{
    let app = app().await;
    let admin = admin_key(&app, false);
    for name in ["soon", "revoked"] {
        let body = json!({"name": name, "expiresAt": holdpoint::domain::rfc3339(NOW + 2 * DAY)});
        assert_eq!(
            send(&app, &admin, Method::POST, "/api/keys", Some(body))
                .await
                .status(),
            201
        );
    }
    let revoked = app.count("SELECT id FROM api_keys WHERE name = 'revoked'");
    let res = send(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/keys/{revoked}"),
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    assert_eq!(warn(&app).await, 1);
    let warned = "SELECT count(*) FROM api_keys WHERE expiry_warned_at IS NOT NULL";
    assert_eq!(app.count(warned), 1);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM api_keys WHERE name = 'soon' AND expiry_warned_at IS NOT NULL"
        ),
        1
    );
}
