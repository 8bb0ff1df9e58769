//! The workspace by API: `GET /api/audit` (the audit page's filters, the export's rows),
//! `GET/PATCH /api/settings` and `GET /api/users` (read-only). Workspace configuration: a live
//! key with `admin`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::{AdminScope, ApiKey};
use crate::app::audit::{self, FilterForm, Utc};
use crate::app::workspace_settings::{self, SettingsPatch};
use crate::domain::audit::{Actor, ActorNames};
use crate::domain::identity::second_factor;
use crate::domain::ids::UserId;
use crate::domain::users::{self, Role};
use crate::domain::workspaces::{self, Workspace};
use crate::domain::{rfc3339, user_admin};
use crate::error::{AppError, AppResult};
use crate::http::query::Query;
use crate::http::{parse_json, read_body, State};
use crate::wire::problem::ProblemBody;

type Admin = ApiKey<AdminScope>;

/// Items per page of `GET /api/audit`: at most, and when `limit` is not given.
pub const MAX_LIMIT: i64 = 200;
pub const DEFAULT_LIMIT: i64 = 50;

/// `GET /api/audit?event=&actor=&from=&to=&limit=&offset=`: `{items, total, limit, offset}`,
/// newest first; `from` and `to` are UTC days, `to` included.
#[utoipa::path(get, path = "/api/audit", tag = "admin",
    operation_id = "listAudit",
    description = "The audit log, newest first, filtered as on the audit page.",
    params(("event" = Option<String>, Query, description = "Only this event type"),
        ("actor" = Option<String>, Query, description = "Only what this person (by email) did"),
        ("from" = Option<String>, Query, pattern = r"^(\d{4}-\d{2}-\d{2})?$", description = "From this UTC day, `YYYY-MM-DD` (empty: no bound)"),
        ("to" = Option<String>, Query, pattern = r"^(\d{4}-\d{2}-\d{2})?$", description = "To this UTC day, included, `YYYY-MM-DD` (empty: no bound)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "Page size (50)"),
        ("offset" = Option<i64>, Query, minimum = 0, maximum = 4611686018427387903.0, description = "Entries to skip")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::admin::AuditPageDoc, description = "A page of entries"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed query"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: a filter (an unknown person, a day not `YYYY-MM-DD`), `limit` or `offset`"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn audit(state: State, key: Admin, req: HttpRequest) -> AppResult<HttpResponse> {
    let q = Query::parse(req.query_string())?;
    let form = FilterForm::read(|name| q.get(name))?;
    let limit = q.int("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)?;
    let offset = q.int("offset", 0, i64::MAX / 2, 0)?;
    let ws = key.0.workspace_id;
    let (items, total) = state
        .services()
        .read_blocking(move |conn| {
            let names = ActorNames::load(conn, ws)?;
            let filter = audit::to_filter(&names, &form, &Utc)?;
            audit::page(conn, ws, &filter, (limit, offset))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "items": items, "total": total, "limit": limit, "offset": offset,
    })))
}

/// The workspace's settings.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = WorkspaceSettings)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    name: String,
    /// Null: the server's default (`serverDefaultTimeoutSecs`) applies.
    default_timeout_secs: Option<i64>,
    server_default_timeout_secs: u64,
    reject_reason_required: bool,
    /// Null: contexts are kept.
    context_retention_days: Option<i64>,
    /// People without a second factor enrol at their next sign-in.
    require_two_factor: bool,
}

fn settings_view(state: &State, ws: Workspace, require_two_factor: bool) -> SettingsView {
    SettingsView {
        require_two_factor,
        name: ws.name,
        default_timeout_secs: ws.default_timeout_secs,
        server_default_timeout_secs: state.settings.default_timeout_secs,
        reject_reason_required: ws.reject_reason_required,
        context_retention_days: ws.context_retention_days,
    }
}

