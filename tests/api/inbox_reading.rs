//! What the inbox's list and the pause page say: a plan's preview as plain text, a question's
//! first question and options in the list, the page in reading order without empty sections,
//! and a revised plan with the feedback its first version got.

use serde_json::json;

use crate::helpers::spawn_app;
use crate::inbox::{pause, row};

#[tokio::test]
async fn a_plan_preview_is_plain_text_and_a_question_shows_its_first_question_and_options() {
    let app = spawn_app().await;
    let plan = "## Migrate the invoices table\n\n1. Add the column **`paid_at`** (nullable).\n2. See the [runbook](https://wiki.example.com).";
    let p = pause(
        &app,
        json!({ "action": "Migrate", "kind": "plan", "plan": plan }),
    )
    .await;
    let q = pause(
        &app,
        json!({ "action": "Schedule", "kind": "question", "questions": [
        { "question": "Which region first?", "options": [{ "label": "eu" }, { "label": "us" }] },
        { "question": "Which nights?", "options": [{ "label": "Mon" }] }
    ] }),
    )
    .await;
    let browser = app.sign_in(&app.owner_email).await;
    let items = browser.get("/queue/items").await.text().await.unwrap();
    let plan_row = row(&items, &p);
    assert!(
        plan_row.contains(
            "Migrate the invoices table Add the column paid_at (nullable). See the runbook."
        ),
        "{plan_row}"
    );
    assert!(!plan_row.contains("**") && !plan_row.contains('`') && !plan_row.contains("##"));
    assert_eq!(plan_row.matches("☰").count(), 1, "one plan mark");
    assert_eq!(plan_row.matches("Plan").count(), 1, "{plan_row}");
    let q_row = row(&items, &q);
    assert!(q_row.contains("Which region first? <span class=\"opt\">eu</span> <span class=\"opt\">us</span> (+1 more)"), "{q_row}");
    assert!(!q_row.contains("Which nights?"));
}

#[tokio::test]
async fn the_pause_page_reads_in_order_and_leaves_empty_sections_out() {
    let app = spawn_app().await;
    let bare = pause(&app, json!({ "action": "No context" })).await;
    let browser = app.sign_in(&app.owner_email).await;
    let page = browser
        .get(&format!("/pauses/{bare}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("The agent sent no context") && !page.contains("id=\"ctx-h\""));
    let full = pause(
        &app,
        json!({ "action": "With context", "agent": "bot", "context": { "a": 1 } }),
    )
    .await;
    let page = browser
        .get(&format!("/pauses/{full}"))
        .await
        .text()
        .await
        .unwrap();
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s} in {page}"));
    assert!(at("<dt>Agent</dt>") < at("id=\"ctx-h\""));
    assert!(at("id=\"ctx-h\"") < at("name=\"reason\""));
    assert!(at("name=\"reason\"") < at("id=\"tl-h\""));
}

#[tokio::test]
async fn a_revised_plan_shows_the_feedback_its_first_version_got() {
    let app = spawn_app().await;
    let v1 = pause(
        &app,
        json!({ "action": "Migrate", "kind": "plan", "plan": "Do it" }),
    )
    .await;
    let browser = app.sign_in(&app.owner_email).await;
    let sent = browser
        .decide(&v1, false, Some("Backfill <i>off-peak</i>"))
        .await;
    assert_eq!(sent.status(), 200);
    let v2 = pause(
        &app,
        json!({ "action": "Migrate", "kind": "plan", "plan": "Do it off-peak", "revises": v1 }),
    )
    .await;
    let page = browser
        .get(&format!("/pauses/{v2}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Feedback on version 1:"), "{page}");
    assert!(page.contains("Backfill &#60;i&#62;off-peak&#60;/i&#62;"));
    let first = browser
        .get(&format!("/pauses/{v1}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!first.contains("Feedback on version"));
}
