//! Approver groups over the API: `GET/POST /api/groups`, `GET/PATCH/DELETE /api/groups/:name`.
//! Workspace configuration: a live key with `admin` (a test key gets 403 `live-key-required`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::auth::{AdminScope, ApiKey};
use crate::app;
use crate::domain::audit::Actor;
use crate::domain::policy::groups::{self, GroupSpec};
use crate::error::{AppError, AppResult};
use crate::http::{parse_json, read_body, State};
use crate::wire::problem::ProblemBody;

async fn body(req: &HttpRequest, payload: web::Payload) -> AppResult<Value> {
    parse_json(&read_body(req, payload).await?)
}

#[utoipa::path(get, path = "/api/groups", tag = "policy",
    operation_id = "listGroups",
    description = "The workspace's approver groups.",
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::policy::GroupListDoc, description = "The groups"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn list(state: State, key: ApiKey<AdminScope>) -> AppResult<HttpResponse> {
    let ws = key.0.workspace_id;
    let items = state
        .read_blocking(move |conn| groups::list(conn, ws))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

#[utoipa::path(get, path = "/api/groups/{name}", tag = "policy",
    operation_id = "getGroup",
    description = "One approver group.",
    params(("name" = String, Path, description = "The group's name")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::domain::policy::groups::Group, description = "The group"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such group"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn get(
    state: State,
    key: ApiKey<AdminScope>,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (ws, wanted) = (key.0.workspace_id, name.clone());
    let g = state
        .read_blocking(move |conn| groups::get(conn, ws, &wanted))
        .await?
        .ok_or_else(|| groups::not_found(&name))?;
    Ok(HttpResponse::Ok().json(g))
}

/// `POST /api/groups` `{"name", "members": [emails]}`: 201; a name in use 409.
#[utoipa::path(post, path = "/api/groups", tag = "policy",
    operation_id = "createGroup",
    description = "Adds an approver group.",
    request_body(content = crate::domain::policy::groups::GroupSpec, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 201, body = crate::domain::policy::groups::Group, description = "The group made"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: a group has that name"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: the name, or a member who is not a person of the workspace"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn create(
    state: State,
    key: ApiKey<AdminScope>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let spec: GroupSpec = serde_json::from_value(body(&req, payload).await?)
        .map_err(|e| AppError::invalid("body", format!("not a group: {e}")))?;
    let g = app::groups::create(
        &state.services,
        key.0.workspace_id,
        Actor::Key(key.0.id),
        spec,
    )
    .await?;
    Ok(HttpResponse::Created().json(g))
}

/// `PATCH /api/groups/:name` `{"name"?, "members"?}`.
#[utoipa::path(patch, path = "/api/groups/{name}", tag = "policy",
    operation_id = "updateGroup",
    description = "Renames a group or replaces its members.",
    params(("name" = String, Path, description = "The group's name")),
    request_body(content = crate::wire::policy::GroupPatchDoc, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::domain::policy::groups::Group, description = "The group as it now stands"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such group"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: the new name is taken, or settings or rules name the group"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: the name or a member"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn patch(
    state: State,
    key: ApiKey<AdminScope>,
    req: HttpRequest,
    name: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let changes = body(&req, payload).await?;
    let g = app::groups::patch(
        &state.services,
        key.0.workspace_id,
        Actor::Key(key.0.id),
        name.into_inner(),
        changes,
    )
    .await?;
    Ok(HttpResponse::Ok().json(g))
}

/// `DELETE /api/groups/:name`: 204.
#[utoipa::path(delete, path = "/api/groups/{name}", tag = "policy",
    operation_id = "deleteGroup",
    description = "Deletes a group.",
    params(("name" = String, Path, description = "The group's name")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such group"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: settings, rules or pending pauses name the group"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn delete(
    state: State,
    key: ApiKey<AdminScope>,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    app::groups::delete(
        &state.services,
        key.0.workspace_id,
        Actor::Key(key.0.id),
        name.into_inner(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
