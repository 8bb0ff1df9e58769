//! The Tasks extension: a tool that asks a human answers with a task whose id is the watchId;
//! `tasks/get` reads the pause, `tasks/cancel` cancels it, and the task outlives the server.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_in, TestApp};
use crate::mcp_support::*;

async fn ask(mcp: &Mcp<'_>, action: &str) -> String {
    let task = mcp
        .tool(
            "request_approval",
            json!({"action": action, "timeoutSeconds": 60}),
        )
        .await;
    assert_eq!(task["resultType"], "task", "{task}");
    assert_eq!(task["status"], "working");
    assert_eq!(task["pollIntervalMs"], 5000);
    task["taskId"].as_str().unwrap().to_string()
}

/// The tool result a completed task carries.
async fn completed(mcp: &Mcp<'_>, id: &str) -> Value {
    let task = mcp.task(id).await;
    assert_eq!(task["status"], "completed", "{task}");
    task["result"].clone()
}

#[tokio::test]
async fn the_task_id_is_the_watch_id_and_an_approval_completes_it_with_the_pause() {
    let app = spawn_app().await;
    let mcp = Mcp::with_tasks(&app, &app.key);
    let id = ask(&mcp, "Deploy v2.4.1").await;
    let pause = api_pause(&app, &app.key, &id).await;
    assert_eq!(
        (pause["watchId"].as_str(), pause["status"].as_str()),
        (Some(&*id), Some("pending"))
    );
    let working = mcp.task(&id).await;
    assert_eq!(
        (
            working["status"].as_str(),
            working["pollIntervalMs"].as_u64()
        ),
        (Some("working"), Some(5000))
    );
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.decide(&id, true, None).await.status(), 200);
    let result = completed(&mcp, &id).await;
    assert_eq!(result["isError"], false);
    assert_eq!(
        result["structuredContent"],
        api_pause(&app, &app.key, &id).await
    );
    assert_eq!(result["structuredContent"]["status"], "approved");
}

#[tokio::test]
async fn rejected_and_expired_pauses_complete_their_tasks_as_errors() {
    let app = spawn_app().await;
    let mcp = Mcp::with_tasks(&app, &app.key);
    let (rejected, expired) = (ask(&mcp, "Drop the table").await, ask(&mcp, "Wait").await);
    let browser = app.sign_in(&app.owner_email).await;
    browser.decide(&rejected, false, Some("no")).await;
    app.clock.advance_secs(61);
    for (id, status) in [(rejected, "rejected"), (expired, "expired")] {
        let result = completed(&mcp, &id).await;
        assert_eq!(result["isError"], true, "{status}");
        assert_eq!(result["structuredContent"]["status"], status);
    }
}

#[tokio::test]
async fn tasks_cancel_cancels_the_pause_and_the_task_reads_cancelled() {
    let app = spawn_app().await;
    let mcp = Mcp::with_tasks(&app, &app.key);
    let id = ask(&mcp, "Send the newsletter").await;
    let ack = mcp.result("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(ack["resultType"], "complete");
    assert_eq!(api_pause(&app, &app.key, &id).await["status"], "cancelled");
    assert_eq!(mcp.task(&id).await["status"], "cancelled");
    let again = mcp.rpc("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(again["error"]["code"], -32602, "a task already over");
}

#[tokio::test]
async fn a_task_survives_a_restart_of_the_server() {
    let first = spawn_app().await;
    let id = ask(&Mcp::with_tasks(&first, &first.key), "Rotate the keys").await;
    first.handle.stop(true).await;
    let (dir, key, now) = (Arc::clone(&first.dir), first.key.clone(), first.now());
    drop(first);
    let mut second = spawn_app_in(dir, now).await;
    second.key = key;
    second.owner_email = "owner@example.com".into();
    let mcp = Mcp::with_tasks(&second, &second.key);
    assert_eq!(mcp.task(&id).await["status"], "working");
    let browser = second.sign_in(&second.owner_email).await;
    assert_eq!(browser.decide(&id, true, None).await.status(), 200);
    assert_eq!(
        completed(&mcp, &id).await["structuredContent"]["status"],
        "approved"
    );
}

#[tokio::test]
async fn a_task_of_another_mode_or_workspace_or_no_pause_is_not_found() {
    let app = spawn_app().await;
    let id = ask(&Mcp::with_tasks(&app, &app.key), "Live only").await;
    let other_ws = app.create_workspace("other", "pro");
    let strangers = [app.create_key(1, true), app.create_key(other_ws, false)];
    for key in &strangers {
        let answer = Mcp::with_tasks(&app, key)
            .rpc("tasks/get", json!({"taskId": id}))
            .await;
        assert_eq!(answer["error"]["code"], -32602, "{answer}");
        let cancel = Mcp::with_tasks(&app, key)
            .rpc("tasks/cancel", json!({"taskId": id}))
            .await;
        assert_eq!(cancel["error"]["code"], -32602);
    }
    assert_eq!(api_pause(&app, &app.key, &id).await["status"], "pending");
    let none = Mcp::with_tasks(&app, &app.key)
        .rpc("tasks/get", json!({"taskId": "not-a-pause"}))
        .await;
    assert_eq!(none["error"]["code"], -32602);
}

#[tokio::test]
async fn a_client_without_the_extension_gets_no_task() {
    let app: TestApp = spawn_with_wait(std::time::Duration::ZERO).await;
    let plain = Mcp::new(&app, &app.key);
    let result = plain
        .tool("request_approval", json!({"action": "No tasks"}))
        .await;
    assert!(result.get("taskId").is_none());
    let id = result["structuredContent"]["watchId"].as_str().unwrap();
    let refused = plain.post("tasks/get", json!({"taskId": id})).await;
    assert_eq!(refused.status(), 400);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(
        refused["error"]["code"], -32021,
        "missing required client capability"
    );
}
