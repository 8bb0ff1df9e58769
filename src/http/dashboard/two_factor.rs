//! The account page's "Two-factor sign-in": set up an authenticator app (a QR code drawn here
//! as inline SVG, the `otpauth://` URI and the secret as text), confirm it with a code, get ten
//! recovery codes shown once; later, new recovery codes or TOTP off, each for a current code.
//! The pages of sign-in's own steps are [`super::login_factor`].

use crate::db::sql::Connection;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::{post_only, refuse, CsrfForm, NoFields};
use super::layout::{clear_flash, html, redirect_with, Layout};
use super::session::{PageSession, SignedIn};
use crate::app::two_factor::{self, Outcome};
use crate::domain::identity::totp::{self, Enrolment};
use crate::domain::identity::{factor_admin, recovery_codes};
use crate::domain::users::User;
use crate::error::{AppError, AppResult, PageError};
use crate::http::page_limit::client_ip;
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/account/two-factor")
            .route(web::get().to(setup_page))
            .default_service(crate::http::only("GET")),
    );
    post_only(
        cfg,
        [
            ("/account/two-factor/start", web::post().to(start)),
            ("/account/two-factor/confirm", web::post().to(confirm)),
            (
                "/account/two-factor/recovery-codes",
                web::post().to(regenerate),
            ),
            ("/account/two-factor/off", web::post().to(turn_off)),
        ],
    );
}

/// The account page's section.
pub struct TwoFactorSection {
    pub enabled: bool,
    /// Recovery codes not used yet.
    pub remaining: i64,
    /// The workspace requires two-factor and TOTP is this person's only factor: it stays on.
    pub must_stay: bool,
}

pub fn load(conn: &Connection, user: &User) -> AppResult<TwoFactorSection> {
    let enabled = totp::enabled(conn, user.id)?;
    Ok(TwoFactorSection {
        enabled,
        remaining: recovery_codes::remaining(conn, user.id)?,
        must_stay: enabled && factor_admin::totp_must_stay(conn, user)?,
    })
}

/// What enrolment shows: the QR code, the URI and the secret.
pub struct SetupView {
    pub qr_svg: String,
    pub uri: String,
    pub secret: String,
}

impl SetupView {
    pub fn of(e: Enrolment) -> AppResult<SetupView> {
        Ok(SetupView {
            qr_svg: qr_svg(&e.uri)?,
            uri: e.uri,
            secret: e.secret_base32,
        })
    }
}

/// The QR code as inline SVG markup: no XML declaration (it is part of the HTML), no `style`
/// attributes (the CSP forbids them; `fill` is a presentation attribute, which it allows).
pub fn qr_svg(uri: &str) -> AppResult<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    let markup = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let start = markup.find("<svg").unwrap_or(0);
    Ok(markup[start..].replacen(
        "<svg ",
        "<svg class=\"qr\" role=\"img\" aria-label=\"QR code to scan with an authenticator app\" ",
        1,
    ))
}

#[derive(Template)]
#[template(path = "account_two_factor.html")]
struct SetupPage {
    layout: Layout,
    setup: SetupView,
    action: &'static str,
    csrf_token: String,
    error: Option<String>,
}

/// The enrolment under way; none goes back to the account page.
pub async fn setup_page(
    state: State,
    PageSession(signed): PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let user = signed.user();
    let (user_id, email) = (user.id, user.email.clone());
    let pending = state.read_blocking(move |conn| totp::pending(conn, user_id, &email));
    let Some(enrolment) = pending.await? else {
        return Err(PageError::Redirect("/account".into()));
    };
    let layout = Layout::new(&req, &signed, "account");
    let page = SetupPage {
        csrf_token: layout.csrf_token.clone(),
        layout,
        setup: SetupView::of(enrolment)?,
        action: "/account/two-factor/confirm",
        error: None,
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

pub async fn start(
    state: State,
    CsrfForm { signed, .. }: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    match two_factor::start(&state.services, signed.user().clone()).await {
        Ok(()) => Err(PageError::Redirect("/account/two-factor".into())),
        Err(e) => refuse(&state, &signed, "/account", e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    pub code: String,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub struct CodesPage {
    pub codes: Vec<String>,
    /// Where "Continue" goes.
    pub next: &'static str,
    pub first: bool,
}

pub async fn confirm(
    state: State,
    CsrfForm { signed, form }: CsrfForm<CodeForm>,
) -> Result<HttpResponse, PageError> {
    let user = signed.user().clone();
    match two_factor::confirm(&state.services, user, form.code, None).await? {
        Some(codes) => codes_page(codes, "/account", true),
        None => Ok(redirect_with(
            &state,
            &signed,
            "/account/two-factor",
            "error",
            WRONG_CONFIRMATION,
        )),
    }
}

pub const WRONG_CONFIRMATION: &str = "That code is not right. Enter the 6-digit code your \
     authenticator app shows now for Holdpoint (check that your device's clock is right).";

pub fn codes_page(
    codes: Vec<String>,
    next: &'static str,
    first: bool,
) -> Result<HttpResponse, PageError> {
    html(&CodesPage { codes, next, first })
}

pub async fn regenerate(
    state: State,
    req: HttpRequest,
    CsrfForm { signed, form }: CsrfForm<CodeForm>,
) -> Result<HttpResponse, PageError> {
    let ip = client_ip(&req, &state.settings.limits);
    let user = signed.user().clone();
    match two_factor::regenerate_codes(&state.services, user, form.code, ip).await? {
        Outcome::Done(codes) => codes_page(codes, "/account", false),
        other => code_refused(&state, &signed, other),
    }
}

pub async fn turn_off(
    state: State,
    req: HttpRequest,
    CsrfForm { signed, form }: CsrfForm<CodeForm>,
) -> Result<HttpResponse, PageError> {
    let ip = client_ip(&req, &state.settings.limits);
    let user = signed.user().clone();
    match two_factor::turn_off(&state.services, user, form.code, ip).await {
        Ok(Outcome::Done(())) => Ok(redirect_with(
            &state,
            &signed,
            "/account",
            "notice",
            "Two-factor sign-in is off, and your recovery codes no longer work.",
        )),
        Ok(other) => code_refused(&state, &signed, other),
        Err(e) => refuse(&state, &signed, "/account", e),
    }
}

/// A wrong code, or the locked step, back on the account page as an error.
fn code_refused<T>(
    state: &State,
    signed: &SignedIn,
    outcome: Outcome<T>,
) -> Result<HttpResponse, PageError> {
    let text = match outcome {
        Outcome::Locked(secs) => locked_text(secs),
        _ => "That code is not right; nothing was changed.".to_string(),
    };
    Ok(redirect_with(state, signed, "/account", "error", &text))
}

/// "Too many wrong codes. Try again in N minutes." (rounded up).
pub fn locked_text(secs: i64) -> String {
    let minutes = (secs + 59) / 60;
    format!(
        "Too many wrong codes. Try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    )
}
