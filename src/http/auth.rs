//! Who is calling: a signed-in person (the dashboard's session cookie) or an agent's API key.
//! Shared by the API and the dashboard, so neither imports the other to authenticate.

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::cookies::cookie_name;
use crate::domain::api_keys::AuthKey;
use crate::domain::secrets::ct_eq;
use crate::domain::sessions::{self, Session, TOUCH_EVERY_MS};
use crate::domain::Millis;
use crate::error::{AppError, AppResult};
use crate::http::AppState;

pub const CSRF_HEADER: &str = "x-csrf-token";

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
    /// Dashboard forms get here only through
    /// [`SessionForm`](super::dashboard::forms::SessionForm); the other callers are sign-out
    /// (which works without a session too) and the API's session path.
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

/// The live session (pending or not) with this raw token, read on a blocking thread.
async fn lookup(state: &AppState, token: &str, now: Millis) -> AppResult<Option<Session>> {
    let token = token.to_string();
    state
        .read_blocking(move |conn| sessions::lookup(conn, &token, now))
        .await
}

/// The session behind the request's cookie, if it is live. Refreshes `last_seen_at` lazily.
pub async fn load(req: &HttpRequest) -> AppResult<Option<SignedIn>> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered");
    let Some(cookie) = req.cookie(&cookie_name(state, "hp_session")) else {
        return Ok(None);
    };
    let token = cookie.value().to_string();
    let now = state.now();
    let Some(session) = lookup(state, &token, now).await? else {
        return Ok(None);
    };
    // Half-way through signing in: only the sign-in steps open it ([`load_pending`]).
    if session.pending.is_some() {
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY_MS {
        let hash = session.token_hash;
        state
            .writer
            .spawn(move |ctx| Ok(sessions::touch(ctx.conn, &hash, now)?));
    }
    Ok(Some(SignedIn { session, token }))
}

/// The session behind the request's cookie that is half-way through signing in (password done,
/// second factor or enrolment to come), for the sign-in steps' pages only.
pub async fn load_pending(req: &HttpRequest) -> AppResult<Option<SignedIn>> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered");
    let Some(cookie) = req.cookie(&cookie_name(state, "hp_session")) else {
        return Ok(None);
    };
    let token = cookie.value().to_string();
    Ok(lookup(state, &token, state.now())
        .await?
        .filter(|s| s.pending.is_some())
        .map(|session| SignedIn { session, token }))
}

/// The hash of this browser's session, full or half-way through signing in: a new sign-in
/// replaces either, so no unfinished one is left behind.
pub async fn replaced_session(req: &HttpRequest) -> AppResult<Option<[u8; 32]>> {
    Ok(match load(req).await? {
        Some(s) => Some(s.session.token_hash),
        None => load_pending(req).await?.map(|s| s.session.token_hash),
    })
}

/// A new session's record of where it was made (the client's address, its user agent) and how
/// the person authenticated.
pub fn new_session(
    req: &HttpRequest,
    state: &AppState,
    auth: crate::domain::identity::auth_context::AuthContext,
) -> sessions::NewSession {
    sessions::NewSession {
        auth,
        pending: None,
        ip: super::client_ip::client_ip(req, &state.settings.limits),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        max_ms: sessions::ABSOLUTE_MS,
    }
}

/// A session or, without one, an API key (a session wins when a request carries both). No
/// credentials, or a key that is not valid, is [`AppError::Unauthorized`].
///
/// What each may do is the endpoint's to decide. A session has not had its CSRF token checked:
/// a state-changing request must call [`SignedIn::check_csrf`] (the token may be in the body).
/// A key has been neither counted against its rate limit nor marked as used: an endpoint that
/// accepts keys does both, as [`super::api::auth::ApiKey`] does.
pub enum Caller {
    Session(SignedIn),
    Key(AuthKey),
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match load(&req).await? {
                Some(signed) => Ok(Caller::Session(signed)),
                None => super::api::auth::identify(&req).await.map(Caller::Key),
            }
        })
    }
}
