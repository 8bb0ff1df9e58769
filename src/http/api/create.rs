//! `POST /api/pause`: an agent asks for a decision.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::auth::{self, UnmeteredApiKey};
use crate::app::{self, create::CreatePause};
use crate::domain::pauses::{self, NewPause};
use crate::domain::{approval_extras, idempotency};
use crate::domain::{questions, quotas, secrets};
use crate::error::{AppError, AppResult, RATELIMIT, RATELIMIT_POLICY};
use crate::http::{content_type, read_body, State};

pub use super::create_body::{parse_create_request, CreateRequest, MAX_CONTEXT_BYTES};

pub async fn create(
    state: State,
    key: UnmeteredApiKey,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let key = key.0;
    let (mut response, quota) = match handle(&state, &key, &req, payload).await {
        Ok((response, quota)) => (response, quota),
        Err(e) => (e.error_response(), None),
    };
    // A counted create already knows the standing; other answers look it up.
    let quota = quota.map(Ok).unwrap_or_else(|| {
        state
            .read()
            .and_then(|conn| quotas::state(&conn, key.workspace_id, state.now()))
    });
    if let Ok(quota) = quota {
        add_ratelimit_headers(&mut response, &quota);
    }
    response
}

async fn handle(
    state: &State,
    key: &crate::domain::api_keys::AuthKey,
    req: &HttpRequest,
    payload: web::Payload,
) -> AppResult<(HttpResponse, Option<quotas::QuotaState>)> {
    auth::rate_limit(state, key)?;
    let ct = content_type(req);
    if !ct.is_empty() && ct != "application/json" && !ct.ends_with("+json") {
        return Err(AppError::UnsupportedMediaType(format!(
            "the body must be JSON: send `Content-Type: application/json` (got `{ct}`)"
        )));
    }
    let idem_key = match req.headers().get("idempotency-key") {
        Some(v) => {
            let k = v.to_str().map_err(|_| {
                AppError::invalid(
                    "Idempotency-Key",
                    "the Idempotency-Key header must be visible ASCII",
                )
            })?;
            idempotency::validate_key(k)?;
            Some(k.to_string())
        }
        None => None,
    };
    let body = read_body(req, payload).await?;
    let request = CreatePause {
        pause: parse(&body, key)?,
        idempotency_key: idem_key,
        request_hash: secrets::sha256(&body).to_vec(),
    };
    let created = app::create::create(&state.services, request).await?;
    let response = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(created.status)
            .unwrap_or(actix_web::http::StatusCode::CREATED),
    )
    .content_type("application/json")
    .insert_header((header::LOCATION, created.location))
    .insert_header((header::ETAG, pauses::INITIAL_ETAG))
    .insert_header((header::CACHE_CONTROL, "no-store"))
    .body(created.body);
    Ok((response, created.quota))
}

/// Parses and validates the body for this key; errors name the offending field.
pub fn parse(body: &[u8], key: &crate::domain::api_keys::AuthKey) -> AppResult<NewPause> {
    let r = parse_create_request(body)?;
    // Each kind owns its members of `request_json`; the kinds exclude each other.
    let mut approval = serde_json::Map::new();
    approval_extras::add_request_members(&mut approval, r.editable, r.reject_options);
    let request_json = r
        .plan
        .as_deref()
        .map(crate::domain::plans::request_json)
        .or_else(|| r.questions.as_deref().map(questions::request_json))
        .or_else(|| {
            (!approval.is_empty()).then(|| serde_json::Value::Object(approval).to_string())
        });
    Ok(NewPause {
        workspace_id: key.workspace_id,
        api_key_id: key.id,
        test: key.test,
        action: r.action,
        context: r.context,
        metadata: r.metadata,
        callback_url: r.callback_url,
        timeout_secs: r.timeout_secs,
        kind: r.kind,
        request_json,
        revises: r.revises,
        agent: r.agent,
        run: r.run,
        risk: r.risk,
        tool: r.tool,
        autonomy_level: r.autonomy_level,
        required_approvals: r.required_approvals,
        on_timeout: r.on_timeout,
    })
}

/// Adds the monthly policy to the RateLimit fields, after any policy already there (the
/// per-key burst one on a 429): both fields are lists, one item per policy.
fn add_ratelimit_headers(res: &mut HttpResponse, q: &quotas::QuotaState) {
    // An unlimited plan has no monthly policy to report.
    let (Some(limit), Some(remaining)) = (q.limit, q.remaining()) else {
        return;
    };
    let headers = res.headers_mut();
    let items = [
        (
            RATELIMIT_POLICY,
            format!("\"monthly\";q={limit};w={}", q.window_secs),
        ),
        (
            RATELIMIT,
            format!("\"monthly\";r={remaining};t={}", q.reset_secs),
        ),
    ];
    for (name, item) in items {
        let value = match headers.get(&name).and_then(|v| v.to_str().ok()) {
            Some(existing) => format!("{existing}, {item}"),
            None => item,
        };
        if let Ok(v) = header::HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
}
