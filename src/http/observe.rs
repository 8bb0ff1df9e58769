//! The outermost middleware: a request id, a tracing span carrying it, the access log line and
//! the request metrics.
//!
//! Every response, errors and 404s included, carries the id as `X-Request-Id`; every log line
//! written while the request is handled carries it as the span field `request_id`, so a user's
//! report ("request id …") leads straight to the server's account of it. The access log and the
//! metrics name routes by their pattern and paths with secrets redacted, never a query string:
//! paths carry sign-up and one-click tokens, query strings may carry anything.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;
use tracing::Instrument;

use crate::http::State;
use crate::metrics::Method;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest incoming request id we adopt; longer ones are replaced by our own.
const MAX_ID_LEN: usize = 128;

/// The request id: the client's `X-Request-Id` when it is short and of a safe charset (so it
/// cannot forge log lines or smuggle markup), else a fresh UUIDv7 (time-ordered, like our ids).
pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| well_formed(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

fn well_formed(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The path for the access log, with the secret in sign-up, password-reset and one-click
/// decision links hidden.
pub fn redacted_path(path: &str) -> String {
    for prefix in ["/signup/", "/reset-password/", "/d/"] {
        if path.starts_with(prefix) {
            return format!("{prefix}[redacted]");
        }
    }
    path.to_string()
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let id = request_id(req.headers());
    let span = tracing::info_span!("request", request_id = %id);
    let method = req.method().clone();
    let path = redacted_path(req.path());
    let state = req.app_data::<State>().cloned();
    // Handlers and extractors turn their errors into responses inside this call (so inside the
    // span); only a failing middleware returns `Err`, answered by actix without our header.
    let result = next.call(req).instrument(span.clone()).await;
    let took = started.elapsed();
    let (status, route) = match &result {
        Ok(res) => (res.status().as_u16(), res.request().match_pattern()),
        Err(e) => (e.as_response_error().status_code().as_u16(), None),
    };
    let route = route.unwrap_or_else(|| "unmatched".into());
    span.in_scope(|| {
        tracing::info!(
            target: "holdpoint::access",
            method = %method,
            route = %route,
            path = %path,
            status,
            latency_ms = took.as_secs_f64() * 1000.0,
            request_id = %id,
            "request"
        )
    });
    if let Some(state) = state {
        state
            .metrics
            .record_request(Method::from(&method), route, status, took);
    }
    let mut res = result?.map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(REQUEST_ID, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn a_well_formed_incoming_id_is_kept_and_others_are_replaced() {
        assert_eq!(request_id(&with("abc-123_x.y:z")), "abc-123_x.y:z");
        for bad in ["", "has space", "quote\"", "<script>", &"a".repeat(129)] {
            let id = request_id(&with(bad));
            assert_ne!(id, bad);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        }
        assert!(uuid::Uuid::parse_str(&request_id(&HeaderMap::new())).is_ok());
    }

    #[test]
    fn token_bearing_paths_are_redacted() {
        assert_eq!(redacted_path("/d/abcdef"), "/d/[redacted]");
        assert_eq!(redacted_path("/signup/tok"), "/signup/[redacted]");
        assert_eq!(
            redacted_path("/reset-password/tok"),
            "/reset-password/[redacted]"
        );
        assert_eq!(redacted_path("/api/pause"), "/api/pause");
    }
}
