//! `POST /api/pause/:watchId/approve`: a signed-in human or a backend with a `decide` key
//! decides ([`Decider`]). JSON from scripts and the dashboard's JS, or a plain HTML form from a
//! signed-in browser (then the answer is a redirect back to the page).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;

use super::decide_extras::{self, FormExtras};
use super::decide_form::{form_remember, parse_bool, FormDecision};
use super::decider::{Decider, DECIDING};
use super::pauses::{parse_watch_id, transition_response};
use crate::app;
use crate::domain::pauses::{self, Transition};
use crate::domain::policy::remember::Remember;
use crate::domain::respond::{RespondError, Response, Via, MAX_REASON_CHARS};
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::http::flash::{is_local_path, redirect_with};
use crate::http::{content_type, parse_json, read_body, State};

/// `approved: false` on a plan requests changes (then `reason` says what to change).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Decision)]
struct JsonDecision {
    approved: bool,
    /// At most 2,000 characters; required to reject where the workspace says so.
    #[serde(default)]
    reason: Option<String>,
    /// New values for the pause's `editable` context keys, with an approval.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    edits: Option<serde_json::Map<String, serde_json::Value>>,
    /// The `name` of one of the pause's `rejectOptions`, with a rejection.
    #[serde(default, rename = "rejectOption")]
    reject_option: Option<String>,
    /// "Remember this decision": `{"expiresInDays"?: N}` with an approval.
    #[serde(default)]
    remember: Option<RememberBody>,
}

/// "Remember this decision" as a rule (needs a session, or a key with `decide` and `admin`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = Remember)]
struct RememberBody {
    #[serde(default)]
    expires_in_days: Option<i64>,
}

