//! Cancelling an agent or a whole run: exactly their pending pauses end, and the run's later
//! pauses and heartbeats are refused until a new run starts.

use serde_json::{json, Value};

use crate::agent_support::*;
use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn cancelling_an_agent_cancels_exactly_its_pending_pauses_and_ends_its_run() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let mine = [
        watch_id_of(&app, "a", "r1").await,
        watch_id_of(&app, "a", "r1").await,
    ];
    let other_agent = watch_id_of(&app, "b", "r1").await;
    let no_agent = app.create_watch_id(json!({ "action": "plain" })).await;
    let decided = watch_id_of(&app, "a", "r1").await;
    assert_eq!(browser.decide(&decided, true, None).await.status(), 200);

    let poll = tokio::spawn({
        let (client, url, key) = (
            app.api.clone(),
            app.url(&format!("/api/pause/{}?wait=30", mine[0])),
            app.key.clone(),
        );
        async move { client.get(url).bearer_auth(key).send().await.unwrap() }
    });
    until_parked(&app, 1).await;
    let cancelled = act_ok(&browser, "/api/agents/a/cancel", json!({})).await;
    assert_eq!(cancelled["control"], "cancelled");
    assert_eq!(cancelled["pendingPauses"], 0);
    let woke: Value = poll.await.unwrap().json().await.unwrap();
    assert_eq!(woke["status"], "cancelled");
    for w in &mine {
        assert_eq!(app.stored_status(w), "cancelled");
    }
    assert_eq!(app.stored_status(&other_agent), "pending");
    assert_eq!(app.stored_status(&no_agent), "pending");
    assert_eq!(app.stored_status(&decided), "approved");

    // The run is over for this agent: its pauses and heartbeats are refused.
    let again = pause_of(&app, json!("a"), json!("r1")).await;
    assert_eq!(
        assert_problem(again, 409).await["detail"],
        "run `r1` was cancelled; start a new run (a new `run` value) to go on"
    );
    assert_problem(pause_of(&app, json!("a"), Value::Null).await, 409).await;
    assert_problem(heartbeat(&app, "a", json!({ "run": "r1" }), "").await, 409).await;
    let still: Value = beat_ok(&app, "a", json!({})).await;
    assert_eq!(still["control"], "cancelled");
    // Another agent of the same run goes on; a new run starts the agent again.
    assert_eq!(pause_of(&app, json!("b"), json!("r1")).await.status(), 201);
    let restarted = beat_ok(&app, "a", json!({ "run": "r2" })).await;
    assert_eq!(restarted["control"], "running");
    assert_eq!(pause_of(&app, json!("a"), json!("r2")).await.status(), 201);
}

#[tokio::test]
async fn cancelling_a_run_cancels_its_pauses_and_the_agents_running_it() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let in_run = [
        watch_id_of(&app, "a", "nightly").await,
        watch_id_of(&app, "b", "nightly").await,
    ];
    let run_only: Value = pause_of(&app, Value::Null, json!("nightly"))
        .await
        .json()
        .await
        .unwrap();
    let elsewhere = watch_id_of(&app, "c", "daily").await;
    assert_problem(
        act(&browser, "/api/runs/unknown/cancel", json!({})).await,
        404,
    )
    .await;

    let done = act_ok(&browser, "/api/runs/nightly/cancel", json!({})).await;
    assert_eq!(done["run"], "nightly");
    assert_eq!(done["cancelledPauses"].as_array().unwrap().len(), 3);
    assert_eq!(done["cancelledAgents"], json!(["a", "b"]));
    for w in in_run
        .iter()
        .chain([&run_only["watchId"].as_str().unwrap().to_string()])
    {
        assert_eq!(app.stored_status(w), "cancelled");
    }
    assert_eq!(app.stored_status(&elsewhere), "pending");
    let c: Value = agent(&app, "c").await.json().await.unwrap();
    assert_eq!(c["control"], "running");
    // Every agent is refused in that run, even one that never named it before.
    assert_problem(pause_of(&app, json!("c"), json!("nightly")).await, 409).await;
    assert_problem(pause_of(&app, Value::Null, json!("nightly")).await, 409).await;
    assert_problem(
        heartbeat(&app, "d", json!({ "run": "nightly" }), "").await,
        409,
    )
    .await;
    // A second cancel of the same run finds nothing more to end.
    let again = act_ok(&browser, "/api/runs/nightly/cancel", json!({})).await;
    assert_eq!(again["cancelledPauses"], json!([]));
}
