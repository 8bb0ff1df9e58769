use std::sync::Arc;

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::audit_export::exports;
use crate::helpers::{spawn_app_in, Browser, TestApp};

/// 2026-11-10T12:00:00Z.
const NOV_10: i64 = 1_794_312_000_000;
const DAY: i64 = 86_400;

/// Workspace 1's log: set-up rows and two pauses on Nov 10, a pause on Nov 12, a sign-in and an
/// approval on Nov 13. Workspace B gets a key and a pause on Nov 12.
pub struct Scene {
    pub app: TestApp,
    pub browser: Browser,
    pub nov10: Vec<String>,
    pub nov12: String,
    pub other: String,
}

pub async fn scene() -> Scene {
    let app = spawn_app_in(Arc::new(TempDir::new().unwrap()), NOV_10).await;
    let id = |v: Value| v["watchId"].as_str().unwrap().to_string();
    let nov10 = vec![
        id(app.create_pause("a").await),
        id(app.create_pause("b").await),
    ];
    app.clock.advance_secs(2 * DAY);
    let long = json!({ "action": "c", "timeoutSeconds": 3 * DAY });
    let nov12 = id(app
        .post_pause_with(&app.key, &long)
        .await
        .json()
        .await
        .unwrap());
    let ws_b = app.create_workspace("B", "free");
    let key_b = app.create_key(ws_b, false);
    let other = id(app
        .post_pause_with(&key_b, &json!({ "action": "b's" }))
        .await
        .json()
        .await
        .unwrap());
    app.clock.advance_secs(DAY);
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.decide(&nov12, true, Some("ok")).await.status(), 200);
    Scene {
        app,
        browser,
        nov10,
        nov12,
        other,
    }
}

/// The page's text with HTML's character references undone, to compare with plain text.
pub fn unescape(html: &str) -> String {
    [
        ("&#60;", "<"),
        ("&#62;", ">"),
        ("&#39;", "'"),
        ("&#34;", "\""),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(html.to_string(), |s, (from, to)| s.replace(from, to))
}

pub fn page_rows(html: &str) -> usize {
    html.matches("<th scope=\"row\" data-label=\"Event\"><code>")
        .count()
}

#[tokio::test]
async fn filtering_by_event_shows_and_exports_exactly_those_rows() {
    let s = scene().await;
    let html = s
        .browser
        .get("/audit?event=pause.created")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page_rows(&html), 3);
    assert!(html.contains("<option value=\"pause.created\" selected>"));
    for id in s.nov10.iter().chain([&s.nov12]) {
        assert!(html.contains(id.as_str()));
    }
    assert!(
        !html.contains(&s.other),
        "workspace B's pause never appears"
    );
    assert!(html.contains("/audit/export.csv?event=pause.created"));

    let (csv, jsonl) = exports(&s.browser, "event=pause.created").await;
    let mut expected: Vec<&str> = vec![&s.nov12, &s.nov10[1], &s.nov10[0]];
    assert_eq!(
        csv.iter().map(|r| &r[6]).collect::<Vec<_>>(),
        expected,
        "newest first"
    );
    assert!(csv
        .iter()
        .all(|r| &r[5] == "pause.created" && &r[2] == "key" && r[4].contains("test key")));
    expected.sort();
    let mut subjects: Vec<&str> = jsonl
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    subjects.sort();
    assert_eq!(subjects, expected);
    assert!(jsonl
        .iter()
        .all(|r| r["event"] == "pause.created" && r["at"].as_str().unwrap().ends_with('Z')));
}