#[utoipa::path(get, path = "/api/settings", tag = "admin",
    operation_id = "getSettings",
    description = "The workspace's settings.",
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = SettingsView, description = "The settings"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn get_settings(state: State, key: Admin) -> AppResult<HttpResponse> {
    let id = key.0.workspace_id;
    let (ws, two_factor) = state
        .read_blocking(move |conn| {
            let ws = workspaces::get(conn, id)?;
            Ok::<_, AppError>((ws, second_factor::required(conn, id)?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(settings_view(&state, ws, two_factor)))
}

/// The members sent change; null clears a number (the server's default timeout, contexts
/// kept).
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WorkspaceSettingsPatch)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsBody {
    name: Option<String>,
    #[serde(default, deserialize_with = "super::nullable::read")]
    #[schema(value_type = Option<i64>, nullable, minimum = 10, maximum = 2_592_000)]
    default_timeout_secs: Option<Option<i64>>,
    reject_reason_required: Option<bool>,
    #[serde(default, deserialize_with = "super::nullable::read")]
    #[schema(value_type = Option<i64>, nullable)]
    context_retention_days: Option<Option<i64>>,
    require_two_factor: Option<bool>,
}

/// The settings page's field names, as this API spells them.
fn api_field(e: AppError) -> AppError {
    match e {
        AppError::Invalid { field, detail } => {
            let field = match field.as_str() {
                "default_timeout_secs" => "defaultTimeoutSecs".to_string(),
                "context_retention_days" => "contextRetentionDays".to_string(),
                "reject_reason_required" => "rejectReasonRequired".to_string(),
                _ => field,
            };
            AppError::Invalid { field, detail }
        }
        other => other,
    }
}

/// `PATCH /api/settings`: the members given change (null clears a number); audited as
/// `workspace.settings_changed` with before and after, as on the settings page.
#[utoipa::path(patch, path = "/api/settings", tag = "admin",
    operation_id = "updateSettings",
    description = "Changes the members sent; audited with before and after.",
    request_body(content = SettingsBody, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = SettingsView, description = "The settings as they now stand"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: a member out of range"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn patch_settings(
    state: State,
    key: Admin,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let body: SettingsBody = parse_json(&read_body(&req, payload).await?)?;
    let patch = SettingsPatch {
        name: body.name,
        default_timeout_secs: body.default_timeout_secs,
        reject_reason_required: body.reject_reason_required,
        context_retention_days: body.context_retention_days,
        require_two_factor: body.require_two_factor,
    };
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    let saved = workspace_settings::patch(&state.services, ws, actor, patch)
        .await
        .map_err(api_field)?;
    let id = saved.id;
    let two_factor = state
        .read_blocking(move |conn| second_factor::required(conn, id))
        .await?;
    Ok(HttpResponse::Ok().json(settings_view(&state, saved, two_factor)))
}

/// A person of the workspace.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = User)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    #[schema(value_type = i64)]
    id: UserId,
    email: String,
    name: String,
    role: Role,
    /// `active`, `invited` (sign-up link not used yet) or `disabled`.
    #[schema(value_type = String)]
    state: &'static str,
    #[schema(format = DateTime)]
    last_sign_in: Option<String>,
}

/// `GET /api/users`.
#[derive(utoipa::ToSchema)]
#[schema(as = UserList)]
#[allow(dead_code)]
pub struct UserListDoc {
    items: Vec<UserView>,
}

/// `GET /api/users`: the workspace's people, by email (read-only: people are managed on the
/// Users page, where a person confirms).
#[utoipa::path(get, path = "/api/users", tag = "admin",
    operation_id = "listUsers",
    description = "The workspace's people, by email (read-only).",
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = UserListDoc, description = "The people"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn users(state: State, key: Admin) -> AppResult<HttpResponse> {
    let ws = key.0.workspace_id;
    let items = state
        .read_blocking(move |conn| {
            users::list(conn, ws)?
                .into_iter()
                .map(|row| {
                    Ok(UserView {
                        last_sign_in: user_admin::last_sign_in(conn, row.user.id)?.map(rfc3339),
                        state: row.status(),
                        id: row.user.id,
                        email: row.user.email,
                        name: row.user.name,
                        role: row.user.role,
                    })
                })
                .collect::<AppResult<Vec<_>>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}
