//! The Users page, for owners and admins only (approvers get a 403 page on every route here):
//! list the workspace's users, add one with a password or a one-time sign-up link, change a
//! role, disable, re-enable (those per-user buttons live in `user_actions`). Who may change
//! whom is decided in `domain::user_admin`.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::account::{check_new_password, hash_password};
use super::forms::{form_page, post_only, refuse, ManagerForm};
use super::layout::{clear_flash, html, redirect_with, Layout};
use super::session::{ManagerSession, SignedIn};
use super::user_actions;
use crate::domain::audit::Actor;
use crate::domain::ids::UserId;
use crate::domain::users::{self, NewUser, Role, User};
use crate::domain::{invites, rfc3339, user_admin, workspaces};
use crate::error::{AppError, AppResult, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(form_page(
        "/users",
        web::get().to(list),
        web::post().to(add),
    ));
    cfg.service(form_page(
        "/users/{id}/disable",
        web::get().to(user_actions::confirm_disable),
        web::post().to(user_actions::disable),
    ));
    post_only(
        cfg,
        [
            (
                "/users/{id}/role",
                web::post().to(user_actions::change_role),
            ),
            ("/users/{id}/enable", web::post().to(user_actions::enable)),
            ("/users/{id}/invite", web::post().to(user_actions::reinvite)),
        ],
    );
}

struct Row {
    id: UserId,
    email: String,
    name: String,
    role: &'static str,
    status: &'static str,
    created_at: String,
    /// Whether the viewer may change this user, and to which roles (role, selected).
    manageable: bool,
    roles: Vec<(&'static str, bool)>,
    is_self: bool,
    /// An owner may reset this person's second factor (they have one; not the owner's own).
    reset_two_factor: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    rows: Vec<Row>,
    billing_plan: String,
    max_approvers: Option<i64>,
    enabled: i64,
    /// Roles the viewer may give to a new user.
    roles: Vec<&'static str>,
    min_password: usize,
    /// Owners may end a user's sessions (see `account_sessions`).
    viewer_is_owner: bool,
}

#[derive(Template)]
#[template(path = "user_invited.html")]
struct InvitedPage {
    layout: Layout,
    email: String,
    link: String,
    expires_at: String,
}

fn assignable(actor: Role) -> Vec<&'static str> {
    [Role::Owner, Role::Admin, Role::Approver]
        .into_iter()
        .filter(|r| user_admin::may_manage(actor, *r))
        .map(Role::as_str)
        .collect()
}

fn row(viewer: &User, with_factor: &[UserId], listed: users::Listed) -> Row {
    let status = listed.status();
    let u = listed.user;
    let created_at = rfc3339(listed.created_at);
    let manageable = user_admin::may_manage(viewer.role, u.role);
    Row {
        roles: assignable(viewer.role)
            .into_iter()
            .map(|r| (r, r == u.role.as_str()))
            .collect(),
        status,
        created_at,
        manageable,
        is_self: u.id == viewer.id,
        reset_two_factor: viewer.role == Role::Owner
            && u.id != viewer.id
            && with_factor.contains(&u.id),
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role.as_str(),
    }
}

pub async fn list(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let viewer = signed.user().clone();
    let ws_id = viewer.workspace_id;
    let (listed, billing_plan, enabled, with_factor) = state
        .read_blocking(move |conn| {
            let ws = workspaces::get(conn, ws_id)?;
            let billing_plan = workspaces::billing_plan(conn, &ws.billing_plan_id)?;
            Ok::<_, AppError>((
                users::list(conn, ws.id)?,
                billing_plan,
                users::active_count(conn, ws.id)?,
                super::two_factor_admin::with_factor(conn, ws.id)?,
            ))
        })
        .await?;
    let page = UsersPage {
        layout: Layout::new(&req, &signed, "users"),
        rows: listed
            .into_iter()
            .map(|l| row(&viewer, &with_factor, l))
            .collect(),
        billing_plan: billing_plan.id,
        max_approvers: billing_plan.max_approvers,
        enabled,
        roles: assignable(viewer.role),
        min_password: users::MIN_PASSWORD,
        viewer_is_owner: viewer.role == Role::Owner,
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddForm {
    email: String,
    name: String,
    role: String,
    /// "password" (set one now) or "invite" (a sign-up link).
    method: String,
    password: String,
    password_confirm: String,
}

pub async fn add(
    state: State,
    req: HttpRequest,
    ManagerForm { signed, form }: ManagerForm<AddForm>,
) -> Result<HttpResponse, PageError> {
    let result = match form.method.as_str() {
        "invite" => add_invited(&state, signed.user().clone(), form)
            .await
            .map(Some),
        "password" => add_with_password(&state, signed.user().clone(), form)
            .await
            .map(|_| None),
        _ => Err(AppError::invalid(
            "method",
            "choose a password or a sign-up link",
        )),
    };
    match result {
        Ok(Some((user, token))) => invited_page(&state, &req, &signed, &user, &token),
        Ok(None) => Ok(redirect_with(
            &state,
            &signed,
            "/users",
            "notice",
            "User added. They can sign in now.",
        )),
        Err(e) => refuse(&state, &signed, "/users", e),
    }
}

/// Everything cheap is checked before the (slow) hash; the rest in the write transaction.
async fn add_with_password(state: &State, actor: User, form: AddForm) -> AppResult<UserId> {
    let (email, role) = (
        users::normalize_email(&form.email)?,
        Role::parse(&form.role)?,
    );
    check_new_password(&form.password, &form.password_confirm)?;
    let password_hash = hash_password(state, form.password).await?;
    let now = state.now();
    state
        .writer
        .run(move |ctx| {
            let new = new_user(&actor, &email, &form.name, role, Some(password_hash));
            user_admin::add_by(ctx.conn, now, &actor, new)
        })
        .await
}

/// The user row is created at once (it counts against the plan) with no password, so it
/// cannot sign in until the link is used. Returns the user and the link's token.
async fn add_invited(state: &State, actor: User, form: AddForm) -> AppResult<(User, String)> {
    let (email, role) = (
        users::normalize_email(&form.email)?,
        Role::parse(&form.role)?,
    );
    let now = state.now();
    state
        .writer
        .run(move |ctx| {
            let new = new_user(&actor, &email, &form.name, role, None);
            let id = user_admin::add_by(ctx.conn, now, &actor, new)?;
            let user = users::get_in_workspace(ctx.conn, actor.workspace_id, id)?;
            let token = invites::issue(ctx.conn, now, Actor::User(actor.id), &user)?;
            Ok((user, token))
        })
        .await
}

fn new_user<'a>(
    actor: &User,
    email: &'a str,
    name: &'a str,
    role: Role,
    password_hash: Option<String>,
) -> NewUser<'a> {
    NewUser {
        workspace_id: actor.workspace_id,
        email,
        name,
        role,
        state: if password_hash.is_some() {
            users::UserState::Active
        } else {
            users::UserState::Invited
        },
        password_hash,
    }
}

/// Shown once, in answer to the POST: the token is not stored and cannot be shown again.
pub(super) fn invited_page(
    state: &State,
    req: &HttpRequest,
    signed: &SignedIn,
    user: &User,
    token: &str,
) -> Result<HttpResponse, PageError> {
    let page = InvitedPage {
        layout: Layout::new(req, signed, "users"),
        email: user.email.clone(),
        link: format!("{}/signup/{token}", state.base_url()),
        expires_at: rfc3339(state.now() + invites::TTL_MS),
    };
    Ok(clear_flash(state, &page.layout, html(&page)?))
}
