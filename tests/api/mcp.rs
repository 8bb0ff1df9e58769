//! The MCP server at `/mcp` over raw JSON-RPC: both handshakes, the API's key check in front
//! of it, and the tools without the Tasks extension (each call waits at most the cap).

use std::time::{Duration, Instant};

use holdpoint::domain::scopes::KeyScope;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app};
use crate::key_scopes::key_with;
use crate::mcp_support::*;

const TOOLS: [&str; 5] = [
    "request_approval",
    "ask_human",
    "submit_plan",
    "get_pause",
    "check_in",
];

#[tokio::test]
async fn both_handshakes_offer_the_five_tools_and_the_tasks_extension() {
    let app = spawn_app().await;
    let legacy = Mcp {
        version: WITH_INITIALIZE,
        ..Mcp::new(&app, &app.key)
    };
    let init = legacy
        .result(
            "initialize",
            json!({"protocolVersion": WITH_INITIALIZE, "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await;
    assert_eq!(init["protocolVersion"], WITH_INITIALIZE);
    assert_eq!(init["serverInfo"]["name"], "holdpoint");
    assert!(init["capabilities"]["extensions"]["io.modelcontextprotocol/tasks"].is_object());
    let latest = Mcp::new(&app, &app.key);
    let discovered = latest.result("server/discover", json!({})).await;
    let versions = discovered["supportedVersions"].as_array().unwrap();
    assert!(versions.contains(&json!(LATEST)) && versions.contains(&json!(WITH_INITIALIZE)));
    assert!(discovered["capabilities"]["tools"].is_object());
    for client in [&legacy, &latest] {
        let listed = client.result("tools/list", json!({})).await;
        let names: Vec<_> = listed["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, TOOLS, "{}", client.version);
        let beat = client.tool("check_in", json!({"agent": "bot"})).await;
        assert_eq!(
            beat["structuredContent"]["control"], "running",
            "{}",
            client.version
        );
    }
}

#[tokio::test]
async fn no_key_a_wrong_or_expired_key_and_a_key_without_pauses_are_refused_as_the_api_does() {
    let app = spawn_app().await;
    for key in ["", "hitl_live_notarealkeyatallnotarealkeyatall"] {
        let res = Mcp::new(&app, key).post("tools/list", json!({})).await;
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        assert_eq!(assert_problem(res, 401).await["title"], "Unauthorized");
    }
    let expiring = app.create_key(1, false);
    let at = app.now() + 1000;
    app.with_db(move |c| Ok(c.execute("UPDATE api_keys SET expires_at = ?1", [at])?))
        .unwrap();
    app.clock.set(at + 1);
    let res = Mcp::new(&app, &expiring)
        .post("tools/list", json!({}))
        .await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        assert_problem(res, 401).await["type"],
        "/problems/key-expired"
    );
    app.with_db(|c| Ok(c.execute("UPDATE api_keys SET expires_at = NULL", [])?))
        .unwrap();
    let (_, decide_only) = key_with(&app, "decider", false, &[KeyScope::Decide]);
    let res = Mcp::new(&app, &decide_only)
        .post("tools/list", json!({}))
        .await;
    assert_eq!(assert_problem(res, 403).await["scope"], "pauses");
}

#[tokio::test]
async fn mcp_requests_spend_the_key_s_rate_limit() {
    let app = spawn_with(|s| {
        s.limits.key_rate = 1;
        s.limits.key_burst = 2;
    })
    .await;
    let mcp = Mcp::new(&app, &app.key);
    for _ in 0..2 {
        assert_eq!(mcp.post("tools/list", json!({})).await.status(), 200);
    }
    let res = mcp.post("tools/list", json!({})).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;
}

#[tokio::test]
async fn the_public_url_s_host_is_allowed_and_another_host_is_not() {
    let public: url::Url = "https://holdpoint.example.com".parse().unwrap();
    let app = spawn_with(move |s| s.public_url = Some(public)).await;
    let call = |host: &'static str| {
        app.api
            .post(app.url("/mcp"))
            .bearer_auth(&app.key)
            .header("Host", host)
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", WITH_INITIALIZE)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
            .send()
    };
    assert_eq!(call("holdpoint.example.com").await.unwrap().status(), 200);
    assert_eq!(call("evil.example.net").await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_pending_call_answers_still_waiting_after_the_cap_and_get_pause_reads_the_decision() {
    let app = spawn_with_wait(Duration::from_millis(300)).await;
    let mcp = Mcp::new(&app, &app.key);
    let args = json!({"action": "Refund order 1042", "context": {"amount": 120}, "risk": "low"});
    let waiting = mcp.tool("request_approval", args).await;
    assert_eq!(text(&waiting), STILL_WAITING);
    assert_eq!(waiting["isError"], false);
    let watch_id = waiting["structuredContent"]["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        waiting["structuredContent"],
        json!({"status": "pending", "watchId": watch_id})
    );
    let still = mcp.tool("get_pause", json!({"watchId": watch_id})).await;
    assert_eq!(still["structuredContent"]["status"], "pending");
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(
        browser
            .decide(&watch_id, false, Some("too much"))
            .await
            .status(),
        200
    );
    let decided = mcp.tool("get_pause", json!({"watchId": watch_id})).await;
    assert_eq!(
        decided["isError"], true,
        "a rejection is an error for the agent"
    );
    assert_eq!(
        decided["structuredContent"],
        api_pause(&app, &app.key, &watch_id).await
    );
    assert_eq!(decided["structuredContent"]["status"], "rejected");
    let as_text: Value = serde_json::from_str(text(&decided)).unwrap();
    assert_eq!(as_text, decided["structuredContent"]);
}

#[tokio::test]
async fn a_waiting_get_pause_answers_the_moment_a_person_approves() {
    let app = spawn_with_wait(Duration::from_secs(30)).await;
    let watch_id = app.create_pause("Deploy v2").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let started = Instant::now();
    let call = {
        let (url, key, id) = (app.url("/mcp"), app.key.clone(), watch_id.clone());
        tokio::spawn(async move { get_pause_at(&url, &key, &id).await })
    };
    let browser = app.sign_in(&app.owner_email).await;
    assert_eq!(browser.decide(&watch_id, true, None).await.status(), 200);
    let result = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("woken by the decision, not by the 30 s cap")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(result["isError"], false);
    assert_eq!(result["structuredContent"]["status"], "approved");
}

/// A 2026-07-28 `get_pause` call made from a spawned task.
async fn get_pause_at(url: &str, key: &str, watch_id: &str) -> Value {
    let meta = json!({"io.modelcontextprotocol/protocolVersion": LATEST,
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}});
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "get_pause", "arguments": {"watchId": watch_id}, "_meta": meta}});
    let res = reqwest::Client::new()
        .post(url)
        .bearer_auth(key)
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", LATEST)
        .header("Mcp-Method", "tools/call")
        .header("Mcp-Name", "get_pause")
        .json(&body)
        .send()
        .await
        .unwrap();
    res.json::<Value>().await.unwrap()["result"].clone()
}
