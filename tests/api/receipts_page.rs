//! The settings page's "Receipts valid for" input (issue 23): the same `receiptTtlSeconds` as
//! the API, 60 to 86400 seconds, a refused value shown beside the form and nothing saved.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Browser, TestApp};

async fn save(browser: &Browser, ttl: &str) -> reqwest::Response {
    let mut fields: Vec<(&str, &str)> = vec![
        ("min_low", "1"),
        ("min_medium", "1"),
        ("min_high", "1"),
        ("min_critical", "1"),
        ("remind_at", "50"),
        ("escalate_at", "80"),
        ("on_timeout", "expire"),
    ];
    fields.push(("receipt_ttl_seconds", ttl));
    browser.post_form("/settings/approvals", &fields).await
}

fn stored_ttl(app: &TestApp) -> Value {
    let text: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT approval_settings FROM workspaces WHERE id = 1",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["receiptTtlSeconds"].clone()
}

#[tokio::test]
async fn an_owner_sets_the_receipt_lifetime_at_its_limits_and_reads_why_one_past_is_refused() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    let page = owner.get("/settings").await.text().await.unwrap();
    assert!(
        page.contains(r#"name="receipt_ttl_seconds" value="900""#),
        "{page}"
    );
    for ttl in ["60", "86400"] {
        assert_eq!(
            save(&owner, ttl).await.status(),
            StatusCode::SEE_OTHER,
            "{ttl}"
        );
        assert_eq!(stored_ttl(&app), json!(ttl.parse::<i64>().unwrap()));
    }
    for (ttl, says) in [
        ("59", "“Receipts valid for” is 60 to 86400 seconds"),
        ("86401", "“Receipts valid for” is 60 to 86400 seconds"),
        ("soon", "is a whole number of seconds"),
    ] {
        let res = save(&owner, ttl).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{ttl}");
        let page = res.text().await.unwrap();
        assert!(page.contains(says), "{ttl}: {page}");
        assert!(page.contains("Nothing was saved."));
        assert!(page.contains(r#"id="receipt-ttl""#) && page.contains(r#"aria-invalid="true""#));
        assert_eq!(stored_ttl(&app), json!(86400), "{ttl}: nothing saved");
    }
}
