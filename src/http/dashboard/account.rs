//! Every signed-in user's Account page: change one's own name, password and email notifications. Also the helpers
//! the users and sign-up pages share: argon2 on the hashing pool and the new-password rules.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::{form_result, post_only, refuse, write_as, CsrfForm};
use super::layout::{clear_flash, html, redirect_into_session, redirect_with, Layout};
use super::session::PageSession;
use crate::domain::{display, notifications, user_admin, users};
use crate::error::{AppError, AppResult, PageError};
use crate::http::page_limit::client_ip;
use crate::http::{AppState, State};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/account")
            .route(web::get().to(page))
            .default_service(crate::http::only("GET")),
    );
    post_only(
        cfg,
        [
            ("/account/name", web::post().to(change_name)),
            ("/account/password", web::post().to(change_password)),
            (
                "/account/notifications",
                web::post().to(change_notifications),
            ),
            ("/account/display", web::post().to(change_display)),
        ],
    );
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
    theme: &'static str,
    time_zone: String,
    push: super::account_push::PushSection,
    sessions: super::account_sessions::SessionsSection,
    two_factor: super::two_factor::TwoFactorSection,
    passkeys: super::passkeys::PasskeySection,
}

pub async fn page(
    state: State,
    PageSession(signed): PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let user = signed.user();
    let (session, now) = (signed.session.clone(), state.now());
    let unavailable = state.passkeys.unavailable();
    let (push, sessions, email_notifications, two_factor, passkeys) = state
        .read_blocking(move |conn| {
            let user = &session.user;
            let push = super::account_push::load(conn, user.workspace_id, user.id)?;
            let sessions = super::account_sessions::load(conn, &session, now)?;
            let email = notifications::email_enabled(conn, user.id)?;
            let two_factor = super::two_factor::load(conn, user)?;
            let passkeys = super::passkeys::load_section(conn, unavailable, user.id)?;
            Ok::<_, AppError>((push, sessions, email, two_factor, passkeys))
        })
        .await?;
    let page = AccountPage {
        layout: Layout::new(&req, &signed, "account"),
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role.as_str(),
        min_password: users::MIN_PASSWORD,
        email_notifications,
        theme: user.display.theme.as_str(),
        time_zone: user.display.time_zone.clone().unwrap_or_default(),
        push,
        sessions,
        two_factor,
        passkeys,
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NameForm {
    name: String,
}

pub async fn change_name(
    state: State,
    CsrfForm { signed, form }: CsrfForm<NameForm>,
) -> Result<HttpResponse, PageError> {
    let done = write_as(&state, &signed, move |ctx, now, user| {
        user_admin::set_name(ctx.conn, now, user, &form.name)
    })
    .await
    .map(|changed| match changed {
        true => "Your name was changed.",
        false => "Your name is unchanged.",
    });
    form_result(&state, &signed, "/account", done)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NotificationsForm {
    /// "on" or "off".
    email: String,
}

/// Each user decides for themselves whether new requests reach them by email.
pub async fn change_notifications(
    state: State,
    CsrfForm { signed, form }: CsrfForm<NotificationsForm>,
) -> Result<HttpResponse, PageError> {
    let on = match form.email.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::invalid("email", "choose on or off").into()),
    };
    write_as(&state, &signed, move |ctx, now, user| {
        notifications::set_email(ctx.conn, now, user, on)
    })
    .await?;
    let text = match on {
        true => "You will get an email for each new request.",
        false => "You will no longer get emails about new requests.",
    };
    Ok(redirect_with(&state, &signed, "/account", "notice", text))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DisplayForm {
    /// `system`, `light` or `dark`.
    theme: String,
    /// An IANA name, or empty for "as my browser says".
    time_zone: String,
}

/// Theme and time zone are the reader's own: any signed-in user sets them, nothing is audited
/// (they change how pages look, not what anyone may do).
pub async fn change_display(
    state: State,
    CsrfForm { signed, form }: CsrfForm<DisplayForm>,
) -> Result<HttpResponse, PageError> {
    let wanted = display::parse_theme(&form.theme).and_then(|theme| {
        Ok(display::Display {
            theme,
            time_zone: display::parse_zone(&form.time_zone)?,
        })
    });
    let wanted = match wanted {
        Ok(w) => w,
        Err(e) => return refuse(&state, &signed, "/account", e),
    };
    let done = write_as(&state, &signed, move |ctx, _now, user| {
        display::set(ctx.conn, user, &wanted)
    })
    .await
    .map(|changed| match changed {
        true => "Your display settings were saved.",
        false => "Your display settings are unchanged.",
    });
    form_result(&state, &signed, "/account", done)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

/// The current password is required (a borrowed session alone must not be enough to take the
/// account over) and wrong guesses share the sign-in throttle, reserved before argon2 runs.
/// Every session of the user ends, this one included, and the browser gets a new one: a token
/// that leaked before the change is worthless after it.
pub async fn change_password(
    state: State,
    req: HttpRequest,
    CsrfForm { signed, form }: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    if let Err(e) = check_new_password(&form.new_password, &form.new_password_confirm) {
        return refuse(&state, &signed, "/account", e);
    }
    let user = signed.user().clone();
    let ip = client_ip(&req, &state.settings.limits);
    let attempt = match state.login_throttle.reserve(&user.email, ip, state.now()) {
        Ok(attempt) => attempt,
        Err(wait) => {
            let text = format!("Too many wrong passwords. Try again in {wait} seconds.");
            return Ok(redirect_with(&state, &signed, "/account", "error", &text));
        }
    };
    let user_id = user.id;
    let stored = state
        .read_blocking(move |conn| users::password_hash(conn, user_id))
        .await?;
    if !state
        .passwords
        .verify(stored, form.current_password)
        .await?
    {
        let text = "Your current password is incorrect; nothing was changed.";
        return Ok(redirect_with(&state, &signed, "/account", "error", text));
    }
    state.login_throttle.succeeded(attempt);
    let hash = state.passwords.hash(form.new_password).await?;
    let now = state.now();
    // The new session keeps how this one authenticated (its second factor too).
    let new = crate::http::auth::new_session(&req, &state, signed.session.auth);
    let (ended, token) = state
        .writer
        .run(move |ctx| user_admin::set_password(ctx.conn, now, &user, &hash, &new))
        .await?;
    let text = match ended {
        0 => "Your password was changed.".to_string(),
        n => format!(
            "Your password was changed and {n} other session{} signed out.",
            if n == 1 { " was" } else { "s were" }
        ),
    };
    Ok(redirect_into_session(
        &state, token, "/account", "notice", &text,
    ))
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

/// argon2id on the hashing pool, where bursts queue (see [`crate::auth::password`]).
pub(super) async fn hash_password(state: &AppState, password: String) -> AppResult<String> {
    state.passwords.hash(password).await
}
