//! "Forgot password?" (`/forgot-password`, only when the server sends email) and the page a
//! reset link opens (`/reset-password/{token}`, emailed or printed by `holdpoint user
//! reset-password`). Neither has a session yet, so both forms are protected by the double-submit
//! cookie, as sign-in is.
//!
//! The forgot-password answer is the same page whether or not the email belongs to a user, and
//! takes the same path (one writer job; the email itself leaves later through the outbox), so
//! neither the words nor the timing tell which emails exist.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::account::{check_new_password, hash_password};
use super::layout::{html_status, parse_form};
use super::pages::ErrorPage;
use super::session::{self, session_cookie};
use crate::app;
use crate::domain::identity::auth_context::AuthContext;
use crate::domain::password_resets::{self, Reset, EMAIL_TTL_MS};
use crate::domain::users;
use crate::error::{AppResult, PageError};
use crate::http::{page_limit, State};
use crate::rate_limit::PageGroup;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/forgot-password")
            .route(web::get().to(forgot_form))
            .route(web::post().to(forgot_submit))
            .default_service(crate::http::only("GET, POST")),
    )
    .service(
        web::resource("/reset-password/{token}")
            .route(web::get().to(reset_form))
            .route(web::post().to(reset_submit))
            .default_service(crate::http::only("GET, POST")),
    );
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage<'a> {
    csrf_token: &'a str,
    sent: bool,
    ttl_minutes: i64,
}

fn forgot_page(state: &State, req: &HttpRequest, sent: bool) -> Result<HttpResponse, PageError> {
    session::anonymous_form_page(state, req, StatusCode::OK, |token| {
        ForgotPage {
            csrf_token: token,
            sent,
            ttl_minutes: EMAIL_TTL_MS / 60_000,
        }
        .render()
    })
}

/// Without SMTP the link could only land in a file on the server: the operator's command is the
/// way instead, and the page says so.
fn email_off(state: &State) -> Option<Result<HttpResponse, PageError>> {
    if state.settings.smtp_url.is_some() {
        return None;
    }
    let page = ErrorPage {
        title: "Password reset by email is off",
        detail: "This server sends no email (it has no --smtp-url). Ask the person who runs it \
                 for a reset link: `holdpoint user reset-password ID` prints one.",
    };
    Some(html_status(StatusCode::NOT_FOUND, &page))
}

async fn forgot_form(state: State, req: HttpRequest) -> Result<HttpResponse, PageError> {
    if let Some(page) = super::password_off::refuse(&state) {
        return page;
    }
    if let Some(page) = email_off(&state) {
        return page;
    }
    forgot_page(&state, &req, false)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ForgotForm {
    csrf_token: String,
    email: String,
}

async fn forgot_submit(
    state: State,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    if let Some(page) = super::password_off::refuse(&state) {
        return page;
    }
    if let Some(page) = email_off(&state) {
        return page;
    }
    page_limit::check(&state, &req, PageGroup::SignIn)?;
    let form: ForgotForm = parse_form(&body)?;
    session::check_anonymous_form_token(&state, &req, &form.csrf_token)?;
    let now = state.now();
    let queued = state
        .writer
        .run(move |ctx| password_resets::request_by_email(ctx, now, &form.email))
        .await?;
    tracing::info!(queued, "password reset requested");
    forgot_page(&state, &req, true)
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetPage<'a> {
    csrf_token: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    min_password: usize,
}

fn reset_page(
    state: &State,
    req: &HttpRequest,
    status: StatusCode,
    user: &users::User,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    session::anonymous_form_page(state, req, status, |token| {
        ResetPage {
            csrf_token: token,
            email: &user.email,
            error,
            min_password: users::MIN_PASSWORD,
        }
        .render()
    })
}

/// Why a link cannot be used, in words the person can act on.
fn gone(reset: &Reset) -> Result<HttpResponse, PageError> {
    let (status, title, detail) = match reset {
        Reset::Expired => (
            StatusCode::GONE,
            "This link has expired",
            "An emailed link works for 30 minutes, one from the operator for 72 hours. Ask for \
             a new one with \"Forgot password?\" on the sign-in page, or from the operator.",
        ),
        Reset::Used => (
            StatusCode::GONE,
            "This link was already used",
            "Each link works once, and a newer link replaces older ones. If you set your \
             password, sign in with it; otherwise ask for a new link.",
        ),
        Reset::Withdrawn => (
            StatusCode::GONE,
            "This account is disabled",
            "Ask an owner or admin of your workspace to enable it.",
        ),
        Reset::Unknown | Reset::Open(_) => (
            StatusCode::NOT_FOUND,
            "This link is not valid",
            "Check that you opened the whole link, or ask for a new one.",
        ),
    };
    html_status(status, &ErrorPage { title, detail })
}

/// What the reset link with this token leads to now, read on a blocking thread.
async fn find(state: &State, token: String) -> AppResult<Reset> {
    let now = state.now();
    state
        .read_blocking(move |conn| password_resets::find(conn, &token, now))
        .await
}

async fn reset_form(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    if let Some(page) = super::password_off::refuse(&state) {
        return page;
    }
    match find(&state, token.into_inner()).await? {
        Reset::Open(user) => reset_page(&state, &req, StatusCode::OK, &user, None),
        other => gone(&other),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResetForm {
    csrf_token: String,
    password: String,
    password_confirm: String,
}

async fn reset_submit(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    if let Some(page) = super::password_off::refuse(&state) {
        return page;
    }
    let form: ResetForm = parse_form(&body)?;
    session::check_anonymous_form_token(&state, &req, &form.csrf_token)?;
    let user = match find(&state, token.to_string()).await? {
        Reset::Open(user) => user,
        other => return gone(&other),
    };
    if let Err(e) = check_new_password(&form.password, &form.password_confirm) {
        let text = super::format::sentence(&e.detail());
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return reset_page(&state, &req, status, &user, Some(&text));
    }
    let hash = hash_password(&state, form.password).await?;
    let (token, now) = (token.into_inner(), state.now());
    // Whatever session this browser had (anyone's) is replaced by the new one.
    let old = crate::http::auth::replaced_session(&req).await?;
    let new = crate::http::auth::new_session(&req, &state, AuthContext::PASSWORD);
    // Checked again in the transaction: a second submit finds the link used.
    let done = state
        .writer
        .run(move |ctx| {
            let user = match password_resets::complete(ctx.conn, now, &token, &hash)? {
                Reset::Open(user) => user,
                other => return Ok(Err(other)),
            };
            // A second factor still applies: the link proves only the mailbox.
            Ok(Ok(app::sign_in::start_session(
                ctx.conn, now, &user, old, new,
            )?))
        })
        .await?;
    match done {
        Ok(started) => Ok(HttpResponse::SeeOther()
            .insert_header(("location", started.location()))
            .cookie(session_cookie(&state, started.token))
            .cookie(session::anonymous_form_token_removal(&state))
            .finish()),
        Err(reset) => gone(&reset),
    }
}
