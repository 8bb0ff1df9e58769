//! Sign-in's steps after the password, for a session that is still pending: `/login/verify`
//! (a TOTP code or a recovery code; after 5 wrong ones in 15 minutes, 429 for 15 minutes) and
//! `/login/enrol` (the workspace requires a second factor and this person has none: set one up
//! now). `/login/cancel` drops the pending session. No other page or API opens a pending
//! session ([`crate::http::auth::load`] refuses it).
//!
//! The forms carry the pending session's CSRF token; both POSTs also count against the
//! client's per-IP budget, like the sign-in form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::forms::form_page;
use super::session::removal_cookie;
use super::two_factor::{codes_page, locked_text, SetupView, WRONG_CONFIRMATION};
use crate::app::two_factor::{self, Finishing, Outcome};
use crate::domain::sessions::{self, Pending};
use crate::error::{AppError, PageError};
use crate::http::auth::{load_pending, SignedIn};
use crate::http::{page_limit, State};
use crate::rate_limit::PageGroup;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(form_page(
        "/login/verify",
        web::get().to(verify_form),
        web::post().to(verify),
    ))
    .service(form_page(
        "/login/enrol",
        web::get().to(enrol_form),
        web::post().to(enrol),
    ))
    .service(
        web::resource("/login/cancel")
            .route(web::post().to(cancel))
            .default_service(crate::http::only("POST")),
    );
}

#[derive(Template)]
#[template(path = "login_verify.html")]
struct VerifyPage {
    csrf_token: String,
    email: String,
    error: Option<String>,
    /// TOTP is in use: the code field (which also takes recovery codes) is shown.
    totp: bool,
    /// The person has a passkey and passkeys work here: "Use a passkey" is offered.
    passkey: bool,
}

#[derive(Template)]
#[template(path = "login_enrol.html")]
struct EnrolPage {
    csrf_token: String,
    setup: SetupView,
    action: &'static str,
    error: Option<String>,
}

/// The pending session at `step`; none (or expired) goes back to sign in, the other step to
/// its own page.
async fn pending_at(req: &HttpRequest, step: Pending) -> Result<SignedIn, PageError> {
    let Some(signed) = load_pending(req).await? else {
        return Err(PageError::Redirect("/login".into()));
    };
    match signed.session.pending {
        Some(p) if p == step => Ok(signed),
        Some(Pending::Enrol) => Err(PageError::Redirect("/login/enrol".into())),
        _ => Err(PageError::Redirect("/login/verify".into())),
    }
}

fn page(status: StatusCode, page: &impl Template) -> Result<HttpResponse, PageError> {
    super::layout::html_status(status, page)
}

fn finishing(state: &State, req: &HttpRequest, signed: &SignedIn) -> Finishing {
    Finishing {
        token_hash: signed.session.token_hash,
        method: signed.session.auth.method,
        ip: page_limit::client_ip(req, &state.settings.limits),
    }
}

pub async fn verify_form(state: State, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let signed = pending_at(&req, Pending::SecondFactor).await?;
    page(StatusCode::OK, &verify_page(&state, &signed, None).await?)
}

/// The second step offers what this person has: a code field (TOTP and recovery codes), a
/// passkey button, or both.
async fn verify_page(
    state: &State,
    signed: &SignedIn,
    error: Option<String>,
) -> Result<VerifyPage, PageError> {
    let (user, unavailable) = (signed.user().id, state.passkeys.unavailable());
    let (passkey, totp) = state
        .read_blocking(move |conn| {
            let passkey = super::passkeys::offer_check(conn, unavailable, user)?;
            Ok::<_, AppError>((passkey, crate::domain::identity::totp::enabled(conn, user)?))
        })
        .await?;
    Ok(VerifyPage {
        csrf_token: signed.csrf_token(),
        email: signed.user().email.clone(),
        error,
        // A person without TOTP whose passkey cannot work here still gets the field for a
        // recovery code, rather than a page with no way forward.
        totp: totp || !passkey,
        passkey,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    code: String,
    csrf_token: String,
}

pub async fn verify(
    state: State,
    req: HttpRequest,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, PageError> {
    page_limit::check(&state, &req, PageGroup::SecondFactor)?;
    let signed = pending_at(&req, Pending::SecondFactor).await?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    let session = finishing(&state, &req, &signed);
    let user = signed.user().clone();
    let code = form.into_inner().code;
    match two_factor::second_step(&state.services, user, session, code).await? {
        Outcome::Done(()) => Err(PageError::Redirect("/".into())),
        Outcome::Wrong => {
            let text = "That code is not right. Enter the 6-digit code your authenticator app \
                        shows now, or one of your recovery codes.";
            page(
                StatusCode::UNAUTHORIZED,
                &verify_page(&state, &signed, Some(text.into())).await?,
            )
        }
        Outcome::Locked(secs) => {
            let html = verify_page(&state, &signed, Some(locked_text(secs)))
                .await?
                .render()?;
            Ok(HttpResponse::TooManyRequests()
                .content_type("text/html; charset=utf-8")
                .insert_header(("cache-control", "no-store"))
                .insert_header(("retry-after", secs.to_string()))
                .body(html))
        }
    }
}

/// Shows the enrolment under way, starting one on the first visit.
pub async fn enrol_form(state: State, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let signed = pending_at(&req, Pending::Enrol).await?;
    enrol_page(&state, &signed, StatusCode::OK, None).await
}

async fn enrol_page(
    state: &State,
    signed: &SignedIn,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let enrolment = two_factor::enrolment_or_start(&state.services, signed.user().clone()).await?;
    let view = EnrolPage {
        csrf_token: signed.csrf_token(),
        setup: SetupView::of(enrolment)?,
        action: "/login/enrol",
        error,
    };
    page(status, &view)
}

/// A right code finishes enrolment and sign-in at once: the recovery codes are shown (once),
/// then the dashboard.
pub async fn enrol(
    state: State,
    req: HttpRequest,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, PageError> {
    page_limit::check(&state, &req, PageGroup::SecondFactor)?;
    let signed = pending_at(&req, Pending::Enrol).await?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    let session = finishing(&state, &req, &signed);
    let user = signed.user().clone();
    let code = form.into_inner().code;
    match two_factor::confirm(&state.services, user, code, Some(session)).await? {
        Some(codes) => codes_page(codes, "/", true),
        None => {
            let error = Some(WRONG_CONFIRMATION.to_string());
            enrol_page(&state, &signed, StatusCode::UNAUTHORIZED, error).await
        }
    }
}

/// "Cancel / sign in as someone else": the pending session ends, back to the sign-in form.
pub async fn cancel(
    state: State,
    req: HttpRequest,
    form: web::Form<CancelForm>,
) -> Result<HttpResponse, PageError> {
    if let Some(signed) = load_pending(&req).await? {
        signed.check_csrf(&req, Some(&form.csrf_token))?;
        let hash = signed.session.token_hash;
        state
            .writer
            .run(move |ctx| Ok(sessions::revoke(ctx.conn, &hash)?))
            .await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/login"))
        .cookie(removal_cookie(&state, "hp_session"))
        .finish())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    csrf_token: String,
}
