//! Channels over the API: `GET/PATCH /api/channels` (the workspace's) and
//! `GET/PATCH /api/groups/:name/channels`, for a live key with `admin`; and `POST /n/:token`,
//! a phone push's Approve or Reject button, whose token is its only credential.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::auth::{AdminScope, ApiKey};
use super::decide::refusal;
use crate::app;
use crate::app::push::LinkRefusal;
use crate::domain::audit::Actor;
use crate::domain::channels::{self, Scope};
use crate::domain::pauses::Transition;
use crate::error::{AppError, AppResult, PageError};
use crate::http::page_limit;
use crate::http::{parse_json, read_body, State};
use crate::rate_limit::PageGroup;
use crate::wire::channels::view;
use crate::wire::problem::ProblemBody;

async fn get_scope(
    state: &State,
    key: &ApiKey<AdminScope>,
    scope: Scope,
) -> AppResult<HttpResponse> {
    let ws = key.0.workspace_id;
    let c = state
        .read_blocking(move |conn| channels::get(conn, ws, &scope))
        .await?;
    Ok(HttpResponse::Ok().json(view(&c)))
}

async fn patch_scope(
    state: &State,
    key: &ApiKey<AdminScope>,
    scope: Scope,
    req: &HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let changes = parse_json(&read_body(req, payload).await?)?;
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    let c = app::channels::update(&state.services, ws, actor, scope, changes).await?;
    Ok(HttpResponse::Ok().json(view(&c)))
}

#[utoipa::path(get, path = "/api/channels", tag = "policy",
    operation_id = "getChannels",
    description = "The workspace's channels (Slack, ntfy, Teams, Discord), never a secret.",
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::channels::ChannelsDoc, description = "The channels"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn get_workspace(state: State, key: ApiKey<AdminScope>) -> AppResult<HttpResponse> {
    get_scope(&state, &key, Scope::Workspace).await
}

#[utoipa::path(patch, path = "/api/channels", tag = "policy",
    operation_id = "updateChannels",
    description = "Sets or removes the workspace's channels.",
    request_body(content = crate::wire::channels::ChannelsPatchDoc, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::channels::ChannelsDoc, description = "The channels as they now stand"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: an unknown channel, a bad URL (private addresses are refused), topic or token"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn patch_workspace(
    state: State,
    key: ApiKey<AdminScope>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    patch_scope(&state, &key, Scope::Workspace, &req, payload).await
}

#[utoipa::path(get, path = "/api/groups/{name}/channels", tag = "policy",
    operation_id = "getGroupChannels",
    description = "A group's channels.",
    params(("name" = String, Path, description = "The group's name")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::channels::ChannelsDoc, description = "The channels"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such group"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn get_group(
    state: State,
    key: ApiKey<AdminScope>,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    get_scope(&state, &key, Scope::Group(name.into_inner())).await
}

#[utoipa::path(patch, path = "/api/groups/{name}/channels", tag = "policy",
    operation_id = "updateGroupChannels",
    description = "Sets or removes a group's channels.",
    params(("name" = String, Path, description = "The group's name")),
    request_body(content = crate::wire::channels::ChannelsPatchDoc, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::channels::ChannelsDoc, description = "The channels as they now stand"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such group"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: an unknown channel, a bad URL (private addresses are refused), topic or token"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn patch_group(
    state: State,
    key: ApiKey<AdminScope>,
    req: HttpRequest,
    name: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    patch_scope(&state, &key, Scope::Group(name.into_inner()), &req, payload).await
}

#[derive(Deserialize)]
pub struct Pressed {
    decision: Option<String>,
}

/// ntfy sends the `http` action as configured and shows the answer's status; the body (which
/// ntfy ignores) is JSON for anyone else calling it. Errors are problem+json.
pub async fn press(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
    query: web::Query<Pressed>,
) -> AppResult<HttpResponse> {
    // The token is the only credential: the one-click links' per-IP budget bounds guessing.
    if let Err(e) = page_limit::check(&state, &req, PageGroup::OneClick) {
        return Err(match e {
            PageError::App(e) => e,
            PageError::Redirect(to) => AppError::BadRequest(format!("redirected to {to}")),
        });
    }
    let approve = match query.decision.as_deref() {
        Some("approve") => true,
        Some("reject") => false,
        _ => {
            return Err(AppError::invalid(
                "decision",
                "add ?decision=approve or ?decision=reject",
            ))
        }
    };
    let pressed = app::push::press(&state.services, token.into_inner(), approve).await?;
    let responded = pressed.map_err(link_refused)?;
    let pause = match responded {
        Ok(done) => done.pause,
        Err(refused) => match refusal(refused, "")? {
            Transition::AlreadyFinal(p) => {
                return Err(AppError::Conflict {
                    detail: format!(
                        "this request was already {}",
                        p.status(state.services.now())
                    ),
                    current: None,
                })
            }
            Transition::Changed(p) => p,
        },
    };
    let status = pause.status(state.services.now());
    Ok(HttpResponse::Ok().json(json!({ "status": status, "watchId": pause.watch_id.to_string() })))
}

fn link_refused(r: LinkRefusal) -> AppError {
    match r {
        LinkRefusal::Unknown => AppError::NotFound(
            "this button's link is unknown: it may be mistyped or from another server".into(),
        ),
        LinkRefusal::Used => AppError::Conflict {
            detail: "this button was already used: each push's buttons work once".into(),
            current: None,
        },
        LinkRefusal::StepUp(watch_id) => super::decider::step_up_required(&watch_id.to_string()),
        LinkRefusal::Expired => AppError::Conflict {
            detail: "this button has expired (an hour after the push, or at the request's \
                     deadline): open the request's page to decide"
                .into(),
            current: None,
        },
    }
}
