//! People pausing, resuming, cancelling and guiding agents: the parked checkpoint is woken,
//! the guidance cursor neither loses nor repeats, cancels end exactly their pauses.

use std::time::Instant;

use serde_json::{json, Value};

use holdpoint::domain::scopes::KeyScope;

use crate::agent_support::*;
use crate::helpers::{assert_problem, spawn_app};
use crate::key_scopes::{assert_insufficient, key_with};

const CONTROLS: [&str; 7] = [
    "/api/agents/a/pause",
    "/api/agents/a/resume",
    "/api/agents/a/guide",
    "/api/agents/stop-all",
    "/api/agents/resume-all",
    "/api/runs/r1/cancel",
    "/api/agents/a/cancel",
];

#[tokio::test]
async fn a_key_without_the_agents_scope_or_no_credentials_cannot_control_agents() {
    let app = spawn_app().await;
    beat_ok(&app, "a", json!({ "run": "r1" })).await;
    let (_, decide_only) = key_with(&app, "decider", false, &[KeyScope::Decide]);
    for path in CONTROLS {
        for key in [&app.key, &decide_only] {
            let with_key = app.api.post(app.url(path)).bearer_auth(key);
            let res = with_key
                .json(&json!({ "message": "m" }))
                .send()
                .await
                .unwrap();
            assert_insufficient(res, "agents").await;
        }
        let res = app.api.post(app.url(path)).send().await.unwrap();
        assert_problem(res, 401).await;
    }
    let browser = app.sign_in(&app.owner_email).await;
    let no_csrf = browser.client.post(browser.url("/api/agents/a/pause"));
    assert_problem(no_csrf.json(&json!({})).send().await.unwrap(), 403).await;
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event LIKE 'agent%'"),
        0
    );
}

#[tokio::test]
async fn a_key_with_the_agents_scope_controls_agents_and_is_audited_as_the_key() {
    let app = spawn_app().await;
    beat_ok(&app, "a", json!({ "run": "r1" })).await;
    let (id, controller) = key_with(&app, "ops-console", false, &[KeyScope::Agents]);
    for path in CONTROLS {
        let res = app.api.post(app.url(path)).bearer_auth(&controller);
        let res = res
            .json(&json!({ "message": "Stop after this step" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    let read: Value = control(&app, "a", "?after=0").await.json().await.unwrap();
    assert_eq!(read["control"], "cancelled");
    assert_eq!(read["guidance"][0]["from"], "API key ops-console");
    let by_key = format!(
        "SELECT count(*) FROM audit_log WHERE event LIKE 'agent%' AND actor_type = 'key' AND actor_id = {id}"
    );
    // pause, resume, guide, stop, resume-all, and the run's cancel of the agent
    assert_eq!(app.count(&by_key), 6);
    // The agent's own key reads and reports; it does not need `agents`.
    assert_eq!(control(&app, "a", "").await.status(), 200);
}

#[tokio::test]
async fn a_paused_agents_checkpoint_parks_until_it_is_resumed() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    beat_ok(&app, "a", json!({ "state": "acting" })).await;
    let paused = act_ok(&browser, "/api/agents/a/pause", json!({})).await;
    assert_eq!(paused["control"], "paused");
    // Without a wait, or while running, the answer is immediate.
    let now: Value = control(&app, "a", "").await.json().await.unwrap();
    assert_eq!(now["control"], "paused");

    let poll = spawn_control(&app, "a", "?wait=30");
    until_parked(&app, 1).await;
    let since = Instant::now();
    act_ok(&browser, "/api/agents/a/resume", json!({})).await;
    let (status, body) = answered(poll, since, "resume").await;
    assert_eq!((status, body["control"].clone()), (200, json!("running")));
    assert_eq!(app.app_state.waiters.active(), 0);
}

#[tokio::test]
async fn a_parked_heartbeat_is_woken_by_cancel_and_a_parked_read_by_guidance() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    beat_ok(&app, "a", json!({ "run": "r1" })).await;
    act_ok(&browser, "/api/agents/a/pause", json!({})).await;

    let poll = spawn_control(&app, "a", "?wait=30s&after=0");
    until_parked(&app, 1).await;
    let since = Instant::now();
    guide(&browser, "a", "Focus only on US market data").await;
    let (_, body) = answered(poll, since, "guidance").await;
    assert_eq!(body["control"], "paused");
    assert_eq!(
        body["guidance"][0]["message"],
        "Focus only on US market data"
    );
    assert_eq!(body["guidance"][0]["from"], app.owner_email.as_str());
    assert_eq!(body["cursor"], "1");

    let (client, url, key) = (
        app.api.clone(),
        app.url("/api/agents/a/heartbeat?wait=30&after=1"),
        app.key.clone(),
    );
    let beat = tokio::spawn(async move {
        let res = client
            .post(url)
            .bearer_auth(key)
            .json(&json!({ "state": "waiting" }));
        let res = res.send().await.unwrap();
        (
            res.status().as_u16(),
            res.json::<Value>().await.unwrap(),
            Instant::now(),
        )
    });
    until_parked(&app, 1).await;
    let since = Instant::now();
    act_ok(&browser, "/api/agents/a/cancel", json!({})).await;
    let (status, body) = answered(beat, since, "cancel").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "control": "cancelled", "guidance": [], "cursor": "1" })
    );
}

