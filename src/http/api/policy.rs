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

/// `POST /api/policy/explain`: the create body in, `{"policy": …}` out, nothing written and no
/// quota, idempotency or rate-limit headers. Validation errors are the create's.
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
    let verdict = quorum::route_for(&*state.read()?, state.now(), &pause)?.verdict;
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
pub async fn get_settings(state: State, key: ApiKey<AdminScope>) -> AppResult<HttpResponse> {
    let conn = state.read()?;
    let s = settings::get(&conn, key.0.workspace_id)?;
    let a = approvals::get(&conn, key.0.workspace_id)?;
    let u = step_up::get(&conn, key.0.workspace_id)?;
    Ok(no_store(HttpResponse::Ok()).json(settings_view(s, &a, &u)))
}

/// `PATCH /api/policy/settings`: merges the members sent; unknown members are 422.
pub async fn patch_settings(
    state: State,
    key: ApiKey<AdminScope>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let patch = settings::parse_patch(json_body(&req, payload).await?)?;
    let (ws, actor) = (key.0.workspace_id, Actor::Key(key.0.id));
    let s = app::policy_settings::update(&state.services, ws, actor, patch).await?;
    let conn = state.read()?;
    let (a, u) = (approvals::get(&conn, ws)?, step_up::get(&conn, ws)?);
    Ok(no_store(HttpResponse::Ok()).json(settings_view(s, &a, &u)))
}

/// `GET /api/rules`: every rule, oldest first.
pub async fn list_rules(state: State, key: ApiKey<AdminScope>) -> AppResult<HttpResponse> {
    let items: Vec<Value> = rules::list(&*state.read()?, live_rules(&key))?
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
pub async fn get_rule(
    state: State,
    key: ApiKey<AdminScope>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = rule_id(&path)?;
    let rule =
        rules::get(&*state.read()?, live_rules(&key), id)?.ok_or_else(|| rules::not_found(id))?;
    Ok(no_store(HttpResponse::Ok()).json(rule_view(&rule)))
}

/// `POST /api/rules`: 201 with the rule; a duplicate name 409; a bad glob 422 naming its member.
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
