//! `POST /api/pause/:watchId/answer`: a person, or a backend with a `decide` key (the same
//! [`Decider`] check as `/approve`), answers a question pause. JSON
//! `{"answers": {"<question>": "<label or text>" | ["label", ...]}}` from scripts and the
//! dashboard's JS, or the pause page's HTML form (then the answer is a redirect back to it).
//! The answers are checked against the questions by `respond`, in the transaction that records
//! them; this only turns the request into a [`Response::Answer`].

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::decide::{fail, refusal, reply};
use super::decider::Decider;
use super::pauses::parse_watch_id;
use crate::app;
use crate::domain::ids::WorkspaceId;
use crate::domain::pauses::{self, Transition};
use crate::domain::questions::{self, Question};
use crate::domain::respond::{Response, Via};
use crate::error::{AppError, AppResult};
use crate::http::flash::is_local_path;
use crate::http::{content_type, parse_json, read_body, State};
use crate::wire::answer_form;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Answers)]
struct JsonAnswers {
    /// `{"<question>": "<label or text>" | ["label", ...]}`.
    #[schema(value_type = Object)]
    answers: Map<String, Value>,
}

struct Input {
    answers: Map<String, Value>,
    html_next: Option<String>,
    /// The pause page's second-factor field, checked before the answer.
    step_up_code: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/pause/{watch_id}/answer",
    tag = "pauses",
    operation_id = "answerPause",
    params(
        ("watch_id" = String, Path, description = "The pause's `watchId` (a UUID; anything else is `404`)."),
        ("X-CSRF-Token" = Option<String>, Header, description = "With a session: the session's CSRF token (a form may send it as `csrf_token` instead)."),
    ),
    request_body(
        description = "The answers, by question text: a label, free text, or labels for a multi-select question.",
        content(
            (JsonAnswers = "application/json", example = json!({"answers": {"Region?": "eu-west-1"}})),
            (Object = "application/x-www-form-urlencoded"),
        )
    ),
    responses(
        (status = 200, description = "Answered. A key holding `decide` without `pauses` gets only the settlement.", body = super::openapi::Decided),
        (status = 303, description = "A signed-in browser's HTML form (`Accept: text/html`): back to the form's `next` page, with a message. Its refusals are HTML pages too."),
        (status = 400, description = "`bad-request`: malformed JSON or form.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `key-expired`, or neither a session nor a key.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden` (a missing or wrong CSRF token, a disabled account or revoked key), `insufficient-scope` (needs `decide`), `self-decision`, `not-in-group`, `step-up-required` (`stepUpUrl` says where), `key-may-not-decide-critical`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 408, description = "`request-timeout`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`: the pause is already final (`current` holds it), or this decider already voted.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "`payload-too-large`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`: neither JSON nor a form.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`: `field` names the member (a missing `reason` where one is required, an edit outside `editable`, an unknown `rejectOption`, an answer that does not fit its question...).", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`, `too-many-requests` (wrong second-factor codes in a form).", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 500, description = "`internal`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`, `storage-full`: nothing was written; retry after `Retry-After`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
    ),
    security(("apiKey" = ["decide"]), ("session" = []))
)]
pub async fn answer(
    state: State,
    decider: Result<Decider, AppError>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let decider = match decider {
        Ok(d) => d,
        Err(e) => return fail(&req, e),
    };
    let input = match read_body(&req, payload).await {
        Ok(body) => parse(&state, &req, &decider, &path, body).await,
        Err(e) => Err(e),
    };
    let input = match input {
        Ok(i) => i,
        Err(e) => return fail(&req, e),
    };
    let html_next = input.html_next.clone();
    let result = record(&state, &decider, &path, input).await;
    reply(&state, &decider, html_next, result, "answer")
}

/// The questions the pause asked, by position (none when it is not in the workspace).
async fn asked(state: &State, ws: WorkspaceId, watch_id: Uuid) -> AppResult<Vec<Question>> {
    let pause = state
        .read_blocking(move |conn| pauses::get(conn, ws, &watch_id))
        .await?;
    Ok(pause
        .and_then(|p| questions::questions_of(p.request_json.as_deref()))
        .unwrap_or_default())
}

async fn parse(
    state: &State,
    req: &HttpRequest,
    decider: &Decider,
    raw_id: &str,
    body: web::Bytes,
) -> AppResult<Input> {
    match content_type(req).as_str() {
        "application/x-www-form-urlencoded" => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|e| AppError::BadRequest(format!("malformed form body: {e}")))?;
            let field = |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
            };
            decider.check_csrf(req, field("csrf_token"))?;
            let wants_html = super::decide::accepts_html(req) && decider.session().is_some();
            let html_next = wants_html.then(|| {
                field("next")
                    .filter(|n| is_local_path(n))
                    .unwrap_or("/")
                    .to_string()
            });
            // The form names questions by position; their texts are read from the pause.
            let watch_id = parse_watch_id(raw_id)?;
            let asked = asked(state, decider.workspace_id(), watch_id).await?;
            Ok(Input {
                answers: answer_form::answers_from_form(&asked, &pairs),
                html_next,
                step_up_code: field("step_up_code").map(str::to_string),
            })
        }
        "application/json" | "" => {
            decider.check_csrf(req, None)?;
            let j: JsonAnswers = parse_json(&body)?;
            Ok(Input {
                answers: j.answers,
                html_next: None,
                step_up_code: None,
            })
        }
        other => Err(AppError::UnsupportedMediaType(format!(
            "send JSON or a form (application/x-www-form-urlencoded), not `{other}`"
        ))),
    }
}

async fn record(
    state: &State,
    decider: &Decider,
    raw_id: &str,
    input: Input,
) -> AppResult<Transition> {
    let watch_id = parse_watch_id(raw_id)?;
    let via = match input.html_next {
        Some(_) => Via::Dashboard,
        None => Via::Api,
    };
    let responder = decider
        .responder_stepping_up(&state.services, via, input.step_up_code)
        .await?;
    let response = Response::Answer {
        answers: input.answers,
    };
    match app::respond::respond(&state.services, responder, watch_id, response).await? {
        Ok(done) => Ok(Transition::Changed(done.pause)),
        Err(refused) => refusal(refused, &watch_id.to_string()),
    }
}
