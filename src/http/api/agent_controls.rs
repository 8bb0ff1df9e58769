//! What people do to agents over the API, on the reference Agents API's paths and bodies:
//! `POST /api/agents/:agent/pause|resume|cancel|guide`, `DELETE /api/agents/:agent`,
//! `POST /api/runs/:run/cancel`, and the emergency stop `POST /api/agents/stop-all|resume-all`.
//! A key acts on its own mode's agents, a session on those of its Test data mode.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::agents::path_name;
use super::auth;
use crate::app;
use crate::domain::agents::cancel;
use crate::domain::agents::control::{self, Action, Controller};
use crate::domain::agents::{self, guidance, Fleet};
use crate::domain::audit::Actor;
use crate::domain::rfc3339;
use crate::domain::scopes::KeyScope;
use crate::error::{AppError, AppResult};
use crate::http::auth::Caller;
use crate::http::{parse_json, read_body, State};

/// Who may control agents: a person signed in to the dashboard, with the session's CSRF token
/// in `X-CSRF-Token`, or an API key with the `agents` scope (counted against its rate limit;
/// audited as the key, shown to the agent by the key's name). `admin` asks for an owner or
/// admin, or a live key that also holds `admin`. This is the one place that decides it.
pub fn controller(
    state: &State,
    caller: Result<Caller, AppError>,
    req: &HttpRequest,
    admin: bool,
) -> AppResult<(Fleet, Controller)> {
    match caller? {
        Caller::Session(signed) => {
            signed.check_csrf(req, None)?;
            let user = signed.user();
            if admin && !user.role.can_manage() {
                return Err(AppError::Forbidden(
                    "only owners and admins can delete agents".into(),
                ));
            }
            let by = Controller {
                actor: Actor::User(user.id),
                label: user.email.clone(),
            };
            Ok((Fleet::new(user.workspace_id, signed.session.test_mode), by))
        }
        Caller::Key(_) => {
            // Again through the extractor's path, which also marks the key as used.
            let key = auth::authenticate(req)?;
            auth::rate_limit(state, &key)?;
            auth::require(&key, KeyScope::Agents, CONTROLLING)?;
            if admin {
                auth::require(&key, KeyScope::Admin, "delete agents")?;
            }
            let name: String = state
                .read()?
                .prepare_cached("SELECT name FROM api_keys WHERE id = ?1")?
                .query_row([key.id], |r| r.get(0))?;
            let by = Controller {
                actor: Actor::Key(key.id),
                label: format!("API key {name}"),
            };
            Ok((Fleet::of_key(&key), by))
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
    let (fleet, by) = controller(&state, caller, &req, false)?;
    let name = path_name(&path)?;
    let now = state.now();
    let who = by.clone();
    let done = state
        .writer
        .run(move |ctx| control::set_control(ctx, now, fleet, &name, action, &who))
        .await?;
    if let Some(target) = done.to_cancel {
        app::agents::cancel_all(&state.services(), target, &by).await?;
    }
    let conn = state.read()?;
    let now = state.now();
    let stopped = agents::stopped_at(&conn, fleet)?.is_some();
    let agent = agents::require(&conn, fleet, &done.agent.name)?;
    let pending = agents::pending_count(&conn, fleet, &agent.name, now)?;
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

/// `DELETE /api/agents/:agent` (`agents` and `admin`, or an owner's or admin's session): its
/// pending pauses cancelled in batches, then the agent with its history and guidance. `204`.
pub async fn delete(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (fleet, by) = controller(&state, caller, &req, true)?;
    let name = path_name(&path)?;
    app::agents::delete(&state.services(), fleet, &name, &by).await?;
    Ok(HttpResponse::NoContent().finish())
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
    let (fleet, by) = controller(&state, caller, &req, false)?;
    let name = path_name(&path)?;
    let body: GuideBody = parse_json(&read_body(&req, payload).await?)?;
    let message = guidance::validate_message(&body.message)?;
    let now = state.now();
    let (agent, g) = state
        .writer
        .run(move |ctx| control::guide(ctx, now, fleet, &name, &message, &by))
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
    let (fleet, by) = controller(&state, caller, &req, false)?;
    let run = agents::validate_name("run", &path).map_err(|_| cancel::unknown_run(&path))?;
    let (now, run2, who) = (state.now(), run.clone(), by.clone());
    let (target, cancelled_agents) = state
        .writer
        .run(move |ctx| cancel::cancel_run(ctx, now, fleet, &run2, &who))
        .await?;
    let pauses = app::agents::cancel_all(&state.services(), target, &by).await?;
    Ok(ok(json!({
        "run": run,
        "cancelledPauses": pauses,
        "cancelledAgents": cancelled_agents,
    })))
}

async fn stop(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    on: bool,
) -> AppResult<HttpResponse> {
    let (fleet, by) = controller(&state, caller, &req, false)?;
    let now = state.now();
    let at = state
        .writer
        .run(move |ctx| control::set_stop(ctx, now, fleet, on, &by))
        .await?;
    Ok(ok(
        json!({ "stopped": at.is_some(), "stoppedAt": at.map(rfc3339) }),
    ))
}

/// `POST /api/agents/stop-all`: every agent of the mode reads as paused until `resume-all`.
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
