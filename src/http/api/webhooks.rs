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
use crate::wire::problem::ProblemBody;

type Admin = ApiKey<AdminScope>;

/// An id that is not a number is as unknown as another workspace's endpoint.
fn id_of(raw: &str) -> AppResult<i64> {
    raw.parse()
        .map_err(|_| AppError::NotFound(format!("no webhook endpoint {raw} in this workspace")))
}

#[utoipa::path(get, path = "/api/webhooks", tag = "admin",
    operation_id = "listWebhooks",
    description = "The workspace's webhook endpoints (never their secrets).",
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::admin::WebhookListDoc, description = "The endpoints"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn list(state: State, key: Admin) -> AppResult<HttpResponse> {
    let ws = key.0.workspace_id;
    let items: Vec<WebhookView> = state
        .read_blocking(move |conn| webhooks::list(conn, ws))
        .await?
        .into_iter()
        .map(|e| WebhookView::of(e, None))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

#[utoipa::path(get, path = "/api/webhooks/{id}", tag = "admin",
    operation_id = "getWebhook",
    description = "One webhook endpoint.",
    params(("id" = i64, Path, description = "The endpoint's id")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = WebhookView, description = "The endpoint"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such endpoint"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn get(state: State, key: Admin, id: web::Path<String>) -> AppResult<HttpResponse> {
    let (ws, id) = (key.0.workspace_id, id_of(&id)?);
    let ep = state
        .read_blocking(move |conn| webhooks::get(conn, ws, id))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookView::of(ep, None)))
}

/// A new endpoint: its URL, the event types it subscribes to (`*` for all), and optionally
/// its secret (`whsec_…`; made when absent), test events and whether it starts enabled.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WebhookCreate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBody {
    url: String,
    events: Vec<String>,
    secret: Option<String>,
    #[serde(default)]
    test_events: bool,
    enabled: Option<bool>,
}

/// `POST /api/webhooks`: 201 with the endpoint and its secret, shown this once.
#[utoipa::path(post, path = "/api/webhooks", tag = "admin",
    operation_id = "createWebhook",
    description = "Adds a webhook endpoint; the answer holds its secret, shown this once.",
    request_body(content = CreateBody, content_type = "application/json",
        example = json!({"url": "https://hooks.example.com/holdpoint", "events": ["pause.approved", "pause.rejected"]})),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 201, body = WebhookView, description = "The endpoint, with `secret`", headers(("location" = String, description = "The endpoint's path"))),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: the workspace has the most enabled endpoints it may"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: the URL (private addresses are refused), an event type or the secret"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
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
#[utoipa::path(patch, path = "/api/webhooks/{id}", tag = "admin",
    operation_id = "updateWebhook",
    description = "Changes an endpoint's URL, events, enabled or test events.",
    params(("id" = i64, Path, description = "The endpoint's id")),
    request_body(content = crate::app::webhooks::EndpointPatch, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = WebhookView, description = "The endpoint as it now stands"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such endpoint"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: enabling it would pass the most enabled endpoints"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: the URL or an event type"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
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
#[utoipa::path(delete, path = "/api/webhooks/{id}", tag = "admin",
    operation_id = "deleteWebhook",
    description = "Deletes an endpoint.",
    params(("id" = i64, Path, description = "The endpoint's id")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such endpoint"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn delete(state: State, key: Admin, id: web::Path<String>) -> AppResult<HttpResponse> {
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    use_case::delete(&state.services, ws, actor, id_of(&id)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/webhooks/:id/test`: 202 `{"deliveryId"}`, the `webhook-id` it will carry.
#[utoipa::path(post, path = "/api/webhooks/{id}/test", tag = "admin",
    operation_id = "testWebhook",
    description = "Queues a signed `ping` to this endpoint only.",
    params(("id" = i64, Path, description = "The endpoint's id")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 202, body = crate::wire::admin::TestQueuedDoc, description = "Queued"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such endpoint"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: the endpoint is disabled"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn test(state: State, key: Admin, id: web::Path<String>) -> AppResult<HttpResponse> {
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    let msg_id = use_case::ping(&state.services, ws, actor, id_of(&id)?).await?;
    Ok(HttpResponse::Accepted().json(json!({ "deliveryId": msg_id })))
}
