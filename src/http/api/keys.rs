//! API keys over the API: `GET/POST /api/keys`, `GET/PATCH/DELETE /api/keys/:id`. Workspace
//! configuration: a live key with `admin`. The same use cases as the keys page
//! (`app::keys`); a key never grants a scope it does not hold (403).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::auth::{AdminScope, ApiKey};
use crate::app::keys::{self as use_case, KeyPatch, NewKey};
use crate::domain::audit::Actor;
use crate::domain::ids::ApiKeyId;
use crate::domain::scopes::{KeyScope, Scopes};
use crate::error::{AppError, AppResult};
use crate::http::{parse_json, read_body, State};
use crate::wire::admin::KeyView;
use crate::wire::problem::ProblemBody;

type Admin = ApiKey<AdminScope>;

/// An id that is not a number is as unknown as another workspace's key.
fn id_of(raw: &str) -> AppResult<ApiKeyId> {
    raw.parse::<ApiKeyId>()
        .map_err(|_| AppError::NotFound(format!("no API key with id `{raw}` in this workspace")))
}

#[utoipa::path(get, path = "/api/keys", tag = "admin",
    operation_id = "listKeys",
    description = "The workspace's unrevoked API keys (never the keys themselves).",
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::admin::KeyListDoc, description = "The keys"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn list(state: State, key: Admin) -> AppResult<HttpResponse> {
    let ws = key.0.workspace_id;
    let items: Vec<KeyView> = state
        .read_blocking(move |conn| use_case::list(conn, ws))
        .await?
        .into_iter()
        .map(|k| KeyView::of(k, None))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

#[utoipa::path(get, path = "/api/keys/{id}", tag = "admin",
    operation_id = "getKey",
    description = "One unrevoked key.",
    params(("id" = i64, Path, description = "The key's id")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = KeyView, description = "The key"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such unrevoked key"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn get(state: State, key: Admin, id: web::Path<String>) -> AppResult<HttpResponse> {
    let (ws, id) = (key.0.workspace_id, id_of(&id)?);
    let d = state
        .read_blocking(move |conn| use_case::details(conn, ws, id))
        .await?;
    Ok(HttpResponse::Ok().json(KeyView::of(d, None)))
}

/// A new key: its name, live or test, its scopes (`pauses` when absent), an autonomy cap, the
/// approver groups it decides for, and its expiry.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ApiKeyCreate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBody {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[serde(default)]
    test: bool,
    scopes: Option<Vec<KeyScope>>,
    #[schema(maximum = 100)]
    autonomy_level: Option<u8>,
    #[serde(default)]
    groups: Vec<String>,
    /// RFC 3339; absent or null: the key never expires.
    #[schema(format = DateTime)]
    expires_at: Option<String>,
}

/// `POST /api/keys`: 201 with the key object and `key`, the whole key, shown this once.
#[utoipa::path(post, path = "/api/keys", tag = "admin",
    operation_id = "createKey",
    description = "Makes a key; the answer holds the whole key, shown this once. A key never grants a scope it does not hold.",
    request_body(content = CreateBody, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 201, body = KeyView, description = "The key, with `key`", headers(("location" = String, description = "The key's path"))),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key), `forbidden` (granting a scope the calling key does not hold)"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: the name, a scope, the cap, a group or the expiry"),
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
    let scopes = match body.scopes {
        Some(list) => Scopes::of(&list),
        None => Scopes::default_for_new_key(),
    };
    let expires_at = match body.expires_at.as_deref() {
        Some(text) => Some(use_case::expiry_from_rfc3339(text)?),
        None => None,
    };
    let new = NewKey {
        expires_at,
        name: body.name,
        test: body.test,
        scopes,
        cap: body.autonomy_level,
        groups: body.groups,
    };
    let who = (Actor::Key(key.0.id), Some(key.0.scopes));
    let (made, whole) = use_case::create(&state.services, key.0.workspace_id, who, new).await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/api/keys/{}", made.listing.key.id)))
        .json(KeyView::of(made, Some(whole))))
}

/// What a PATCH may change (scopes are fixed at creation); an absent member stays.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ApiKeyPatch)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchBody {
    name: Option<String>,
    /// Absent: unchanged; null: no cap.
    #[serde(default, deserialize_with = "super::nullable::read")]
    #[schema(value_type = Option<u8>, nullable, maximum = 100)]
    autonomy_level: Option<Option<u8>>,
    groups: Option<Vec<String>>,
}

/// `PATCH /api/keys/:id` `{"name"?, "autonomyLevel"?, "groups"?}`; scopes are fixed at creation.
#[utoipa::path(patch, path = "/api/keys/{id}", tag = "admin",
    operation_id = "updateKey",
    description = "Renames a key, sets or clears its cap, or replaces its groups.",
    params(("id" = i64, Path, description = "The key's id")),
    request_body(content = PatchBody, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = KeyView, description = "The key as it now stands"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such unrevoked key"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: the name, the cap or a group"),
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
    let body: PatchBody = parse_json(&read_body(&req, payload).await?)?;
    let changes = KeyPatch {
        name: body.name,
        cap: body.autonomy_level,
        groups: body.groups,
    };
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    let d = use_case::change(&state.services, ws, actor, id, changes).await?;
    Ok(HttpResponse::Ok().json(KeyView::of(d, None)))
}

/// `DELETE /api/keys/:id`: revokes it (204); it stops working at once.
#[utoipa::path(delete, path = "/api/keys/{id}", tag = "admin",
    operation_id = "revokeKey",
    description = "Revokes a key: it stops working at once.",
    params(("id" = i64, Path, description = "The key's id")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such key"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: the key is already revoked"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn delete(state: State, key: Admin, id: web::Path<String>) -> AppResult<HttpResponse> {
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    let revoked = use_case::revoke(&state.services, ws, actor, id_of(&id)?).await;
    // Revoked means revoked now, not when the cache would have expired.
    state.key_cache.clear();
    revoked?;
    Ok(HttpResponse::NoContent().finish())
}
