//! `POST /api/pause`: an agent asks for a decision.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::auth::{self, UnmeteredApiKey};
use crate::domain::idempotency::{self, Lookup};
use crate::domain::pauses::{self, NewPause};
use crate::domain::{quotas, secrets};
use crate::error::{AppError, AppResult, RATELIMIT, RATELIMIT_POLICY};
use crate::http::{content_type, parse_json, read_body, State};

pub const MAX_ACTION_CHARS: usize = 1000;
pub const MAX_CONTEXT_BYTES: usize = 64 * 1024;
pub const MIN_TIMEOUT: i64 = 10;
pub const MAX_TIMEOUT: i64 = 2_592_000;
pub const MAX_METADATA_PAIRS: usize = 32;
const MAX_METADATA_KEY: usize = 100;
const MAX_METADATA_VALUE: usize = 1000;
const MAX_URL: usize = 2048;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateBody<'a> {
    action: String,
    #[serde(borrow, default)]
    context: Option<&'a RawValue>,
    #[serde(default)]
    timeout_seconds: Option<i64>,
    #[serde(default)]
    callback_url: Option<String>,
    #[serde(default)]
    metadata: Option<BTreeMap<String, String>>,
}

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

struct Created {
    status: u16,
    body: String,
    location: String,
    quota: Option<quotas::QuotaState>,
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
    let new = parse(&body, key)?;
    let request_hash = secrets::sha256(&body).to_vec();
    let (server_timeout, base_url, now) = (
        state.settings.default_timeout_secs as i64,
        state.base_url(),
        state.now(),
    );
    let workspace_id = key.workspace_id;
    let created = state
        .writer
        .run(move |ctx| {
            if let Some(k) = &idem_key {
                if let Lookup::Replay { status, body } =
                    idempotency::lookup(ctx.conn, workspace_id, k, &request_hash)?
                {
                    let location = replayed_location(&body);
                    return Ok(Created {
                        status,
                        body,
                        location,
                        quota: None,
                    });
                }
            }
            let (pause, quota) = pauses::create(ctx, now, server_timeout, new)?;
            let view = pause.view(&base_url, now);
            let body = serde_json::to_string(&view).map_err(anyhow::Error::from)?;
            if let Some(k) = &idem_key {
                idempotency::store(ctx.conn, workspace_id, k, &request_hash, 201, &body, now)?;
            }
            let location = view.status_url;
            Ok(Created {
                status: 201,
                body,
                location,
                quota,
            })
        })
        .await?;
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

/// The `Location` of a replayed response: its `statusUrl`.
fn replayed_location(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["statusUrl"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Parses and validates the body; errors name the offending field.
fn parse(body: &[u8], key: &crate::domain::api_keys::AuthKey) -> AppResult<NewPause> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest(
            "the request body is empty; send a JSON object with at least `action`".into(),
        ));
    }
    let parsed: CreateBody<'_> = parse_json(body)?;
    let action = parsed.action.trim().to_string();
    let chars = action.chars().count();
    if chars == 0 || chars > MAX_ACTION_CHARS {
        return Err(AppError::invalid(
            "action",
            format!("`action` must have 1 to {MAX_ACTION_CHARS} characters (got {chars})"),
        ));
    }
    if action.contains('\0') {
        return Err(AppError::invalid(
            "action",
            "`action` must not contain NUL characters",
        ));
    }
    let context = parsed
        .context
        .map(|c| c.get().to_string())
        .filter(|c| c != "null");
    if let Some(c) = &context {
        if c.len() > MAX_CONTEXT_BYTES {
            return Err(AppError::PayloadTooLarge(format!(
                "`context` is {} bytes; the limit is {} KiB",
                c.len(),
                MAX_CONTEXT_BYTES / 1024
            )));
        }
    }
    if let Some(t) = parsed.timeout_seconds {
        if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&t) {
            return Err(AppError::invalid(
                "timeoutSeconds",
                format!("`timeoutSeconds` must be from {MIN_TIMEOUT} to {MAX_TIMEOUT} (30 days)"),
            ));
        }
    }
    Ok(NewPause {
        workspace_id: key.workspace_id,
        api_key_id: key.id,
        test: key.test,
        action,
        context,
        metadata: parsed.metadata.map(validate_metadata).transpose()?,
        callback_url: parsed.callback_url.map(validate_url).transpose()?,
        timeout_secs: parsed.timeout_seconds,
    })
}

fn validate_metadata(m: BTreeMap<String, String>) -> AppResult<String> {
    if m.len() > MAX_METADATA_PAIRS {
        return Err(AppError::invalid(
            "metadata",
            format!(
                "`metadata` has {} pairs; at most {MAX_METADATA_PAIRS} are allowed",
                m.len()
            ),
        ));
    }
    for (k, v) in &m {
        if k.is_empty() || k.chars().count() > MAX_METADATA_KEY {
            return Err(AppError::invalid(
                "metadata",
                format!("metadata keys have 1 to {MAX_METADATA_KEY} characters"),
            ));
        }
        if v.chars().count() > MAX_METADATA_VALUE {
            return Err(AppError::invalid(
                format!("metadata.{k}"),
                format!("metadata values have at most {MAX_METADATA_VALUE} characters"),
            ));
        }
    }
    serde_json::to_string(&m).map_err(|e| AppError::Internal(e.into()))
}

fn validate_url(u: String) -> AppResult<String> {
    let bad = |why: &str| AppError::invalid("callbackUrl", format!("`callbackUrl` {why}"));
    if u.len() > MAX_URL {
        return Err(bad(&format!("is longer than {MAX_URL} characters")));
    }
    let url = url::Url::parse(&u).map_err(|e| bad(&format!("is not an absolute URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad("must be an http or https URL with a host"));
    }
    Ok(url.to_string())
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
