//! ntfy through the outbox (issue 20): a refused or failing publish is retried on the schedule,
//! its error is stored without the URL's secrets, and it counts under `channel="ntfy"` in the
//! delivery metrics.

use serde_json::json;

use crate::console_votes::create;
use crate::helpers::spawn_app;
use crate::push_support::set_channels;

#[tokio::test]
async fn a_failed_publish_is_retried_redacted_and_counted_under_its_channel() {
    let app = spawn_app().await;
    // Nothing listens on port 9: the connection is refused.
    let url = "http://user:pw@127.0.0.1:9/?auth=sekrit";
    set_channels(
        &app,
        "/api/channels",
        json!({"ntfy": {"url": url, "topic": "t"}}),
    )
    .await;
    create(&app, json!({"action": "restart"})).await;
    let mut row = (0, String::new(), String::new());
    for _ in 0..500 {
        row = app
            .with_db(|c| {
                Ok(c.query_row(
                    "SELECT attempts, state, coalesce(last_error, '') FROM outbox WHERE channel = 'ntfy'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })
            .unwrap();
        if row.0 > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (attempts, state, error) = row;
    assert_eq!(
        (attempts, state.as_str()),
        (1, "pending"),
        "retried later: {error}"
    );
    assert!(!error.is_empty());
    for secret in ["sekrit", "pw@", "user:"] {
        assert!(!error.contains(secret), "{error}");
    }
    let metrics = app.metrics(None).await.text().await.unwrap();
    assert!(
        metrics.contains("holdpoint_outbox_delivery_failures_total{channel=\"ntfy\"} 1"),
        "{metrics}"
    );
}
