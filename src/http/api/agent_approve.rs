//! `POST /api/agents/:agent/approve/:watchId` `{"approved", "reason"?}`: the reference Agents
//! API's decision path. It does exactly what `POST /api/pause/:watchId/approve` does (the same
//! deciders: a session or a key with `decide`; same body, answers and errors), and answers 404 unless the pause names `:agent`, so a
//! decision cannot land on another agent's pause by a mixed-up path.

use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::decider::Decider;
use super::pauses::parse_watch_id;
use crate::domain::history::Scope;
use crate::domain::pauses;
use crate::error::{AppError, AppResult};
use crate::http::State;
use crate::wire::problem::ProblemBody;

#[utoipa::path(post, path = "/api/agents/{agent}/approve/{watch_id}", tag = "agents",
    description = "Approves or rejects a pause asked by `agent`: exactly `POST /api/pause/{watch_id}/approve` \
        (same deciders, body, answers and errors), and 404 unless the pause names `agent`.",
    params(("agent" = String, Path, description = "The agent that asked"),
        ("watch_id" = String, Path, description = "The pause's watch id")),
    request_body(content = super::decide::JsonDecision, content_type = "application/json"),
    security(("apiKey" = ["decide"]), ("session" = [])),
    responses(
        (status = 200, body = super::openapi::Decided, description = "The pause as it now stands"),
        (status = 303, description = "A signed-in browser's form: back to the page it came from"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON or form"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`forbidden` (a session without its CSRF token), `insufficient-scope` (a key needs `decide`), `self-decision`, `not-in-group`, `step-up-required`, `key-may-not-decide-critical`, `live-key-required` (remembering with a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such pause asked by this agent"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: the pause is no longer pending (`current` holds it)"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 415, body = ProblemBody, content_type = "application/problem+json", description = "`unsupported-media-type`: send JSON or a form"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: a member of the decision"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn approve(
    state: State,
    decider: Result<Decider, AppError>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (agent, raw_watch) = path.into_inner();
    if let Ok(d) = decider.as_ref() {
        if let Err(e) = names_agent(&state, d, &agent, &raw_watch) {
            return e.error_response();
        }
    }
    super::decide::approve(state, decider, req, web::Path::from(raw_watch), payload).await
}

/// The pause exists in the workspace, in the caller's mode (a key's own; a person's session
/// decides either), and was asked by `agent`; otherwise it is not found, with one text, so a
/// test key learns nothing of live pauses.
fn names_agent(state: &State, d: &Decider, agent: &str, raw_watch: &str) -> AppResult<()> {
    let watch_id = parse_watch_id(raw_watch)?;
    let scope = Scope {
        workspace_id: d.workspace_id(),
        test: d.key().map(|k| k.test),
    };
    let pause = pauses::get_in(&*state.read()?, scope, &watch_id)?;
    match pause {
        Some(p) if p.agent.as_deref() == Some(agent) => Ok(()),
        _ => Err(AppError::NotFound(format!(
            "no pause with watchId `{raw_watch}` asked by agent `{agent}` in this workspace"
        ))),
    }
}
