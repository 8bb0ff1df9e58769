//! What people do to agents over the API, on the reference Agents API's paths and bodies:
//! `POST /api/agents/:agent/pause|resume|cancel|guide`, `DELETE /api/agents/:agent`,
//! `POST /api/runs/:run/cancel`, and the emergency stop `POST /api/agents/stop-all|resume-all`
//! (these two in [`stop`]). A key acts on its own mode's agents, a session on those of its Test data mode.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::agents::path_name;
use super::auth;
use crate::app;
use crate::domain::agents::control::{self, Action, Controller};
use crate::domain::agents::{self, guidance, Fleet};
use crate::domain::audit::Actor;
use crate::domain::scopes::KeyScope;
use crate::error::{AppError, AppResult};
use crate::http::auth::Caller;
use crate::http::{parse_json, read_body, State};
use crate::wire::agent::{AgentView, Guided};
use crate::wire::problem::ProblemBody;

/// Who may control agents: a person signed in to the dashboard, with the session's CSRF token
/// in `X-CSRF-Token`, or an API key with the `agents` scope (counted against its rate limit;
/// audited as the key, shown to the agent by the key's name). `admin` asks for an owner or
/// admin, or a live key that also holds `admin`. This is the one place that decides it.
pub async fn controller(
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
            let key = auth::authenticate(req).await?;
            auth::rate_limit(state, &key)?;
            auth::require(&key, KeyScope::Agents, CONTROLLING)?;
            if admin {
                auth::require(&key, KeyScope::Admin, "delete agents")?;
            }
            let id = key.id;
            let name: String = state
                .read_blocking(move |conn| {
                    let mut stmt =
                        conn.prepare_cached("SELECT name FROM api_keys WHERE id = ?1")?;
                    Ok::<_, AppError>(stmt.query_row([id], |r| r.get(0))?)
                })
                .await?;
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

fn ok(body: impl serde::Serialize) -> HttpResponse {
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
    let (fleet, by) = controller(&state, caller, &req, false).await?;
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
    let (now, name) = (state.now(), done.agent.name);
    let (agent, stopped, pending) = state
        .read_blocking(move |conn| {
            let stopped = agents::stopped_at(conn, fleet)?.is_some();
            let agent = agents::require(conn, fleet, &name)?;
            let pending = agents::pending_count(conn, fleet, &agent.name, now)?;
            Ok::<_, AppError>((agent, stopped, pending))
        })
        .await?;
    Ok(ok(agent.view(stopped, pending)))
}

#[utoipa::path(post, path = "/api/agents/{agent}/pause", tag = "agents",
    operation_id = "pauseAgent",
    description = "Pauses the agent: its checkpoints park until it is resumed.",
    params(("agent" = String, Path, description = "The agent's name")),
    security(("apiKey" = ["agents"]), ("session" = [])),
    responses(
        (status = 200, body = AgentView, description = "The agent as it now stands"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`forbidden` (a session without its CSRF token), `agent-pinned`, `insufficient-scope` (a key needs `agents`)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such agent"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: the agent was cancelled"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn pause(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    set(state, caller, req, path, Action::Pause).await
}

#[utoipa::path(post, path = "/api/agents/{agent}/resume", tag = "agents",
    operation_id = "resumeAgent",
    description = "Lets a paused agent run again (the workspace's stop still holds it).",
    params(("agent" = String, Path, description = "The agent's name")),
    security(("apiKey" = ["agents"]), ("session" = [])),
    responses(
        (status = 200, body = AgentView, description = "The agent as it now stands"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`forbidden` (a session without its CSRF token), `agent-pinned`, `insufficient-scope` (a key needs `agents`)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such agent"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: the agent was cancelled"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn resume(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    set(state, caller, req, path, Action::Resume).await
}

#[utoipa::path(post, path = "/api/agents/{agent}/cancel", tag = "agents",
    operation_id = "cancelAgent",
    description = "Cancels the agent: its run and its pending pauses end; it runs again only with a new run.",
    params(("agent" = String, Path, description = "The agent's name")),
    security(("apiKey" = ["agents"]), ("session" = [])),
    responses(
        (status = 200, body = AgentView, description = "The agent as it now stands"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`forbidden` (a session without its CSRF token), `agent-pinned`, `insufficient-scope` (a key needs `agents`)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such agent"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
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
#[utoipa::path(delete, path = "/api/agents/{agent}", tag = "agents",
    operation_id = "deleteAgent",
    description = "Deletes the agent: its pending pauses are cancelled, then it goes with its history and guidance. A key needs `agents` and `admin` (live keys only); a session an owner or admin.",
    params(("agent" = String, Path, description = "The agent's name")),
    security(("apiKey" = ["agents", "admin"]), ("session" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`forbidden` (no CSRF token, or not an owner or admin), `insufficient-scope` (a key needs `agents` and `admin`), `live-key-required`"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such agent"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn delete(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (fleet, by) = controller(&state, caller, &req, true).await?;
    let name = path_name(&path)?;
    app::agents::delete(&state.services(), fleet, &name, &by).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = Guide)]
#[serde(deny_unknown_fields)]
pub struct GuideBody {
    /// What the agent reads at its next checkpoint: 1 to 4,000 characters once trimmed, no NUL.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    message: String,
}

/// `POST /api/agents/:agent/guide {"message"}`: answers the message as the agent will read it.
#[utoipa::path(post, path = "/api/agents/{agent}/guide", tag = "agents",
    operation_id = "guideAgent",
    description = "Sends the agent a message, read at its next checkpoint (and waking a parked one).",
    params(("agent" = String, Path, description = "The agent's name")),
    request_body(content = GuideBody, content_type = "application/json"),
    security(("apiKey" = ["agents"]), ("session" = [])),
    responses(
        (status = 200, body = Guided, description = "The message as the agent will read it"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`forbidden` (a session without its CSRF token), `agent-pinned`, `insufficient-scope` (a key needs `agents`)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such agent"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: the agent was cancelled"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: `message`, or the body is not an object"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn guide(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let (fleet, by) = controller(&state, caller, &req, false).await?;
    let name = path_name(&path)?;
    let body: GuideBody = parse_json(&read_body(&req, payload).await?)?;
    let message = guidance::validate_message(&body.message)?;
    let now = state.now();
    let (agent, g) = state
        .writer
        .run(move |ctx| control::guide(ctx, now, fleet, &name, &message, &by))
        .await?;
    Ok(ok(Guided {
        agent: &agent.name,
        guidance: g.view(),
    }))
}

#[path = "agent_stop.rs"]
pub mod stop;
pub use stop::{cancel_run, resume_all, stop_all};
