//! The audit page shows each row's details as readable `key: value` pairs (escaped: they hold
//! agent and user text), not as raw JSON broken mid-token; the exports keep the JSON.

use serde_json::json;

use crate::audit_page::add_rows;
use crate::helpers::spawn_app;

#[tokio::test]
async fn audit_details_read_as_escaped_key_value_pairs() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let reason = "<img src=x onerror=alert(1)> \"not now\"";
    assert_eq!(browser.decide(&id, false, Some(reason)).await.status(), 200);
    add_rows(&app, 1, "odd", json!(["not", "an", "object"]));

    let html = browser.get("/audit").await.text().await.unwrap();
    assert!(
        html.contains(
            "<dl class=\"details\"><dt>reason</dt><dd>&#60;img src=x onerror=alert(1)&#62; \
             &#34;not now&#34;</dd><dt>via</dt><dd>api</dd><dt>auth</dt><dd>password</dd></dl>"
        ),
        "{html}"
    );
    assert!(!html.contains("<img"), "agent text is escaped");
    assert!(
        html.contains("<dt>role</dt><dd>owner</dd>"),
        "every object reads as pairs"
    );
    assert!(!html.contains("{&#34;"), "no raw JSON objects: {html}");
    assert!(
        html.contains(
            "<code class=\"details\">[&#34;not&#34;,&#34;an&#34;,&#34;object&#34;]</code>"
        ),
        "anything else is shown as it is: {html}"
    );
}
