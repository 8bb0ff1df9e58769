//! The dashboard's signed-in extractors, and the double-submit token of the forms shown before
//! sign-in. The session itself (loading it, its CSRF check) is [`crate::http::auth`]'s, shared
//! with the API.

use actix_web::cookie::Cookie;
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::TryFutureExt;

use crate::domain::secrets::ct_eq;
use crate::error::{AppError, AppResult, PageError};
pub use crate::http::auth::{load, SignedIn};
use crate::http::cookies::{build_cookie, cookie_name};
pub use crate::http::cookies::{removal_cookie, session_cookie};
use crate::http::AppState;

/// For pages: no live session sends the browser to sign in.
pub struct PageSession(pub SignedIn);

/// For owner and admin pages: an approver gets a 403 page.
pub struct ManagerSession(pub SignedIn);

/// The live session behind the request, for pages (none sends the browser to sign in); with
/// `manager`, an owner's or admin's (an approver gets a 403 page).
pub async fn page_session(req: HttpRequest, manager: bool) -> Result<SignedIn, PageError> {
    match load(&req).await {
        Ok(Some(s)) if manager && !s.session.user.role.can_manage() => Err(AppError::Forbidden(
            "only owners and admins can manage the workspace".into(),
        )
        .into()),
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(PageError::Redirect("/login".into())),
        Err(e) => Err(e.into()),
    }
}

impl FromRequest for ManagerSession {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(page_session(req.clone(), true).map_ok(ManagerSession))
    }
}

impl FromRequest for PageSession {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(page_session(req.clone(), false).map_ok(PageSession))
    }
}

const FORM_CSRF: &str = "hp_login_csrf";

/// Forms shown before there is a session (sign-in, first-run setup, invite sign-up) are
/// protected by a double-submit cookie: the token in the form must match the cookie.
/// Returns the token for the form and the cookie to (re)set.
pub fn anonymous_form_token(state: &AppState, req: &HttpRequest) -> (String, Cookie<'static>) {
    let token = req
        .cookie(&cookie_name(state, FORM_CSRF))
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32)
        .unwrap_or_else(|| crate::domain::secrets::random_token(32));
    let cookie = build_cookie(state, FORM_CSRF, token.clone(), 3600 * 1000);
    (token, cookie)
}

pub fn check_anonymous_form_token(
    state: &AppState,
    req: &HttpRequest,
    supplied: &str,
) -> AppResult<()> {
    let cookie = req
        .cookie(&cookie_name(state, FORM_CSRF))
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if cookie.is_empty() || !ct_eq(cookie.as_bytes(), supplied.as_bytes()) {
        return Err(AppError::Forbidden(
            "the form expired or was not sent from this site; reload it and try again".into(),
        ));
    }
    Ok(())
}

/// Renders a page whose form is shown before sign-in, with a fresh double-submit token.
pub fn anonymous_form_page(
    state: &AppState,
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    render: impl FnOnce(&str) -> askama::Result<String>,
) -> Result<actix_web::HttpResponse, PageError> {
    let (token, cookie) = anonymous_form_token(state, req);
    let html = render(&token)?;
    Ok(actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .cookie(cookie)
        .body(html))
}

pub fn anonymous_form_token_removal(state: &AppState) -> Cookie<'static> {
    removal_cookie(state, FORM_CSRF)
}
