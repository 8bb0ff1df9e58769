//! Creating question pauses: `kind` and `questions`, every limit at the limit and one past it,
//! and each combination that makes no sense refused with a `detail` that says why.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};

fn question(text: &str) -> Value {
    json!({ "question": text, "options": [{ "label": "yes" }, { "label": "no" }] })
}

fn with_questions(questions: Value) -> Value {
    json!({ "action": "Plan the migration", "kind": "question", "questions": questions })
}

/// Creates a pause from `body` and asserts a 422 whose `field` and `detail` say why.
async fn refused(app: &TestApp, body: Value, field: &str, detail: &str) {
    let problem = assert_problem(app.post_pause_with(&app.key, &body).await, 422).await;
    assert_eq!(problem["field"], field, "{problem}");
    let got = problem["detail"].as_str().unwrap();
    assert!(got.contains(detail), "expected “{detail}” in “{got}”");
}

async fn accepted(app: &TestApp, body: Value) -> Value {
    let res = app.post_pause_with(&app.key, &body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_question_pause_shows_its_kind_and_questions_with_the_defaults_filled_in() {
    let app = spawn_app().await;
    let created = accepted(
        &app,
        with_questions(json!([
            { "question": "Which region?", "header": "Region",
              "options": [{ "label": "eu", "description": "Frankfurt" }, { "label": "us" }] },
            { "question": "Anything else?" }
        ])),
    )
    .await;
    assert_eq!(created["kind"], "question");
    assert_eq!(
        created["questions"],
        json!([
            { "question": "Which region?", "header": "Region",
              "options": [{ "label": "eu", "description": "Frankfurt" }, { "label": "us" }],
              "multiSelect": false, "allowFreeText": false },
            { "question": "Anything else?", "options": [], "multiSelect": false, "allowFreeText": true }
        ])
    );
    assert!(created.get("answers").is_none());
    let read: Value = app
        .get_pause(created["watchId"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["questions"], created["questions"]);
    let stored = app.count(
        "SELECT count(*) FROM pauses WHERE kind = 'question'
         AND json_array_length(request_json, '$.questions') = 2",
    );
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn an_approval_shows_its_kind_and_nothing_about_questions() {
    let app = spawn_app().await;
    let plain = app.create_pause("Deploy").await;
    assert_eq!(plain["kind"], "approval");
    assert!(plain.get("questions").is_none() && plain.get("answers").is_none());
    let explicit = accepted(&app, json!({ "action": "Deploy", "kind": "approval" })).await;
    assert_eq!(explicit["kind"], "approval");
}

#[tokio::test]
async fn an_unknown_kind_is_refused() {
    let app = spawn_app().await;
    let body = json!({ "action": "x", "kind": "poll" });
    refused(
        &app,
        body,
        "kind",
        "`kind` must be `approval`, `question` or `plan` (got `poll`)",
    )
    .await;
}

#[tokio::test]
async fn questions_without_kind_question_are_refused() {
    let app = spawn_app().await;
    let body = json!({ "action": "x", "questions": [question("Why?")] });
    refused(
        &app,
        body,
        "questions",
        "only for pauses of kind `question` (this one is `approval`)",
    )
    .await;
    let body =
        json!({ "action": "x", "kind": "plan", "plan": "# Plan", "questions": [question("Why?")] });
    refused(&app, body, "questions", "(this one is `plan`)").await;
}

#[tokio::test]
async fn kind_question_without_questions_is_refused() {
    let app = spawn_app().await;
    let body = json!({ "action": "x", "kind": "question" });
    refused(
        &app,
        body,
        "questions",
        "a pause of kind `question` needs `questions`",
    )
    .await;
}

#[tokio::test]
async fn one_to_ten_questions_are_accepted_and_zero_or_eleven_refused() {
    let app = spawn_app().await;
    let many = |n: usize| -> Value { (0..n).map(|i| question(&format!("Q{i}?"))).collect() };
    accepted(&app, with_questions(many(1))).await;
    accepted(&app, with_questions(many(10))).await;
    refused(
        &app,
        with_questions(many(0)),
        "questions",
        "1 to 10 questions (got 0)",
    )
    .await;
    refused(
        &app,
        with_questions(many(11)),
        "questions",
        "1 to 10 questions (got 11)",
    )
    .await;
}

#[tokio::test]
async fn up_to_ten_options_are_accepted_and_eleven_refused() {
    let app = spawn_app().await;
    let options = |n: usize| -> Value {
        (0..n)
            .map(|i| json!({ "label": format!("o{i}") }))
            .collect()
    };
    let q = |n| with_questions(json!([{ "question": "Pick", "options": options(n) }]));
    accepted(&app, q(10)).await;
    refused(
        &app,
        q(11),
        "questions[0].options",
        "0 to 10 options (got 11)",
    )
    .await;
}

#[tokio::test]
async fn a_question_without_options_is_free_text_unless_free_text_is_explicitly_off() {
    let app = spawn_app().await;
    let free = accepted(
        &app,
        with_questions(json!([{ "question": "Why?", "options": [] }])),
    )
    .await;
    assert_eq!(free["questions"][0]["allowFreeText"], true);
    let body = with_questions(json!([{ "question": "Why?", "allowFreeText": false }]));
    refused(
        &app,
        body,
        "questions[0].allowFreeText",
        "can only be answered with free text",
    )
    .await;
    let body = with_questions(json!([{ "question": "Why?", "multiSelect": true }]));
    refused(
        &app,
        body,
        "questions[0].multiSelect",
        "no options to select several of",
    )
    .await;
}

#[tokio::test]
async fn question_texts_are_unique_within_a_pause_and_labels_within_a_question() {
    let app = spawn_app().await;
    let body = with_questions(json!([question("Ship?"), question(" Ship? ")]));
    refused(
        &app,
        body,
        "questions[1].question",
        "“Ship?” is asked twice",
    )
    .await;
    let body = with_questions(json!([
        { "question": "Pick", "options": [{ "label": "a" }, { "label": "a" }] }
    ]));
    refused(
        &app,
        body,
        "questions[0].options[1].label",
        "“a” appears twice",
    )
    .await;
    // The same label in two questions is fine.
    accepted(
        &app,
        with_questions(json!([question("One?"), question("Two?")])),
    )
    .await;
}

#[tokio::test]
async fn empty_question_texts_and_labels_are_refused() {
    let app = spawn_app().await;
    let body = with_questions(json!([{ "question": "  ", "options": [] }]));
    refused(&app, body, "questions[0].question", "must not be empty").await;
    let body = with_questions(json!([{ "question": "Pick", "options": [{ "label": "" }] }]));
    refused(
        &app,
        body,
        "questions[0].options[0].label",
        "must not be empty",
    )
    .await;
}

#[tokio::test]
async fn each_text_limit_holds_at_the_limit_and_refuses_one_past_it() {
    let app = spawn_app().await;
    let text = |n: usize| "é".repeat(n);
    type Make = Box<dyn Fn(String) -> Value>;
    let cases: [(&str, usize, Make); 4] = [
        (
            "questions[0].question",
            500,
            Box::new(|t| json!([{ "question": t }])),
        ),
        (
            "questions[0].header",
            40,
            Box::new(|t| json!([{ "question": "Q", "header": t }])),
        ),
        (
            "questions[0].options[0].label",
            100,
            Box::new(|t| json!([{ "question": "Q", "options": [{ "label": t }] }])),
        ),
        (
            "questions[0].options[0].description",
            500,
            Box::new(
                |t| json!([{ "question": "Q", "options": [{ "label": "a", "description": t }] }]),
            ),
        ),
    ];
    for (field, limit, make) in cases {
        accepted(&app, with_questions(make(text(limit)))).await;
        let detail = format!("has at most {limit} characters (got {})", limit + 1);
        refused(&app, with_questions(make(text(limit + 1))), field, &detail).await;
    }
}

#[tokio::test]
async fn unknown_members_of_a_question_are_refused() {
    let app = spawn_app().await;
    let body = with_questions(json!([{ "question": "Q", "multiselect": true }]));
    let problem = assert_problem(app.post_pause_with(&app.key, &body).await, 422).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("multiselect"),
        "{problem}"
    );
}
