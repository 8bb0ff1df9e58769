//! Webhook endpoints over the API: `GET/POST /api/webhooks`, `GET/PATCH/DELETE
//! /api/webhooks/:id` and `POST /api/webhooks/:id/test`. Workspace configuration: a live key
//! with `admin`. The same use cases as the Webhooks page (`app::webhooks`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::auth::{AdminScope, ApiKey};
use crate::app::webhooks::{self as use_case, EndpointPatch};
use crate::domain::audit::Actor;
use crate::domain::webhook_edit::NewEndpoint;
use crate::domain::webhooks;
use crate::error::{AppError, AppResult};
use crate::http::{parse_json, read_body, State};
use crate::wire::admin::WebhookView;

type Admin = ApiKey<AdminScope>;

/// An id that is not a number is as unknown as another workspace's endpoint.
fn id_of(raw: &str) -> AppResult<i64> {
    raw.parse()
        .map_err(|_| AppError::NotFound(format!("no webhook endpoint {raw} in this workspace")))
}

pub async fn list(state: State, key: Admin) -> AppResult<HttpResponse> {
    let items: Vec<WebhookView> = webhooks::list(&*state.read()?, key.0.workspace_id)?
        .into_iter()
        .map(|e| WebhookView::of(e, None))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

pub async fn get(state: State, key: Admin, id: web::Path<String>) -> AppResult<HttpResponse> {
    let ep = webhooks::get(&*state.read()?, key.0.workspace_id, id_of(&id)?)?;
    Ok(HttpResponse::Ok().json(WebhookView::of(ep, None)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateBody {
    url: String,
    events: Vec<String>,
    secret: Option<String>,
    #[serde(default)]
    test_events: bool,
    enabled: Option<bool>,
}

/// `POST /api/webhooks`: 201 with the endpoint and its secret, shown this once.
pub async fn create(
    state: State,
    key: Admin,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let body: CreateBody = parse_json(&read_body(&req, payload).await?)?;
    let new = NewEndpoint {
        url: body.url,
        events: body.events,
        secret: body.secret,
        test_events: body.test_events,
        enabled: body.enabled.unwrap_or(true),
    };
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    let (ep, secret) = use_case::create(&state.services, ws, actor, new).await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/api/webhooks/{}", ep.id)))
        .json(WebhookView::of(ep, Some(secret))))
}

/// `PATCH /api/webhooks/:id` `{"url"?, "events"?, "enabled"?, "testEvents"?}`.
pub async fn patch(
    state: State,
    key: Admin,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = id_of(&id)?;
    let changes: EndpointPatch = parse_json(&read_body(&req, payload).await?)?;
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    let ep = use_case::change(&state.services, ws, actor, id, changes).await?;
    Ok(HttpResponse::Ok().json(WebhookView::of(ep, None)))
}

/// `DELETE /api/webhooks/:id`: 204.
pub async fn delete(state: State, key: Admin, id: web::Path<String>) -> AppResult<HttpResponse> {
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    use_case::delete(&state.services, ws, actor, id_of(&id)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/webhooks/:id/test`: 202 `{"deliveryId"}`, the `webhook-id` it will carry.
pub async fn test(state: State, key: Admin, id: web::Path<String>) -> AppResult<HttpResponse> {
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    let msg_id = use_case::ping(&state.services, ws, actor, id_of(&id)?).await?;
    Ok(HttpResponse::Accepted().json(json!({ "deliveryId": msg_id })))
}
