//! What an answer is refused for besides its content: the wrong kind of pause (either way), a
//! pause already answered, and a caller without a session or its CSRF token.

use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};
use crate::question_answer::{answer, question_pause, valid};

#[tokio::test]
async fn answering_a_pause_that_is_not_a_question_is_refused() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("Deploy").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    let problem = assert_problem(
        answer(&browser, &watch_id, &json!({ "answers": {} })).await,
        422,
    )
    .await;
    assert_eq!(problem["field"], "kind");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("only pauses of kind `question` are answered; this one is `approval`"));
    assert_eq!(app.stored_status(&watch_id), "pending");
}

#[tokio::test]
async fn approving_or_rejecting_a_question_is_refused() {
    let app = spawn_app().await;
    let watch_id = question_pause(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    for approved in [true, false] {
        let res = browser.decide(&watch_id, approved, Some("because")).await;
        let problem = assert_problem(res, 422).await;
        assert!(problem["detail"]
            .as_str()
            .unwrap()
            .contains("this pause asks questions, so it is answered, not approved or rejected"));
    }
    assert_eq!(app.stored_status(&watch_id), "pending");
}

#[tokio::test]
async fn a_second_answer_gets_409_with_the_first_answers() {
    let app = spawn_app().await;
    let watch_id = question_pause(&app).await;
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(
        answer(&browser, &watch_id, &json!({ "answers": valid() }))
            .await
            .status(),
        200
    );
    let mut other = valid();
    other["Which region?"] = json!("us");
    let problem = assert_problem(
        answer(&browser, &watch_id, &json!({ "answers": other })).await,
        409,
    )
    .await;
    assert_eq!(problem["current"]["answers"]["Which region?"], "eu");
    // Even an invalid late answer learns that the pause is settled.
    let problem = assert_problem(
        answer(&browser, &watch_id, &json!({ "answers": {} })).await,
        409,
    )
    .await;
    assert_eq!(problem["current"]["status"], "answered");
    assert_eq!(app.count("SELECT count(*) FROM pause_responses"), 1);
}

#[tokio::test]
async fn answering_needs_a_session_and_its_csrf_token_or_a_decide_key() {
    let app = spawn_app().await;
    let watch_id = question_pause(&app).await;
    let url = app.url(&format!("/api/pause/{watch_id}/answer"));
    let body = json!({ "answers": valid() });
    let res = app
        .api
        .post(&url)
        .bearer_auth(&app.key)
        .json(&body)
        .send()
        .await
        .unwrap();
    // The agent's key has only `pauses`.
    let problem = assert_problem(res, 403).await;
    assert_eq!(problem["type"], "/problems/insufficient-scope");
    assert_eq!(problem["scope"], "decide");
    let browser = app.sign_in(&app.owner_email).await;
    let res = browser.client.post(&url).json(&body).send().await.unwrap();
    assert_problem(res, 403).await;
    assert_eq!(app.stored_status(&watch_id), "pending");
}
