//! `POST /api/pause`: an agent asks for a decision.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::auth::ApiKey;
use crate::domain::idempotency::{self, Lookup};
use crate::domain::pauses::{self, NewPause};
use crate::domain::{quotas, secrets};
use crate::error::{AppError, AppResult};
use crate::http::{content_type, read_body, State};

pub use super::create_body::{parse_create_request, CreateRequest, MAX_CONTEXT_BYTES};

pub async fn create(
    state: State,
    key: ApiKey,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let key = key.0;
    let result = handle(&state, &key, &req, payload).await;
    let mut response = result.unwrap_or_else(|e| e.error_response());
    let quota = state
        .read()
        .and_then(|conn| quotas::state(&conn, key.workspace_id, state.now()));
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
) -> AppResult<HttpResponse> {
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
    let new = parse(&body, key)?;
    let request_hash = secrets::sha256(&body).to_vec();
    let (server_timeout, base_url, now) = (
        state.settings.default_timeout_secs as i64,
        state.base_url(),
        state.now(),
    );
    let workspace_id = key.workspace_id;
    let (status, body) = state
        .writer
        .run(move |ctx| {
            if let Some(k) = &idem_key {
                if let Lookup::Replay { status, body } =
                    idempotency::lookup(ctx.conn, workspace_id, k, &request_hash)?
                {
                    return Ok((status, body));
                }
            }
            let pause = pauses::create(ctx, now, server_timeout, new)?;
            let body =
                serde_json::to_string(&pause.view(&base_url, now)).map_err(anyhow::Error::from)?;
            if let Some(k) = &idem_key {
                idempotency::store(ctx.conn, workspace_id, k, &request_hash, 201, &body, now)?;
            }
            Ok((201, body))
        })
        .await?;
    let location = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["statusUrl"].as_str().map(str::to_string))
        .unwrap_or_default();
    Ok(HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::CREATED),
    )
    .content_type("application/json")
    .insert_header((header::LOCATION, location))
    .insert_header((header::ETAG, pauses::INITIAL_ETAG))
    .insert_header((header::CACHE_CONTROL, "no-store"))
    .body(body))
}

/// Parses and validates the body for this key; errors name the offending field.
fn parse(body: &[u8], key: &crate::domain::api_keys::AuthKey) -> AppResult<NewPause> {
    let r = parse_create_request(body)?;
    Ok(NewPause {
        workspace_id: key.workspace_id,
        api_key_id: key.id,
        test: key.test,
        action: r.action,
        context: r.context,
        metadata: r.metadata,
        callback_url: r.callback_url,
        timeout_secs: r.timeout_secs,
    })
}

fn add_ratelimit_headers(res: &mut HttpResponse, q: &quotas::QuotaState) {
    // An unlimited plan has no monthly policy to report.
    let (Some(limit), Some(remaining)) = (q.limit, q.remaining()) else {
        return;
    };
    let headers = res.headers_mut();
    if let Ok(v) =
        header::HeaderValue::from_str(&format!("\"monthly\";q={limit};w={}", q.window_secs))
    {
        headers.insert(header::HeaderName::from_static("ratelimit-policy"), v);
    }
    if let Ok(v) =
        header::HeaderValue::from_str(&format!("\"monthly\";r={remaining};t={}", q.reset_secs))
    {
        headers.insert(header::HeaderName::from_static("ratelimit"), v);
    }
}
