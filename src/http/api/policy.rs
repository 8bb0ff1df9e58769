//! Decision policies over the API: `POST /api/policy/explain` (what the policy would say of a
//! create body, creating nothing), the workspace's policy settings and its rules. Settings and
//! rules are workspace configuration: a live key with `admin` (a test key gets 403
//! `live-key-required`); the API manages the live rules.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::auth::{AdminScope, ApiKey};
use crate::app;
use crate::domain::audit::Actor;
use crate::domain::identity::step_up;
use crate::domain::policy::rules::{self, RuleSet};
use crate::domain::policy::{approvals, quorum, settings, spec};
use crate::error::{AppError, AppResult};
use crate::http::{content_type, parse_json, read_body, State};
use crate::wire::policy::{rule_view, settings_view};
use crate::wire::problem::ProblemBody;

/// `POST /api/policy/explain`: the create body in, `{"policy": …}` out, nothing written and no
/// quota, idempotency or rate-limit headers. Validation errors are the create's.
#[utoipa::path(post, path = "/api/policy/explain", tag = "policy",
    operation_id = "explainPolicy",
    description = "What the policy would decide for a pause: the body of `POST /api/pause` in, its `policy` out. Nothing is written, no quota is used.",
    request_body(content = crate::wire::create::CreateBody, content_type = "application/json", description = "A create body, as for `POST /api/pause`"),
    security(("apiKey" = ["pauses"])),
    responses(
        (status = 200, body = crate::wire::policy::ExplainedDoc, description = "The verdict"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `pauses`)"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 415, body = ProblemBody, content_type = "application/problem+json", description = "`unsupported-media-type`: the body must be JSON"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: as for `POST /api/pause`"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn explain(
    state: State,
    key: ApiKey,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let ct = content_type(&req);
    if !ct.is_empty() && ct != "application/json" && !ct.ends_with("+json") {
        return Err(AppError::UnsupportedMediaType(format!(
            "the body must be JSON: send `Content-Type: application/json` (got `{ct}`)"
        )));
    }
    let body = read_body(&req, payload).await?;
    let pause = super::create::parse(&body, &key.0)?;
    let now = state.now();
    let verdict = state
        .read_blocking(move |conn| quorum::route_for(conn, now, &pause))
        .await?
        .verdict;
    Ok(no_store(HttpResponse::Ok()).json(json!({ "policy": verdict })))
}

fn no_store(mut res: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    res.insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"));
    res
}

fn live_rules(key: &ApiKey<AdminScope>) -> RuleSet {
    RuleSet {
        workspace_id: key.0.workspace_id,
        test: key.0.test,
    }
}

async fn json_body(req: &HttpRequest, payload: web::Payload) -> AppResult<Value> {
    let body = read_body(req, payload).await?;
    parse_json(&body)
}

/// `GET /api/policy/settings`.
#[utoipa::path(get, path = "/api/policy/settings", tag = "policy",
    operation_id = "getPolicySettings",
    description = "The workspace's policy settings.",
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::policy::SettingsDoc, description = "The settings"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn get_settings(state: State, key: ApiKey<AdminScope>) -> AppResult<HttpResponse> {
    let ws = key.0.workspace_id;
    let (s, a, u) = state
        .read_blocking(move |conn| {
            let s = settings::get(conn, ws)?;
            let a = approvals::get(conn, ws)?;
            Ok::<_, AppError>((s, a, step_up::get(conn, ws)?))
        })
        .await?;
    Ok(no_store(HttpResponse::Ok()).json(settings_view(s, &a, &u)))
}

/// `PATCH /api/policy/settings`: merges the members sent; unknown members are 422.
#[utoipa::path(patch, path = "/api/policy/settings", tag = "policy",
    operation_id = "updatePolicySettings",
    description = "Changes the members sent; audited with before and after.",
    request_body(content = crate::wire::policy::SettingsPatchDoc, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::policy::SettingsDoc, description = "The settings as they now stand"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: an unknown member or a value out of range"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn patch_settings(
    state: State,
    key: ApiKey<AdminScope>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let patch = settings::parse_patch(json_body(&req, payload).await?)?;
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    let s = app::policy_settings::update(&state.services, ws, actor, patch).await?;
    let (a, u) = state
        .read_blocking(move |conn| {
            Ok::<_, AppError>((approvals::get(conn, ws)?, step_up::get(conn, ws)?))
        })
        .await?;
    Ok(no_store(HttpResponse::Ok()).json(settings_view(s, &a, &u)))
}

/// `GET /api/rules`: every rule, oldest first.
#[utoipa::path(get, path = "/api/rules", tag = "policy",
    operation_id = "listRules",
    description = "Every rule of the live policy, oldest first.",
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::policy::RuleListDoc, description = "The rules"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn list_rules(state: State, key: ApiKey<AdminScope>) -> AppResult<HttpResponse> {
    let set = live_rules(&key);
    let items: Vec<Value> = state
        .read_blocking(move |conn| rules::list(conn, set))
        .await?
        .iter()
        .map(rule_view)
        .collect();
    Ok(no_store(HttpResponse::Ok()).json(json!({ "items": items })))
}

fn rule_id(raw: &str) -> AppResult<i64> {
    raw.parse()
        .map_err(|_| rules::not_found(0))
        .and_then(|id: i64| match id > 0 {
            true => Ok(id),
            false => Err(rules::not_found(id)),
        })
}

/// `GET /api/rules/:id`.
#[utoipa::path(get, path = "/api/rules/{id}", tag = "policy",
    operation_id = "getRule",
    description = "One rule.",
    params(("id" = i64, Path, description = "The rule's id")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::policy::RuleDoc, description = "The rule"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such rule"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn get_rule(
    state: State,
    key: ApiKey<AdminScope>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = rule_id(&path)?;
    let set = live_rules(&key);
    let rule = state
        .read_blocking(move |conn| rules::get(conn, set, id))
        .await?
        .ok_or_else(|| rules::not_found(id))?;
    Ok(no_store(HttpResponse::Ok()).json(rule_view(&rule)))
}

/// `POST /api/rules`: 201 with the rule; a duplicate name 409; a bad glob 422 naming its member.
#[utoipa::path(post, path = "/api/rules", tag = "policy",
    operation_id = "createRule",
    description = "Adds a rule.",
    request_body(content = crate::domain::policy::spec::RuleSpec, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 201, body = crate::wire::policy::RuleDoc, description = "The rule made"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: a rule has that name"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: a member (a bad glob, an unknown group), or the workspace has the most rules it may"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn create_rule(
    state: State,
    key: ApiKey<AdminScope>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let spec = spec::parse(json_body(&req, payload).await?)?;
    let (set, actor) = (live_rules(&key), Actor::Key(key.0.id));
    let rule = app::rules::create(&state.services, set, actor, spec).await?;
    Ok(no_store(HttpResponse::Created()).json(rule_view(&rule)))
}

/// `PATCH /api/rules/:id`: a JSON merge patch (enable, disable, edit).
#[utoipa::path(patch, path = "/api/rules/{id}", tag = "policy",
    operation_id = "updateRule",
    description = "Changes a rule by a JSON merge patch of its spec (enable, disable, shadow, edit).",
    params(("id" = i64, Path, description = "The rule's id")),
    request_body(content = crate::wire::policy::RulePatchDoc, content_type = "application/json"),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 200, body = crate::wire::policy::RuleDoc, description = "The rule as it now stands"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such rule"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: another rule has that name"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: the patched rule is not valid"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn patch_rule(
    state: State,
    key: ApiKey<AdminScope>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = rule_id(&path)?;
    let patch = json_body(&req, payload).await?;
    let (set, actor) = (live_rules(&key), Actor::Key(key.0.id));
    let rule = app::rules::update(&state.services, set, actor, id, patch).await?;
    Ok(no_store(HttpResponse::Ok()).json(rule_view(&rule)))
}

/// `DELETE /api/rules/:id`: 204.
#[utoipa::path(delete, path = "/api/rules/{id}", tag = "policy",
    operation_id = "deleteRule",
    description = "Deletes a rule.",
    params(("id" = i64, Path, description = "The rule's id")),
    security(("apiKey" = ["admin"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `admin`), `live-key-required` (a test key)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such rule"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`unavailable`, `storage-full`"),
    ))]
pub async fn delete_rule(
    state: State,
    key: ApiKey<AdminScope>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = rule_id(&path)?;
    let (set, actor) = (live_rules(&key), Actor::Key(key.0.id));
    app::rules::delete(&state.services, set, actor, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
