//! Liveness, readiness and the human-readable pages behind problem `type` URIs.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::db::{check, health};
use crate::error::{AppError, STORAGE_FULL_RETRY_SECS};
use crate::http::State;
use crate::wire::ProblemType;

/// What `/healthz` and `/readyz` answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` (alive), `ready`, or why not ready: `database-damaged`, `storage-full`.
    #[schema(value_type = String, pattern = "^(ok|ready|database-damaged|storage-full)$")]
    pub status: &'static str,
}

/// Alive: answers without touching the database.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    operation_id = "healthz",
    responses((status = 200, description = "The process is up.", body = Health)),
    security(())
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Ready when the database can serve: not seen damaged, its tables readable at both ends
/// (`db::check::quick`, a few pages each), and its disk accepting writes.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    operation_id = "readyz",
    responses(
        (status = 200, description = "Ready: `{\"status\": \"ready\"}`.", body = Health),
        (status = 503, description = "Not ready: `{\"status\": \"database-damaged\"}` or `storage-full` (with `Retry-After`), or the problem `unavailable` when the database does not answer.",
            content((Health = "application/json"), (crate::wire::problem::ProblemBody = "application/problem+json"))),
    ),
    security(())
)]
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
    let checked = state
        .read_blocking(|conn| {
            Ok::<_, AppError>(match conn.sqlite() {
                Some(lite) => check::quick(lite).map_err(Some),
                // PostgreSQL: answering is what a readiness check can tell.
                None => conn.execute_batch("SELECT 1").map_err(|_| None),
            })
        })
        .await
        .map_err(|_| AppError::Unavailable("the database is not available".into()))?;
    if let Err(e) = checked {
        let Some(e) = e else {
            return Err(AppError::Unavailable("the database does not answer".into()));
        };
        return match health::classify(&e) {
            Some(fault @ health::Fault::Damaged) => {
                health::note(fault, &e);
                Ok(not_ready("database-damaged"))
            }
            _ => Err(AppError::Unavailable("the database does not answer".into())),
        };
    }
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}

fn not_ready(status: &'static str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, STORAGE_FULL_RETRY_SECS.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Health { status })
}

/// `/problems/:slug`: the text behind every problem `type` URI the API answers with.
#[utoipa::path(
    get,
    path = "/problems/{slug}",
    tag = "service",
    operation_id = "problemType",
    params(("slug" = String, Path, description = "A problem type's slug: the end of a problem's `type`.")),
    responses(
        (status = 200, description = "The slug, then what the problem means and what to do.", body = String, content_type = "text/plain"),
        (status = 404, description = "`not-found`: no such problem type.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
    ),
    security(())
)]
pub async fn problem_doc(slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let problem = ProblemType::from_slug(&slug)
        .ok_or_else(|| AppError::NotFound(format!("no problem type `{slug}`")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!("{slug}\n\n{}\n", problem.doc())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn every_problem_type_has_a_doc_page_naming_it() {
        for &problem in ProblemType::ALL {
            let res = problem_doc(web::Path::from(problem.slug().to_string()))
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", problem.slug()));
            assert_eq!(res.status(), 200, "{}", problem.slug());
            let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
            let text = std::str::from_utf8(&body).unwrap();
            assert!(text.starts_with(problem.slug()), "{text}");
            assert!(text.contains(problem.doc()), "{text}");
        }
    }

    #[actix_web::test]
    async fn an_unknown_problem_slug_is_not_found() {
        let err = problem_doc(web::Path::from("no-such-problem".to_string()))
            .await
            .unwrap_err();
        assert_eq!(err.problem(), ProblemType::NotFound);
    }
}
