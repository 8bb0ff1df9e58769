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
    operation_id = "decideAgentPause",
    description = "Approves or rejects a pause asked by `agent`: exactly `POST /api/pause/{watch_id}/approve` \
        (the same deciders, body, answers and errors), and 404 unless the pause names `agent`.",
    params(("agent" = String, Path, description = "The agent that asked"),
        ("watch_id" = String, Path, description = "The pause's `watchId`"),
        ("X-CSRF-Token" = Option<String>, Header, description = "With a session: the session's CSRF token")),
    request_body(description = "The decision, as for `POST /api/pause/{watch_id}/approve`.",
        content((inline(DecisionRef) = "application/json"),
            (super::decide_form::FormDecision = "application/x-www-form-urlencoded"))),
    security(("apiKey" = ["decide"]), ("session" = [])),
    responses(
        (status = 200, body = super::openapi::Decided, description = "Decided (or, below a quorum, the vote recorded)"),
        (status = 303, description = "A signed-in browser's HTML form: back to the form's `next` page"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON or form"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`, or neither a session nor a key"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`forbidden` (a missing or wrong CSRF token), `insufficient-scope` (needs `decide`), `self-decision`, `not-in-group`, `step-up-required`, `key-may-not-decide-critical`, `live-key-required` (remembering a decision with a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such pause asked by this agent"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: the pause is already final (`current` holds it), or this decider already voted"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 415, body = ProblemBody, content_type = "application/problem+json", description = "`unsupported-media-type`: neither JSON nor a form"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: `field` names the member"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`, `too-many-requests`"),
        (status = 500, body = ProblemBody, content_type = "application/problem+json", description = "`internal`"),
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
        if let Err(e) = names_agent(&state, d, &agent, &raw_watch).await {
            return e.error_response();
        }
    }
    super::decide::approve(state, decider, req, web::Path::from(raw_watch), payload).await
}

/// The pause exists in the workspace, in the caller's mode (a key's own; a person's session
/// decides either), and was asked by `agent`; otherwise it is not found, with one text, so a
/// test key learns nothing of live pauses.
async fn names_agent(state: &State, d: &Decider, agent: &str, raw_watch: &str) -> AppResult<()> {
    let watch_id = parse_watch_id(raw_watch)?;
    let scope = Scope {
        workspace_id: d.workspace_id(),
        test: d.key().map(|k| k.test),
    };
    let pause = state
        .read_blocking(move |conn| pauses::get_in(conn, scope, &watch_id))
        .await?;
    match pause {
        Some(p) if p.agent.as_deref() == Some(agent) => Ok(()),
        _ => Err(AppError::NotFound(format!(
            "no pause with watchId `{raw_watch}` asked by agent `{agent}` in this workspace"
        ))),
    }
}

/// The JSON decision's schema, `Decision`, which the pauses part documents with
/// `POST /api/pause/{watch_id}/approve`: this route takes the same body.
pub struct DecisionRef;

impl utoipa::PartialSchema for DecisionRef {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::Ref::from_schema_name("Decision").into()
    }
}

impl utoipa::ToSchema for DecisionRef {}
