//! Single sign-on's pages: `/auth/oidc/start` (from a plain link on `/login`: the CSP's
//! `form-action 'self'` would block a form that redirects to the provider), the provider's
//! `/auth/oidc/callback`, and `/auth/oidc/step-up?return=<local path>` for a fresh provider
//! sign-in. Each flow's `state` is also set in a short cookie and must come back from the
//! same browser, so nobody can finish a sign-in they started in someone else's browser.
//! Failures are readable pages; the log says what failed, never a code or token.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pages::ErrorPage;
use super::session::{self, removal_cookie, session_cookie};
use crate::app::sso::{self, step_up, Finished, Refusal};
use crate::config::oidc::Oidc;
use crate::domain::identity::auth_context::AuthContext;
use crate::domain::identity::auth_flows::{FlowKind, FLOW_TTL_MS};
use crate::domain::secrets::ct_eq;
use crate::error::PageError;
use crate::http::cookies::{build_cookie, cookie_name};
use crate::http::{page_limit, State};
use crate::rate_limit::PageGroup;

const FLOW_COOKIE: &str = "hp_oidc";

pub fn routes(cfg: &mut web::ServiceConfig) {
    for (path, handler) in [
        ("/auth/oidc/start", web::get().to(start)),
        ("/auth/oidc/callback", web::get().to(callback)),
        ("/auth/oidc/step-up", web::get().to(step_up_start)),
    ] {
        cfg.service(
            web::resource(path)
                .route(handler)
                .default_service(crate::http::only("GET")),
        );
    }
}

/// A readable page with `status`.
fn page(status: StatusCode, title: &str, detail: &str) -> Result<HttpResponse, PageError> {
    let html = ErrorPage { title, detail }.render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

fn configured(state: &State) -> Result<&Oidc, PageError> {
    state.settings.oidc.as_ref().ok_or_else(|| {
        PageError::App(crate::error::AppError::NotFound(
            "single sign-on is not configured on this server".into(),
        ))
    })
}

async fn redirect_to_provider(
    state: &State,
    kind: FlowKind,
    user: Option<crate::domain::ids::UserId>,
    return_to: &str,
) -> Result<HttpResponse, PageError> {
    let oidc = configured(state)?;
    match sso::start(&state.services, oidc, kind, user, return_to).await {
        Ok(url) => {
            let flow_state = url::Url::parse(&url)
                .ok()
                .and_then(|u| {
                    u.query_pairs()
                        .find(|(k, _)| k == "state")
                        .map(|(_, v)| v.into_owned())
                })
                .unwrap_or_default();
            Ok(HttpResponse::SeeOther()
                .insert_header(("location", url))
                .cookie(build_cookie(state, FLOW_COOKIE, flow_state, FLOW_TTL_MS))
                .finish())
        }
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on could not start");
            page(
                StatusCode::BAD_GATEWAY,
                "The identity provider cannot be reached",
                "Single sign-on is not available right now. Try again in a minute, or sign in \
                 with your password if you have one.",
            )
        }
    }
}

pub async fn start(state: State, req: HttpRequest) -> Result<HttpResponse, PageError> {
    page_limit::check(&state, &req, PageGroup::SignIn)?;
    redirect_to_provider(&state, FlowKind::OidcSignIn, None, "/").await
}

#[derive(Deserialize)]
pub struct StepUpQuery {
    #[serde(rename = "return", default)]
    return_to: String,
}

/// A local path (`/pauses/…`): never another origin (`//host`, `/\host`) or a scheme.
fn local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && !p.chars().any(|c| c.is_control() || c.is_whitespace())
}