#[tokio::test]
async fn the_guidance_cursor_neither_loses_nor_repeats_a_message_across_reconnects() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    beat_ok(&app, "g", json!({})).await;
    for i in 1..=3 {
        guide(&browser, "g", &format!("m{i}")).await;
    }
    let mut seen: Vec<String> = Vec::new();
    let mut cursor = "0".to_string();
    // Messages arrive between reads, one page holds at most 100: read until caught up.
    for round in 0..4 {
        if round == 1 {
            for i in 4..=104 {
                guide(&browser, "g", &format!("m{i}")).await;
            }
        }
        loop {
            let res = control(&app, "g", &format!("?after={cursor}")).await;
            let body: Value = res.json().await.unwrap();
            let got = body["guidance"].as_array().unwrap();
            seen.extend(
                got.iter()
                    .map(|g| g["message"].as_str().unwrap().to_string()),
            );
            cursor = body["cursor"].as_str().unwrap().to_string();
            if got.is_empty() {
                break;
            }
        }
    }
    let expected: Vec<String> = (1..=104).map(|i| format!("m{i}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(cursor, "104");
    // Without a cursor the agent reads from the first message.
    let first: Value = control(&app, "g", "").await.json().await.unwrap();
    assert_eq!(first["guidance"].as_array().unwrap().len(), 100);
    assert_eq!(first["cursor"], "100");
}

#[tokio::test]
async fn guidance_is_one_to_4000_characters_for_an_agent_not_cancelled() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    beat_ok(&app, "g", json!({})).await;
    guide(&browser, "g", &"x".repeat(4000)).await;
    for (message, detail) in [
        (
            "x".repeat(4001),
            "`message` must have 1 to 4000 characters (got 4001)",
        ),
        (
            "  ".to_string(),
            "`message` must have 1 to 4000 characters (got 0)",
        ),
    ] {
        let res = act(
            &browser,
            "/api/agents/g/guide",
            json!({ "message": message }),
        )
        .await;
        assert_eq!(assert_problem(res, 422).await["detail"], detail);
    }
    let unknown = act(
        &browser,
        "/api/agents/nobody/guide",
        json!({ "message": "m" }),
    )
    .await;
    assert_problem(unknown, 404).await;
    act_ok(&browser, "/api/agents/g/cancel", json!({})).await;
    let late = act(&browser, "/api/agents/g/guide", json!({ "message": "m" })).await;
    assert_problem(late, 409).await;
    for verb in ["pause", "resume"] {
        let res = act(&browser, &format!("/api/agents/g/{verb}"), json!({})).await;
        assert_problem(res, 409).await;
    }
    for verb in ["pause", "resume", "cancel"] {
        let res = act(&browser, &format!("/api/agents/nobody/{verb}"), json!({})).await;
        assert_problem(res, 404).await;
    }
}

