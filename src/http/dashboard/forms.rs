//! How a signed-in page's form reaches its handler: [`CsrfForm`] (any signed-in user) and
//! [`ManagerForm`] (owners and admins) load the session, read the urlencoded body and check the
//! CSRF token before the handler runs, so a POST handler cannot get at its form without the
//! check. [`write_as`] runs the change as that user, [`form_result`] answers with the usual
//! redirect and flash, and [`form_page`]/[`post_only`] register the routes with their 405s.

use std::future::Future;
use std::pin::Pin;

use actix_web::web::ServiceConfig;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse, Resource, Route};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::format::sentence;
use super::layout::{parse_form, redirect_with};
use super::session::{page_session, SignedIn};
use crate::db::WriteCtx;
use crate::domain::users::User;
use crate::domain::Millis;
use crate::error::{AppError, AppResult, PageError};
use crate::http::AppState;

/// `path` answering GET (the page) and POST (its form); another method is a 405 naming both.
pub fn form_page(path: &str, get: Route, post: Route) -> Resource {
    web::resource(path)
        .route(get)
        .route(post)
        .default_service(crate::http::only("GET, POST"))
}

/// Form targets that take only a POST; another method is a 405 naming POST.
pub fn post_only<const N: usize>(cfg: &mut ServiceConfig, routes: [(&str, Route); N]) {
    for (path, route) in routes {
        cfg.service(
            web::resource(path)
                .route(route)
                .default_service(crate::http::only("POST")),
        );
    }
}

/// The form field that carries the session's CSRF token (the `x-csrf-token` header wins).
const CSRF_FIELD: &str = "csrf_token";

/// A form of a signed-in user, CSRF-checked. No live session sends the browser to sign in.
pub type CsrfForm<T> = SessionForm<T, false>;

/// As [`CsrfForm`], for owner and admin pages: an approver gets a 403 page.
pub type ManagerForm<T> = SessionForm<T, true>;

/// The session that sent a form, and the form; `MANAGER` asks for an owner or admin.
pub struct SessionForm<T, const MANAGER: bool> {
    pub signed: SignedIn,
    pub form: T,
}

/// For buttons whose form carries nothing but the CSRF token.
#[derive(Deserialize)]
pub struct NoFields {}

/// The session's error comes first (as when it was its own extractor), then the body's, a form
/// that cannot be read (400), and last a missing or wrong token (403).
impl<T: DeserializeOwned + 'static, const MANAGER: bool> FromRequest for SessionForm<T, MANAGER> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = page_session(req.clone(), MANAGER);
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let signed = session.await?;
            let body = body.await?;
            let form: T = parse_form(&body)?;
            let token = url::form_urlencoded::parse(&body)
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            signed
                .check_csrf(&req, Some(&token))
                .map_err(PageError::from)?;
            Ok(SessionForm { signed, form })
        })
    }
}

/// Runs `change` on the writer as the signed-in user, at the request's time: the prologue of
/// every handler that writes.
pub async fn write_as<T, F>(state: &AppState, signed: &SignedIn, change: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut WriteCtx<'_>, Millis, &User) -> AppResult<T> + Send + 'static,
{
    let (user, now) = (signed.user().clone(), state.now());
    state.writer.run(move |ctx| change(ctx, now, &user)).await
}

/// The end of most form handlers: done goes to `to` with the notice it returned; a refusal the
/// person can act on goes back there as an error flash (see [`refuse`]).
pub fn form_result<S: AsRef<str>>(
    state: &AppState,
    signed: &SignedIn,
    to: &str,
    done: AppResult<S>,
) -> Result<HttpResponse, PageError> {
    match done {
        Ok(text) => Ok(redirect_with(state, signed, to, "notice", text.as_ref())),
        Err(e) => refuse(state, signed, to, e),
    }
}

/// A refusal the person can act on (invalid input, a rule, a conflict) goes back to `to` as an
/// error flash, with nothing written; anything else (not found, a failure) is an error page.
pub fn refuse(
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
