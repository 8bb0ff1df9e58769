//! A delivery's stored error (shown on the endpoint's page) and the audit log never hold the
//! credentials a webhook or callback URL carries in its user-info or query string.

use serde_json::{json, Value};

use crate::helpers::spawn_app_without_email;
use crate::mail_support::free_port;
use crate::webhooks::attempts_recorded;

#[tokio::test]
async fn stored_delivery_errors_and_the_deliveries_page_show_urls_without_their_credentials() {
    let app = spawn_app_without_email().await;
    let b = app.sign_in(&app.owner_email).await;
    let port = free_port();
    let hook = format!("http://hooks:hook-pass-91ac@127.0.0.1:{port}/hook?token=hook-tok-s3cret");
    let res = b
        .post_form("/webhooks", &[("url", &hook), ("events", "pause.approved")])
        .await;
    assert_eq!(res.status(), 200);
    let callback = format!("http://127.0.0.1:{}/cb?token=cb-tok-s3cret", free_port());
    let body = json!({ "action": "Call back", "callbackUrl": callback });
    let watch_id = app.create_watch_id(body).await;
    assert_eq!(b.decide(&watch_id, true, None).await.status(), 200);
    attempts_recorded(&app, 2).await;

    let stored: Vec<String> = app
        .with_db(|c| {
            let mut stmt = c.prepare("SELECT last_error FROM outbox")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert_eq!(stored.len(), 2);
    for error in &stored {
        assert!(error.contains("error sending request"), "{error}");
        assert!(
            !error.contains("s3cret") && !error.contains("hook-pass"),
            "{error}"
        );
    }
    let page = b.get("/webhooks/1").await.text().await.unwrap();
    let deliveries = &page[page.find("Recent deliveries").unwrap()..];
    assert!(deliveries.contains("error sending request"), "{deliveries}");
    assert!(!deliveries.contains("s3cret"), "{deliveries}");
    let audit: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT details FROM audit_log WHERE event = 'webhook.created'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let audit: Value = serde_json::from_str(&audit).unwrap();
    let redacted = format!("http://127.0.0.1:{port}/hook?[redacted]");
    assert_eq!(
        audit["url"],
        redacted.as_str(),
        "the audit log keeps no credential"
    );
}