#[tokio::test]
async fn the_emergency_stop_pauses_every_agent_and_its_undo_keeps_single_pauses() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    for name in ["a", "b", "c"] {
        beat_ok(&app, name, json!({})).await;
    }
    act_ok(&browser, "/api/agents/b/pause", json!({})).await;
    let stopped = act_ok(&browser, "/api/agents/stop-all", json!({})).await;
    assert_eq!(stopped["stopped"], true);
    let a: Value = agent(&app, "a").await.json().await.unwrap();
    assert_eq!(
        (a["control"].clone(), a["ownControl"].clone()),
        (json!("paused"), json!("running"))
    );
    assert_eq!(a["stopped"], true);

    let polls = [
        spawn_control(&app, "a", "?wait=30"),
        spawn_control(&app, "b", "?wait=30"),
        spawn_control(&app, "c", "?wait=30"),
    ];
    until_parked(&app, 3).await;
    let since = Instant::now();
    let lifted = act_ok(&browser, "/api/agents/resume-all", json!({})).await;
    assert_eq!(lifted, json!({ "stopped": false, "stoppedAt": null }));
    let [a, b, c] = polls;
    assert_eq!(
        answered(a, since, "resume-all a").await.1["control"],
        "running"
    );
    assert_eq!(
        answered(c, since, "resume-all c").await.1["control"],
        "running"
    );
    // b was paused by hand: lifting the stop does not resume it; it stays parked.
    assert_eq!(app.app_state.waiters.active(), 1);
    let b_now: Value = control(&app, "b", "").await.json().await.unwrap();
    assert_eq!(b_now["control"], "paused");
    act_ok(&browser, "/api/agents/b/resume", json!({})).await;
    assert_eq!(answered(b, since, "resume b").await.1["control"], "running");
    let events =
        "SELECT count(*) FROM audit_log WHERE event IN ('agents.stopped', 'agents.resumed')";
    assert_eq!(app.count(events), 2);
}

#[tokio::test]
async fn every_control_is_audited_with_who_did_it_and_sent_to_subscribed_webhooks() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let now = app.now();
    app.with_db(move |c| {
        let events: Vec<String> = [
            "agent.paused",
            "agent.resumed",
            "agent.cancelled",
            "agent.guided",
        ]
        .map(String::from)
        .to_vec();
        let ws = holdpoint::domain::ids::WorkspaceId(1);
        holdpoint::domain::webhooks::create(c, now, ws, "https://hooks.example.com/h", &events)
    })
    .unwrap();
    let waiting = watch_id_of(&app, "a", "r1").await;
    act_ok(&browser, "/api/agents/a/pause", json!({})).await;
    act_ok(&browser, "/api/agents/a/pause", json!({})).await;
    guide(&browser, "a", "Use only the approved vendor list").await;
    act_ok(&browser, "/api/agents/a/resume", json!({})).await;
    act_ok(&browser, "/api/agents/a/cancel", json!({})).await;

    let audit = app.audit_events("a");
    let names: Vec<&str> = audit.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        names,
        [
            "agent.paused",
            "agent.guided",
            "agent.resumed",
            "agent.cancelled"
        ]
    );
    let actors =
        "SELECT count(*) FROM audit_log WHERE event LIKE 'agent.%' AND actor_type = 'user'";
    assert_eq!(app.count(actors), 4);
    let pause_cancel = app.audit_events(&waiting);
    assert!(pause_cancel.iter().any(|(e, _)| e == "pause.cancelled"));

    let payloads: Vec<Value> = app
        .with_db(|c| {
            let mut s =
                c.prepare("SELECT payload FROM outbox WHERE event LIKE 'agent.%' ORDER BY id")?;
            let rows = s.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows
                .map(|p| serde_json::from_str(&p.unwrap()).unwrap())
                .collect())
        })
        .unwrap();
    let types: Vec<&str> = payloads
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "agent.paused",
            "agent.guided",
            "agent.resumed",
            "agent.cancelled"
        ]
    );
    assert!(payloads
        .iter()
        .all(|p| p["data"]["by"] == app.owner_email.as_str()));
    assert_eq!(
        payloads[1]["data"]["guidance"]["message"],
        "Use only the approved vendor list"
    );
    assert_eq!(payloads[3]["data"]["cancelledPauses"], json!([waiting]));
    assert_eq!(payloads[3]["data"]["name"], "a");
}
