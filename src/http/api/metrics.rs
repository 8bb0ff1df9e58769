//! `GET /metrics`: Prometheus text format. With `HOLDPOINT_METRICS_TOKEN` set, the scraper must
//! send it as a bearer token; it is compared in constant time (digests of equal length, so not
//! even the token's length leaks through timing).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

use super::auth::bearer;
use crate::domain::secrets::{ct_eq, sha256};
use crate::error::{AppError, AppResult};
use crate::http::State;
use crate::metrics::gauges::Snapshot;

/// Prometheus text format. With `HOLDPOINT_METRICS_TOKEN` set, only for a scraper sending it.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    operation_id = "metrics",
    params(("Authorization" = Option<String>, Header, description = "`Bearer <HOLDPOINT_METRICS_TOKEN>`, when the server has one (not an API key).")),
    responses(
        (status = 200, description = "The metrics.", body = String, content_type = "text/plain"),
        (status = 401, description = "`unauthorized`: the server has a metrics token and it was not sent.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 500, description = "`internal`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
    ),
    security(())
)]
pub async fn metrics(state: State, req: HttpRequest) -> AppResult<HttpResponse> {
    if let Some(token) = &state.settings.metrics_token {
        let sent = bearer(&req).unwrap_or_default();
        if !ct_eq(&sha256(sent.as_bytes()), &sha256(token.expose().as_bytes())) {
            return Err(AppError::BadToken(
                "send the metrics token (HOLDPOINT_METRICS_TOKEN) as `Authorization: Bearer …`"
                    .into(),
            ));
        }
    }
    let (now, active) = (state.now(), state.waiters.active());
    let snapshot = state
        .read_blocking(move |conn| Snapshot::read(conn, now, active))
        .await?;
    let mut out = String::with_capacity(16 * 1024);
    state
        .metrics
        .encode(&mut out)
        .and_then(|()| snapshot.encode(&mut out))
        .map_err(|_| AppError::Internal(anyhow::anyhow!("cannot encode the metrics")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, CONTENT_TYPE))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out))
}
