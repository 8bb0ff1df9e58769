//! Agents named by pauses and heartbeats, the checkpoint's answer and its guidance cursor.

use serde_json::{json, Value};

use crate::agent_support::*;
use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn a_pause_that_names_its_agent_and_run_shows_them_and_creates_the_agent() {
    let app = spawn_app().await;
    let res = pause_of(&app, json!("billing-bot-7"), json!("run-42")).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["agent"], "billing-bot-7");
    assert_eq!(body["run"], "run-42");
    let plain = app.create_pause("no agent").await;
    assert!(plain.get("agent").is_none() && plain.get("run").is_none());

    let row: Value = agent(&app, "billing-bot-7").await.json().await.unwrap();
    assert_eq!(row["name"], "billing-bot-7");
    assert_eq!(row["run"], "run-42");
    assert_eq!(row["control"], "running");
    assert_eq!(row["pendingPauses"], 1);
    let status_url = body["statusUrl"].as_str().unwrap();
    assert_eq!(row["pending"], json!([status_url]));
}

#[tokio::test]
async fn metadata_agent_is_display_only_and_names_no_agent() {
    let app = spawn_app().await;
    let body = json!({ "action": "x", "metadata": { "agent": "shown-only" } });
    assert_eq!(app.post_pause_with(&app.key, &body).await.status(), 201);
    assert_problem(agent(&app, "shown-only").await, 404).await;
    assert_problem(control(&app, "shown-only", "").await, 404).await;
}

#[tokio::test]
async fn agent_and_run_names_are_checked_at_the_limit_and_one_past() {
    let app = spawn_app().await;
    let longest = "a".repeat(100);
    let res = pause_of(&app, json!(longest), json!("r".repeat(100))).await;
    assert_eq!(res.status(), 201);
    let cases = [
        (
            "agent",
            json!("a".repeat(101)),
            "`agent` has 1 to 100 characters (got 101)",
        ),
        (
            "agent",
            json!(""),
            "`agent` has 1 to 100 characters (got 0)",
        ),
        (
            "agent",
            json!("..."),
            "`agent` must not be made only of dots",
        ),
        (
            "agent",
            json!("billing bot"),
            "`agent` may contain only letters, digits, `.`, `_`, `:` and `-`",
        ),
        (
            "run",
            json!("r".repeat(101)),
            "`run` has 1 to 100 characters (got 101)",
        ),
        ("run", json!("."), "`run` must not be made only of dots"),
    ];
    for (field, value, detail) in cases {
        let (agent, run) = if field == "agent" {
            (value, Value::Null)
        } else {
            (json!("a"), value)
        };
        let problem = assert_problem(pause_of(&app, agent, run).await, 422).await;
        assert_eq!(problem["detail"], detail);
    }
}

#[tokio::test]
async fn a_heartbeat_creates_the_agent_and_answers_its_control() {
    let app = spawn_app().await;
    assert_problem(control(&app, "scout", "").await, 404).await;
    let body = json!({ "state": "acting", "tool": "web_search", "progress": 40, "run": "r1" });
    let answer = beat_ok(&app, "scout", body).await;
    assert_eq!(
        answer,
        json!({ "control": "running", "guidance": [], "cursor": "0" })
    );
    let row: Value = agent(&app, "scout").await.json().await.unwrap();
    assert_eq!(row["state"], "acting");
    assert_eq!(row["tool"], "web_search");
    assert_eq!(row["progress"], 40);
    assert_eq!(row["run"], "r1");
    // Absent members stay; null clears.
    beat_ok(&app, "scout", json!({ "state": "thinking", "tool": null })).await;
    let row: Value = agent(&app, "scout").await.json().await.unwrap();
    assert_eq!(
        (row["state"].clone(), row["tool"].clone()),
        (json!("thinking"), Value::Null)
    );
    assert_eq!(row["progress"], 40);
    let read: Value = control(&app, "scout", "").await.json().await.unwrap();
    assert_eq!(read["control"], "running");
}

