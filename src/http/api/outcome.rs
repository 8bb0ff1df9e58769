//! `POST /api/pause/:watchId/outcome`: after acting on a decision, the agent's key reports
//! what it did (see `domain::outcomes` for who may report when).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::auth::ApiKey;
use super::pauses::parse_watch_id;
use crate::domain::outcomes::{self, OutcomeStatus, ReportError, MAX_DETAIL_CHARS};
use crate::domain::pauses;
use crate::error::{AppError, AppResult};
use crate::http::{content_type, parse_json, read_body, State};

/// What the agent did after the decision.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OutcomeReport)]
struct Body {
    #[schema(value_type = OutcomeStatus)]
    status: String,
    /// At most 2,000 characters.
    #[serde(default)]
    detail: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/pause/{watch_id}/outcome",
    tag = "pauses",
    operation_id = "reportOutcome",
    params(
        ("watch_id" = String, Path, description = "The pause's `watchId` (a UUID; anything else is `404`)."),
    ),
    request_body(content = Body, content_type = "application/json", example = json!({"status": "executed", "detail": "refund 8812 issued"})),
    responses(
        (status = 200, description = "Recorded: the pause with its `outcome`.", body = crate::wire::PauseView),
        (status = 400, description = "`bad-request`: malformed JSON.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `key-expired`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient-scope` (needs `pauses`), `forbidden` (only the key that created the pause reports its outcome).", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 408, description = "`request-timeout`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`: the pause is not decided yet, or its outcome was already reported; `current` holds it.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "`payload-too-large`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`: `status` or `detail`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`: the key's per-second limit; see `Retry-After`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 500, description = "`internal`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`, `storage-full`: nothing was written; retry after `Retry-After`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
    ),
    security(("apiKey" = ["pauses"]))
)]
pub async fn report(
    state: State,
    key: ApiKey,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let key = key.0;
    let watch_id = parse_watch_id(&path)?;
    let ct = content_type(&req);
    if !ct.is_empty() && ct != "application/json" {
        return Err(AppError::UnsupportedMediaType(format!(
            "the body must be JSON: send `Content-Type: application/json` (got `{ct}`)"
        )));
    }
    let body: Body = parse_json(&read_body(&req, payload).await?)?;
    let status = OutcomeStatus::from_name(&body.status).ok_or_else(|| {
        AppError::invalid(
            "status",
            format!(
                "`status` is one of executed, failed, skipped (got `{}`)",
                body.status
            ),
        )
    })?;
    let now = state.now();
    let reported = state
        .writer
        .run(move |ctx| outcomes::report(ctx, now, &key, &watch_id, status, body.detail))
        .await?;
    let base = state.base_url();
    match reported {
        Ok(p) => Ok(HttpResponse::Ok()
            .insert_header((header::ETAG, p.etag(now)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(p.view(&base, now))),
        Err(refused) => Err(match refused {
            ReportError::NotFound => pauses::not_found(&watch_id.to_string()),
            ReportError::NotCreator => AppError::Forbidden(
                "only the API key that created this pause may report its outcome".into(),
            ),
            ReportError::DetailTooLong => AppError::invalid(
                "detail",
                format!("`detail` has at most {MAX_DETAIL_CHARS} characters"),
            ),
            ReportError::NotDecided(p) => AppError::Conflict {
                detail: format!(
                    "the pause is {}: an outcome is reported only after a decision",
                    p.status(now).as_str()
                ),
                current: Some(p.to_value(&base, now)),
            },
            ReportError::AlreadyReported(p) => AppError::Conflict {
                detail: "an outcome was already reported for this pause; it is reported once"
                    .into(),
                current: Some(p.to_value(&base, now)),
            },
        }),
    }
}
