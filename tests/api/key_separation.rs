//! Separation of duties between API keys: a key never decides a pause it created itself (a test
//! key on its own test pauses is the exception), live and test keys never decide each other's
//! pauses, and a key of another workspace decides nothing.

use holdpoint::domain::scopes::KeyScope;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app};
use crate::key_decisions::decide_with_key;
use crate::key_scopes::{assert_insufficient, key_with};

#[tokio::test]
async fn a_live_key_never_decides_a_pause_it_created_itself() {
    let app = spawn_app().await;
    let (_, both) = key_with(&app, "both", false, &[KeyScope::Pauses, KeyScope::Decide]);
    let watch_id = app
        .post_pause_with(&both, &json!({ "action": "approve myself" }))
        .await
        .json::<Value>()
        .await
        .unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let res = decide_with_key(&app, &both, &watch_id, json!({ "approved": true })).await;
    let body = assert_problem(res, 403).await;
    assert_eq!(body["type"], "/problems/self-decision");
    assert_eq!(body["title"], "Self-decision");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("never decides its own pause"));
    assert_eq!(app.stored_status(&watch_id), "pending");
    assert_eq!(app.count("SELECT count(*) FROM pause_responses"), 0);
}

#[tokio::test]
async fn live_keys_and_test_keys_never_decide_each_other_s_pauses() {
    let app = spawn_app().await;
    let (_, live_decider) = key_with(&app, "live", false, &[KeyScope::Decide]);
    let (_, test_decider) = key_with(&app, "test", true, &[KeyScope::Decide]);
    let test_agent = app.create_key(1, true);
    let live_pause = app.create_watch_id(json!({ "action": "live" })).await;
    let test_pause = app
        .post_pause_with(&test_agent, &json!({ "action": "test" }))
        .await
        .json::<Value>()
        .await
        .unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    for (key, pause) in [(&live_decider, &test_pause), (&test_decider, &live_pause)] {
        let res = decide_with_key(&app, key, pause, json!({ "approved": true })).await;
        let body = assert_problem(res, 404).await;
        assert_eq!(
            body["type"], "/problems/not-found",
            "as for a pause that does not exist"
        );
        assert_eq!(app.stored_status(pause), "pending");
    }
    // Nor does a key of another workspace decide this one's pauses.
    let ws2 = app.create_workspace("Other", "pro");
    let now = app.now();
    let scopes = holdpoint::domain::scopes::Scopes::of(&[KeyScope::Decide]);
    let (_, foreign) = app
        .with_db(|c| {
            holdpoint::domain::api_keys::create_with_scopes(
                c,
                now,
                holdpoint::domain::audit::Actor::Cli,
                holdpoint::domain::ids::WorkspaceId(ws2),
                "foreign",
                false,
                scopes,
            )
        })
        .unwrap();
    let res = decide_with_key(&app, &foreign, &live_pause, json!({ "approved": true })).await;
    assert_problem(res, 404).await;
    // Each decides its own kind.
    let res = decide_with_key(
        &app,
        &test_decider,
        &test_pause,
        json!({ "approved": true }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = decide_with_key(
        &app,
        &live_decider,
        &live_pause,
        json!({ "approved": true }),
    )
    .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_test_key_decides_its_own_test_pauses_without_the_decide_scope() {
    let app = spawn_app().await;
    let sandbox = app.create_key(1, true);
    let mut ids = vec![];
    for action in ["first", "second"] {
        let res = app
            .post_pause_with(&sandbox, &json!({ "action": action }))
            .await;
        let body: Value = res.json().await.unwrap();
        ids.push(body["watchId"].as_str().unwrap().to_string());
    }
    let res = decide_with_key(&app, &sandbox, &ids[0], json!({ "approved": true })).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["decidedBy"]["type"], "key");
    assert_eq!(body["test"], true);
    let res = decide_with_key(
        &app,
        &sandbox,
        &ids[1],
        json!({ "approved": false, "reason": "scripted" }),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "rejected");

    // Another test key's pauses need `decide`.
    let other = app.create_key(1, true);
    let theirs = app
        .post_pause_with(&other, &json!({ "action": "theirs" }))
        .await
        .json::<Value>()
        .await
        .unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let res = decide_with_key(&app, &sandbox, &theirs, json!({ "approved": true })).await;
    assert_insufficient(res, "decide").await;
    assert_eq!(app.stored_status(&theirs), "pending");
}
