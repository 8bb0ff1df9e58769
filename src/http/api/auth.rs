//! The API-key extractor. Unknown, malformed and revoked keys all get the same 401; the one
//! exception is a key past its expiry, which gets 401 `key-expired`. A valid key without the
//! endpoint's scope gets a 403 that names the scope.

use std::marker::PhantomData;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::domain::api_keys::{self, AuthKey};
use crate::domain::scopes::{KeyScope, Scopes};
use crate::error::AppError;
use crate::http::AppState;

/// `last_used_at` is written at most once a minute per key: a read must not become a write.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The scope an extractor asks of its key, as a type so a handler's signature says it.
pub trait NeedsScope {
    const SCOPE: KeyScope;
    /// What the key is refused, for the 403's detail: "create, read, list or cancel pauses".
    const DOING: &'static str;

    /// Whether `scopes` allow it: `SCOPE` itself, unless a marker accepts another too.
    fn granted(scopes: Scopes) -> bool {
        scopes.has(Self::SCOPE)
    }

    /// 403 `insufficient-scope` (naming `SCOPE`) unless `key`'s scopes are granted; 403
    /// `live-key-required` for a test key asking for the workspace's configuration.
    fn check(key: &AuthKey) -> Result<(), AppError> {
        live_only(key, Self::SCOPE, Self::DOING)?;
        match Self::granted(key.scopes) {
            true => Ok(()),
            false => Err(AppError::insufficient_scope(Self::SCOPE, Self::DOING)),
        }
    }
}

/// The one rule that keeps test keys out of workspace configuration: everything behind the
/// `admin` scope (keys, webhooks, rules, groups, channels, the audit log, deleting agents) is
/// refused to a test key, whatever scopes it was given before test keys could not hold `admin`.
fn live_only(key: &AuthKey, scope: KeyScope, doing: &str) -> Result<(), AppError> {
    match scope == KeyScope::Admin && key.test {
        true => Err(AppError::live_key_required(doing)),
        false => Ok(()),
    }
}

/// The `pauses` scope: create, read (and long-poll), list and cancel.
pub struct PausesScope;

impl NeedsScope for PausesScope {
    const SCOPE: KeyScope = KeyScope::Pauses;
    const DOING: &'static str = "create, read, list or cancel pauses";
}

/// Workspace configuration: keys, webhooks, rules, groups, settings, the audit log (live keys
/// only).
pub struct AdminScope;

impl NeedsScope for AdminScope {
    const SCOPE: KeyScope = KeyScope::Admin;
    const DOING: &'static str =
        "manage the workspace (keys, webhooks, rules, groups, settings, users, audit log)";
}

/// Reading the fleet (`GET /api/agents`, `/api/agents/:agent`): a backend that builds its own
/// view of the agents holds `agents` (it controls them) or `pauses` (it runs them).
pub struct FleetScope;

impl NeedsScope for FleetScope {
    const SCOPE: KeyScope = KeyScope::Agents;
    const DOING: &'static str = "read the fleet of agents (it takes `agents` or `pauses`)";

    fn granted(scopes: Scopes) -> bool {
        scopes.has(KeyScope::Agents) || scopes.has(KeyScope::Pauses)
    }
}

/// An authenticated key with scope `S`, whose request was counted against its rate limit: what
/// every API handler takes (the pause endpoints need `pauses`, the default).
pub struct ApiKey<S: NeedsScope = PausesScope>(pub AuthKey, PhantomData<S>);

/// An authenticated key with scope `S`, *not yet* counted against its rate limit. Only for
/// `POST /api/pause`, which calls [`rate_limit`] itself so that a 429 there still carries the
/// monthly quota headers next to the burst ones.
pub struct UnmeteredApiKey<S: NeedsScope = PausesScope>(pub AuthKey, PhantomData<S>);

/// 403 `insufficient-scope` unless `key` has `scope` (and `live-key-required` for `admin`
/// asked by a test key).
pub fn require(key: &AuthKey, scope: KeyScope, doing: &str) -> Result<(), AppError> {
    live_only(key, scope, doing)?;
    match key.scopes.has(scope) {
        true => Ok(()),
        false => Err(AppError::insufficient_scope(scope, doing)),
    }
}

/// The token of an `Authorization: Bearer …` header, if there is one.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn app_state(req: &HttpRequest) -> &web::Data<AppState> {
    req.app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
}

/// Counts one request against the key's per-second budget (429 past it).
pub fn rate_limit(state: &AppState, key: &AuthKey) -> Result<(), AppError> {
    state.rate_limits.check_key(key.id)
}

/// The valid key behind the request's bearer token, neither counted nor marked as used.
pub(in crate::http) async fn identify(req: &HttpRequest) -> Result<AuthKey, AppError> {
    lookup(req).await.map(|(key, _)| key)
}

async fn lookup(req: &HttpRequest) -> Result<(AuthKey, [u8; 32]), AppError> {
    let state = app_state(req);
    let token = bearer(req).ok_or(AppError::Unauthorized)?;
    if !api_keys::well_formed(token) {
        return Err(AppError::Unauthorized);
    }
    let digest = crate::domain::secrets::sha256(token.as_bytes());
    let key = match state.key_cache.get(&digest) {
        Some(key) => key,
        None => {
            let key = state
                .read_blocking(move |conn| api_keys::authenticate_digest(conn, &digest))
                .await?
                .ok_or(AppError::Unauthorized)?;
            state.key_cache.put(digest, key);
            key
        }
    };
    // At use time, against the request's clock: a remembered key cannot outlive its expiry.
    if key.expired(state.now()) {
        return Err(expired(&key));
    }
    Ok((key, digest))
}

fn expired(key: &AuthKey) -> AppError {
    let at = key
        .expires_at
        .map(crate::domain::rfc3339)
        .unwrap_or_default();
    AppError::KeyExpired(format!(
        "this API key expired at {at}: make a new key (keys page, `holdpoint key create` or \
         `POST /api/keys`) and give it to the agent"
    ))
}

/// The valid key behind the bearer token, marked as used (neither counted nor scope-checked).
pub(in crate::http) async fn authenticate(req: &HttpRequest) -> Result<AuthKey, AppError> {
    let (key, digest) = lookup(req).await?;
    let state = app_state(req);
    let now = state.now();
    if key.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY_MS) {
        state.key_cache.touched(&digest, now);
        let id = key.id;
        state
            .writer
            .spawn(move |ctx| Ok(api_keys::touch(ctx.conn, id, now)?));
    }
    Ok(key)
}

/// A key with a valid token is counted first, so requests refused for their scope still spend
/// the key's budget.
impl<S: NeedsScope + 'static> FromRequest for ApiKey<S> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let key = authenticate(&req).await?;
            rate_limit(app_state(&req), &key)?;
            S::check(&key)?;
            Ok(ApiKey(key, PhantomData))
        })
    }
}

impl<S: NeedsScope + 'static> FromRequest for UnmeteredApiKey<S> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let key = authenticate(&req).await?;
            S::check(&key)?;
            Ok(UnmeteredApiKey(key, PhantomData))
        })
    }
}
