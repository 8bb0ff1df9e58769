//! `/d/{token}`: the one-click links in approval emails. Mail scanners fetch every link (some
//! in browsers that run scripts), so the GET only shows a confirmation page; the decision is
//! made by the form's POST, as the approver the link was sent to, audited `via: "email link"`.
//! The token is the only credential, so these pages are never cached, indexed or referred.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;

use super::layout::parse_form;
use super::one_click_decide;
use super::one_click_view::{FormView, Page};
use super::session::{anonymous_form_token, check_anonymous_form_token};
use crate::domain::decision_links::{self, Link};
use crate::domain::identity::step_up;
use crate::domain::pauses::{self, Pause, Status};
use crate::domain::respond::Response;
use crate::domain::{questions, text, users, workspaces, Millis};
use crate::error::{AppResult, PageError};
use crate::http::{page_limit, State};
use crate::rate_limit::PageGroup;
use crate::wire::answer_form;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/d/{token}")
            .route(web::get().to(show))
            .route(web::post().to(submit))
            .default_service(crate::http::only("GET, POST")),
    );
}

/// What a token leads to right now.
pub(super) enum Found {
    /// Unknown (404) or no longer usable (410): an explanation.
    Gone(StatusCode, &'static str, String, Option<Pause>),
    /// The request was decided (by anyone, possibly through this very link).
    Decided(Pause),
    /// Pending, and the link may decide it.
    Open(Link, Pause, users::User),
    /// Pending, but it needs step-up, which a link cannot give: its page decides it.
    StepUp(Pause),
}

pub(super) fn find(
    conn: &crate::db::sql::Connection,
    token: &str,
    now: Millis,
) -> AppResult<Found> {
    let unknown = || {
        Found::Gone(
            StatusCode::NOT_FOUND,
            "Unknown link",
            "This link is not valid. If you copied it from an email, check that it is complete."
                .into(),
            None,
        )
    };
    let Some(link) = decision_links::find(conn, token)? else {
        return Ok(unknown());
    };
    let Some(pause) = pauses::get_by_id(conn, link.pause_id)? else {
        return Ok(unknown());
    };
    let gone = |title, text: &str, p| Ok(Found::Gone(StatusCode::GONE, title, text.into(), p));
    match pause.status(now) {
        _ if link.used_at.is_some() => gone(
            "Link already used",
            "Each link in a Holdpoint email works once, and this one was used.",
            Some(pause),
        ),
        Status::Pending if now >= link.expires_at => {
            gone("Link expired", "This link expired.", None)
        }
        Status::Pending => match users::get(conn, link.user_id)? {
            Some(u) if !u.disabled && step_up::pause_needs(conn, &pause)? => {
                Ok(Found::StepUp(pause))
            }
            Some(u) if !u.disabled => Ok(Found::Open(link, pause, u)),
            _ => gone(
                "Link no longer valid",
                "The account this link was sent to is disabled.",
                None,
            ),
        },
        Status::Expired => gone(
            "Request expired",
            "This request expired without a decision; nothing can be decided any more.",
            Some(pause),
        ),
        _ => Ok(Found::Decided(pause)),
    }
}

/// [`find`] on a blocking thread.
async fn find_now(state: &State, token: String, now: Millis) -> AppResult<Found> {
    state
        .read_blocking(move |conn| find(conn, &token, now))
        .await
}

pub async fn show(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    page_limit::check(&state, &req, PageGroup::OneClick)?;
    let found = find_now(&state, path.into_inner(), state.now()).await?;
    render(&state, &req, found, None, "").await
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    approved: String,
    #[serde(default)]
    reason: String,
    /// One of the pause's reject options (radio buttons), for a rejection.
    #[serde(default)]
    reject_option: String,
    /// The "Always allow" box (`on` when ticked) and its days.
    #[serde(default)]
    remember: String,
    #[serde(default)]
    remember_days: String,
}

pub async fn submit(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    page_limit::check(&state, &req, PageGroup::OneClick)?;
    let form: DecisionForm = parse_form(&body)?;
    let token = path.into_inner();
    let now = state.now();
    let found = find_now(&state, token.clone(), now).await?;
    let Found::Open(_, pause, _) = &found else {
        return render(&state, &req, found, None, "").await;
    };
    let asked = questions::questions_of(pause.request_json.as_deref());
    // Only invisible characters (spaces, zero-width) count as no reason at all.
    let reason = text::reason(Some(&form.reason)).unwrap_or_default();
    let remembered = match asked {
        Some(_) => Ok(None),
        None => one_click_decide::from_form(&form.remember, &form.approved, &form.remember_days),
    };
    let refusal = if check_anonymous_form_token(&state, &req, &form.csrf_token).is_err() {
        Some("The form expired or was not sent from this page; nothing was decided. Please confirm again.".to_string())
    } else if asked.is_none() && !matches!(form.approved.as_str(), "true" | "false") {
        Some("Choose Approve or Reject.".to_string())
    } else {
        remembered.clone().err()
    };
    if let Some(refused) = refusal {
        return render(&state, &req, found, Some(&refused), &reason).await;
    }
    let remembered = remembered.unwrap_or_default();
    let response = match asked {
        // A question pause: the form's fields are its answers.
        Some(asked) => Response::Answer {
            answers: answer_form::answers_from_form(
                &asked,
                &parse_form::<Vec<(String, String)>>(&body)?,
            ),
        },
        // The page offers no edits; a checked reject option counts only for Reject.
        None if form.approved == "true" => Response::new(true, Some(reason.clone())),
        None => Response::Reject {
            reason: Some(reason.clone()),
            option: Some(form.reject_option.clone()).filter(|o| !o.is_empty()),
        },
    };
    let decided = state
        .writer
        .run({
            let token = token.clone();
            move |ctx| one_click_decide::decide_by_link(ctx, now, &token, response, remembered)
        })
        .await;
    let (found, refused) = match decided {
        Err(e) if e.status_code().is_client_error() => (
            find_now(&state, token, now).await?,
            Some(one_click_decide::refusal_text(&e)),
        ),
        other => other?,
    };
    let typed = if refused.is_some() {
        reason.as_str()
    } else {
        ""
    };
    render(&state, &req, found, refused.as_deref(), typed).await
}

/// Every answer under `/d/`: never cached, indexed, or sent on as a Referer.
fn private_page(status: StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("referrer-policy", "no-referrer"))
        .insert_header(("x-robots-tag", "noindex"))
        .body(html)
}

