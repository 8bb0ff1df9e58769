//! Live and test agents never meet: a test key with every scope it may hold changes nothing of
//! the live fleet (no pause, run, agent, stop flag, guidance or webhook) and reads nothing of it;
//! a live key nothing of the test fleet. The same name lives once in each mode.

use serde_json::{json, Value};

use holdpoint::domain::audit::Actor;
use holdpoint::domain::ids::WorkspaceId;
use holdpoint::domain::scopes::KeyScope;
use holdpoint::domain::webhook_admin;

use crate::agent_support::watch_id_of;
use crate::helpers::{spawn_app, TestApp};
use crate::key_scopes::key_with;

/// Everything live about agents, as rows of text: any change shows as a difference.
fn live_snapshot(app: &TestApp) -> Vec<String> {
    let queries = [
        "SELECT name, coalesce(state, ''), coalesce(tool, ''), coalesce(run, ''), control,
                guidance_seq, last_seen_at FROM agents WHERE is_test = 0 ORDER BY id",
        "SELECT hex(watch_id), status FROM pauses WHERE is_test = 0 ORDER BY id",
        "SELECT run, coalesce(agent_id, 0) FROM cancelled_runs WHERE is_test = 0 ORDER BY id",
        "SELECT coalesce(agents_stopped_at, 0) FROM workspaces ORDER BY id",
        "SELECT agent_id, seq, message FROM agent_guidance WHERE is_test = 0 ORDER BY 1, 2",
        "SELECT count(*) FROM agent_history WHERE is_test = 0",
        "SELECT target, event FROM outbox WHERE channel = 'webhook' ORDER BY id",
    ];
    let mut rows = Vec::new();
    app.with_db(|c| {
        for sql in queries {
            let mut stmt = c.prepare(sql)?;
            let n = stmt.column_count();
            let found = stmt.query_map([], |r| {
                (0..n)
                    .map(|i| r.get_ref(i).map(|v| format!("{v:?}")))
                    .collect::<Result<Vec<_>, _>>()
            })?;
            for row in found {
                rows.push(format!("{sql}: {}", row?.join(" | ")));
            }
        }
        Ok(())
    })
    .unwrap();
    rows
}

