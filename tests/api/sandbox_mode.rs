//! The dashboard's "Test data" switch: a session sees live pauses or test pauses (made with
//! `hitl_test_` keys), never both; every page says which; a test pause's own page opens in
//! either mode and says it is test data.

use serde_json::{json, Value};

use crate::helpers::{spawn_app_without_email, Browser, TestApp};
use crate::manage_keys::post_without_csrf;

const BANNER: &str = "id=\"mode-banner\"";

/// One live pending pause and two test ones; returns (live, [test, test]) watchIds.
async fn pauses(app: &TestApp) -> (String, Vec<String>) {
    let test_key = app.create_key(1, true);
    let live = app
        .create_watch_id(json!({ "action": "live-deploy" }))
        .await;
    let mut tests = Vec::new();
    for action in ["test-deploy-1", "test-deploy-2"] {
        let res = app
            .post_pause_with(&test_key, &json!({ "action": action }))
            .await;
        let pause: Value = res.json().await.unwrap();
        tests.push(pause["watchId"].as_str().unwrap().to_string());
    }
    (live, tests)
}

async fn html(b: &Browser, path: &str) -> String {
    let res = b.get(path).await;
    assert_eq!(res.status(), 200, "GET {path}");
    res.text().await.unwrap()
}

async fn switch(b: &Browser, on: &str, back: &str) -> reqwest::Response {
    b.post_form("/mode", &[("test", on), ("back", back)]).await
}

/// Every listing page of `b`'s current mode: shows only that mode's pauses and says the mode.
async fn pages_show_only(b: &Browser, test: bool) {
    let (shown, hidden) = match test {
        true => ("test-deploy-1", "live-deploy"),
        false => ("live-deploy", "test-deploy-1"),
    };
    for path in ["/", "/history"] {
        let page = html(b, path).await;
        assert!(page.contains(shown), "{path} in test mode {test}");
        assert!(!page.contains(hidden), "{path} in test mode {test}");
        let pending = if test { "2" } else { "1" };
        if path == "/" {
            let count = format!("<span class=\"count\" id=\"pending-count\">{pending}</span>");
            assert!(page.contains(&count), "the queue's count is of its mode");
        }
    }
    let items = b.get("/queue/items").await;
    let mode = if test { "test" } else { "live" };
    assert_eq!(items.headers()["x-mode"], mode);
    assert_eq!(
        items.headers()["x-pending-count"],
        if test { "2" } else { "1" }
    );
    let items = items.text().await.unwrap();
    assert!(items.contains(shown) && !items.contains(hidden));
    let usage = html(b, "/usage").await;
    let created = if test { "2" } else { "1" };
    assert!(usage.contains(&format!("<dt>Created</dt><dd>{created}</dd>")));
    assert_eq!(usage.contains("id=\"test-quota\""), test);
    for path in [
        "/",
        "/history",
        "/usage",
        "/audit",
        "/webhooks",
        "/keys",
        "/account",
    ] {
        let page = html(b, path).await;
        assert_eq!(
            page.contains(BANNER),
            test,
            "{path}: the banner in test mode only"
        );
        // A toggle: its label stays "Test data", its state is aria-pressed.
        let label = format!(
            r#"aria-pressed="{test}" title="{}"><span class="track" aria-hidden="true"></span>Test data</button>"#,
            if test {
                "Back to live data"
            } else {
                "Show test pauses (made with test keys) instead of live ones"
            }
        );
        assert!(
            page.contains(&label),
            "{path}: the switch is pressed: {test}"
        );
        assert!(page.contains(&format!("data-mode=\"{mode}\"")), "{path}");
    }
}

#[tokio::test]
async fn each_page_shows_live_pauses_until_test_data_is_on_and_then_only_test_pauses() {
    let app = spawn_app_without_email().await;
    pauses(&app).await;
    let b = app.sign_in(&app.owner_email).await;
    pages_show_only(&b, false).await;
    let res = switch(&b, "on", "/history?status=pending").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/history?status=pending");
    pages_show_only(&b, true).await;
    assert_eq!(switch(&b, "off", "/").await.status(), 303);
    pages_show_only(&b, false).await;
}

#[tokio::test]
async fn the_audit_page_lists_both_modes_and_says_so() {
    let app = spawn_app_without_email().await;
    let (live, tests) = pauses(&app).await;
    let b = app.sign_in(&app.owner_email).await;
    for on in ["off", "on"] {
        switch(&b, on, "/").await;
        let audit = html(&b, "/audit").await;
        assert!(audit.contains("id=\"audit-modes\""));
        for id in [&live, &tests[0]] {
            assert!(audit.contains(id.as_str()), "{on}: {id}");
        }
    }
}

