//! Answering question pauses over HTTP: the full cycle as the agent sees it (long-poll, ETag,
//! webhook, list filter, audit), every invalid answer, and the kinds that do not mix.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Browser, TestApp};

pub fn questions() -> Value {
    json!([
        { "question": "Which region?", "header": "Region",
          "options": [{ "label": "eu" }, { "label": "us" }] },
        { "question": "Which days?", "options": [{ "label": "Mon" }, { "label": "Tue" }],
          "multiSelect": true, "allowFreeText": true },
        { "question": "Anything else?" }
    ])
}

pub async fn question_pause(app: &TestApp) -> String {
    app.create_watch_id(json!({
        "action": "Schedule the migration", "kind": "question", "questions": questions()
    }))
    .await
}

pub async fn answer(browser: &Browser, watch_id: &str, body: &Value) -> reqwest::Response {
    let csrf = browser.csrf().await;
    browser
        .client
        .post(browser.url(&format!("/api/pause/{watch_id}/answer")))
        .header("x-csrf-token", csrf)
        .json(body)
        .send()
        .await
        .unwrap()
}

pub fn valid() -> Value {
    json!({ "Which region?": "eu", "Which days?": ["Tue", "Wednesday evening"], "Anything else?": "No" })
}

#[tokio::test]
async fn an_answer_wakes_the_waiting_agent_with_status_answered_and_the_answers() {
    let app = spawn_app().await;
    let watch_id = question_pause(&app).await;
    let (api, key, url) = (
        app.api.clone(),
        app.key.clone(),
        app.url(&format!("/api/pause/{watch_id}?wait=30")),
    );
    let poll = tokio::spawn(async move {
        let res = api.get(url).bearer_auth(key).send().await.unwrap();
        let etag = res
            .headers()
            .get("etag")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        (etag, res.json::<Value>().await.unwrap())
    });
    let browser = app.sign_in(&app.owner_email).await;
    let res = answer(&browser, &watch_id, &json!({ "answers": valid() })).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "answered");
    let (etag, woke) = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(etag, "\"2-answered\"");
    assert_eq!(woke["status"], "answered");
    assert_eq!(woke["kind"], "question");
    assert_eq!(
        woke["answers"],
        json!({ "Which region?": "eu", "Which days?": ["Tue", "Wednesday evening"], "Anything else?": "No" })
    );
    assert_eq!(woke["decidedBy"]["email"], "owner@example.com");
    // Stored as the issue says, and recorded as one response of kind 'answer'.
    let stored = app.count(
        "SELECT count(*) FROM pauses WHERE status = 'answered'
         AND json_extract(response_json, '$.answers.\"Which region?\"') = 'eu'",
    );
    assert_eq!(stored, 1);
    let responses = app.count(
        "SELECT count(*) FROM pause_responses WHERE kind = 'answer' AND via = 'api'
         AND json_extract(response_json, '$.answers.\"Anything else?\"') = 'No'",
    );
    assert_eq!(responses, 1);
    let audit = app.count(&format!(
        "SELECT count(*) FROM audit_log WHERE subject = '{watch_id}' AND event = 'pause.answered'
         AND json_extract(details, '$.answers.\"Which region?\"') = 'eu'"
    ));
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn the_list_filters_on_answered() {
    let app = spawn_app().await;
    let watch_id = question_pause(&app).await;
    app.create_pause("Other").await;
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(
        answer(&browser, &watch_id, &json!({ "answers": valid() }))
            .await
            .status(),
        200
    );
    let page: Value = app
        .list_pauses("?status=answered")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["watchId"], watch_id.as_str());
    assert_eq!(page["items"][0]["answers"]["Which region?"], "eu");
}

