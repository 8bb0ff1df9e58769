//! Passkeys over HTTP: the account page's section (enrol, list, remove), and the JSON endpoints
//! `static/passkeys.js` calls for each ceremony's two halves. Enrolment and the check of the
//! current session (second step of a sign-in, or a step-up) carry the session's CSRF token in
//! `x-csrf-token`; the passkey sign-in, before any session, the sign-in form's double-submit
//! token. Every ceremony request counts against the client's sign-in budget.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::format::{stamp, Stamp};
use super::forms::{form_result, post_only, CsrfForm};
use super::session::{self, session_cookie, SignedIn};
use crate::app::{passkey_login, passkeys as use_case};
use crate::domain::identity::auth_context::{AuthContext, AuthMethod, Factor};
use crate::domain::identity::passkeys;
use crate::domain::ids::UserId;
use crate::domain::sessions::Pending;
use crate::error::{AppError, AppResult, PageError};
use crate::http::auth::{load, load_pending};
use crate::http::{page_limit, State};
use crate::rate_limit::PageGroup;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(
        cfg,
        [
            (
                "/account/passkeys/register/start",
                web::post().to(register_start),
            ),
            (
                "/account/passkeys/register/finish",
                web::post().to(register_finish),
            ),
            ("/account/passkeys/remove", web::post().to(remove)),
            ("/auth/passkey/verify/start", web::post().to(verify_start)),
            ("/auth/passkey/verify/finish", web::post().to(verify_finish)),
            ("/auth/passkey/login/start", web::post().to(login_start)),
            ("/auth/passkey/login/finish", web::post().to(login_finish)),
        ],
    );
}

/// A passkey as the account page lists it.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub created: Stamp,
    pub last_used: Option<Stamp>,
}

/// The account page's section: the person's passkeys, or why this server offers none.
pub struct PasskeySection {
    pub unavailable: Option<&'static str>,
    pub rows: Vec<Row>,
    pub max: usize,
    pub max_name: usize,
}

pub fn load_section(
    conn: &crate::db::sql::Connection,
    unavailable: Option<&'static str>,
    user: UserId,
) -> AppResult<PasskeySection> {
    let rows = passkeys::list(conn, user)?
        .into_iter()
        .map(|p| Row {
            id: p.id,
            name: p.name,
            created: stamp(p.created_at),
            last_used: p.last_used_at.map(stamp),
        })
        .collect();
    Ok(PasskeySection {
        unavailable,
        rows,
        max: passkeys::MAX_PER_USER,
        max_name: passkeys::MAX_NAME,
    })
}

/// The longest body a ceremony's answer may have (a credential is a few kilobytes).
const MAX_BODY: usize = 64 * 1024;

/// The JSON body of a ceremony request, read strictly, with a readable 400 otherwise.
fn body<T: serde::de::DeserializeOwned>(bytes: &web::Bytes) -> AppResult<T> {
    if bytes.len() > MAX_BODY {
        return Err(AppError::PayloadTooLarge(format!(
            "a passkey request is at most {MAX_BODY} bytes"
        )));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        AppError::BadRequest(format!(
            "the body is not the JSON this endpoint expects ({e})"
        ))
    })
}

fn limited(state: &State, req: &HttpRequest) -> AppResult<()> {
    page_limit::check(state, req, PageGroup::SignIn).map_err(|e| match e {
        PageError::App(e) => e,
        PageError::Redirect(to) => AppError::Internal(anyhow::anyhow!("redirect to {to}")),
    })
}

/// The session that may enrol: a full one, or one sent to enrol at sign-in (the workspace
/// requires a second factor and this person has none yet: the enrolment page's button).
async fn enrolling(req: &HttpRequest) -> AppResult<SignedIn> {
    let signed = match load(req).await? {
        Some(s) => s,
        None => load_pending(req)
            .await?
            .filter(|s| s.session.pending == Some(Pending::Enrol))
            .ok_or(AppError::Unauthorized)?,
    };
    signed.check_csrf(req, None)?;
    Ok(signed)
}

/// Whether a page may offer this person a passkey check (the second sign-in step, a step-up):
/// the server can be a relying party and they have a passkey.
/// `unavailable` is the relying party's ([`crate::auth::passkey::RelyingParty::unavailable`]).
pub fn offer_check(
    conn: &crate::db::sql::Connection,
    unavailable: Option<&'static str>,
    user: UserId,
) -> AppResult<bool> {
    Ok(unavailable.is_none() && passkeys::count(conn, user)? > 0)
}

