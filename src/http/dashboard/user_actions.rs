//! The per-user buttons of the Users page (owners and admins only): change role, disable
//! (after a confirmation that lists the API keys the user created and offers to revoke them),
//! enable, and a new sign-up link for someone invited who has not signed up yet. A user id of
//! another workspace, or no number at all, is a 404 page.

use crate::db::sql::Connection;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::{form_result, refuse, write_as, ManagerForm};
use super::layout::{clear_flash, html, Layout};
use super::session::ManagerSession;
use super::users::invited_page;
use crate::domain::audit::Actor;
use crate::domain::ids::UserId;
use crate::domain::users::{self, Role, User};
use crate::domain::{api_keys, invites, rfc3339, user_admin, Millis};
use crate::error::{AppError, AppResult, PageError};
use crate::http::State;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    role: String,
    /// "on" when disabling: revoke the keys the user created, too.
    revoke_keys: String,
}

/// A change to one user: the form in, the notice to show out.
type Action = fn(&Connection, Millis, &User, UserId, &ActionForm) -> AppResult<String>;

async fn act(
    state: &State,
    ManagerForm { signed, form }: ManagerForm<ActionForm>,
    path: web::Path<String>,
    action: Action,
) -> Result<HttpResponse, PageError> {
    let target = user_id(&path)?;
    let done = write_as(state, &signed, move |ctx, now, actor| {
        action(ctx.conn, now, actor, target, &form)
    })
    .await;
    form_result(state, &signed, "/users", done)
}

/// A malformed id is as unknown as another workspace's: 404.
fn user_id(path: &str) -> Result<UserId, PageError> {
    path.parse().map_err(|_| {
        AppError::NotFound(format!("there is no user {path} in this workspace")).into()
    })
}

fn do_change_role(
    conn: &Connection,
    now: Millis,
    actor: &User,
    id: UserId,
    form: &ActionForm,
) -> AppResult<String> {
    let role = Role::parse(&form.role)?;
    let (u, changed) = user_admin::set_role(conn, now, actor, id, role)?;
    Ok(match changed {
        true => format!("{} is now {}.", u.email, role.as_str()),
        false => format!("{} already is {}.", u.email, role.as_str()),
    })
}

fn do_disable(
    conn: &Connection,
    now: Millis,
    actor: &User,
    id: UserId,
    form: &ActionForm,
) -> AppResult<String> {
    let revoke = form.revoke_keys == "on";
    let (u, changed, revoked) = user_admin::disable(conn, now, actor, id, revoke)?;
    Ok(match (changed, revoked) {
        (false, _) => format!("{} was already disabled.", u.email),
        (true, 0) => format!("{} is disabled and signed out everywhere.", u.email),
        (true, n) => format!(
            "{} is disabled and signed out everywhere; the {n} API key{} they created {} revoked.",
            u.email,
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" }
        ),
    })
}

fn do_enable(
    conn: &Connection,
    now: Millis,
    actor: &User,
    id: UserId,
    _: &ActionForm,
) -> AppResult<String> {
    let (u, changed) = user_admin::enable(conn, now, actor, id)?;
    Ok(match changed {
        true => format!("{} is enabled again.", u.email),
        false => format!("{} was already enabled.", u.email),
    })
}

type Form = ManagerForm<ActionForm>;
type Page = Result<HttpResponse, PageError>;

pub async fn change_role(s: State, f: Form, p: web::Path<String>) -> Page {
    act(&s, f, p, do_change_role).await
}

pub async fn disable(s: State, f: Form, p: web::Path<String>) -> Page {
    let res = act(&s, f, p, do_disable).await;
    // Revoked means revoked now, not when the key cache would have expired.
    s.key_cache.clear();
    res
}

#[derive(Template)]
#[template(path = "user_disable.html")]
struct DisablePage {
    layout: Layout,
    id: UserId,
    email: String,
    keys: Vec<KeyRow>,
}

struct KeyRow {
    name: String,
    prefix: String,
    test: bool,
    created_at: String,
}

/// Asks before disabling, listing the live keys the user created: they keep working after
/// their creator is gone unless revoked, which the form offers (checked by default).
pub async fn confirm_disable(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = user_id(&path)?;
    let actor = signed.user().clone();
    let (user, keys) = state
        .read_blocking(move |conn| {
            let user = users::get_in_workspace(conn, actor.workspace_id, id)?;
            user_admin::ensure_may_manage(&actor, user.role)?;
            Ok::<_, AppError>((user, api_keys::live_created_by(conn, id)?))
        })
        .await?;
    let keys = keys
        .into_iter()
        .filter(|k| k.workspace_id == user.workspace_id)
        .map(|k| KeyRow {
            name: k.name,
            prefix: k.prefix,
            test: k.test,
            created_at: rfc3339(k.created_at),
        })
        .collect();
    let page = DisablePage {
        layout: Layout::new(&req, &signed, "users"),
        id,
        email: user.email,
        keys,
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

pub async fn enable(s: State, f: Form, p: web::Path<String>) -> Page {
    act(&s, f, p, do_enable).await
}

/// A fresh sign-up link for an invited user who has not signed up (e.g. the first expired);
/// older links stop working.
pub async fn reinvite(
    state: State,
    req: HttpRequest,
    ManagerForm { signed, .. }: Form,
    path: web::Path<String>,
) -> Page {
    let target = user_id(&path)?;
    let issued = write_as(&state, &signed, move |ctx, now, actor| {
        let user = users::get_in_workspace(ctx.conn, actor.workspace_id, target)?;
        user_admin::ensure_may_manage(actor, user.role)?;
        let token = invites::issue(ctx.conn, now, Actor::User(actor.id), &user)?;
        Ok((user, token))
    })
    .await;
    match issued {
        Ok((user, token)) => invited_page(&state, &req, &signed, &user, &token),
        Err(e) => refuse(&state, &signed, "/users", e),
    }
}
