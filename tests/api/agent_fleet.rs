//! The fleet API: `GET /api/agents` filtered and paged, `GET /api/agents/:agent` in full.

use serde_json::{json, Value};

use crate::agent_support::*;
use crate::helpers::{assert_problem, spawn_app, TestApp};

async fn list(app: &TestApp, query: &str) -> Value {
    let res = app
        .api
        .get(app.url(&format!("/api/agents{query}")))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn names(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_fleet_is_filtered_by_state_and_effective_control_and_paged() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    for (name, state) in [
        ("a", "acting"),
        ("b", "thinking"),
        ("c", "acting"),
        ("d", "error"),
    ] {
        beat_ok(&app, name, json!({ "state": state })).await;
    }
    act_ok(&browser, "/api/agents/c/pause", json!({})).await;
    let all = list(&app, "").await;
    assert_eq!(names(&all), ["a", "b", "c", "d"]);
    assert_eq!(
        (all["total"].clone(), all["limit"].clone()),
        (json!(4), json!(50))
    );
    assert_eq!(names(&list(&app, "?state=acting").await), ["a", "c"]);
    assert_eq!(names(&list(&app, "?control=paused").await), ["c"]);
    assert_eq!(
        names(&list(&app, "?state=acting&control=running").await),
        ["a"]
    );
    let page = list(&app, "?limit=2&offset=2").await;
    assert_eq!(
        (names(&page), page["total"].clone()),
        (vec!["c", "d"], json!(4))
    );
    // While the workspace is stopped, every agent reads as paused.
    act_ok(&browser, "/api/agents/stop-all", json!({})).await;
    assert_eq!(
        names(&list(&app, "?control=paused").await),
        ["a", "b", "c", "d"]
    );
    assert!(names(&list(&app, "?control=running").await).is_empty());

    for (query, detail) in [
        ("?state=asleep", "unknown state `asleep`"),
        ("?control=stopped", "unknown control `stopped`"),
    ] {
        let res = app.api.get(app.url(&format!("/api/agents{query}")));
        let res = res.bearer_auth(&app.key).send().await.unwrap();
        assert_eq!(assert_problem(res, 422).await["detail"], detail);
    }
    for query in ["?limit=201", "?limit=0", "?offset=-1"] {
        let res = app.api.get(app.url(&format!("/api/agents{query}")));
        assert_problem(res.bearer_auth(&app.key).send().await.unwrap(), 422).await;
    }
    assert_eq!(list(&app, "?limit=200").await["limit"], 200);
}

#[tokio::test]
async fn one_agent_shows_its_pending_pauses_recent_guidance_and_state_changes() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    beat_ok(&app, "a", json!({ "state": "thinking", "run": "r1" })).await;
    let watch = watch_id_of(&app, "a", "r1").await;
    beat_ok(
        &app,
        "a",
        json!({ "state": "waiting", "tool": "send_email" }),
    )
    .await;
    guide(&browser, "a", "first").await;
    guide(&browser, "a", "second").await;
    let res = agent(&app, "a").await;
    assert_eq!(res.status(), 200);
    let a: Value = res.json().await.unwrap();
    assert_eq!(a["pendingPauses"], 1);
    assert_eq!(
        a["pending"],
        json!([app.url(&format!("/api/pause/{watch}"))])
    );
    let messages: Vec<&str> = a["guidance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["second", "first"]);
    assert_eq!(a["history"][0]["state"], "waiting");
    assert_eq!(a["history"][0]["tool"], "send_email");
    assert_eq!(a["history"][1]["state"], "thinking");
    assert_problem(agent(&app, "nobody").await, 404).await;
    assert_problem(agent(&app, "..").await, 404).await;
}

#[tokio::test]
async fn an_agent_keeps_its_latest_50_state_changes_and_shows_its_latest_20_messages() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let states = ["thinking", "acting"];
    for i in 0..50 {
        beat_ok(&app, "busy", json!({ "state": states[i % 2] })).await;
    }
    assert_eq!(app.count("SELECT count(*) FROM agent_history"), 50);
    beat_ok(&app, "busy", json!({ "state": "complete" })).await;
    assert_eq!(app.count("SELECT count(*) FROM agent_history"), 50);
    for i in 1..=21 {
        guide(&browser, "busy", &format!("m{i}")).await;
    }
    let a: Value = agent(&app, "busy").await.json().await.unwrap();
    let history = a["history"].as_array().unwrap();
    assert_eq!(history.len(), 50);
    assert_eq!(history[0]["state"], "complete");
    assert_eq!(
        history[49]["state"], "acting",
        "the first change was dropped"
    );
    let guidance = a["guidance"].as_array().unwrap();
    assert_eq!(guidance.len(), 20);
    assert_eq!(
        (guidance[0]["id"].clone(), guidance[19]["id"].clone()),
        (json!(21), json!(2))
    );
    // The longest wait is accepted (a running agent is answered at once).
    assert_eq!(control(&app, "busy", "?wait=55").await.status(), 200);
}

#[tokio::test]
async fn a_key_with_agents_or_pauses_reads_the_fleet_and_a_decide_only_key_is_refused() {
    use crate::key_scopes::{assert_insufficient, key_with};
    use holdpoint::domain::scopes::KeyScope;
    let app = spawn_app().await;
    beat_ok(&app, "billing-bot-7", json!({ "state": "acting" })).await;
    let (_, agents) = key_with(&app, "fleet-view", false, &[KeyScope::Agents]);
    let (_, decide) = key_with(&app, "approver-backend", false, &[KeyScope::Decide]);
    for (key, status) in [(&app.key, 200), (&agents, 200), (&decide, 403)] {
        for path in ["/api/agents", "/api/agents/billing-bot-7"] {
            let res = app
                .api
                .get(app.url(path))
                .bearer_auth(key)
                .send()
                .await
                .unwrap();
            if status == 403 {
                let body = assert_insufficient(res, "agents").await;
                assert!(body["detail"]
                    .as_str()
                    .unwrap()
                    .contains("`agents` or `pauses`"));
            } else {
                assert_eq!(res.status(), status, "{path}");
            }
        }
    }
}