async fn send(app: &TestApp, key: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    let req = match method {
        "GET" => app.api.get(app.url(path)),
        "DELETE" => app.api.delete(app.url(path)),
        _ => app.api.post(app.url(path)).json(&body),
    };
    let res = req.bearer_auth(key).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A live agent `a` on run `r1` with a pending pause, a guidance message, and a webhook
/// endpoint that hears every agent event (live only).
async fn live_fleet(app: &TestApp) -> (String, String) {
    let (_, live) = key_with(app, "live-agent", false, &[KeyScope::Pauses]);
    let (_, ctl) = key_with(app, "live-ctl", false, &[KeyScope::Agents]);
    let now = app.now();
    let events: Vec<String> = [
        "agent.paused",
        "agent.resumed",
        "agent.cancelled",
        "agent.guided",
    ]
    .map(String::from)
    .to_vec();
    let url = "https://hooks.example.com/agents";
    app.with_db(|c| webhook_admin::create(c, now, Actor::Cli, WorkspaceId(1), url, &events, false))
        .unwrap();
    let body = json!({ "state": "acting", "tool": "web_search", "run": "r1" });
    let (s, _) = send(app, &live, "POST", "/api/agents/a/heartbeat", body).await;
    assert_eq!(s, 200);
    let body = json!({ "action": "Pay the invoice", "agent": "a", "run": "r1" });
    let res = app.post_pause_with(&live, &body).await;
    assert_eq!(res.status(), 201);
    let (s, _) = send(
        app,
        &ctl,
        "POST",
        "/api/agents/a/guide",
        json!({ "message": "hi" }),
    )
    .await;
    assert_eq!(s, 200);
    (live, ctl)
}

#[tokio::test]
async fn a_test_key_with_every_scope_it_may_hold_changes_and_reads_nothing_live() {
    let app = spawn_app().await;
    let (_, _) = live_fleet(&app).await;
    let before = live_snapshot(&app);
    let scopes = [KeyScope::Pauses, KeyScope::Decide, KeyScope::Agents];
    let (_, test) = key_with(&app, "test-all", true, &scopes);

    // Reads: the live agent, its guidance and its pending pauses do not exist for the key.
    for path in ["/api/agents/a", "/api/agents/a/control?after=0"] {
        let (status, body) = send(&app, &test, "GET", path, Value::Null).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, list) = send(&app, &test, "GET", "/api/agents", Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 0, "{list}");

    // Controls: every one lands in the (empty) test fleet or finds nothing.
    for path in [
        "/api/agents/a/pause",
        "/api/agents/a/cancel",
        "/api/agents/a/guide",
    ] {
        let (status, _) = send(&app, &test, "POST", path, json!({ "message": "stop" })).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = send(&app, &test, "POST", "/api/runs/r1/cancel", Value::Null).await;
    assert_eq!(status, 404, "the live run is unknown to a test key");
    let (status, _) = send(&app, &test, "POST", "/api/agents/stop-all", Value::Null).await;
    assert_eq!(status, 200, "the test fleet's stop");
    let (status, body) = send(&app, &test, "DELETE", "/api/agents/a", Value::Null).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["type"], "/problems/live-key-required");

    // Reports: the same name becomes a test agent of its own, and a test pause naming it
    // expires without touching the live one.
    let body = json!({ "state": "error", "tool": "rm", "run": "r9" });
    let (status, cp) = send(&app, &test, "POST", "/api/agents/a/heartbeat", body).await;
    assert_eq!(
        (status, cp["control"].clone()),
        (200, json!("paused")),
        "{cp}"
    );
    let (status, _) = send(&app, &test, "POST", "/api/agents/stop-all", Value::Null).await;
    assert_eq!(status, 200);
    let (_, _) = send(&app, &test, "POST", "/api/agents/resume-all", Value::Null).await;
    let body = json!({ "action": "x", "agent": "a", "run": "r1", "timeoutSeconds": 10 });
    let res = app.post_pause_with(&test, &body).await;
    assert_eq!(res.status(), 201, "a test pause names the test agent a");
    app.clock.advance_secs(11);
    app.sweep().await;
    let (_, mine) = send(&app, &test, "GET", "/api/agents/a", Value::Null).await;
    assert_eq!(
        mine["ownControl"], "paused",
        "the test agent is paused: {mine}"
    );
    assert_eq!(mine["guidance"], json!([]), "no live guidance: {mine}");

    assert_eq!(live_snapshot(&app), before, "the live fleet changed");
}

#[tokio::test]
async fn a_live_key_reads_and_controls_nothing_of_the_test_fleet() {
    let app = spawn_app().await;
    let (_, test) = key_with(&app, "test-agent", true, &[KeyScope::Pauses]);
    let scopes = [KeyScope::Pauses, KeyScope::Agents, KeyScope::Admin];
    let (_, live) = key_with(&app, "live-admin", false, &scopes);
    let body = json!({ "run": "t1", "state": "acting" });
    let (status, _) = send(&app, &test, "POST", "/api/agents/t/heartbeat", body).await;
    assert_eq!(status, 200);
    let watch = {
        let body = json!({ "action": "x", "agent": "t", "run": "t1" });
        let res = app.post_pause_with(&test, &body).await;
        let body: Value = res.json().await.unwrap();
        body["watchId"].as_str().unwrap().to_string()
    };
    for (method, path) in [
        ("GET", "/api/agents/t"),
        ("GET", "/api/agents/t/control"),
        ("POST", "/api/agents/t/pause"),
        ("POST", "/api/agents/t/cancel"),
        ("POST", "/api/agents/t/guide"),
        ("POST", "/api/runs/t1/cancel"),
        ("DELETE", "/api/agents/t"),
    ] {
        let (status, body) = send(&app, &live, method, path, json!({ "message": "m" })).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
    }
    let (_, list) = send(&app, &live, "GET", "/api/agents", Value::Null).await;
    assert_eq!(list["total"], 0);
    let (status, _) = send(&app, &live, "POST", "/api/agents/stop-all", Value::Null).await;
    assert_eq!(status, 200);
    let (_, cp) = send(&app, &test, "GET", "/api/agents/t/control", Value::Null).await;
    assert_eq!(
        cp["control"], "running",
        "the live stop does not stop test agents"
    );
    assert_eq!(app.stored_status(&watch), "pending");
    let test_stop =
        app.count("SELECT count(*) FROM workspaces WHERE test_agents_stopped_at IS NOT NULL");
    assert_eq!(test_stop, 0);
}

#[tokio::test]
async fn the_same_name_is_one_agent_in_each_mode() {
    let app = spawn_app().await;
    let (_, test) = key_with(&app, "test-agent", true, &[KeyScope::Pauses]);
    let live_watch = watch_id_of(&app, "same", "r1").await;
    let body = json!({ "action": "x", "agent": "same", "run": "r1" });
    let res = app.post_pause_with(&test, &body).await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        app.count("SELECT count(*) FROM agents WHERE name = 'same'"),
        2
    );
    let (_, mine) = send(&app, &test, "GET", "/api/agents/same", Value::Null).await;
    assert_eq!(mine["pendingPauses"], 1, "{mine}");
    assert!(!mine["pending"].to_string().contains(&live_watch));
}

#[tokio::test]
async fn test_agents_events_reach_only_endpoints_that_accept_test_events() {
    let app = spawn_app().await;
    let now = app.now();
    let events = vec!["agent.paused".to_string()];
    for (url, test_events) in [
        ("https://live.example.com/h", false),
        ("https://both.example.com/h", true),
    ] {
        app.with_db(|c| {
            webhook_admin::create(
                c,
                now,
                Actor::Cli,
                WorkspaceId(1),
                url,
                &events,
                test_events,
            )
        })
        .unwrap();
    }
    let (_, test) = key_with(&app, "ci", true, &[KeyScope::Pauses, KeyScope::Agents]);
    let (s, _) = send(&app, &test, "POST", "/api/agents/t/heartbeat", json!({})).await;
    assert_eq!(s, 200);
    let (s, _) = send(&app, &test, "POST", "/api/agents/t/pause", Value::Null).await;
    assert_eq!(s, 200);
    let targets =
        "SELECT count(*) FROM outbox WHERE event = 'agent.paused' AND target LIKE '%both%'";
    assert_eq!(app.count(targets), 1, "the endpoint that opted in");
    let live = "SELECT count(*) FROM outbox WHERE event = 'agent.paused' AND target LIKE '%live%'";
    assert_eq!(app.count(live), 0, "not the live-only one");
}
