//! The MCP tools' arguments and answers: refusals as the API refuses, the three kinds of
//! pause, the agent's check-in, and what a key may see.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::spawn_app;
use crate::mcp_support::*;

#[tokio::test]
async fn invalid_arguments_are_tool_errors_naming_the_member_as_post_api_pause_does() {
    let app = spawn_app().await;
    let mcp = Mcp::new(&app, &app.key);
    let cases = [
        json!({"action": ""}),
        json!({"action": "Deploy", "risk": "extreme"}),
        json!({"action": "Deploy", "bogus": 1}),
        json!({"action": "Deploy", "timeoutSeconds": 1}),
    ];
    for args in cases {
        let api = app.post_pause_with(&app.key, &args).await;
        let problem: Value = api.json().await.unwrap();
        let result = mcp.tool("request_approval", args.clone()).await;
        assert_eq!(result["isError"], true, "{args}");
        assert_eq!(result["structuredContent"], problem, "{args}");
        assert!(text(&result).contains(problem["detail"].as_str().unwrap()));
    }
    let missing = mcp.tool("get_pause", json!({})).await;
    assert_eq!(missing["structuredContent"]["field"], "watchId");
    let unknown = mcp
        .rpc("tools/call", json!({"name": "launch_rockets"}))
        .await;
    assert_eq!(unknown["error"]["code"], -32602);
}

#[tokio::test]
async fn ask_human_and_submit_plan_make_question_and_plan_pauses() {
    let app = spawn_with_wait(Duration::ZERO).await;
    let mcp = Mcp::new(&app, &app.key);
    let asked = mcp
        .tool(
            "ask_human",
            json!({"action": "Pick a region", "agent": "bot",
            "questions": [{"question": "Region?", "options": [{"label": "eu"}, {"label": "us"}]}]}),
        )
        .await;
    let id = asked["structuredContent"]["watchId"].as_str().unwrap();
    let question = api_pause(&app, &app.key, id).await;
    assert_eq!(
        (question["kind"].as_str(), question["agent"].as_str()),
        (Some("question"), Some("bot"))
    );
    assert_eq!(question["questions"][0]["question"], "Region?");
    let planned = mcp
        .tool(
            "submit_plan",
            json!({"action": "Migrate", "plan": "1. Snapshot\n2. Migrate"}),
        )
        .await;
    let plan_id = planned["structuredContent"]["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let browser = app.sign_in(&app.owner_email).await;
    browser
        .decide(&plan_id, false, Some("Snapshot to S3 first"))
        .await;
    let back = mcp.tool("get_pause", json!({"watchId": plan_id})).await;
    assert_eq!(back["structuredContent"]["status"], "changes_requested");
    assert_eq!(back["isError"], true);
    let no_questions = mcp.tool("ask_human", json!({"action": "?"})).await;
    assert_eq!(no_questions["structuredContent"]["field"], "questions");
}

#[tokio::test]
async fn check_in_reports_the_agent_and_reads_its_control_as_the_heartbeat_does() {
    let app = spawn_app().await;
    let mcp = Mcp::new(&app, &app.key);
    let first = mcp
        .tool(
            "check_in",
            json!({"agent": "bot", "state": "acting", "progress": 40}),
        )
        .await;
    assert_eq!(first["isError"], false, "{first}");
    assert_eq!(first["structuredContent"]["control"], "running");
    let cursor = first["structuredContent"]["cursor"].clone();
    let agent: Value = app
        .api
        .get(app.url("/api/agents/bot"))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (agent["state"].as_str(), agent["progress"].as_i64()),
        (Some("acting"), Some(40))
    );
    let again = mcp
        .tool("check_in", json!({"agent": "bot", "after": cursor}))
        .await;
    assert_eq!(again["structuredContent"]["guidance"], json!([]));
    for after in [json!(-1), json!("abc"), json!(true)] {
        let bad = mcp
            .tool("check_in", json!({"agent": "bot", "after": after}))
            .await;
        assert_eq!(
            (
                bad["isError"].clone(),
                bad["structuredContent"]["field"].clone()
            ),
            (json!(true), json!("after")),
            "{after}: {bad}"
        );
    }
    let bad = mcp
        .tool("check_in", json!({"agent": "bot", "progress": 101}))
        .await;
    assert_eq!(
        (
            bad["isError"].clone(),
            bad["structuredContent"]["field"].clone()
        ),
        (json!(true), json!("progress"))
    );
}

#[tokio::test]
async fn a_test_key_cannot_read_a_live_pause_nor_another_workspace_s() {
    let app = spawn_with_wait(Duration::ZERO).await;
    let live = app.create_pause("Live deploy").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let test_key = app.create_key(1, true);
    let other_ws = app.create_workspace("other", "pro");
    let other_key = app.create_key(other_ws, false);
    for key in [&test_key, &other_key] {
        let read = Mcp::new(&app, key)
            .tool("get_pause", json!({"watchId": live}))
            .await;
        assert_eq!(read["isError"], true);
        assert_eq!(read["structuredContent"]["status"], 404);
    }
    let made = Mcp::new(&app, &test_key)
        .tool("request_approval", json!({"action": "Try"}))
        .await;
    let id = made["structuredContent"]["watchId"].as_str().unwrap();
    assert_eq!(api_pause(&app, &test_key, id).await["test"], true);
}
