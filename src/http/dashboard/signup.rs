//! `/signup/{token}`: an invited person sets their name and password, then is signed in. There
//! is no session yet, so the form is protected by a double-submit cookie, as sign-in is. A link
//! that is expired, used, withdrawn or unknown gets a plain explanation page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::account::{check_new_password, hash_password};
use super::layout::{html_status, parse_form};
use super::pages::ErrorPage;
use super::session::{self, session_cookie};
use crate::app;
use crate::domain::identity::auth_context::{AuthContext, AuthMethod};
use crate::domain::invites::{self, Invite};
use crate::domain::users;
use crate::error::{AppResult, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/signup/{token}")
            .route(web::get().to(form))
            .route(web::post().to(submit))
            .default_service(crate::http::only("GET, POST")),
    );
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage<'a> {
    csrf_token: &'a str,
    email: &'a str,
    name: &'a str,
    error: Option<&'a str>,
    min_password: usize,
}

fn render_form(
    state: &State,
    req: &HttpRequest,
    status: StatusCode,
    user: &users::User,
    name: &str,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    session::anonymous_form_page(state, req, status, |token| {
        SignupPage {
            csrf_token: token,
            email: &user.email,
            name,
            error,
            min_password: users::MIN_PASSWORD,
        }
        .render()
    })
}

/// Why a link cannot be used, in words the invited person can act on.
fn gone(invite: &Invite) -> Result<HttpResponse, PageError> {
    let (status, title, detail) = match invite {
        Invite::Expired => (
            StatusCode::GONE,
            "This sign-up link has expired",
            "Sign-up links work for 72 hours. Ask an owner or admin of your workspace for a new one.",
        ),
        Invite::Used => (
            StatusCode::GONE,
            "This sign-up link was already used",
            "Each link works once, and a newer link replaces older ones. If you already set \
             your password, sign in; otherwise ask an owner or admin for a new link.",
        ),
        Invite::Withdrawn => (
            StatusCode::GONE,
            "This invitation was withdrawn",
            "The account it was for has been disabled. Ask an owner or admin of your workspace.",
        ),
        Invite::Unknown | Invite::Open(_) => (
            StatusCode::NOT_FOUND,
            "This sign-up link is not valid",
            "Check that you opened the whole link, or ask an owner or admin of your workspace for a new one.",
        ),
    };
    html_status(status, &ErrorPage { title, detail })
}

/// What the invite link with this token leads to now, read on a blocking thread.
async fn find(state: &State, token: String) -> AppResult<Invite> {
    let now = state.now();
    state
        .read_blocking(move |conn| invites::find(conn, &token, now))
        .await
}

pub async fn form(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    if let Some(page) = super::password_off::refuse(&state) {
        return page;
    }
    match find(&state, token.into_inner()).await? {
        Invite::Open(user) => render_form(&state, &req, StatusCode::OK, &user, &user.name, None),
        other => gone(&other),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignupForm {
    csrf_token: String,
    name: String,
    password: String,
    password_confirm: String,
}

pub async fn submit(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    if let Some(page) = super::password_off::refuse(&state) {
        return page;
    }
    let form: SignupForm = parse_form(&body)?;
    session::check_anonymous_form_token(&state, &req, &form.csrf_token)?;
    let user = match find(&state, token.to_string()).await? {
        Invite::Open(user) => user,
        other => return gone(&other),
    };
    let checked = users::validate_name(&form.name, true)
        .and_then(|_| check_new_password(&form.password, &form.password_confirm));
    if let Err(e) = checked {
        let text = super::format::sentence(&e.detail());
        return render_form(
            &state,
            &req,
            StatusCode::UNPROCESSABLE_ENTITY,
            &user,
            &form.name,
            Some(&text),
        );
    }
    let hash = hash_password(&state, form.password).await?;
    match accept(&state, &req, token.into_inner(), form.name, hash).await? {
        Ok(started) => Ok(HttpResponse::SeeOther()
            .insert_header(("location", started.location()))
            .cookie(session_cookie(&state, started.token))
            .cookie(session::anonymous_form_token_removal(&state))
            .finish()),
        Err(invite) => gone(&invite),
    }
}

/// Uses the link and signs the new user in, in one transaction (replacing any session this
/// browser had). The link is checked again there: a second submit finds it used.
async fn accept(
    state: &State,
    req: &HttpRequest,
    token: String,
    name: String,
    hash: String,
) -> Result<Result<app::sign_in::Started, Invite>, PageError> {
    let old = crate::http::auth::replaced_session(req).await?;
    let signup = AuthContext {
        method: AuthMethod::Signup,
        factor: None,
    };
    let new = crate::http::auth::new_session(req, state, signup);
    let now = state.now();
    let done = state
        .writer
        .run(move |ctx| {
            let user = match invites::accept(ctx.conn, now, &token, &name, &hash)? {
                Invite::Open(user) => user,
                other => return Ok(Err(other)),
            };
            Ok(Ok(app::sign_in::start_session(
                ctx.conn, now, &user, old, new,
            )?))
        })
        .await?;
    Ok(done)
}
