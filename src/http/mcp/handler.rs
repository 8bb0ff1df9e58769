//! The MCP server's handler: one per request (the transport is stateless), holding only the
//! [`Services`]. Every tool calls the application layer; a task is a pause, read from the
//! database on each `tasks/get`, so tasks outlive the process that made them.

use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams, GetTaskParams,
    GetTaskResult, Implementation, JsonObject, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use rmcp_actix_web::transport::on_request_extensions;
use serde_json::Value;
use uuid::Uuid;

use super::{results, tools};
use crate::app::{self, create::CreatePause, wait::Until};
use crate::domain::api_keys::AuthKey;
use crate::domain::pauses::{Pause, Transition};
use crate::domain::{agents, secrets};
use crate::error::{AppError, AppResult};
use crate::http::api::{agents as agents_api, create, pauses as pauses_api};
use crate::services::Services;

const INSTRUCTIONS: &str = "Holdpoint puts a human in the loop: ask before a risky action \
    (request_approval), ask questions (ask_human) or submit a plan (submit_plan), and go ahead \
    only as decided. A call waits up to 55 s; still pending, call get_pause with its watchId. \
    Between steps, check_in reports your state and reads a human's guidance.";

#[derive(Clone)]
pub struct Holdpoint {
    services: Services,
}

impl Holdpoint {
    pub fn new(services: Services) -> Self {
        Holdpoint { services }
    }

    /// The longest a tool call waits for a human.
    fn wait_limit(&self) -> Duration {
        self.services.settings.limits.mcp_wait
    }

    /// A request for a pause of the tool's kind, checked by `POST /api/pause`'s parser.
    fn new_pause(&self, key: &AuthKey, tool: &str, mut args: JsonObject) -> AppResult<CreatePause> {
        if let Some(kind) = tools::kind_of(tool) {
            args.insert("kind".into(), Value::String(kind.as_str().into()));
        }
        let body = serde_json::to_vec(&args).map_err(anyhow::Error::from)?;
        Ok(CreatePause {
            pause: create::parse(&body, key)?,
            idempotency_key: None,
            request_hash: secrets::sha256(&body).to_vec(),
        })
    }

    async fn ask(
        &self,
        key: &AuthKey,
        tool: &str,
        args: JsonObject,
        as_task: bool,
    ) -> AppResult<CallToolResponse> {
        let created = app::create::create(&self.services, self.new_pause(key, tool, args)?).await?;
        let watch_id = serde_json::from_str::<Value>(&created.body)
            .ok()
            .and_then(|v| Uuid::try_parse(v["watchId"].as_str()?).ok())
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a created pause has no watchId")))?;
        if as_task {
            let pause = self.wait(key, &watch_id, Duration::ZERO).await?;
            return Ok(results::created_task(&pause, self.services.now()).into());
        }
        let pause = self.wait(key, &watch_id, self.wait_limit()).await?;
        Ok(self.result(&pause).into())
    }

    async fn get_pause(&self, key: &AuthKey, args: &JsonObject) -> AppResult<CallToolResponse> {
        let watch_id = match args.get("watchId") {
            Some(Value::String(raw)) => pauses_api::parse_watch_id(raw)?,
            _ => {
                return Err(AppError::invalid(
                    "watchId",
                    "`watchId` is required: a string",
                ))
            }
        };
        let pause = self.wait(key, &watch_id, self.wait_limit()).await?;
        Ok(self.result(&pause).into())
    }

    async fn check_in(&self, key: &AuthKey, mut args: JsonObject) -> AppResult<CallToolResponse> {
        let name = match args.remove("agent") {
            Some(Value::String(name)) => agents::validate_name("agent", &name)?,
            _ => {
                return Err(AppError::invalid(
                    "agent",
                    "`agent` is required: your agent's name",
                ))
            }
        };
        let after = match args.remove("after") {
            None | Some(Value::Null) => None,
            Some(v) => Some(cursor(&v)?),
        };
        let body = serde_json::to_vec(&args).map_err(anyhow::Error::from)?;
        let report = agents_api::parse_report(&body)?;
        let services = &self.services;
        let cp =
            app::checkpoint::heartbeat(services, key, &name, report, after, Duration::ZERO).await?;
        let view = serde_json::to_value(agents_api::control_view(&cp)).unwrap_or_default();
        Ok(results::of_value(view).into())
    }