struct Input {
    approved: bool,
    reason: Option<String>,
    /// A form's field that is not JSON is reported like a refused decision (for a browser, a
    /// message on the page it came from), so it waits until then.
    extras: AppResult<FormExtras>,
    html_next: Option<String>,
    /// Refused like `extras` (a message on the page the form came from); nothing is written.
    remember: AppResult<Option<Remember>>,
    /// The pause page's second-factor field, checked before the decision.
    step_up_code: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/pause/{watch_id}/approve",
    tag = "pauses",
    operation_id = "decidePause",
    params(
        ("watch_id" = String, Path, description = "The pause's `watchId` (a UUID; anything else is `404`)."),
        ("X-CSRF-Token" = Option<String>, Header, description = "With a session: the session's CSRF token (a form may send it as `csrf_token` instead)."),
    ),
    request_body(
        description = "The decision. A test key may decide its own test pauses without `decide`.",
        content(
            (JsonDecision = "application/json", examples(("approve" = (value = json!({"approved": true, "reason": "looks right"}))), ("reject" = (value = json!({"approved": false, "reason": "wrong customer"}))), ("approve with edits" = (value = json!({"approved": true, "edits": {"amount": 100}}))))),
            (super::decide_form::FormDecision = "application/x-www-form-urlencoded"),
        )
    ),
    responses(
        (status = 200, description = "Decided (or, below a quorum, the vote recorded). A key holding `decide` without `pauses` gets only the settlement.", body = super::openapi::Decided),
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
pub async fn approve(
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
    let input = match read_body(&req, payload)
        .await
        .and_then(|b| parse(&req, &decider, b))
    {
        Ok(i) => i,
        Err(e) => return fail(&req, e),
    };
    let html_next = input.html_next.clone();
    let result = decide(&state, &decider, &path, input).await;
    reply(&state, &decider, html_next, result, "decide")
}

/// What a decision or an answer gets back: a program the pause (or problem+json); a session's
/// HTML form a redirect to its page with a message (`html_next`, see `parse`).
pub(super) fn reply(
    state: &State,
    decider: &Decider,
    html_next: Option<String>,
    result: AppResult<Transition>,
    route: &'static str,
) -> HttpResponse {
    let (Some(next), Some(signed)) = (html_next, decider.session()) else {
        return match result {
            Ok(outcome) => transition_response(state, outcome, route, decider.shown())
                .unwrap_or_else(|e| e.error_response()),
            Err(e) => e.error_response(),
        };
    };
    match result {
        Ok(outcome) => {
            let (kind, text) = html_message(&outcome, state.now());
            redirect_with(state, signed, &next, kind, &text)
        }
        Err(e) if e.status_code().is_client_error() => {
            redirect_with(state, signed, &next, "error", &e.detail())
        }
        // A server-side failure (e.g. a full disk): a readable page, not problem+json.
        Err(e) => crate::error::PageError::App(e).error_response(),
    }
}

/// A browser gets a readable page, a program gets problem+json.
pub(super) fn fail(req: &HttpRequest, e: AppError) -> HttpResponse {
    if content_type(req) == "application/x-www-form-urlencoded" && accepts_html(req) {
        crate::error::PageError::App(e).error_response()
    } else {
        e.error_response()
    }
}

pub(super) fn accepts_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// For a stale page, who won matters more than the fact of a conflict.
pub(super) fn html_message(outcome: &Transition, now: i64) -> (&'static str, String) {
    match outcome {
        Transition::Changed(p) if p.status(now) == crate::domain::pauses::Status::Pending => {
            let text = crate::http::vote_notice::recorded(p, now)
                .unwrap_or_else(|| format!("“{}” is still pending.", text::mark_bidi(&p.action)));
            ("notice", text)
        }
        Transition::Changed(p) => (
            "notice",
            format!(
                "{} “{}”.",
                capitalised(&p.status(now).as_str().replace('_', " ")),
                text::mark_bidi(&p.action)
            ),
        ),
        Transition::AlreadyFinal(p) => {
            let status = p.status(now).as_str().replace('_', " ");
            let by = p
                .decided_by
                .as_ref()
                .map(|d| format!(" by {}", d.label()))
                .unwrap_or_default();
            let at = p
                .decided_at
                .map(|t| format!(" at {}", crate::domain::rfc3339(t)))
                .unwrap_or_default();
            (
                "error",
                format!(
                    "“{}” was already {status}{by}{at}; your decision was not recorded.",
                    text::mark_bidi(&p.action)
                ),
            )
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn parse(req: &HttpRequest, decider: &Decider, body: web::Bytes) -> AppResult<Input> {
    let (remember, step_up_code);
    let (approved, reason, extras, html_next) = match content_type(req).as_str() {
        "application/x-www-form-urlencoded" => {
            let f: FormDecision = serde_urlencoded::from_bytes(&body)
                .map_err(|e| AppError::BadRequest(format!("malformed form body: {e}")))?;
            decider.check_csrf(req, f.csrf_token.as_deref())?;
            let approved = parse_bool(&f.approved)?;
            remember = form_remember(&f);
            step_up_code = f.step_up_code.clone();
            let extras = decide_extras::from_form(&body, approved);
            let wants_html = accepts_html(req) && decider.session().is_some();
            let next = wants_html.then(|| {
                f.next
                    .filter(|n| is_local_path(n))
                    .unwrap_or_else(|| "/".into())
            });
            (approved, f.reason, extras, next)
        }
        "application/json" | "" => {
            decider.check_csrf(req, None)?;
            step_up_code = None;
            let j: JsonDecision = parse_json(&body)?;
            remember = Ok(j.remember.map(|r| Remember {
                expires_in_days: r.expires_in_days,
            }));
            let extras = Ok(FormExtras {
                edits: j.edits,
                reject_option: j.reject_option,
            });
            (j.approved, j.reason, extras, None)
        }
        other => {
            return Err(AppError::UnsupportedMediaType(format!(
                "send JSON or a form (application/x-www-form-urlencoded), not `{other}`"
            )))
        }
    };
    let remember = remember.and_then(|r| match r {
        Some(r) => decider.may_remember(approved).map(|()| Some(r)),
        None => Ok(None),
    });
    Ok(Input {
        approved,
        reason,
        extras,
        html_next,
        remember,
        step_up_code,
    })
}

async fn decide(
    state: &State,
    decider: &Decider,
    raw_id: &str,
    input: Input,
) -> AppResult<Transition> {
    let watch_id = parse_watch_id(raw_id)?;
    let extras = input.extras?;
    let remember = input.remember?;
    let via = match input.html_next {
        Some(_) => Via::Dashboard,
        None => Via::Api,
    };
    let responder = decider
        .responder_stepping_up(&state.services, via, input.step_up_code)
        .await?;
    let response = match Response::decision(
        input.approved,
        input.reason,
        extras.edits,
        extras.reject_option,
    ) {
        Ok(r) => r,
        Err(refused) => return refusal(refused, &watch_id.to_string()),
    };
    let responded = match remember {
        Some(r) => {
            app::respond::respond_remembering(&state.services, responder, watch_id, response, r)
                .await?
        }
        None => app::respond::respond(&state.services, responder, watch_id, response).await?,
    };
    match responded {
        Ok(done) => Ok(Transition::Changed(done.pause)),
        Err(refused) => refusal(refused, &watch_id.to_string()),
    }
}

/// A response that came too late answers like any change to a settled pause (409 with the
/// pause, or for a form who won); the others are the caller's to fix. Shared with `/answer`.
pub(super) fn refusal(refused: RespondError, watch_id: &str) -> AppResult<Transition> {
    Err(match refused {
        RespondError::AlreadyDecided(p) | RespondError::Cancelled(p) | RespondError::Expired(p) => {
            return Ok(Transition::AlreadyFinal(*p))
        }
        RespondError::NotFound => pauses::not_found(watch_id),
        RespondError::NotPermitted => {
            AppError::Forbidden("this account is disabled, or this key revoked".into())
        }
        RespondError::SelfDecision => AppError::SelfDecision(
            "this API key created the pause, and a key never decides its own pause (only a \
             test key may, on its own test pauses): decide with another key that has the \
             `decide` scope, or in the dashboard"
                .into(),
        ),
        RespondError::InsufficientScope(scope) => AppError::insufficient_scope(scope, DECIDING),
        RespondError::StepUpRequired => super::decider::step_up_required(watch_id),
        RespondError::KeyMayNotDecideCritical => AppError::KeyMayNotDecideCritical(
            "this pause needs step-up, and this workspace does not let API keys decide such \
             pauses (`keysMayDecideCritical` is off): a person decides it in the dashboard"
                .into(),
        ),
        RespondError::SelfApproval => {
            AppError::SelfDecision("you created the key that asked".into())
        }
        RespondError::NotInGroup { group } => AppError::NotInGroup(format!(
            "this pause is routed to approver group `{group}`, and you are not in it"
        )),
        RespondError::AlreadyVoted(_) => AppError::Conflict {
            detail: "you already voted on this pause: each decider votes once".into(),
            current: None,
        },
        RespondError::ReasonRequired => {
            AppError::invalid("reason", "this workspace requires a reason to reject")
        }
        RespondError::ReasonTooLong => AppError::invalid(
            "reason",
            format!("`reason` has at most {MAX_REASON_CHARS} characters"),
        ),
        RespondError::Invalid { field, detail } => AppError::invalid(field, detail),
        RespondError::FeedbackRequired => AppError::invalid(
            "reason",
            "this pause is a plan: `approved: false` requests changes, and `reason` must say \
             what to change",
        ),
        RespondError::NotAPlan => {
            AppError::invalid("approved", "only a plan can be sent back for changes")
        }
        RespondError::WrongKind(detail) => AppError::invalid("kind", detail),
        RespondError::InvalidAnswer(e) => AppError::invalid(e.field, e.detail),
    })
}
