//! The keys page's "Last used" column: using a key records when, so an operator can tell a
//! forgotten key from one an agent still depends on before revoking it.

use std::sync::Arc;

use tempfile::TempDir;

use crate::helpers::{spawn_app_in, TestApp};
use crate::settle::flush_writer;

/// 2026-11-10T09:00:00Z.
const NOV_10_9AM: i64 = 1_794_301_200_000;

/// The "Last used" cell of the key whose listing shows `prefix` (signing in afresh: hours pass
/// between looks).
async fn last_used_cell(app: &TestApp, prefix: &str) -> String {
    let browser = app.sign_in(&app.owner_email).await;
    let page = browser.get("/keys").await.text().await.unwrap();
    let at = page.find(prefix).expect("the key is listed");
    let row_start = page[..at].rfind("<tr").unwrap();
    let row_end = at + page[at..].find("</tr>").unwrap();
    let row = &page[row_start..row_end];
    let marker = r#"<td data-label="Last used" class="nowrap">"#;
    let cell = &row[row.find(marker).expect("a Last used cell") + marker.len()..];
    cell.split("</td>").next().unwrap().trim().to_string()
}

fn shown(app: &TestApp) -> String {
    let iso = holdpoint::domain::rfc3339(app.now());
    let text = format!("{} UTC", iso[..16].replace('T', " "));
    let exact = format!("{} UTC", iso[..19].replace('T', " "));
    format!("<time datetime=\"{iso}\" title=\"{exact}\">{text}</time>")
}

#[tokio::test]
async fn using_a_key_updates_its_last_use_on_the_keys_page() {
    let app = spawn_app_in(Arc::new(TempDir::new().unwrap()), NOV_10_9AM).await;
    let prefix = &app.key[..16];
    assert_eq!(last_used_cell(&app, prefix).await, "never");

    app.clock.advance_secs(3600);
    app.create_pause("first use").await;
    flush_writer(&app).await;
    assert_eq!(last_used_cell(&app, prefix).await, shown(&app));
    assert!(shown(&app).contains("2026-11-10 10:00 UTC"));

    app.clock.advance_secs(2 * 3600);
    assert_eq!(app.list_pauses("").await.status(), 200, "a read counts too");
    flush_writer(&app).await;
    assert_eq!(last_used_cell(&app, prefix).await, shown(&app));
    assert!(shown(&app).contains("2026-11-10 12:00 UTC"));
}
