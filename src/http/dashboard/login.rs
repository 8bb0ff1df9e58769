//! Sign-in and sign-out. The sign-in form is protected against login CSRF by a double-submit
//! cookie (there is no session yet to bind a token to).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use super::session::{self, removal_cookie, session_cookie};
use crate::app;
use crate::domain::audit::{self, Entry};
use crate::domain::event_type::EventType;
use crate::domain::identity::auth_context::AuthContext;
use crate::domain::{sessions, users};
use crate::error::{AppError, PageError};
use crate::http::{page_limit, State};
use crate::rate_limit::PageGroup;

const GENERIC_FAILURE: &str = "Email or password is incorrect.";

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub csrf_token: &'a str,
    pub email: &'a str,
    pub error: Option<&'a str>,
    /// "Forgot password?" is offered only when emails reach people (`--smtp-url` is set).
    pub forgot: bool,
    /// The password form is shown unless `--password-login=false`.
    pub password: bool,
    /// The single sign-on link's text, when `--oidc-issuer` is set.
    pub sso: Option<&'a str>,
    /// "Sign in with a passkey" (`--passkey-login`, and a public URL whose host is a name).
    pub passkey: bool,
}

fn render_form(
    state: &State,
    req: &HttpRequest,
    status: StatusCode,
    email: &str,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    session::anonymous_form_page(state, req, status, |token| {
        LoginPage {
            csrf_token: token,
            email,
            error,
            forgot: state.settings.smtp_url.is_some() && state.settings.password_login,
            password: state.settings.password_login,
            sso: state.settings.oidc.as_ref().map(|o| o.name.as_str()),
            passkey: state.settings.passkey_login && state.passkeys.unavailable().is_none(),
        }
        .render()
    })
}

/// Shown even to a signed-in user: signing in again (e.g. as someone else) replaces the session.
/// Before anyone exists, the first-run setup page comes first.
pub async fn form(state: State, req: HttpRequest) -> Result<HttpResponse, PageError> {
    if !state.read_blocking(users::any_exists).await? {
        return Err(PageError::Redirect("/setup".into()));
    }
    render_form(&state, &req, StatusCode::OK, "", None)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
}

pub async fn submit(
    state: State,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    // Per client IP, before anything else; the per-account throttle below stays as well.
    page_limit::check(&state, &req, PageGroup::SignIn)?;
    if !state.settings.password_login {
        let msg = "Signing in with a password is turned off on this server: use single sign-on.";
        return render_form(&state, &req, StatusCode::FORBIDDEN, "", Some(msg));
    }
    let form = form.into_inner();
    session::check_anonymous_form_token(&state, &req, &form.csrf_token)?;
    let email = form.email.trim().to_lowercase();
    let ip = page_limit::client_ip(&req, &state.settings.limits);
    // Reserved before argon2 runs, so concurrent guesses cannot all pass the check at once.
    let attempt = match state.login_throttle.reserve(&email, ip, state.now()) {
        Ok(attempt) => attempt,
        Err(wait) => {
            let msg = format!(
                "Too many failed sign-ins. Try again in {wait} second{}.",
                if wait == 1 { "" } else { "s" }
            );
            let status = StatusCode::TOO_MANY_REQUESTS;
            return render_form(&state, &req, status, &form.email, Some(&msg));
        }
    };
    let wanted = email.clone();
    let found = state
        .read_blocking(move |conn| users::for_login(conn, &wanted))
        .await?;
    let user = verify(&state, found, form.password).await?;
    let Some(user) = user else {
        record_failure(&state, &email, ip).await?;
        return render_form(
            &state,
            &req,
            StatusCode::UNAUTHORIZED,
            &form.email,
            Some(GENERIC_FAILURE),
        );
    };
    state.login_throttle.succeeded(attempt);
    start_session(&state, &req, user).await
}

/// Replaces any session this browser had with a new one for `user`, audited.
async fn start_session(
    state: &State,
    req: &HttpRequest,
    user: users::User,
) -> Result<HttpResponse, PageError> {
    let old = crate::http::auth::replaced_session(req).await?;
    let new = crate::http::auth::new_session(req, state, AuthContext::PASSWORD);
    let started = app::sign_in::sign_in(&state.services, user, old, new).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", started.location()))
        .cookie(session_cookie(state, started.token))
        .cookie(session::anonymous_form_token_removal(state))
        .finish())
}

/// Checks the password on the hashing pool. An unknown or disabled user, or an invited one
/// with no password yet, costs the same hash as a real one, so timing does not reveal which
/// emails exist.
async fn verify(
    state: &State,
    found: Option<(users::User, Option<String>)>,
    password: String,
) -> Result<Option<users::User>, AppError> {
    let (user, stored) = match found {
        Some((u, Some(h))) if u.state == users::UserState::Active => (Some(u), Some(h)),
        _ => (None, None),
    };
    let ok = state.passwords.verify(stored, password).await?;
    Ok(user.filter(|_| ok))
}

async fn record_failure(
    state: &State,
    email: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<(), AppError> {
    let (email, now) = (email.to_string(), state.now());
    state
        .writer
        .run(move |ctx| {
            let user = users::for_login(ctx.conn, &email)?.map(|(u, _)| u);
            let details = match ip {
                Some(ip) => json!({ "email": email, "ip": ip.to_string() }),
                None => json!({ "email": email }),
            };
            audit::record(ctx.conn, now, Entry::sign_in_failed(user.as_ref(), details))?;
            Ok(())
        })
        .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogoutForm {
    csrf_token: String,
}

pub async fn logout(
    state: State,
    req: HttpRequest,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, PageError> {
    if let Some(signed) = session::load(&req).await? {
        signed.check_csrf(&req, Some(&form.csrf_token))?;
        let (hash, user, now) = (
            signed.session.token_hash,
            signed.session.user.clone(),
            state.now(),
        );
        state
            .writer
            .run(move |ctx| {
                sessions::revoke(ctx.conn, &hash)?;
                audit::record(
                    ctx.conn,
                    now,
                    Entry::by_user_on_self(&user, EventType::AuthSignedOut, None),
                )?;
                Ok(())
            })
            .await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/login"))
        .cookie(removal_cookie(&state, "hp_session"))
        .finish())
}