#[tokio::test]
async fn heartbeat_fields_are_checked_at_their_limits_and_one_past() {
    let app = spawn_app().await;
    for ok in [
        json!({ "progress": 0 }),
        json!({ "progress": 100 }),
        json!({ "tool": "t".repeat(200) }),
        json!({}),
    ] {
        beat_ok(&app, "limits", ok).await;
    }
    let cases = [
        (
            json!({ "progress": 101 }),
            "`progress` must be 0 to 100 (got 101)",
        ),
        (
            json!({ "progress": -1 }),
            "`progress` must be 0 to 100 (got -1)",
        ),
        (
            json!({ "tool": "t".repeat(201) }),
            "`tool` has 1 to 200 characters and no control or bidirectional control characters",
        ),
        (
            json!({ "tool": "read\u{202E}txt.exe" }),
            "`tool` has 1 to 200 characters and no control or bidirectional control characters",
        ),
        (
            json!({ "tool": "a\u{200F}b" }),
            "`tool` has 1 to 200 characters and no control or bidirectional control characters",
        ),
        (
            json!({ "state": "sleeping" }),
            "`state` must be one of idle, thinking, acting, waiting, complete, error",
        ),
        (
            json!({ "run": "a/b" }),
            "`run` may contain only letters, digits, `.`, `_`, `:` and `-`",
        ),
    ];
    for (body, detail) in cases {
        let problem = assert_problem(heartbeat(&app, "limits", body, "").await, 422).await;
        assert_eq!(problem["detail"], detail);
    }
    let name = "n".repeat(101);
    let problem = assert_problem(heartbeat(&app, &name, json!({}), "").await, 422).await;
    assert_eq!(
        problem["detail"],
        "`agent` has 1 to 100 characters (got 101)"
    );
}

#[tokio::test]
async fn a_thousand_identical_heartbeats_write_one_state_change() {
    let app = spawn_app().await;
    let beat = json!({ "state": "acting", "tool": "code_exec", "progress": 10, "run": "r1" });
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (client, url, key, beat) = (
            app.api.clone(),
            app.url("/api/agents/busy/heartbeat"),
            app.key.clone(),
            beat.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for _ in 0..100 {
                let res = client.post(&url).bearer_auth(&key).json(&beat).send().await;
                assert_eq!(res.unwrap().status(), 200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(app.count("SELECT count(*) FROM agent_history"), 1);
    let seen = "SELECT last_seen_at FROM agents WHERE name = 'busy'";
    let first_seen = app.count(seen);
    // Only a stale last-seen is refreshed, and a refresh is not a state change.
    app.clock
        .advance_secs(holdpoint::domain::agents::SEEN_EVERY_MS / 1000);
    beat_ok(&app, "busy", beat.clone()).await;
    // The refresh is queued without making the agent wait: give the writer a moment.
    let refreshed = first_seen + holdpoint::domain::agents::SEEN_EVERY_MS;
    for _ in 0..200 {
        if app.count(seen) == refreshed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(app.count(seen), refreshed);
    beat_ok(
        &app,
        "busy",
        json!({ "state": "complete", "progress": 100 }),
    )
    .await;
    assert_eq!(app.count("SELECT count(*) FROM agent_history"), 2);
    let row: Value = agent(&app, "busy").await.json().await.unwrap();
    let states: Vec<&str> = row["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["complete", "acting"]);
}

#[tokio::test]
async fn a_malformed_or_future_cursor_is_refused() {
    let app = spawn_app().await;
    beat_ok(&app, "c", json!({})).await;
    let problem = assert_problem(control(&app, "c", "?after=abc").await, 422).await;
    assert_eq!(
        problem["detail"],
        "`after` must be a `cursor` from an earlier answer"
    );
    let problem = assert_problem(control(&app, "c", "?after=1").await, 422).await;
    assert_eq!(
        problem["detail"],
        "`after` is past this agent's last guidance (0); send the `cursor` of an earlier answer"
    );
    assert_eq!(control(&app, "c", "?after=0").await.status(), 200);
    let problem = assert_problem(control(&app, "c", "?wait=56").await, 422).await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .starts_with("`wait` must be 0 to 55"));
}
