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

async fn body(req: &HttpRequest, payload: web::Payload) -> AppResult<Value> {
    parse_json(&read_body(req, payload).await?)
}

pub async fn list(state: State, key: ApiKey<AdminScope>) -> AppResult<HttpResponse> {
    let items = groups::list(&*state.read()?, key.0.workspace_id)?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

pub async fn get(
    state: State,
    key: ApiKey<AdminScope>,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    let g = groups::get(&*state.read()?, key.0.workspace_id, &name)?
        .ok_or_else(|| groups::not_found(&name))?;
    Ok(HttpResponse::Ok().json(g))
}

/// `POST /api/groups` `{"name", "members": [emails]}`: 201; a name in use 409.
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
