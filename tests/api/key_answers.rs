//! `/answer` takes the same "who may decide" check as `/approve`: a backend with a `decide` key
//! answers a question pause, audited as that key, and the separation of duties holds.

use holdpoint::domain::scopes::KeyScope;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp};
use crate::key_scopes::{assert_insufficient, key_with};
use crate::question_answer::{question_pause, questions, valid};

async fn answer_with_key(app: &TestApp, key: &str, watch_id: &str) -> reqwest::Response {
    app.api
        .post(app.url(&format!("/api/pause/{watch_id}/answer")))
        .bearer_auth(key)
        .json(&json!({ "answers": valid() }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_backend_with_a_decide_key_answers_a_question_and_is_audited_as_that_key() {
    let app = spawn_app().await;
    let (key_id, backend) = key_with(&app, "scheduler", false, &[KeyScope::Decide]);
    let watch_id = question_pause(&app).await;
    let res = answer_with_key(&app, &backend, &watch_id).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "answered");
    // Without `pauses` the key reads back who settled it, not the answers (see key_decide_only).
    let read: Value = app.get_pause(&watch_id).await.json().await.unwrap();
    assert_eq!(read["answers"], valid());
    assert_eq!(
        body["decidedBy"],
        json!({ "type": "key", "name": "scheduler", "prefix": &backend[..16] })
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE event = 'pause.answered' \
             AND actor_type = 'key' AND actor_id = {key_id}"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM pause_responses WHERE responder_type = 'key' \
             AND api_key_id = {key_id} AND kind = 'answer'"
        )),
        1
    );
}

#[tokio::test]
async fn answering_by_key_keeps_the_separation_of_duties() {
    let app = spawn_app().await;
    let (_, both) = key_with(&app, "both", false, &[KeyScope::Pauses, KeyScope::Decide]);
    let res = app
        .post_pause_with(
            &both,
            &json!({ "action": "q", "kind": "question", "questions": questions() }),
        )
        .await;
    let own = res.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let problem = assert_problem(answer_with_key(&app, &both, &own).await, 403).await;
    assert_eq!(problem["type"], "/problems/self-decision");

    // A test key answers its own test question without `decide`; a live one is not there for it.
    let sandbox = app.create_key(1, true);
    let res = app
        .post_pause_with(
            &sandbox,
            &json!({ "action": "q", "kind": "question", "questions": questions() }),
        )
        .await;
    let test_q = res.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(answer_with_key(&app, &sandbox, &test_q).await.status(), 200);
    let live_q = question_pause(&app).await;
    assert_problem(answer_with_key(&app, &sandbox, &live_q).await, 404).await;

    // The agent's own key may not answer.
    assert_insufficient(answer_with_key(&app, &app.key, &live_q).await, "decide").await;
    assert_eq!(app.stored_status(&live_q), "pending");
}
