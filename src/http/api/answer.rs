//! `POST /api/pause/:watchId/answer`: a person, or a backend with a `decide` key (the same
//! [`Decider`] check as `/approve`), answers a question pause. JSON
//! `{"answers": {"<question>": "<label or text>" | ["label", ...]}}` from scripts and the
//! dashboard's JS, or the pause page's HTML form (then the answer is a redirect back to it).
//! The answers are checked against the questions by `respond`, in the transaction that records
//! them; this only turns the request into a [`Response::Answer`].

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::decide::{fail, refusal, reply};
use super::decider::Decider;
use super::pauses::parse_watch_id;
use crate::app;
use crate::domain::pauses::{self, Transition};
use crate::domain::questions;
use crate::domain::respond::{Response, Via};
use crate::error::{AppError, AppResult};
use crate::http::flash::is_local_path;
use crate::http::{content_type, parse_json, read_body, State};
use crate::wire::answer_form;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonAnswers {
    answers: Map<String, Value>,
}

struct Input {
    answers: Map<String, Value>,
    html_next: Option<String>,
    /// The pause page's second-factor field, checked before the answer.
    step_up_code: Option<String>,
}

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
        Ok(body) => parse(&state, &req, &decider, &path, body),
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

fn parse(
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
            let asked = pauses::get(&*state.read()?, decider.workspace_id(), &watch_id)?
                .and_then(|p| questions::questions_of(p.request_json.as_deref()))
                .unwrap_or_default();
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
