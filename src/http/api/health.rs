//! Liveness, readiness and the human-readable pages behind problem `type` URIs.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::error::AppError;
use crate::http::State;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready when the database answers a query.
pub async fn readyz(state: State) -> Result<HttpResponse, AppError> {
    let conn = state
        .read()
        .map_err(|_| AppError::Unavailable("the database is not available".into()))?;
    conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
        .map_err(|_| AppError::Unavailable("the database does not answer".into()))?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}

const PROBLEMS: &[(&str, &str)] = &[
    ("bad-request", "The request could not be parsed: malformed JSON or query string. The `detail` member says where."),
    ("validation-failed", "A field is missing, has the wrong type or is out of range. The `field` member names it."),
    ("unauthorized", "Send a valid API key as `Authorization: Bearer hitl_…`, or sign in for dashboard actions."),
    ("forbidden", "The credentials are valid but may not do this (e.g. a missing CSRF token)."),
    ("not-found", "No such resource in your workspace."),
    ("conflict", "The pause is no longer pending; `current` holds it as it now stands."),
    ("payload-too-large", "Request bodies are limited to 256 KiB and `context` to 64 KiB."),
    ("unsupported-media-type", "Send `Content-Type: application/json`."),
    ("quota-exceeded", "The workspace used this month's pauses on its plan. `Retry-After` says when the month turns (UTC)."),
    ("idempotency-key-reused", "An Idempotency-Key was reused with a different body. Use a new key for a new request."),
    ("too-many-requests", "Slow down; `Retry-After` says for how long."),
    ("rate-limited", "This API key sent more requests than its per-second limit. `Retry-After` says when to send the next; `RateLimit-Policy` and `RateLimit` name the policy."),
    ("request-timeout", "The request body did not arrive within the server's body timeout. Send it again at once, in one go."),
    ("unavailable", "The service cannot answer right now; retry later."),
    ("too-many-waiters", "The server, or this API key, holds its maximum of long-polls. Retry after `Retry-After` seconds; a request without `wait` is answered at once."),
    ("internal", "An unexpected failure; the server log has the cause."),
    ("method-not-allowed", "This path does not accept that HTTP method."),
];

pub async fn problem_doc(slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (_, text) = PROBLEMS
        .iter()
        .find(|(s, _)| *s == slug.as_str())
        .ok_or_else(|| AppError::NotFound(format!("no problem type `{slug}`")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!("{slug}\n\n{text}\n")))
}