pub async fn step_up_start(
    state: State,
    req: HttpRequest,
    query: web::Query<StepUpQuery>,
) -> Result<HttpResponse, PageError> {
    page_limit::check(&state, &req, PageGroup::SignIn)?;
    let Some(signed) = session::load(&req).await? else {
        return Err(PageError::Redirect("/login".into()));
    };
    let return_to = if query.return_to.is_empty() {
        "/"
    } else {
        &query.return_to
    };
    if !local_path(return_to) {
        let detail = "The return address must be a path on this server, like /pauses/….";
        return page(StatusCode::BAD_REQUEST, "Bad return address", detail);
    }
    let user = Some(signed.session.user.id);
    redirect_to_provider(&state, FlowKind::OidcStepUp, user, return_to).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CallbackQuery {
    state: String,
    code: String,
    error: String,
}

pub async fn callback(
    state: State,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, PageError> {
    page_limit::check(&state, &req, PageGroup::SignIn)?;
    let oidc = configured(&state)?.clone();
    let q = query.into_inner();
    let same_browser = req
        .cookie(&cookie_name(&state, FLOW_COOKIE))
        .is_some_and(|c| !q.state.is_empty() && ct_eq(c.value().as_bytes(), q.state.as_bytes()));
    let refusal = if !q.error.is_empty() {
        // The provider's error code only: its description may echo what the person typed.
        let code: String = (q.error.chars())
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        Some(Refusal::Denied(format!(
            "the provider answered error={code}"
        )))
    } else if !same_browser || q.code.is_empty() {
        Some(Refusal::UnknownFlow)
    } else {
        None
    };
    let finished = match refusal {
        Some(r) => Err(r),
        None => sso::finish(&state.services, &oidc, &q.state, q.code).await?,
    };
    let mut res = match finished {
        Ok(f) if f.kind == FlowKind::OidcStepUp => finish_step_up(&state, &req, &oidc, f).await?,
        Ok(f) => finish_sign_in(&state, &req, &oidc, f).await?,
        Err(refusal) => {
            tracing::warn!(reason = ?refusal, "single sign-on refused");
            sso::record_failure(&state.services, refusal.clone()).await?;
            refused(&refusal)?
        }
    };
    res.add_cookie(&removal_cookie(&state, FLOW_COOKIE))
        .map_err(|e| PageError::App(anyhow::anyhow!("cookie: {e}").into()))?;
    Ok(res)
}

async fn finish_sign_in(
    state: &State,
    req: &HttpRequest,
    oidc: &Oidc,
    f: Finished,
) -> Result<HttpResponse, PageError> {
    let old = crate::http::auth::replaced_session(req).await?;
    let new = crate::http::auth::new_session(req, state, AuthContext::PASSWORD);
    match sso::sign_in(&state.services, oidc, f.identity, old, new).await? {
        Ok(started) => Ok(HttpResponse::SeeOther()
            .insert_header(("location", started.location()))
            .cookie(session_cookie(state, started.token))
            .finish()),
        Err(refusal) => {
            tracing::warn!(reason = ?refusal, "single sign-on refused");
            refused(&refusal)
        }
    }
}

async fn finish_step_up(
    state: &State,
    req: &HttpRequest,
    oidc: &Oidc,
    f: Finished,
) -> Result<HttpResponse, PageError> {
    let signed = session::load(req)
        .await?
        .filter(|s| Some(s.session.user.id) == f.user_id);
    let Some(signed) = signed else {
        let detail = "Sign in again, then confirm the decision once more.";
        return page(StatusCode::FORBIDDEN, "Your session has ended", detail);
    };
    let (hash, user, back) = (
        signed.session.token_hash,
        signed.session.user,
        f.return_to.clone(),
    );
    match step_up::complete(&state.services, oidc, hash, user, f).await? {
        step_up::Outcome::SteppedUp => Ok(HttpResponse::SeeOther()
            .insert_header(("location", back))
            .finish()),
        step_up::Outcome::OtherUser => page(
            StatusCode::FORBIDDEN,
            "Another account signed in",
            "The identity provider signed in a different account than yours. Sign in there as \
             yourself and try again.",
        ),
        step_up::Outcome::NoSecondFactor => page(
            StatusCode::FORBIDDEN,
            "No second factor reported",
            "Your identity provider did not report a second factor for this sign-in, so it cannot \
             confirm a critical decision. Use a second factor at your provider (or ask your \
             administrator to require one), then try again.",
        ),
    }
}

fn refused(refusal: &Refusal) -> Result<HttpResponse, PageError> {
    let (status, title, detail) = match refusal {
        Refusal::UnknownFlow => (
            StatusCode::BAD_REQUEST,
            "Sign-in expired",
            "This sign-in link is not valid any more (it was used, it expired, or it was started \
             in another browser). Start again from the sign-in page."
                .to_string(),
        ),
        Refusal::Denied(_) => (
            StatusCode::BAD_REQUEST,
            "Sign-in cancelled",
            "Your identity provider did not sign you in (it was cancelled or not allowed). Start \
             again from the sign-in page."
                .to_string(),
        ),
        Refusal::Provider(_) => (
            StatusCode::BAD_GATEWAY,
            "The identity provider's answer could not be used",
            "The sign-in at your identity provider did not complete or could not be verified. \
             Start again from the sign-in page."
                .to_string(),
        ),
        Refusal::NoAccount => (
            StatusCode::FORBIDDEN,
            "No account for you yet",
            "Your identity provider signed you in, but there is no Holdpoint account for your \
             email. Ask an owner to invite you."
                .to_string(),
        ),
        Refusal::Disabled => (
            StatusCode::FORBIDDEN,
            "Account disabled",
            "Your Holdpoint account is disabled. Ask an owner to enable it.".to_string(),
        ),
        Refusal::UnverifiedEmail => (
            StatusCode::FORBIDDEN,
            "Email not verified",
            "Your identity provider did not vouch for your email address, so it cannot be \
             matched to a Holdpoint account. Ask an owner to invite you."
                .to_string(),
        ),
        Refusal::LinkedElsewhere => (
            StatusCode::FORBIDDEN,
            "Account linked to someone else",
            "The Holdpoint account with your email is already linked to another account at your \
             identity provider. Ask an owner for help."
                .to_string(),
        ),
        Refusal::CannotProvision(why) => (
            StatusCode::FORBIDDEN,
            "No account could be made for you",
            format!("{why} Ask an owner for help."),
        ),
    };
    page(status, title, &detail)
}