    /// The pause once settled, or as it stands after `limit` (the app layer's long-poll).
    async fn wait(&self, key: &AuthKey, watch_id: &Uuid, limit: Duration) -> AppResult<Pause> {
        let waited = app::wait::wait(&self.services, key, watch_id, limit, Until::Settled).await?;
        Ok(waited.pause().clone())
    }

    fn result(&self, pause: &Pause) -> CallToolResult {
        results::of_pause(pause, &self.services.base_url(), self.services.now())
    }

    /// The pause behind a task id, if it is one of this key's (its workspace, its mode).
    async fn task_pause(&self, key: &AuthKey, task_id: &str) -> Result<Pause, McpError> {
        let watch_id = Uuid::try_parse(task_id).map_err(|_| task_not_found(task_id))?;
        match self.wait(key, &watch_id, Duration::ZERO).await {
            Ok(pause) => Ok(pause),
            Err(AppError::NotFound(_)) => Err(task_not_found(task_id)),
            Err(e) => Err(McpError::internal_error(e.detail(), None)),
        }
    }
}

/// `after` as a number or the string a checkpoint's `cursor` is, checked as the API's `?after=`.
fn cursor(v: &Value) -> AppResult<i64> {
    match v {
        Value::String(s) => agents_api::parse_cursor(s),
        other => agents_api::parse_cursor(&other.to_string()),
    }
}

fn task_not_found(task_id: &str) -> McpError {
    McpError::invalid_params(
        format!("no task `{task_id}`: it is not one of this key's pauses"),
        None,
    )
}

/// The key the `/mcp` scope checked (see `super::authenticate`).
fn key_of(context: &RequestContext<RoleServer>) -> Result<AuthKey, McpError> {
    on_request_extensions(&context.extensions)
        .and_then(|e| e.get::<AuthKey>())
        .copied()
        .ok_or_else(|| McpError::internal_error("the request carries no checked key", None))
}

impl ServerHandler for Holdpoint {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_tasks()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("holdpoint", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(tools::all()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let key = key_of(&context)?;
        let as_task = context
            .client_capabilities()
            .is_some_and(|caps| caps.supports_tasks());
        let args = request.arguments.unwrap_or_default();
        let name = request.name.as_ref();
        let answer = match name {
            tools::GET_PAUSE => self.get_pause(&key, &args).await,
            tools::CHECK_IN => self.check_in(&key, args).await,
            _ if tools::kind_of(name).is_some() => self.ask(&key, name, args, as_task).await,
            other => {
                return Err(McpError::invalid_params(
                    format!("unknown tool `{other}`"),
                    None,
                ))
            }
        };
        Ok(answer.unwrap_or_else(|e| results::of_error(&e).into()))
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        let key = key_of(&context)?;
        let pause = self.task_pause(&key, &request.task_id).await?;
        let now = self.services.now();
        let task = results::detailed_task(&pause, &self.services.base_url(), now);
        Ok(GetTaskResult::new(task))
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let key = key_of(&context)?;
        let pause = self.task_pause(&key, &request.task_id).await?;
        match app::cancel::cancel(&self.services, &key, &pause.watch_id).await {
            Ok(Transition::Changed(_)) => Ok(()),
            Ok(Transition::AlreadyFinal(p)) => Err(McpError::invalid_params(
                format!(
                    "the task is already over: its pause is {}",
                    p.status(self.services.now()).as_str()
                ),
                None,
            )),
            Err(AppError::NotFound(_)) => Err(task_not_found(&request.task_id)),
            Err(e) => Err(McpError::internal_error(e.detail(), None)),
        }
    }
}
