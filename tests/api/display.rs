//! Each reader's display: the theme (system, light, dark) rendered as `<html data-theme>`, and
//! the time zone pages show times in: the account's setting, else the browser's `tz` cookie,
//! else UTC and saying so. The History date filter reads days in that zone.

use std::sync::Arc;

use serde_json::json;

use crate::helpers::{spawn_app, Browser, TestApp, PASSWORD};

/// 2026-12-07 08:14:00 UTC: 09:14 CET in Paris, 17:14 JST in Tokyo.
const MORNING: i64 = 1_796_631_240_000;

async fn flash_after(browser: &Browser, path: &str, fields: &[(&str, &str)]) -> String {
    let res = browser.post_form(path, fields).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get("location").unwrap(), "/account");
    browser.get("/account").await.text().await.unwrap()
}

/// A signed-in browser whose `tz` cookie says `zone`, as app.js would have set it.
async fn browser_in(app: &TestApp, zone: &str) -> Browser {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(&format!("tz={zone}"), &app.address.parse().unwrap());
    let browser = Browser {
        client: reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        address: app.address.clone(),
    };
    assert_eq!(
        browser.login(&app.owner_email, PASSWORD).await.status(),
        303
    );
    browser
}

/// A pause made at [`MORNING`] and the owner's history page as `browser` sees it.
async fn history(app: &TestApp, browser: &Browser) -> String {
    if app.count("SELECT count(*) FROM pauses") == 0 {
        app.create_watch_id(json!({ "action": "Rotate the keys" }))
            .await;
    }
    browser.get("/history").await.text().await.unwrap()
}

async fn morning_app() -> TestApp {
    let app = spawn_app().await;
    app.clock.set(MORNING);
    app
}

