//! Question pauses for people: the pause page's answer form (radio buttons, checkboxes, free
//! text; agent text escaped), the queue's kind, the question email with one link to a
//! confirmation page that answers only on its POST, Slack, usage, history and audit.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{extract, spawn_app, TestApp};
use crate::mail_support::wait_for_files;
use crate::question_answer::{answer, question_pause};

const HOSTILE: &str = "<script>alert(1)</script> Which one?";

async fn hostile_pause(app: &TestApp) -> String {
    app.create_watch_id(json!({
        "action": "Pick a <b>colour</b>", "kind": "question",
        "questions": [
            { "question": HOSTILE, "header": "<i>h</i>",
              "options": [{ "label": "\"><img src=x>", "description": "<u>d</u>" }, { "label": "plain" }] },
            { "question": "Which days?", "options": [{ "label": "Mon" }, { "label": "Tue" }],
              "multiSelect": true, "allowFreeText": true },
            { "question": "Anything else?" }
        ]
    }))
    .await
}

#[tokio::test]
async fn the_pause_page_shows_escaped_questions_and_an_answer_form() {
    let app = spawn_app().await;
    let watch_id = hostile_pause(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser
        .get(&format!("/pauses/{watch_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("action=\"/api/pause/{watch_id}/answer\"")),
        "{html}"
    );
    assert!(!html.contains(&format!("/api/pause/{watch_id}/approve")));
    assert!(!html.contains("<script>alert(1)") && !html.contains("<img src=x>"));
    assert!(!html.contains("<i>h</i>") && !html.contains("<u>d</u>"));
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62; Which one?"),
        "{html}"
    );
    assert!(
        html.contains(
            "type=\"radio\" name=\"q0\" value=\"&#34;&#62;&#60;img src=x&#62;\" required"
        ),
        "{html}"
    );
    assert!(html.contains("type=\"checkbox\" name=\"q1\" value=\"Tue\""));
    assert!(html.contains("name=\"q1_text\"") && html.contains("name=\"q2_text\""));
    assert!(
        !html.contains("name=\"q0_text\""),
        "no free text where it is not allowed"
    );
    assert!(html.contains("badge kind kind-question"));
}

#[tokio::test]
async fn the_dashboard_form_answers_with_labels_checkboxes_and_free_text() {
    let app = spawn_app().await;
    let watch_id = hostile_pause(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    let page = format!("/pauses/{watch_id}");
    let fields = [
        ("next", page.as_str()),
        ("q0", "\"><img src=x>"),
        ("q1", "Mon"),
        ("q1", "Tue"),
        ("q1_text", "every other Friday"),
        ("q2_text", "Thanks <3"),
    ];
    let res = browser
        .post_html_form(&format!("/api/pause/{watch_id}/answer"), &fields)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], page.as_str());
    let got: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(got["status"], "answered");
    assert_eq!(
        got["answers"],
        json!({ HOSTILE: "\"><img src=x>", "Which days?": ["Mon", "Tue", "every other Friday"],
                "Anything else?": "Thanks <3" })
    );
    let via = app.count(&format!(
        "SELECT count(*) FROM audit_log WHERE subject = '{watch_id}' AND event = 'pause.answered'
         AND json_extract(details, '$.via') = 'dashboard'"
    ));
    assert_eq!(via, 1);
    let html = browser.get(&page).await.text().await.unwrap();
    assert!(
        html.contains("Answered.") || html.contains("<strong>Answered</strong>"),
        "{html}"
    );
    assert!(html.contains("Mon, Tue, every other Friday") && html.contains("Thanks &#60;3"));
    assert!(!html.contains("<img src=x>"));
    // The timeline tells the answer once, as an answer.
    assert_eq!(
        html.matches("Answered by owner@example.com").count(),
        1,
        "{html}"
    );
    assert!(!html.contains("Rejected by"));
}