#[tokio::test]
async fn filtering_by_date_range_uses_whole_utc_days() {
    let s = scene().await;
    let html = s
        .browser
        .get("/audit?from=2026-11-12&to=2026-11-12")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        page_rows(&html),
        1,
        "only the Nov 12 pause of this workspace"
    );
    assert!(html.contains(&s.nov12) && !html.contains(&s.other));

    let (csv, jsonl) = exports(
        &s.browser,
        "from=2026-11-10&to=2026-11-12&event=pause.created",
    )
    .await;
    assert_eq!(csv.len(), 3);
    assert_eq!(jsonl.len(), 3);
    let (csv, jsonl) = exports(&s.browser, "from=2026-11-13").await;
    let events: Vec<&str> = csv.iter().map(|r| &r[5]).collect();
    assert_eq!(events, ["pause.approved", "auth.signed_in"]);
    assert_eq!(
        jsonl[0]["details"],
        json!({ "reason": "ok", "via": "api", "auth": "password" })
    );
    assert_eq!(jsonl[0]["actor"], "owner@example.com");
}

#[tokio::test]
async fn filtering_by_actor_accepts_types_ids_and_emails() {
    let s = scene().await;
    let by_cli = s
        .browser
        .get("/audit?actor=cli")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        page_rows(&by_cli),
        2,
        "the key and the owner were added from the CLI"
    );
    let by_email = s
        .browser
        .get("/audit?actor=owner%40example.com")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page_rows(&by_email), 2);
    assert!(by_email.contains("auth.signed_in") && by_email.contains("pause.approved"));
    let by_key = s
        .browser
        .get("/audit?actor=key%3A1&event=pause.created")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page_rows(&by_key), 3);
    assert!(by_key.contains("key “test key” (hitl_live_"));
}

#[tokio::test]
async fn a_bad_filter_is_explained_on_the_page_and_exports_nothing() {
    let s = scene().await;
    for (query, message) in [
        (
            "actor=robot",
            "An actor is user:<id>, key:<id>, system, cli, or a user's email",
        ),
        (
            "actor=someone%40else.com",
            "No user `someone@else.com` in this workspace",
        ),
        ("from=11%2F12%2F2026", "must look like 2026-11-15"),
        ("from=2026-11-13&to=2026-11-12", "before the “from” date"),
    ] {
        let res = s.browser.get(&format!("/audit?{query}")).await;
        assert_eq!(res.status(), 422, "{query}");
        let html = unescape(&res.text().await.unwrap());
        assert!(html.contains(message), "{query}: expected {message:?}");
        assert!(
            html.contains("aria-invalid=\"true\""),
            "{query}: the field is marked"
        );
        assert!(!html.contains("No audit rows match"));
        assert_eq!(page_rows(&html), 0);
        let export = s.browser.get(&format!("/audit/export.csv?{query}")).await;
        assert_eq!(export.status(), 422);
        assert!(export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
}

#[tokio::test]
async fn the_log_is_paginated_50_rows_at_a_time_keeping_the_filter() {
    let s = scene().await;
    add_rows(&s.app, 60, "bulk", json!({}));
    let first = unescape(
        &s.browser
            .get("/audit?event=test.note")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(page_rows(&first), 50);
    assert!(first.contains("Page 1 of 2"));
    assert!(first.contains("href=\"/audit?event=test.note&page=2\""));
    let second = unescape(
        &s.browser
            .get("/audit?event=test.note&page=2")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(page_rows(&second), 10);
    assert!(second.contains("href=\"/audit?event=test.note&page=1\""));
    assert_eq!(s.browser.get("/audit?page=0").await.status(), 422);
}

/// Rows of an event no Holdpoint writes (`test.note`, written straight into the table): the
/// log shows and filters whatever it holds.
pub fn add_rows(app: &TestApp, n: usize, subject: &str, details: Value) {
    let now = app.now();
    app.with_db(|c| {
        for _ in 0..n {
            c.execute(
                "INSERT INTO audit_log (workspace_id, at, actor_type, actor_id, event, subject, details)
                 VALUES (1, ?1, 'system', NULL, 'test.note', ?2, ?3)",
                holdpoint::db::sql::params![now, subject, details.to_string()],
            )?;
        }
        Ok(())
    })
    .unwrap();
}
