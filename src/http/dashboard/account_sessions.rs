//! The account page's "Sessions" section: where the person is signed in (created, last seen,
//! address, browser, how they signed in), with "Sign out" for each session and "Sign out
//! everywhere else"; and the users page's "End sessions" for owners. Sessions are named by
//! their public id; a person ends only their own, an owner all of a user's.

use actix_web::{web, HttpResponse};

use super::format::{shown, stamp, Shown, Stamp};
use super::forms::{form_result, post_only, write_as, CsrfForm, ManagerForm, NoFields};
use crate::domain::identity::auth_context::{AuthMethod, Factor};
use crate::domain::identity::session_admin::{self, ActiveSession};
use crate::domain::ids::UserId;
use crate::domain::sessions::Session;
use crate::domain::Millis;
use crate::error::{AppError, AppResult, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(
        cfg,
        [
            ("/account/sessions/{id}/end", web::post().to(end_one)),
            ("/account/sessions/end-others", web::post().to(end_others)),
            ("/users/{id}/sessions/end", web::post().to(end_all_of_user)),
        ],
    );
}

/// One row of the section.
pub struct SessionRow {
    pub id: String,
    pub created: Stamp,
    pub last_seen: Stamp,
    pub ip: String,
    /// "Firefox 133 on Linux", and the whole user agent for its title.
    pub agent: Shown,
    pub agent_full: Shown,
    /// "Password + authenticator code", "Single sign-on", …
    pub method: String,
    /// The session this page was loaded with.
    pub current: bool,
}

pub struct SessionsSection {
    pub rows: Vec<SessionRow>,
}

impl SessionsSection {
    pub fn others(&self) -> usize {
        self.rows.iter().filter(|r| !r.current).count()
    }
}

/// The signed-in person's active sessions at `now`, this browser's marked.
pub fn load(
    conn: &crate::db::sql::Connection,
    session: &Session,
    now: Millis,
) -> AppResult<SessionsSection> {
    let current = &session.id;
    let rows = session_admin::active(conn, session.user.id, now)?
        .into_iter()
        .map(|s| row(s, current))
        .collect();
    Ok(SessionsSection { rows })
}

fn row(s: ActiveSession, current: &str) -> SessionRow {
    let ua = s.user_agent.unwrap_or_default();
    SessionRow {
        current: s.id == current,
        created: stamp(s.created_at),
        last_seen: stamp(s.last_seen_at),
        ip: s.ip.unwrap_or_else(|| "unknown".into()),
        agent: shown(&match ua.is_empty() {
            true => "unknown browser".into(),
            false => session_admin::short_user_agent(&ua),
        }),
        agent_full: shown(&ua),
        method: method_text(s.method, s.factor),
        id: s.id,
    }
}

fn method_text(method: AuthMethod, factor: Option<Factor>) -> String {
    let how = match method {
        AuthMethod::Password => "Password",
        AuthMethod::Sso => "Single sign-on",
        AuthMethod::Passkey => "Passkey",
        AuthMethod::Signup => "Sign-up link",
    };
    match factor {
        None => how.to_string(),
        Some(Factor::Totp) => format!("{how} + authenticator code"),
        Some(Factor::RecoveryCode) => format!("{how} + recovery code"),
        Some(Factor::Passkey) => format!("{how} + passkey"),
        Some(Factor::ProviderMfa) => format!("{how} (provider's second factor)"),
    }
}

/// Signs one of the person's own sessions out; an id that is not theirs changes nothing.
pub async fn end_one(
    state: State,
    CsrfForm { signed, .. }: CsrfForm<NoFields>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let done = write_as(&state, &signed, move |ctx, now, user| {
        session_admin::end_own(ctx.conn, now, user, &id)
    })
    .await
    .map(|()| "That session was signed out.");
    form_result(&state, &signed, "/account", done)
}

/// Signs out every session of the person but this one.
pub async fn end_others(
    state: State,
    CsrfForm { signed, .. }: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let keep = signed.session.token_hash;
    let done = write_as(&state, &signed, move |ctx, now, user| {
        session_admin::end_others(ctx.conn, now, user, &keep)
    })
    .await
    .map(|n| match n {
        0 => "You were signed in nowhere else.".to_string(),
        1 => "1 other session was signed out.".to_string(),
        n => format!("{n} other sessions were signed out."),
    });
    form_result(&state, &signed, "/account", done)
}

/// An owner ends every session of a user of the workspace (the users page). Admins manage
/// users but not this: it is the owners' lever for a stolen laptop.
pub async fn end_all_of_user(
    state: State,
    ManagerForm { signed, .. }: ManagerForm<NoFields>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let target: UserId = path.parse().map_err(|_| {
        PageError::from(AppError::NotFound(format!(
            "there is no user {path} in this workspace"
        )))
    })?;
    let done = write_as(&state, &signed, move |ctx, now, owner| {
        session_admin::end_all_of(ctx.conn, now, owner, target)
    })
    .await;
    let done = done.map(|(user, n)| match n {
        0 => format!("{} had no sessions.", user.email),
        1 => format!(
            "{}'s session was ended: they must sign in again.",
            user.email
        ),
        n => format!(
            "{}'s {n} sessions were ended: they must sign in again.",
            user.email
        ),
    });
    form_result(&state, &signed, "/users", done)
}
