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

/// Asks for a decision. With `Idempotency-Key`, the same key and body replay the first answer
/// (same status and body); the same key with another body is refused.
#[utoipa::path(
    post,
    path = "/api/pause",
    tag = "pauses",
    operation_id = "createPause",
    request_body(
        content = crate::wire::CreateBody,
        content_type = "application/json",
        description = "The pause to create. `kind` picks the variant: an approval (default), a `question` with `questions`, or a `plan` with `plan`.",
        examples(
            ("approval" = (value = json!({"action": "Refund order 1042 ($120)", "context": {"order": 1042, "amount": 120}, "risk": "medium", "tool": "billing.refund", "agent": "support-bot", "editable": ["amount"], "timeoutSeconds": 3600}))),
            ("question" = (value = json!({"action": "Which region should the cluster go to?", "kind": "question", "questions": [{"question": "Region?", "options": [{"label": "eu-west-1"}, {"label": "us-east-1"}]}]}))),
            ("plan" = (value = json!({"action": "Migrate the billing database", "kind": "plan", "plan": "1. Snapshot\n2. Migrate\n3. Verify"}))),
        )
    ),
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters. A retry with the same key and body replays the first answer; with another body it is refused (`422` `idempotency-key-reused`).", pattern = "^[\\x21-\\x7e]{1,255}$"),
    ),
    responses(
        (status = 201, description = "Created (or, with a reused `Idempotency-Key`, the first answer replayed). A policy may have decided it at once (`status` is then final).", body = crate::wire::PauseView,
            headers(
                ("Location" = String, description = "The pause's `statusUrl`."),
                ("ETag" = String, description = "For `If-None-Match` on `GET /api/pause/{watch_id}`."),
                ("RateLimit-Policy" = String, description = "The monthly quota, on plans that have one: `\"monthly\";q=<limit>;w=<seconds>`."),
                ("RateLimit" = String, description = "What is left of it: `\"monthly\";r=<remaining>;t=<seconds to reset>`."),
            )),
        (status = 400, description = "`bad-request`: an empty body or malformed JSON.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `key-expired`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient-scope` (needs `pauses`), `agent-pinned` (the `agent` is pinned to another key).", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: the plan named by `revises` does not exist.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 408, description = "`request-timeout`: the body did not arrive in time.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`: the `agent` or its `run` was cancelled, or the plan named by `revises` can no longer be revised.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "`payload-too-large`: the body is over 256 KiB or `context` over 64 KiB.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`: the body is not JSON.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` (`field` names the member), `idempotency-key-reused`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited` (the key's per-second limit), `quota-exceeded` (the month's pauses), `too-many-pending` (the agent has 1,000 waiting).", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 500, description = "`internal`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`, `storage-full`: nothing was written; retry after `Retry-After`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
    ),
    security(("apiKey" = ["pauses"]))
)]
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
    let quota = match quota {
        Some(quota) => Ok(quota),
        None => {
            let (ws, now) = (key.workspace_id, state.now());
            state
                .read_blocking(move |conn| quotas::state(conn, ws, now))
                .await
        }
    };
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