pub async fn register_start(state: State, req: HttpRequest) -> AppResult<HttpResponse> {
    limited(&state, &req)?;
    let signed = enrolling(&req).await?;
    let user = signed.user();
    let ceremony =
        use_case::start_register(&state.services, &state.passkeys, user, &signed.session).await?;
    Ok(HttpResponse::Ok().json(ceremony))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Finish {
    handle: String,
    credential: Value,
    #[serde(default)]
    name: String,
}

pub async fn register_finish(
    state: State,
    req: HttpRequest,
    bytes: web::Bytes,
) -> AppResult<HttpResponse> {
    limited(&state, &req)?;
    let signed = enrolling(&req).await?;
    let f: Finish = body(&bytes)?;
    let added = use_case::finish_register(
        &state.services,
        &state.passkeys,
        &signed.session,
        f.handle,
        f.credential,
        &f.name,
    )
    .await?;
    // An enrolment that finished a sign-in goes on to the queue; the account page reloads.
    let location = signed.session.pending.map(|_| "/");
    Ok(HttpResponse::Created().json(json!({
        "ok": true,
        "location": location,
        "passkey": { "id": added.id, "name": added.name },
    })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemoveForm {
    id: i64,
}

/// A plain form (no script needed): removes one of the person's own passkeys.
pub async fn remove(
    state: State,
    CsrfForm { signed, form }: CsrfForm<RemoveForm>,
) -> Result<HttpResponse, PageError> {
    let done = use_case::remove(&state.services, signed.user(), form.id)
        .await
        .and_then(|removed| match removed {
            Some(_) => Ok("The passkey was removed."),
            None => Err(AppError::NotFound("you have no such passkey".into())),
        });
    form_result(&state, &signed, "/account", done)
}

/// The session this check is for: a full one, or one half-way through signing in.
async fn this_session(req: &HttpRequest) -> AppResult<SignedIn> {
    let signed = match load(req).await? {
        Some(s) => s,
        None => load_pending(req).await?.ok_or(AppError::Unauthorized)?,
    };
    signed.check_csrf(req, None)?;
    Ok(signed)
}

pub async fn verify_start(state: State, req: HttpRequest) -> AppResult<HttpResponse> {
    limited(&state, &req)?;
    let signed = this_session(&req).await?;
    let ceremony =
        use_case::start_verify(&state.services, &state.passkeys, &signed.session).await?;
    Ok(HttpResponse::Ok().json(ceremony))
}

pub async fn verify_finish(
    state: State,
    req: HttpRequest,
    bytes: web::Bytes,
) -> AppResult<HttpResponse> {
    limited(&state, &req)?;
    let signed = this_session(&req).await?;
    let f: Finish = body(&bytes)?;
    let ip = page_limit::client_ip(&req, &state.settings.limits);
    let session = &signed.session;
    use_case::finish_verify(
        &state.services,
        &state.passkeys,
        session,
        f.handle,
        f.credential,
        ip,
    )
    .await?;
    // A finished sign-in goes to the queue; a step-up stays where it was (the script decides).
    let location = session.pending.map(|_| "/");
    Ok(HttpResponse::Ok().json(json!({ "ok": true, "location": location })))
}

/// Passkey sign-in exists only with `--passkey-login`; its form token is the sign-in page's.
fn login_allowed(state: &State, req: &HttpRequest) -> AppResult<()> {
    if !state.settings.passkey_login {
        return Err(AppError::NotFound(
            "signing in with a passkey alone is off on this server (--passkey-login)".into(),
        ));
    }
    let supplied = req
        .headers()
        .get(crate::http::auth::CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    session::check_anonymous_form_token(state, req, supplied)
}

pub async fn login_start(state: State, req: HttpRequest) -> AppResult<HttpResponse> {
    limited(&state, &req)?;
    login_allowed(&state, &req)?;
    let ceremony = passkey_login::start(&state.services, &state.passkeys).await?;
    Ok(HttpResponse::Ok().json(ceremony))
}

pub async fn login_finish(
    state: State,
    req: HttpRequest,
    bytes: web::Bytes,
) -> AppResult<HttpResponse> {
    limited(&state, &req)?;
    login_allowed(&state, &req)?;
    let f: Finish = body(&bytes)?;
    let auth = AuthContext {
        method: AuthMethod::Passkey,
        factor: Some((Factor::Passkey, state.now())),
    };
    let new = crate::http::auth::new_session(&req, &state, auth);
    let old = load(&req).await?.map(|s| s.session.token_hash);
    let started = passkey_login::finish(
        &state.services,
        &state.passkeys,
        f.handle,
        f.credential,
        old,
        new,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state, started.token.clone()))
        .cookie(session::anonymous_form_token_removal(&state))
        .json(json!({ "ok": true, "location": started.location() })))
}
