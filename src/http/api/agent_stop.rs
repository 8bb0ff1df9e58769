//! The actions on more than one agent: cancelling a run (`POST /api/runs/:run/cancel`) and the
//! workspace's emergency stop (`POST /api/agents/stop-all|resume-all`). Who may act is decided
//! by [`super::controller`], as for one agent.

use actix_web::{web, HttpRequest, HttpResponse};

use super::{controller, ok};
use crate::app;
use crate::domain::agents::{self, cancel, control};
use crate::domain::rfc3339;
use crate::error::{AppError, AppResult};
use crate::http::auth::Caller;
use crate::http::State;
use crate::wire::agent::{RunCancelled, StopView};
use crate::wire::problem::ProblemBody;

/// `POST /api/runs/:run/cancel`: every pending pause of the run, and the agents running it.
#[utoipa::path(post, path = "/api/runs/{run}/cancel", tag = "agents",
    operation_id = "cancelRun",
    description = "Cancels a run: every pending pause of it, and the agents running it.",
    params(("run" = String, Path, description = "The run's name")),
    security(("apiKey" = ["agents"]), ("session" = [])),
    responses(
        (status = 200, body = RunCancelled, description = "What the cancel ended"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`forbidden` (a session without its CSRF token), `insufficient-scope` (a key needs `agents`)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no pause or agent names this run"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn cancel_run(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (fleet, by) = controller(&state, caller, &req, false).await?;
    let run = agents::validate_name("run", &path).map_err(|_| cancel::unknown_run(&path))?;
    let (now, run2, who) = (state.now(), run.clone(), by.clone());
    let (target, cancelled_agents) = state
        .writer
        .run(move |ctx| cancel::cancel_run(ctx, now, fleet, &run2, &who))
        .await?;
    let pauses = app::agents::cancel_all(&state.services(), target, &by).await?;
    Ok(ok(RunCancelled {
        run,
        cancelled_pauses: pauses,
        cancelled_agents,
    }))
}

async fn stop(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
    on: bool,
) -> AppResult<HttpResponse> {
    let (fleet, by) = controller(&state, caller, &req, false).await?;
    let now = state.now();
    let at = state
        .writer
        .run(move |ctx| control::set_stop(ctx, now, fleet, on, &by))
        .await?;
    Ok(ok(StopView {
        stopped: at.is_some(),
        stopped_at: at.map(rfc3339),
    }))
}

/// `POST /api/agents/stop-all`: every agent of the mode reads as paused until `resume-all`.
#[utoipa::path(post, path = "/api/agents/stop-all", tag = "agents",
    operation_id = "stopAllAgents",
    description = "The emergency stop: every agent of the mode reads as paused until `resume-all`.",
    security(("apiKey" = ["agents"]), ("session" = [])),
    responses(
        (status = 200, body = StopView, description = "The stop, on"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`forbidden` (a session without its CSRF token), `insufficient-scope` (a key needs `agents`)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn stop_all(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    stop(state, caller, req, true).await
}

/// `POST /api/agents/resume-all`: lifts the stop; agents paused one by one stay paused.
#[utoipa::path(post, path = "/api/agents/resume-all", tag = "agents",
    operation_id = "resumeAllAgents",
    description = "Lifts the emergency stop; agents paused one by one stay paused.",
    security(("apiKey" = ["agents"]), ("session" = [])),
    responses(
        (status = 200, body = StopView, description = "The stop, off"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`forbidden` (a session without its CSRF token), `insufficient-scope` (a key needs `agents`)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn resume_all(
    state: State,
    caller: Result<Caller, AppError>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    stop(state, caller, req, false).await
}