#[tokio::test]
async fn an_incomplete_dashboard_form_comes_back_with_the_reason() {
    let app = spawn_app().await;
    let watch_id = question_pause(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    let page = format!("/pauses/{watch_id}");
    let fields = [("next", page.as_str()), ("q0", "eu"), ("q1", "Mon")];
    let res = browser
        .post_html_form(&format!("/api/pause/{watch_id}/answer"), &fields)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = browser.get(&page).await.text().await.unwrap();
    assert!(
        html.contains("the answer to “Anything else?” is not answered"),
        "{html}"
    );
    assert_eq!(app.stored_status(&watch_id), "pending");
}

#[tokio::test]
async fn the_queue_shows_the_kind_and_sends_questions_to_their_page() {
    let app = spawn_app().await;
    let watch_id = question_pause(&app).await;
    app.create_pause("Deploy").await;
    let browser = app.sign_in(&app.owner_email).await;
    let html = browser.get("/").await.text().await.unwrap();
    assert!(html.contains("class=\"row kind-question"), "{html}");
    assert!(html.contains("class=\"row kind-approval"));
    assert!(html.contains("<span class=\"visually-hidden\">Question: </span>"));
    assert!(html.contains("<span class=\"visually-hidden\">Approval: </span>"));
    // Its pane answers it; a question is never approved.
    let pane = browser.get(&format!("/?pause={watch_id}")).await;
    let pane = pane.text().await.unwrap();
    assert!(pane.contains(&format!("action=\"/api/pause/{watch_id}/answer\"")));
    assert!(!pane.contains(&format!("/api/pause/{watch_id}/approve")));
}

#[tokio::test]
async fn a_question_email_has_one_link_whose_page_answers_only_when_submitted() {
    let app = spawn_app().await;
    let watch_id = hostile_pause(&app).await;
    app.app_state.outbox_wake.notify_one();
    let mails = wait_for_files(&app.dir.path().join("mail"), 1).await;
    let mail = &mails[0];
    assert!(
        mail.header("Subject").starts_with("Answer needed: "),
        "{}",
        mail.headers
    );
    let links: Vec<&str> = mail
        .html
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|u| u.contains("/d/"))
        .collect();
    assert_eq!(
        links.len(),
        1,
        "one answer link, no approve/reject buttons: {}",
        mail.html
    );
    assert!(!links[0].contains("intent="));
    assert!(!mail.html.contains("<script>alert(1)"));
    assert!(mail.text.contains(HOSTILE) && mail.text.contains(&format!("Answer: {}", links[0])));
    assert!(!mail.text.contains("Approve:"));

    // A mail scanner's GET: a page with the form, nothing answered.
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = client.get(links[0]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("Your answer is requested") && page.contains("name=\"q1\""));
    assert!(!page.contains("<script") && !page.contains("name=\"approved\""));
    assert_eq!(app.stored_status(&watch_id), "pending");

    // An incomplete form is refused with the reason and the form again.
    let csrf = extract(&page, "name=\"csrf_token\" value=\"").unwrap();
    let res = client
        .post(links[0])
        .form(&[("csrf_token", csrf.as_str()), ("q0", "plain")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("The answer to “Which days?” is not answered."));
    assert_eq!(app.stored_status(&watch_id), "pending");

    let form = [
        ("csrf_token", csrf.as_str()),
        ("q0", "plain"),
        ("q1", "Mon"),
        ("q1", "Tue"),
        ("q2_text", "no"),
    ];
    let res = client.post(links[0]).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let done = res.text().await.unwrap();
    assert!(done.contains("Answered by Test User"), "{done}");
    assert!(
        done.contains("<dd>Mon, Tue</dd>") && !done.contains("<script>alert"),
        "{done}"
    );
    let got: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(got["status"], "answered");
    assert_eq!(
        got["answers"],
        json!({ HOSTILE: "plain", "Which days?": ["Mon", "Tue"], "Anything else?": "no" })
    );
    let via = app
        .count("SELECT count(*) FROM pause_responses WHERE kind = 'answer' AND via = 'email link'");
    assert_eq!(via, 1);
    // The link is used up.
    let res = client.post(links[0]).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::GONE);
}

#[tokio::test]
async fn slack_asks_with_an_answer_button_and_follows_up_with_the_answers() {
    let app = spawn_app().await;
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE workspaces SET slack_webhook_url = 'https://hooks.slack.com/services/T/B/x'",
            [],
        )?)
    })
    .unwrap();
    let watch_id = question_pause(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    let answers =
        json!({ "Which region?": "eu", "Which days?": ["Mon"], "Anything else?": "<b>no</b>" });
    assert_eq!(
        answer(&browser, &watch_id, &json!({ "answers": answers }))
            .await
            .status(),
        200
    );
    let payloads: Vec<String> = app
        .with_db(|c| {
            let mut stmt =
                c.prepare("SELECT payload FROM outbox WHERE channel = 'slack' ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert_eq!(payloads.len(), 2);
    let created: Value = serde_json::from_str(&payloads[0]).unwrap();
    assert_eq!(created["text"], "Answer needed: Schedule the migration");
    assert!(
        payloads[0].contains("• Which region?") && payloads[0].contains("\"action_id\":\"answer\"")
    );
    assert!(!payloads[0].contains("\"action_id\":\"approve\""));
    let answered: Value = serde_json::from_str(&payloads[1]).unwrap();
    assert_eq!(
        answered["text"],
        "*Schedule the migration* was answered by owner@example.com: Which region? → eu; \
         Which days? → Mon; Anything else? → &lt;b&gt;no&lt;/b&gt;"
    );
}

#[tokio::test]
async fn usage_history_and_audit_pages_know_answered() {
    let app = spawn_app().await;
    let watch_id = question_pause(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    let answers = json!({ "Which region?": "eu", "Which days?": ["Mon"], "Anything else?": "no" });
    assert_eq!(
        answer(&browser, &watch_id, &json!({ "answers": answers }))
            .await
            .status(),
        200
    );
    let usage = browser.get("/usage").await.text().await.unwrap();
    assert!(usage.contains("<dt>Answered</dt><dd>1</dd>"), "{usage}");
    assert!(usage.contains("1 answered"), "a bar for the answered pause");
    let history = browser
        .get("/history?status=answered")
        .await
        .text()
        .await
        .unwrap();
    assert!(history.contains(&watch_id) && history.contains("value=\"answered\""));
    let audit = browser
        .get("/audit?event=pause.answered")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        audit.contains("pause.answered") && audit.contains(&watch_id),
        "{audit}"
    );
}
