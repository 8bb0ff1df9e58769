//! A raw JSON-RPC client for `/mcp`, speaking 2026-07-28 (per-request `_meta`) or 2025-11-25
//! (the `initialize` handshake): what an MCP client sends, with nothing hidden.

use std::sync::Arc;
use std::time::Duration;

use holdpoint::config::Settings;
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_configured, TestApp};

pub const LATEST: &str = "2026-07-28";
pub const WITH_INITIALIZE: &str = "2025-11-25";
pub const STILL_WAITING: &str =
    "Still waiting for a human; call get_pause with this watchId to keep waiting";

/// A server whose tool calls wait at most `wait` for a human (55 s in production).
pub async fn spawn_with_wait(wait: Duration) -> TestApp {
    spawn_with(move |s| s.limits.mcp_wait = wait).await
}

pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = Arc::new(tempfile::TempDir::new().unwrap());
    spawn_app_configured(dir, holdpoint::domain::clock::system_now(), configure).await
}

pub struct Mcp<'a> {
    pub app: &'a TestApp,
    pub key: String,
    /// Declares the Tasks extension in each request's capabilities.
    pub tasks: bool,
    pub version: &'static str,
}

impl<'a> Mcp<'a> {
    /// The 2026-07-28 client of `key`, without the Tasks extension.
    pub fn new(app: &'a TestApp, key: &str) -> Self {
        Mcp {
            app,
            key: key.to_string(),
            tasks: false,
            version: LATEST,
        }
    }

    pub fn with_tasks(app: &'a TestApp, key: &str) -> Self {
        Mcp {
            tasks: true,
            ..Mcp::new(app, key)
        }
    }

    fn meta(&self) -> Value {
        let extensions = match self.tasks {
            true => json!({"io.modelcontextprotocol/tasks": {}}),
            false => json!({}),
        };
        json!({
            "io.modelcontextprotocol/protocolVersion": self.version,
            "io.modelcontextprotocol/clientInfo": {"name": "holdpoint-tests", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {"extensions": extensions},
        })
    }

    /// POSTs one request; on 2026-07-28 `_meta` carries the version and capabilities.
    pub async fn post(&self, method: &str, mut params: Value) -> Response {
        if self.version == LATEST {
            params["_meta"] = self.meta();
        }
        let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
        let mut req = self
            .app
            .api
            .post(self.app.url("/mcp"))
            .bearer_auth(&self.key)
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", self.version)
            .json(&body);
        if self.version == LATEST {
            req = req.header("Mcp-Method", method);
            // The tool's name, or the task's id (`tasks/*`).
            if let Some(name) = params["name"].as_str().or(params["taskId"].as_str()) {
                req = req.header("Mcp-Name", name);
            }
        }
        req.send().await.unwrap()
    }

    /// The whole JSON-RPC answer of a request that must reach rmcp (HTTP 200).
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        let res = self.post(method, params).await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "{method}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"))
    }

    /// The `result` of a successful request.
    pub async fn result(&self, method: &str, params: Value) -> Value {
        let answer = self.rpc(method, params).await;
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    }

    /// A tool's result (`content`, `structuredContent`, `isError`), or the task it made.
    pub async fn tool(&self, name: &str, arguments: Value) -> Value {
        self.result("tools/call", json!({"name": name, "arguments": arguments}))
            .await
    }

    pub async fn task(&self, task_id: &str) -> Value {
        self.result("tasks/get", json!({"taskId": task_id})).await
    }
}

/// The text of a tool result's first content block.
pub fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}

/// The pause as `GET /api/pause/{id}` shows it to `key`.
pub async fn api_pause(app: &TestApp, key: &str, watch_id: &str) -> Value {
    let res = app.get_pause_with(key, watch_id, "").await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}
