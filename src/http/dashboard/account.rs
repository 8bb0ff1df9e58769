//! Every signed-in user's Account page: change one's own name, password and email notifications. Also the helpers
//! the users and sign-up pages share: argon2 off the async runtime, and refusals as flashes.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::layout::{clear_flash, html, parse_form, redirect_with, Layout};
use super::session::{PageSession, SignedIn};
use crate::domain::{notifications, user_admin, users};
use crate::error::{AppError, AppResult, PageError};
use crate::http::{AppState, State};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/account")
            .route(web::get().to(page))
            .default_service(crate::http::only("GET")),
    );
    for (path, route) in [
        ("/account/name", web::post().to(change_name)),
        ("/account/password", web::post().to(change_password)),
        (
            "/account/notifications",
            web::post().to(change_notifications),
        ),
    ] {
        cfg.service(
            web::resource(path)
                .route(route)
                .default_service(crate::http::only("POST")),
        );
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    email: String,
    name: String,
    role: &'static str,
    min_password: usize,
    email_notifications: bool,
}

pub async fn page(
    state: State,
    session: PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let user = signed.user();
    let page = AccountPage {
        layout: Layout::new(&req, &signed, "account"),
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role.as_str(),
        min_password: users::MIN_PASSWORD,
        email_notifications: notifications::email_enabled(&*state.read()?, user.id)?,
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
}

pub async fn change_name(
    state: State,
    session: PageSession,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let form: NameForm = parse_form(&body)?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    let (user, now) = (signed.user().clone(), state.now());
    let done = state
        .writer
        .run(move |ctx| user_admin::set_name(ctx.conn, now, &user, &form.name))
        .await;
    match done {
        Ok(true) => Ok(redirect_with(
            &state,
            &signed,
            "/account",
            "notice",
            "Your name was changed.",
        )),
        Ok(false) => Ok(redirect_with(
            &state,
            &signed,
            "/account",
            "notice",
            "Your name is unchanged.",
        )),
        Err(e) => refuse(&state, &signed, "/account", e),
    }
}

#[derive(Deserialize)]
struct NotificationsForm {
    #[serde(default)]
    csrf_token: String,
    /// "on" or "off".
    #[serde(default)]
    email: String,
}

/// Each user decides for themselves whether new requests reach them by email.
pub async fn change_notifications(
    state: State,
    session: PageSession,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let form: NotificationsForm = parse_form(&body)?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    let on = match form.email.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::invalid("email", "choose on or off").into()),
    };
    let (user, now) = (signed.user().clone(), state.now());
    state
        .writer
        .run(move |ctx| notifications::set_email(ctx.conn, now, &user, on))
        .await?;
    let text = match on {
        true => "You will get an email for each new request.",
        false => "You will no longer get emails about new requests.",
    };
    Ok(redirect_with(&state, &signed, "/account", "notice", text))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

/// The current password is required (a borrowed session alone must not be enough to take the
/// account over) and wrong guesses share the sign-in throttle. Other sessions end; this stays.
pub async fn change_password(
    state: State,
    session: PageSession,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let form: PasswordForm = parse_form(&body)?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    if let Err(e) = check_new_password(&form.new_password, &form.new_password_confirm) {
        return refuse(&state, &signed, "/account", e);
    }
    let user = signed.user().clone();
    if let Err(wait) = state.login_throttle.check(&user.email, state.now()) {
        let text = format!("Too many wrong passwords. Try again in {wait} seconds.");
        return Ok(redirect_with(&state, &signed, "/account", "error", &text));
    }
    let stored = users::password_hash(&*state.read()?, user.id)?;
    if !verify_password(&state, stored, form.current_password).await? {
        state.login_throttle.failure(&user.email, state.now());
        let text = "Your current password is incorrect; nothing was changed.";
        return Ok(redirect_with(&state, &signed, "/account", "error", text));
    }
    state.login_throttle.success(&user.email);
    let hash = hash_password(&state, form.new_password).await?;
    let (keep, now) = (signed.session.token_hash, state.now());
    let ended = state
        .writer
        .run(move |ctx| user_admin::set_password(ctx.conn, now, &user, &hash, &keep))
        .await?;
    let text = match ended {
        0 => "Your password was changed.".to_string(),
        n => format!(
            "Your password was changed and {n} other session{} signed out.",
            if n == 1 { " was" } else { "s were" }
        ),
    };
    Ok(redirect_with(&state, &signed, "/account", "notice", &text))
}

/// Length rules and the confirmation field, checked before any (slow) hashing.
pub(super) fn check_new_password(password: &str, confirm: &str) -> AppResult<()> {
    users::validate_password(password)?;
    if password != confirm {
        return Err(AppError::invalid(
            "password",
            "the two passwords do not match",
        ));
    }
    Ok(())
}

/// argon2id takes ~19 MiB and tens of milliseconds by design: run it on the blocking pool, at
/// most `state.hashing` at a time, so a burst of form posts cannot stall the server.
pub(super) async fn hash_password(state: &AppState, password: String) -> AppResult<String> {
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    web::block(move || users::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
}

/// As [`hash_password`]; an empty or malformed stored hash (an invited user) never matches.
pub(super) async fn verify_password(
    state: &AppState,
    hash: String,
    password: String,
) -> AppResult<bool> {
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    web::block(move || users::verify_password(&hash, &password))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// A refusal the person can act on (invalid input, a rule, a conflict) goes back to `to` as an
/// error flash, with nothing written; anything else (not found, a failure) is an error page.
pub(super) fn refuse(
    state: &AppState,
    signed: &SignedIn,
    to: &str,
    err: AppError,
) -> Result<HttpResponse, PageError> {
    let text = match &err {
        AppError::Invalid { detail, .. } => detail.clone(),
        AppError::Forbidden(m) | AppError::BadRequest(m) => m.clone(),
        AppError::Conflict { detail, .. } => detail.clone(),
        _ => return Err(err.into()),
    };
    Ok(redirect_with(state, signed, to, "error", &sentence(&text)))
}

/// Domain messages are lower-case clauses; a flash reads as a sentence.
pub(super) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}
