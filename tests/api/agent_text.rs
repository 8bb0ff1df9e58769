//! Agent text that would mislead a reader: bidi controls are marked wherever a person reads
//! the action (dashboard, email, Slack), and a reason that shows nothing counts as no reason.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, extract, Browser, TestApp};
use crate::mail_support::wait_for_files;

/// Reads as "Delete exe.txt" when the override is honoured.
const ACTION: &str = "Delete \u{202E}txt.exe";
const MARKED: &str = "Delete [U+202E]txt.exe";
const BIDI: [char; 9] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];
/// Shows nothing at all: spaces, a tab and every zero-width character.
const INVISIBLE: &str = " \t\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF} ";

fn assert_marked(what: &str, text: &str) {
    assert!(text.contains(MARKED), "{what}: the action is not marked");
    assert!(
        text.contains("[U+2067]ops[U+2069]"),
        "{what}: the context is not marked"
    );
    assert!(!text.contains(BIDI), "{what}: a bidi control is left");
}

async fn app_with_slack() -> TestApp {
    let app = crate::helpers::spawn_app().await;
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE workspaces SET slack_webhook_url = 'https://hooks.slack.com/services/T/B/x',
             reject_reason_required = 1",
            [],
        )?)
    })
    .unwrap();
    app
}

async fn create(app: &TestApp) -> String {
    app.create_watch_id(json!({
        "action": ACTION,
        "context": { "team": "\u{2067}ops\u{2069}" },
        "metadata": { "agent": "bot\u{202D}" },
    }))
    .await
}

#[tokio::test]
async fn bidi_controls_in_agent_text_are_marked_on_the_pages_in_the_email_and_on_slack() {
    let app = app_with_slack().await;
    let id = create(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    let page = browser
        .get(&format!("/pauses/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert_marked("pause page", &page);
    assert!(page.contains("bot[U+202D] (via "), "the agent's name");
    let queue = browser.get("/").await.text().await.unwrap();
    assert!(queue.contains(MARKED) && queue.contains("[U+2067]ops[U+2069]"));
    assert!(!queue.contains(BIDI), "queue");
    let history = browser.get("/history").await.text().await.unwrap();
    assert!(
        history.contains(MARKED) && !history.contains(BIDI),
        "history"
    );

    let slack: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT payload FROM outbox WHERE channel = 'slack'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    serde_json::from_str::<Value>(&slack).expect("the Slack payload is JSON");
    assert_marked("Slack payload", &slack);

    app.app_state.outbox_wake.notify_one();
    let mail = wait_for_files(&app.dir.path().join("mail"), 1)
        .await
        .remove(0);
    assert_eq!(mail.header("Subject"), format!("Approval needed: {MARKED}"));
    assert_marked("email text", &mail.text);
    assert_marked("email HTML", &mail.html);
    let (_, reject) = mail.buttons();
    let one_click = refuse_an_invisible_reason_on_the_one_click_page(&reject).await;
    assert!(
        one_click.contains(MARKED) && !one_click.contains(BIDI),
        "one-click page"
    );
    assert_eq!(app.stored_status(&id), "pending");
}

/// Rejects through the email's link with a reason that shows nothing: the page says a reason is
/// required. Returns that page.
async fn refuse_an_invisible_reason_on_the_one_click_page(link: &str) -> String {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let form_page = client.get(link).send().await.unwrap().text().await.unwrap();
    let csrf = extract(&form_page, "name=\"csrf_token\" value=\"").unwrap();
    let form = [
        ("csrf_token", csrf.as_str()),
        ("approved", "false"),
        ("reason", INVISIBLE),
    ];
    let res = client.post(link).form(&form).send().await.unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains("This workspace requires a reason to reject."));
    page
}

async fn decide_by_form(browser: &Browser, id: &str, approved: &str, reason: &str) -> String {
    let next = format!("/pauses/{id}");
    let fields = [
        ("approved", approved),
        ("reason", reason),
        ("next", next.as_str()),
    ];
    let res = browser
        .post_html_form(&format!("/api/pause/{id}/approve"), &fields)
        .await;
    assert_eq!(res.status(), 303);
    browser.get(&next).await.text().await.unwrap()
}

#[tokio::test]
async fn a_reason_of_only_spaces_and_zero_width_characters_is_no_reason() {
    let app = app_with_slack().await;
    let id = create(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    let refused = browser.decide(&id, false, Some(INVISIBLE)).await;
    let problem = assert_problem(refused, 422).await;
    assert_eq!(problem["field"], "reason");
    let page = decide_by_form(&browser, &id, "false", INVISIBLE).await;
    assert!(
        page.contains("requires a reason to reject"),
        "the form says why"
    );
    assert_eq!(app.stored_status(&id), "pending");
    // An approval needs no reason, and an invisible one is stored as none.
    let approved = browser.decide(&id, true, Some(INVISIBLE)).await;
    assert_eq!(approved.status(), 200);
    let body: Value = approved.json().await.unwrap();
    assert_eq!(
        (&body["status"], &body["reason"]),
        (&json!("approved"), &Value::Null)
    );
    assert_eq!(
        app.count("SELECT count(*) FROM pauses WHERE reason IS NULL AND status = 'approved'"),
        1
    );
    // A visible reason keeps its text, without the invisible edges.
    let other = create(&app).await;
    let edged = format!("{INVISIBLE}not now{INVISIBLE}");
    let rejected: Value = browser
        .decide(&other, false, Some(&edged))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&rejected["status"], &rejected["reason"]),
        (&json!("rejected"), &json!("not now"))
    );
}
