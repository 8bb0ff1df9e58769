use std::sync::Arc;

use reqwest::Response;
use tempfile::TempDir;

use crate::helpers::{spawn_app_configured, Browser, TestApp, PASSWORD};

async fn app_with_ip_limit(per_minute: u32, trust_forwarded_for: bool) -> TestApp {
    spawn_app_configured(
        Arc::new(TempDir::new().unwrap()),
        holdpoint::domain::clock::system_now(),
        |s| {
            s.limits.ip_per_minute = per_minute;
            s.limits.trust_forwarded_for = trust_forwarded_for;
            // The test's connections come from 127.0.0.1, the proxy it plays.
            if trust_forwarded_for {
                s.limits.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
            }
        },
    )
    .await
}

/// Asserts the readable 429 page with its `Retry-After`, and that it says `text`.
async fn assert_limited_page(res: Response, retry_after: &str, text: &str) {
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], retry_after);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let html = res.text().await.unwrap();
    assert!(html.contains("Too many requests"), "{html}");
    assert!(html.contains(text), "{html}");
}

async fn get_with_forwarded_for(app: &TestApp, path: &str, forwarded: &str) -> Response {
    app.api
        .get(app.url(path))
        .header("x-forwarded-for", forwarded)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_ins_past_the_per_ip_limit_get_a_429_page_until_the_budget_refills() {
    let app = app_with_ip_limit(3, false).await;
    let browser = Browser::new(&app.address);
    for i in 0..3 {
        let res = browser
            .login(&format!("nobody{i}@example.com"), "wrong")
            .await;
        assert_eq!(res.status(), 401, "each try is a different account");
    }
    let refused = browser.login(&app.owner_email, PASSWORD).await;
    assert_limited_page(
        refused,
        "20",
        "Too many sign-in attempts from your network. Please wait 20 seconds and try again.",
    )
    .await;
    assert_eq!(browser.get("/login").await.status(), 200, "the form itself");
    assert_eq!(browser.get("/d/no-such-link").await.status(), 404);

    app.clock.advance_secs(20);
    let res = browser.login(&app.owner_email, PASSWORD).await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn one_click_pages_share_a_per_ip_budget_apart_from_sign_in() {
    let app = app_with_ip_limit(3, false).await;
    let browser = Browser::new(&app.address);
    assert_eq!(browser.get("/d/no-such-link").await.status(), 404);
    let post = browser
        .client
        .post(browser.url("/d/no-such-link"))
        .form(&[("approved", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 404);
    assert_eq!(browser.get("/d/other-link").await.status(), 404);
    assert_limited_page(
        browser.get("/d/no-such-link").await,
        "20",
        "Too many requests for email links and push buttons from your network. Please wait 20 seconds",
    )
    .await;
    let res = browser.login(&app.owner_email, PASSWORD).await;
    assert_eq!(res.status(), 303, "sign-in has its own budget");
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_unless_the_operator_trusts_it() {
    let app = app_with_ip_limit(1, false).await;
    let first = get_with_forwarded_for(&app, "/d/x", "203.0.113.1").await;
    assert_eq!(first.status(), 404);
    let spoofed = get_with_forwarded_for(&app, "/d/x", "203.0.113.2").await;
    assert_eq!(
        spoofed.status(),
        429,
        "a made-up address buys no new budget"
    );

    let behind_proxy = app_with_ip_limit(1, true).await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        let res = get_with_forwarded_for(&behind_proxy, "/d/x", client).await;
        assert_eq!(res.status(), 404, "{client} has its own budget");
    }
    let again = get_with_forwarded_for(&behind_proxy, "/d/x", "198.51.100.9, 203.0.113.1").await;
    assert_eq!(again.status(), 429, "the proxy's (last) entry counts");
}
