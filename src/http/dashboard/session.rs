//! The session cookie, the signed-in extractors and CSRF checks.

use std::future::{ready, Ready};

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::domain::secrets::ct_eq;
use crate::domain::sessions::{self, Session, ABSOLUTE_MS, TOUCH_EVERY_MS};
use crate::error::{AppError, AppResult, PageError};
use crate::http::AppState;

pub const CSRF_HEADER: &str = "x-csrf-token";

/// `__Host-` binds the cookie to this exact origin, but browsers accept it only with Secure.
pub fn cookie_name(state: &AppState, base: &'static str) -> String {
    if state.settings.secure_cookies() {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

pub fn build_cookie(
    state: &AppState,
    base: &'static str,
    value: String,
    max_age_ms: i64,
) -> Cookie<'static> {
    Cookie::build(cookie_name(state, base), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies())
        .max_age(CookieDuration::milliseconds(max_age_ms))
        .finish()
}

pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    build_cookie(state, "hp_session", token, ABSOLUTE_MS)
}

pub fn removal_cookie(state: &AppState, base: &'static str) -> Cookie<'static> {
    let mut c = build_cookie(state, base, String::new(), 0);
    c.make_removal();
    c
}

/// A signed-in user, with the raw token the CSRF token is derived from.
pub struct SignedIn {
    pub session: Session,
    token: String,
}

impl SignedIn {
    pub fn csrf_token(&self) -> String {
        sessions::csrf_token(&self.token)
    }

    /// A MAC keyed by this session, for values the server hands the browser and reads back.
    pub fn sign(&self, data: &[u8]) -> String {
        sign_for(&self.token, data)
    }

    pub fn user(&self) -> &crate::domain::users::User {
        &self.session.user
    }

    /// A state-changing request must carry the session's CSRF token (header or form field).
    /// Dashboard forms get here only through [`super::forms::SessionForm`]; the other callers
    /// are sign-out (which works without a session too) and the API's session path.
    pub(in crate::http) fn check_csrf(
        &self,
        req: &HttpRequest,
        form_field: Option<&str>,
    ) -> AppResult<()> {
        let supplied = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .or(form_field)
            .unwrap_or("");
        if supplied.is_empty() || !ct_eq(supplied.as_bytes(), self.csrf_token().as_bytes()) {
            return Err(AppError::Forbidden(
                "missing or wrong CSRF token: reload the page and try again".into(),
            ));
        }
        Ok(())
    }
}

/// [`SignedIn::sign`] for the session with this raw token (e.g. one just created).
pub fn sign_for(token: &str, data: &[u8]) -> String {
    use base64::Engine;
    let key = crate::domain::secrets::hmac_sha256(token.as_bytes(), b"holdpoint signing v1");
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(crate::domain::secrets::hmac_sha256(&key, data))
}

/// The session behind the request's cookie, if it is live. Refreshes `last_seen_at` lazily.
pub fn load(req: &HttpRequest) -> AppResult<Option<SignedIn>> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered");
    let Some(cookie) = req.cookie(&cookie_name(state, "hp_session")) else {
        return Ok(None);
    };
    let token = cookie.value().to_string();
    let now = state.now();
    let Some(session) = sessions::lookup(&*state.read()?, &token, now)? else {
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_EVERY_MS {
        let hash = session.token_hash;
        state
            .writer
            .spawn(move |ctx| Ok(sessions::touch(ctx.conn, &hash, now)?));
    }
    Ok(Some(SignedIn { session, token }))
}

/// For JSON endpoints: no live session is a 401.
pub struct ApiSession(pub SignedIn);

impl FromRequest for ApiSession {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(load(req).and_then(|s| s.map(ApiSession).ok_or(AppError::Unauthorized)))
    }
}

/// For pages: no live session sends the browser to sign in.
pub struct PageSession(pub SignedIn);

/// For owner and admin pages: an approver gets a 403 page.
pub struct ManagerSession(pub SignedIn);

impl FromRequest for ManagerSession {
    type Error = PageError;
    type Future = Ready<Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(match PageSession::from_request(req, payload).into_inner() {
            Ok(PageSession(s)) if s.session.user.role.can_manage() => Ok(ManagerSession(s)),
            Ok(_) => Err(AppError::Forbidden(
                "only owners and admins can manage the workspace".into(),
            )
            .into()),
            Err(e) => Err(e),
        })
    }
}

impl FromRequest for PageSession {
    type Error = PageError;
    type Future = Ready<Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match load(req) {
            Ok(Some(s)) => Ok(PageSession(s)),
            Ok(None) => Err(PageError::Redirect("/login".into())),
            Err(e) => Err(e.into()),
        })
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