/// The button the email's link sat behind (`?intent=approve|reject`), if it says.
fn requested_intent(req: &HttpRequest) -> Option<&'static str> {
    let query = crate::http::query::Query::parse(req.query_string()).ok()?;
    match query.get("intent").ok()?? {
        "approve" => Some("approve"),
        "reject" => Some("reject"),
        _ => None,
    }
}

async fn render(
    state: &State,
    req: &HttpRequest,
    found: Found,
    error: Option<&str>,
    reason: &str,
) -> Result<HttpResponse, PageError> {
    let now = state.now();
    let (status, page) = match found {
        Found::Gone(status, title, text, pause) => {
            (status, Page::explain(title, text, pause.as_ref(), now))
        }
        Found::Decided(p) => (StatusCode::OK, Page::decided(&p, now)),
        Found::StepUp(p) => (StatusCode::OK, Page::step_up(&p)),
        Found::Open(mut link, pause, user) => {
            if let Some(intent) = requested_intent(req) {
                link.intent = intent.to_string();
            }
            let ws_id = pause.workspace_id;
            let ws = state
                .read_blocking(move |conn| workspaces::get(conn, ws_id))
                .await?;
            let (csrf, cookie) = anonymous_form_token(state, req);
            let form = FormView::new(
                &link,
                &pause,
                &user,
                csrf,
                ws.reject_reason_required,
                error,
                reason,
            );
            let status = if error.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let mut res = private_page(status, Page::form(&pause, form).render_page()?);
            res.add_cookie(&cookie)
                .map_err(|e| PageError::App(crate::error::AppError::Internal(e.into())))?;
            return Ok(res);
        }
    };
    Ok(private_page(status, page.render_page()?))
}