#[tokio::test]
async fn the_switch_needs_the_csrf_token_and_goes_back_only_to_a_local_page() {
    let app = spawn_app_without_email().await;
    let b = app.sign_in(&app.owner_email).await;
    for token in [None, Some("wrong")] {
        let mut fields = vec![("test", "on"), ("back", "/")];
        fields.extend(token.map(|t| ("csrf_token", t)));
        let res = post_without_csrf(&b, "/mode", &fields).await;
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("CSRF token"));
    }
    assert!(!html(&b, "/").await.contains(BANNER), "still live");
    assert_eq!(
        app.count("SELECT count(*) FROM sessions WHERE test_mode = 1"),
        0
    );
    for back in ["https://evil.example/", "//evil.example/x", ""] {
        let res = switch(&b, "on", back).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/", "back={back}");
    }
    let res = switch(&b, "maybe", "/").await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("`on` or `off`"));
    assert!(
        html(&b, "/").await.contains(BANNER),
        "unchanged by the refusal"
    );
    let signed_out = Browser::new(&app.address);
    let res = post_without_csrf(&signed_out, "/mode", &[("test", "on")]).await;
    assert_eq!(res.headers()["location"], "/login");
}

#[tokio::test]
async fn the_mode_belongs_to_one_browser_session_and_a_new_sign_in_starts_live() {
    let app = spawn_app_without_email().await;
    pauses(&app).await;
    let laptop = app.sign_in(&app.owner_email).await;
    let phone = app.sign_in(&app.owner_email).await;
    switch(&laptop, "on", "/").await;
    assert!(html(&laptop, "/").await.contains("test-deploy-1"));
    let other = html(&phone, "/").await;
    assert!(other.contains("live-deploy") && !other.contains(BANNER));
    let again = app.sign_in(&app.owner_email).await;
    assert!(!html(&again, "/").await.contains(BANNER));
}

#[tokio::test]
async fn a_test_pause_page_opens_in_either_mode_and_says_it_is_test_data() {
    let app = spawn_app_without_email().await;
    let (live, tests) = pauses(&app).await;
    let b = app.sign_in(&app.owner_email).await;
    let note = "id=\"test-data\"";
    let test_page = html(&b, &format!("/pauses/{}", tests[0])).await;
    assert!(test_page.contains(note) && test_page.contains("turn Test data on"));
    assert!(!html(&b, &format!("/pauses/{live}")).await.contains(note));
    switch(&b, "on", "/").await;
    let test_page = html(&b, &format!("/pauses/{}", tests[0])).await;
    assert!(test_page.contains(note) && !test_page.contains("turn Test data on"));
    assert!(test_page.contains(BANNER));
    let live_page = html(&b, &format!("/pauses/{live}")).await;
    assert!(live_page.contains("live-deploy") && !live_page.contains(note));
}

#[tokio::test]
async fn the_history_key_filter_offers_only_the_keys_of_the_mode() {
    let app = spawn_app_without_email().await;
    pauses(&app).await;
    let b = app.sign_in(&app.owner_email).await;
    let option = |html: &str, test: bool| {
        let prefix = if test { "hitl_test_" } else { "hitl_live_" };
        html.contains(&format!("({prefix}"))
    };
    let live = html(&b, "/history").await;
    assert!(option(&live, false) && !option(&live, true));
    switch(&b, "on", "/").await;
    let test = html(&b, "/history").await;
    assert!(option(&test, true) && !option(&test, false));
}

#[tokio::test]
async fn a_page_that_answers_a_form_sends_the_switch_back_to_its_nav_page_not_to_the_post() {
    let app = spawn_app_without_email().await;
    let b = app.sign_in(&app.owner_email).await;
    let fields = [
        ("url", "http://127.0.0.1:9/hook"),
        ("events", "pause.created"),
    ];
    let created = b
        .post_form("/webhooks", &fields)
        .await
        .text()
        .await
        .unwrap();
    assert!(created.contains("name=\"back\" value=\"/webhooks\""));
    let rotated = b
        .post_form("/webhooks/1/rotate", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        rotated.contains("name=\"back\" value=\"/webhooks\""),
        "{rotated}"
    );
    let history = html(&b, "/history?status=pending").await;
    assert!(history.contains("name=\"back\" value=\"/history?status=pending\""));
}
