//! Private webhook targets (loopback, link-local, private networks) when the server does not
//! allow them: refused when the endpoint is added, and every refusal names the setting that
//! allows them, `HOLDPOINT_WEBHOOK_ALLOW_PRIVATE`.

use std::sync::Arc;

use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::webhooks;

use crate::helpers::{spawn_app_configured, without_email, TestApp};
use crate::webhooks::attempts_recorded;

async fn app(allow_private: bool) -> TestApp {
    let dir = Arc::new(tempfile::TempDir::new().unwrap());
    let now = holdpoint::domain::clock::system_now();
    without_email(spawn_app_configured(dir, now, |s| s.webhook_allow_private = allow_private).await)
}

fn endpoints(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM webhook_endpoints")
}

#[tokio::test]
async fn the_webhooks_page_refuses_a_private_url_naming_the_setting_that_allows_it() {
    let app = app(false).await;
    let b = app.sign_in(&app.owner_email).await;
    for url in [
        "http://127.0.0.1:9000/",
        "http://localhost:9000/hook",
        "http://10.1.2.3/hook",
        "http://[::1]:9000/",
    ] {
        let res = b
            .post_form("/webhooks", &[("url", url), ("events", "pause.created")])
            .await;
        assert_eq!(res.status(), 422, "{url}");
        let page = res.text().await.unwrap();
        assert!(page.contains("is a private address"), "{page}");
        assert!(
            page.contains("HOLDPOINT_WEBHOOK_ALLOW_PRIVATE=true"),
            "{page}"
        );
        assert!(
            page.contains(&url.replace('&', "&amp;")),
            "the form keeps the URL"
        );
    }
    assert_eq!(endpoints(&app), 0, "a refusal writes nothing");
    let fine = [
        ("url", "https://example.com/hook"),
        ("events", "pause.created"),
    ];
    assert_eq!(b.post_form("/webhooks", &fine).await.status(), 200);

    let allowing = self::app(true).await;
    let b = allowing.sign_in(&allowing.owner_email).await;
    let local = [
        ("url", "http://127.0.0.1:9000/"),
        ("events", "pause.created"),
    ];
    assert_eq!(b.post_form("/webhooks", &local).await.status(), 200);
    assert_eq!(endpoints(&allowing), 1);
}

#[tokio::test]
async fn the_deliveries_page_names_the_setting_when_a_private_target_is_refused() {
    let app = app(false).await;
    // Added while the server still allowed private targets.
    let now = app.now();
    let events = ["pause.created".to_string()];
    app.with_db(|c| webhooks::create(c, now, WorkspaceId(1), "http://127.0.0.1:9000/", &events))
        .unwrap();
    app.create_pause("Deploy").await;
    app.app_state.outbox_wake.notify_one();
    attempts_recorded(&app, 1).await;
    let b = app.sign_in(&app.owner_email).await;
    let page = b.get("/webhooks/1").await.text().await.unwrap();
    let deliveries = &page[page.find("Recent deliveries").unwrap()..];
    assert!(
        deliveries.contains("127.0.0.1 is a private address"),
        "{deliveries}"
    );
    assert!(
        deliveries.contains("HOLDPOINT_WEBHOOK_ALLOW_PRIVATE=true"),
        "{deliveries}"
    );
}