#[tokio::test]
async fn the_theme_setting_is_saved_and_rendered_as_data_theme_on_every_page() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let before = browser.get("/history").await.text().await.unwrap();
    assert!(
        before.contains("<html lang=\"en\">"),
        "system: no data-theme"
    );

    let page = flash_after(
        &browser,
        "/account/display",
        &[("theme", "dark"), ("time_zone", "")],
    )
    .await;
    assert!(page.contains("Your display settings were saved."));
    assert!(page.contains(r#"<html lang="en" data-theme="dark">"#));
    assert!(page.contains(r#"<meta name="color-scheme" content="dark">"#));
    assert!(page.contains(r#"value="dark" checked"#));
    let other = browser.get("/agents").await.text().await.unwrap();
    assert!(other.contains(r#"<html lang="en" data-theme="dark">"#));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE theme = 'dark'"),
        1
    );

    flash_after(&browser, "/account/display", &[("theme", "system")]).await;
    let back = browser.get("/history").await.text().await.unwrap();
    assert!(back.contains("<html lang=\"en\">") && !back.contains("data-theme"));
}

#[tokio::test]
async fn a_theme_that_is_not_system_light_or_dark_is_refused_with_a_readable_error() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let page = flash_after(&browser, "/account/display", &[("theme", "purple")]).await;
    assert!(
        page.contains("Choose a theme: system, light or dark."),
        "{page}"
    );
    assert!(!page.contains("data-theme"));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE theme = 'system'"),
        1
    );
}

#[tokio::test]
async fn a_valid_time_zone_is_saved_and_times_are_shown_in_it_with_its_label() {
    let app = morning_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let page = flash_after(
        &browser,
        "/account/display",
        &[("theme", "system"), ("time_zone", "Europe/Paris")],
    )
    .await;
    assert!(page.contains(r#"name="time_zone" value="Europe/Paris""#));
    let html = history(&app, &browser).await;
    assert!(html.contains("Created (Europe/Paris)"), "{html}");
    assert!(html.contains(">2026-12-07 09:14 CET</time>"));
    assert!(
        html.contains(r#"title="2026-12-07 08:14:00 UTC""#),
        "exact UTC on hover"
    );
    assert!(html.contains("From (Europe/Paris)") && !html.contains("(UTC)"));
}

#[tokio::test]
async fn a_time_zone_the_server_does_not_know_is_refused_with_a_readable_error() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let page = flash_after(
        &browser,
        "/account/display",
        &[("theme", "light"), ("time_zone", "Mars/Olympus_Mons")],
    )
    .await;
    assert!(
        page.contains(
            "is not a time zone this server knows; use an IANA name such as Europe/Paris"
        ),
        "{page}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE time_zone IS NOT NULL"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE theme = 'light'"),
        0,
        "nothing saved"
    );
}

#[tokio::test]
async fn without_a_setting_the_browsers_tz_cookie_decides_the_zone() {
    let app = morning_app().await;
    let tokyo = browser_in(&app, "Asia/Tokyo").await;
    let html = history(&app, &tokyo).await;
    assert!(
        html.contains("Created (Asia/Tokyo)") && html.contains(">2026-12-07 17:14 JST</time>"),
        "{html}"
    );
    // The inbox's rows and their live refresh say the same, beside the relative age.
    for path in ["/", "/queue/items"] {
        let list = tokyo.get(path).await.text().await.unwrap();
        assert!(
            list.contains(">2026-12-07 17:14 JST</time> ("),
            "{path}: {list}"
        );
    }

    // The account's setting wins over the cookie.
    flash_after(
        &tokyo,
        "/account/display",
        &[("theme", "system"), ("time_zone", "Europe/Paris")],
    )
    .await;
    assert!(history(&app, &tokyo)
        .await
        .contains(">2026-12-07 09:14 CET</time>"));
}

#[tokio::test]
async fn an_unknown_tz_cookie_is_ignored_and_the_page_says_utc() {
    let app = morning_app().await;
    let lost = browser_in(&app, "Nowhere/Land").await;
    let html = history(&app, &lost).await;
    assert!(
        html.contains("Created (UTC)") && html.contains(">2026-12-07 08:14 UTC</time>"),
        "{html}"
    );
    let account = lost.get("/account").await.text().await.unwrap();
    assert!(account.contains("<strong id=\"zone-now\">UTC</strong> (no time zone is known yet)"));
}

#[tokio::test]
async fn the_history_date_filter_reads_days_in_the_readers_zone() {
    let app = spawn_app().await;
    // 23:30 UTC on December 6th is already December 7th in Paris.
    app.clock.set(MORNING - (8 * 60 + 44) * 60_000);
    app.create_watch_id(json!({ "action": "Late night deploy" }))
        .await;
    let paris = browser_in(&app, "Europe/Paris").await;
    let utc = app.sign_in(&app.owner_email).await;
    let dec7 = "/history?from=2026-12-07&to=2026-12-07";
    let dec6 = "/history?from=2026-12-06&to=2026-12-06";
    let found = |html: String| html.contains("Late night deploy");
    assert!(found(paris.get(dec7).await.text().await.unwrap()));
    assert!(!found(paris.get(dec6).await.text().await.unwrap()));
    assert!(found(utc.get(dec6).await.text().await.unwrap()));
    assert!(!found(utc.get(dec7).await.text().await.unwrap()));
}

#[tokio::test]
async fn statuses_read_as_words_and_every_pause_id_is_a_link() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let plan = crate::plans::create_plan(&app, crate::plans::PLAN_V1, None).await;
    let id = plan["watchId"].as_str().unwrap().to_string();
    browser.decide(&id, false, Some("Snapshot first")).await;
    let html = browser.get("/history").await.text().await.unwrap();
    assert!(
        html.contains(r#"<span class="status status-changes_requested">changes requested</span>"#),
        "{html}"
    );
    assert!(!html.contains(">changes_requested<"));
    assert!(html.contains(&format!(r#"<a href="/pauses/{id}"><code>{id}</code></a>"#)));
}

#[tokio::test]
async fn audit_subjects_link_to_their_pause_user_key_and_agent() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let id = app
        .create_watch_id(json!({ "action": "Rotate the keys" }))
        .await;
    crate::agent_support::beat_ok(&app, "scout-1", json!({ "run": "r1" })).await;
    let res = browser.post_html_form("/agents/scout-1/pause", &[]).await;
    assert_eq!(res.status(), 303, "{:?}", res.text().await);
    let html = browser.get("/audit").await.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"<a href="/pauses/{id}"><code>{id}</code></a>"#)),
        "{html}"
    );
    assert!(html.contains(r#"<a href="/agents/scout-1"><code>scout-1</code></a>"#));
    let owner = app.count("SELECT id FROM users WHERE email = 'owner@example.com'");
    assert!(html.contains(&format!(
        r#"<a href="/users#user-{owner}"><code>{owner}</code></a>"#
    )));
    let key = app.count("SELECT min(id) FROM api_keys");
    assert!(html.contains(&format!(
        r#"<a href="/keys#key-{key}"><code>{key}</code></a>"#
    )));
    // Actors link too: the key that created the pause, the person who paused the agent.
    assert!(html.contains(&format!(
        r#"<td data-label="Actor"><a href="/keys#key-{key}">"#
    )));
    assert!(html.contains(&format!(
        r#"<td data-label="Actor"><a href="/users#user-{owner}">"#
    )));
    // The anchors exist on the pages they point to.
    let users = browser.get("/users").await.text().await.unwrap();
    assert!(users.contains(&format!(r#"id="user-{owner}""#)));
    let keys = browser.get("/keys").await.text().await.unwrap();
    assert!(keys.contains(&format!(r#"id="key-{key}""#)));
}
