//! What people do to agents over the API, on the reference Agents API's paths and bodies:
//! `POST /api/agents/:agent/pause|resume|cancel|guide`, `POST /api/runs/:run/cancel`, and the
//! emergency stop `POST /api/agents/stop-all|resume-all`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::agents::path_name;
use super::auth;
use crate::domain::agent_control::{self, Action, Who};
use crate::domain::agents;
use crate::domain::audit::Actor;
use crate::domain::ids::WorkspaceId;
use crate::domain::scopes::KeyScope;
use crate::domain::{guidance, rfc3339};
use crate::error::{AppError, AppResult};
use crate::http::auth::Caller;
use crate::http::{parse_json, read_body, State};

/// Who may control agents: a person signed in to the dashboard, with the session's CSRF token
/// in `X-CSRF-Token`, or an API key with the `agents` scope (counted against its rate limit;
/// audited as the key, shown to the agent by the key's name). This is the one place that
/// decides it.
pub fn controller(
    state: &State,
    caller: Result<Caller, AppError>,
    req: &HttpRequest,
) -> AppResult<(WorkspaceId, Who)> {
    match caller? {
        Caller::Session(signed) => {
            signed.check_csrf(req, None)?;
            let user = signed.user();
            let who = Who {
                actor: Actor::User(user.id),
                label: user.email.clone(),
            };
            Ok((user.workspace_id, who))
        }
        Caller::Key(_) => {
            // Again through the extractor's path, which also marks the key as used.
            let key = auth::authenticate(req)?;
            auth::rate_limit(state, &key)?;
            auth::require(&key, KeyScope::Agents, CONTROLLING)?;
            let name: String = state
                .read()?
                .prepare_cached("SELECT name FROM api_keys WHERE id = ?1")?
                .query_row([key.id], |r| r.get(0))?;
            let who = Who {
                actor: Actor::Key(key.id),
                label: format!("API key {name}"),
            };
            Ok((key.workspace_id, who))
        }
    }
}

/// What a key is refused without `agents`, in the 403's detail.
const CONTROLLING: &str = "pause, resume, cancel or guide agents";

fn ok(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

async fn set(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
    action: Action,
) -> AppResult<HttpResponse> {
    let (ws, who) = controller(&state, caller, &req)?;
    let name = path_name(&path)?;
    let now = state.now();
    let agent = state
        .writer
        .run(move |ctx| agent_control::set_control(ctx, now, ws, &name, action, &who))
        .await?;
    let conn = state.read()?;
    let stopped = agents::stopped_at(&conn, ws)?.is_some();
    let pending = agents::pending_pauses(&conn, ws, &agent.name, now)?.len() as i64;
    Ok(ok(json!(agent.view(stopped, pending))))
}

pub async fn pause(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    set(state, caller, req, path, Action::Pause).await
}

pub async fn resume(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    set(state, caller, req, path, Action::Resume).await
}

pub async fn cancel(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    set(state, caller, req, path, Action::Cancel).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuideBody {
    message: String,
}

/// `POST /api/agents/:agent/guide {"message"}`: answers the message as the agent will read it.
pub async fn guide(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let (ws, who) = controller(&state, caller, &req)?;
    let name = path_name(&path)?;
    let body: GuideBody = parse_json(&read_body(&req, payload).await?)?;
    let message = guidance::validate_message(&body.message)?;
    let now = state.now();
    let (agent, g) = state
        .writer
        .run(move |ctx| agent_control::guide(ctx, now, ws, &name, &message, &who))
        .await?;
    Ok(ok(json!({ "agent": agent.name, "guidance": g.view() })))
}

/// `POST /api/runs/:run/cancel`: every pending pause of the run, and the agents running it.
pub async fn cancel_run(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (ws, who) = controller(&state, caller, &req)?;
    let run = agents::validate_name("run", &path).map_err(|_| {
        AppError::NotFound(format!(
            "no pause or agent named run `{path}` in this workspace"
        ))
    })?;
    let now = state.now();
    let run2 = run.clone();
    let done = state
        .writer
        .run(move |ctx| agent_control::cancel_run(ctx, now, ws, &run2, &who))
        .await?;
    Ok(ok(json!({
        "run": run,
        "cancelledPauses": done.pauses,
        "cancelledAgents": done.agents,
    })))
}

async fn stop(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    on: bool,
) -> AppResult<HttpResponse> {
    let (ws, who) = controller(&state, caller, &req)?;
    let now = state.now();
    let at = state
        .writer
        .run(move |ctx| agent_control::set_stop(ctx, now, ws, on, &who))
        .await?;
    Ok(ok(
        json!({ "stopped": at.is_some(), "stoppedAt": at.map(rfc3339) }),
    ))
}

/// `POST /api/agents/stop-all`: every agent of the workspace reads as paused until `resume-all`.
pub async fn stop_all(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    stop(state, caller, req, true).await
}

/// `POST /api/agents/resume-all`: lifts the stop; agents paused one by one stay paused.
pub async fn resume_all(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    stop(state, caller, req, false).await
}