#[tokio::test]
async fn each_invalid_answer_is_a_422_that_names_the_question_and_nothing_is_recorded() {
    let app = spawn_app().await;
    let watch_id = question_pause(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    let cases = [
        (
            "Which region?",
            json!("mars"),
            "is “mars”, which is not one of its options (eu, us)",
        ),
        (
            "Which region?",
            json!(["eu"]),
            "a list is only for multiSelect questions",
        ),
        ("Which region?", Value::Null, "is not answered"),
        (
            "Which days?",
            json!("Mon"),
            "is multiSelect: answer with a list of labels",
        ),
        ("Which days?", json!([]), "choose at least one"),
        ("Which days?", json!(["Mon", "Mon"]), "lists “Mon” twice"),
        (
            "Which days?",
            json!(["Mon", "x", "y"]),
            "at most one free-text entry",
        ),
        (
            "Which days?",
            json!(["Mon", 3]),
            "must be a list of strings",
        ),
        ("Anything else?", json!("   "), "is not answered (empty)"),
        (
            "Anything else?",
            json!(true),
            "must be answered with a string",
        ),
    ];
    for (q, value, detail) in cases {
        let mut answers = valid();
        answers[q] = value;
        let problem = assert_problem(
            answer(&browser, &watch_id, &json!({ "answers": answers })).await,
            422,
        )
        .await;
        assert_eq!(problem["field"], format!("answers.{q}"));
        let got = problem["detail"].as_str().unwrap();
        assert!(got.contains(detail), "{q}: expected “{detail}” in “{got}”");
    }
    let mut missing = valid();
    missing.as_object_mut().unwrap().remove("Anything else?");
    let problem = assert_problem(
        answer(&browser, &watch_id, &json!({ "answers": missing })).await,
        422,
    )
    .await;
    assert_eq!(
        problem["detail"],
        "the answer to “Anything else?” is not answered"
    );
    let mut unknown = valid();
    unknown["Which colour?"] = json!("blue");
    let problem = assert_problem(
        answer(&browser, &watch_id, &json!({ "answers": unknown })).await,
        422,
    )
    .await;
    assert_eq!(problem["field"], "answers.Which colour?");
    assert_eq!(
        problem["detail"],
        "“Which colour?” is not one of this pause's questions"
    );
    assert_eq!(app.stored_status(&watch_id), "pending");
    assert_eq!(app.count("SELECT count(*) FROM pause_responses"), 0);
}

#[tokio::test]
async fn free_text_answers_hold_two_thousand_characters_and_refuse_one_more() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let with_text = |t: String| {
        let mut a = valid();
        a["Anything else?"] = json!(t);
        json!({ "answers": a })
    };
    let first = question_pause(&app).await;
    let problem = assert_problem(
        answer(&browser, &first, &with_text("é".repeat(2001))).await,
        422,
    )
    .await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("at most 2000 characters (got 2001)"));
    let res = answer(&browser, &first, &with_text("é".repeat(2000))).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn answers_must_be_an_object_under_answers() {
    let app = spawn_app().await;
    let watch_id = question_pause(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    let problem = assert_problem(
        answer(&browser, &watch_id, &json!({ "answers": ["eu"] })).await,
        422,
    )
    .await;
    assert_eq!(problem["field"], "answers");
    let problem = assert_problem(
        answer(&browser, &watch_id, &json!({ "answer": {} })).await,
        422,
    )
    .await;
    assert_eq!(problem["field"], "answer", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("unknown field"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_webhook_endpoint_may_subscribe_to_pause_answered() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let hook = format!("http://127.0.0.1:{}/hook", crate::mail_support::free_port());
    let res = browser
        .post_form("/webhooks", &[("url", &hook), ("events", "pause.answered")])
        .await;
    assert_eq!(res.status(), 200);
    let watch_id = question_pause(&app).await;
    assert_eq!(
        answer(&browser, &watch_id, &json!({ "answers": valid() }))
            .await
            .status(),
        200
    );
    let queued = app.count(
        "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND event = 'pause.answered'
         AND json_extract(payload, '$.data.answers.\"Which region?\"') = 'eu'",
    );
    assert_eq!(queued, 1);
}
