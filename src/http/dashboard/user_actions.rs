//! The per-user buttons of the Users page (owners and admins only): change role, disable,
//! enable, and a new sign-up link for someone invited who has not signed up yet. A user id of
//! another workspace, or no number at all, is a 404 page.

use actix_web::{web, HttpRequest, HttpResponse};
use rusqlite::Connection;
use serde::Deserialize;

use super::account::refuse;
use super::layout::{parse_form, redirect_with};
use super::session::ManagerSession;
use super::users::invited_page;
use crate::domain::audit::Actor;
use crate::domain::users::{self, Role, User};
use crate::domain::{invites, user_admin, Millis};
use crate::error::{AppError, AppResult, PageError};
use crate::http::State;

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    role: String,
}

/// A change to one user: the form's role field (if any) in, the notice to show out.
type Action = fn(&Connection, Millis, &User, i64, &str) -> AppResult<String>;

async fn act(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    action: Action,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let form: ActionForm = parse_form(&body)?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    let target = user_id(&path)?;
    let (actor, now) = (signed.user().clone(), state.now());
    let done = state
        .writer
        .run(move |ctx| action(ctx.conn, now, &actor, target, &form.role))
        .await;
    match done {
        Ok(text) => Ok(redirect_with(&state, &signed, "/users", "notice", &text)),
        Err(e) => refuse(&state, &signed, "/users", e),
    }
}

/// A malformed id is as unknown as another workspace's: 404.
fn user_id(path: &str) -> Result<i64, PageError> {
    path.parse().map_err(|_| {
        AppError::NotFound(format!("there is no user {path} in this workspace")).into()
    })
}

fn do_change_role(
    conn: &Connection,
    now: Millis,
    actor: &User,
    id: i64,
    role: &str,
) -> AppResult<String> {
    let role = Role::parse(role)?;
    let (u, changed) = user_admin::set_role(conn, now, actor, id, role)?;
    Ok(match changed {
        true => format!("{} is now {}.", u.email, role.as_str()),
        false => format!("{} already is {}.", u.email, role.as_str()),
    })
}

fn do_disable(conn: &Connection, now: Millis, actor: &User, id: i64, _: &str) -> AppResult<String> {
    let (u, changed) = user_admin::disable(conn, now, actor, id)?;
    Ok(match changed {
        true => format!("{} is disabled and signed out everywhere.", u.email),
        false => format!("{} was already disabled.", u.email),
    })
}

fn do_enable(conn: &Connection, now: Millis, actor: &User, id: i64, _: &str) -> AppResult<String> {
    let (u, changed) = user_admin::enable(conn, now, actor, id)?;
    Ok(match changed {
        true => format!("{} is enabled again.", u.email),
        false => format!("{} was already enabled.", u.email),
    })
}

pub async fn change_role(
    s: State,
    m: ManagerSession,
    r: HttpRequest,
    p: web::Path<String>,
    b: web::Bytes,
) -> Result<HttpResponse, PageError> {
    act(s, m, r, p, b, do_change_role).await
}

pub async fn disable(
    s: State,
    m: ManagerSession,
    r: HttpRequest,
    p: web::Path<String>,
    b: web::Bytes,
) -> Result<HttpResponse, PageError> {
    act(s, m, r, p, b, do_disable).await
}

pub async fn enable(
    s: State,
    m: ManagerSession,
    r: HttpRequest,
    p: web::Path<String>,
    b: web::Bytes,
) -> Result<HttpResponse, PageError> {
    act(s, m, r, p, b, do_enable).await
}

/// A fresh sign-up link for an invited user who has not signed up (e.g. the first expired);
/// older links stop working.
pub async fn reinvite(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let form: ActionForm = parse_form(&body)?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    let target = user_id(&path)?;
    let (actor, now) = (signed.user().clone(), state.now());
    let issued = state
        .writer
        .run(move |ctx| {
            let user = users::get_in_workspace(ctx.conn, actor.workspace_id, target)?;
            user_admin::ensure_may_manage(&actor, user.role)?;
            let token = invites::issue(ctx.conn, now, Actor::User(actor.id), &user)?;
            Ok((user, token))
        })
        .await;
    match issued {
        Ok((user, token)) => invited_page(&state, &req, &signed, &user, &token),
        Err(e) => refuse(&state, &signed, "/users", e),
    }
}
