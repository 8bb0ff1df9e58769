//! Liveness, readiness and the human-readable pages behind problem `type` URIs.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::db::{check, health};
use crate::error::{AppError, STORAGE_FULL_RETRY_SECS};
use crate::http::State;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready when the database can serve: not seen damaged, its tables readable at both ends
/// (`db::check::quick`, a few pages each), and its disk accepting writes.
pub async fn readyz(state: State) -> Result<HttpResponse, AppError> {
    if health::damaged() {
        return Ok(not_ready("database-damaged"));
    }
    if health::storage_full() {
        let dir = state.settings.data_dir.clone();
        if web::block(move || health::recheck_storage(&dir))
            .await
            .unwrap_or(true)
        {
            return Ok(not_ready("storage-full"));
        }
    }
    let conn = state
        .read()
        .map_err(|_| AppError::Unavailable("the database is not available".into()))?;
    if let Err(e) = check::quick(&conn) {
        return match health::classify(&e) {
            Some(fault @ health::Fault::Damaged) => {
                health::note(fault, &e);
                Ok(not_ready("database-damaged"))
            }
            _ => Err(AppError::Unavailable("the database does not answer".into())),
        };
    }
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}

fn not_ready(status: &str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, STORAGE_FULL_RETRY_SECS.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "status": status }))
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
    ("storage-full", "The disk holding the server's data is full: nothing was written. Retry after `Retry-After` seconds; reads and long-polls keep working."),
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
