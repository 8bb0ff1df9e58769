//! Reading pauses (with long-poll), listing them, and the agent's cancel.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::auth::ApiKey;
use crate::app;
use crate::app::wait::{etag_matches, Until};
use crate::domain::history::{self, DeciderKind, Filter};
use crate::domain::pauses::{self, Pause, Scope, Status, Transition};
use crate::error::{AppError, AppResult};
use crate::http::query::Query;
use crate::http::State;
use crate::wire::ListPage;

pub const MAX_WAIT_SECS: u64 = 55;

/// A watchId that is not a UUID names no pause: 404, like any unknown id.
pub fn parse_watch_id(raw: &str) -> AppResult<Uuid> {
    Uuid::try_parse(raw).map_err(|_| pauses::not_found(raw))
}

/// `30` and `30s` both mean thirty seconds.
pub fn parse_wait(raw: Option<&str>) -> AppResult<Duration> {
    let Some(raw) = raw else {
        return Ok(Duration::ZERO);
    };
    let digits = raw.trim().strip_suffix('s').unwrap_or(raw.trim());
    match digits.parse::<u64>() {
        Ok(n) if n <= MAX_WAIT_SECS => Ok(Duration::from_secs(n)),
        _ => Err(AppError::invalid(
            "wait",
            format!(
                "`wait` must be 0 to {MAX_WAIT_SECS} seconds, like `30` or `30s` (got `{raw}`)"
            ),
        )),
    }
}

fn if_none_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
}

/// `GET /api/pause/:watchId[?wait=N]`: with `If-None-Match`, waits for the ETag to change
/// (then 304 if it has not); without, waits for a decision (see [`app::wait`]).
#[utoipa::path(
    get,
    path = "/api/pause/{watch_id}",
    tag = "pauses",
    operation_id = "getPause",
    params(
        ("watch_id" = String, Path, description = "The pause's `watchId` (a UUID; anything else is `404`)."),
        ("wait" = Option<String>, Query, description = "Long-poll: 0 to 55 seconds, written `30` or `30s`. The answer comes as soon as the pause is final (or, with `If-None-Match`, changes), else when the time is up.", pattern = "^\\s*\\+?0*([0-9]|[1-4][0-9]|5[0-5])s?\\s*$"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer: `304` while the pause still has it."),
    ),
    responses(
        (status = 200, description = "The pause as it stands.", body = crate::wire::PauseView,
            headers(("ETag" = String, description = "Changes whenever the pause does."))),
        (status = 304, description = "Not modified: the pause still has the ETag sent in `If-None-Match`.",
            headers(("ETag" = String))),
        (status = 400, description = "`bad-request`: a malformed query string.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `key-expired`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient-scope` (needs `pauses`).", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such pause for this key (a test key sees only test pauses).", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`: `wait` is out of range.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`: the key's per-second limit; see `Retry-After`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 500, description = "`internal`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`too-many-waiters`: the server or this key holds its maximum of long-polls; retry after `Retry-After`, or ask without `wait`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
    ),
    security(("apiKey" = ["pauses"]))
)]
pub async fn get(
    state: State,
    key: ApiKey,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let watch_id = parse_watch_id(&path)?;
    let wait = parse_wait(Query::parse(req.query_string())?.get("wait")?)?;
    let inm = if_none_match(&req);
    let until = match inm.as_deref() {
        Some(tags) => Until::EtagNotIn(tags),
        None => Until::Settled,
    };
    let waited = app::wait::wait(&state.services, &key.0, &watch_id, wait, until).await?;
    Ok(respond(&state, waited.pause(), inm.as_deref()))
}

fn respond(state: &State, pause: &Pause, inm: Option<&str>) -> HttpResponse {
    let now = state.now();
    let etag = pause.etag(now);
    if inm.is_some_and(|tags| etag_matches(tags, &etag)) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(pause.view(&state.base_url(), now))
}

/// The filter and page of `GET /api/pause`, parsed from the raw query string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListQuery {
    pub status: Option<Status>,
    /// 1 to 200 (default 50).
    pub limit: i64,
    /// 0 to 1,000,000,000.
    pub offset: i64,
    /// `decidedBy=user|key|policy`.
    pub decided_by: Option<DeciderKind>,
    /// `mine=1`: only what the signed-in person may still vote on (see [`list`]).
    pub mine: bool,
}

/// Parses `status`, `limit` and `offset`; errors name the parameter. A pure function (fuzzed).
pub fn parse_list_query(raw: &str) -> AppResult<ListQuery> {
    let q = Query::parse(raw)?;
    let status = match q.get("status")?.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Status::from_name(s).ok_or_else(|| {
            let allowed: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
            AppError::invalid(
                "status",
                format!("unknown status `{s}`; use one of {}", allowed.join(", ")),
            )
        })?),
    };
    let decided_by = match q.get("decidedBy")?.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(d) => Some(DeciderKind::from_name(d).ok_or_else(|| {
            AppError::invalid(
                "decidedBy",
                format!("unknown `decidedBy` `{d}`; use one of user, key, policy"),
            )
        })?),
    };
    let mine = match q.get("mine")?.map(str::trim).unwrap_or("") {
        "" | "0" => false,
        "1" => true,
        other => {
            return Err(AppError::invalid(
                "mine",
                format!("`mine` is 1 or 0 (got `{other}`)"),
            ))
        }
    };
    Ok(ListQuery {
        decided_by,
        mine,
        status,
        limit: q.int("limit", 1, 200, 50)?,
        offset: q.int("offset", 0, 1_000_000_000, 0)?,
    })
}

/// `GET /api/pause?status=&limit=&offset=&decidedBy=&mine=`, newest first: for a key, the
/// pauses of its mode; for a signed-in person (the session wins when a request carries both),
/// those of the dashboard's mode, and with `mine=1` only those routed to their groups or to
/// none that they have not voted on. A key is no person: `mine` is refused for it (422).
#[utoipa::path(
    get,
    path = "/api/pause",
    tag = "pauses",
    operation_id = "listPauses",
    params(
        ("status" = Option<String>, Query, pattern = "^(pending|approved|rejected|expired|cancelled|answered|changes_requested)?$", description = "Only pauses in this state, one of `Status` (empty: any)."),
        ("decidedBy" = Option<String>, Query, description = "Only pauses decided by a person (`user`), a key (`key`) or a policy (`policy`).", pattern = "^(user|key|policy)?$"),
        ("mine" = Option<String>, Query, description = "`1`: only what the signed-in person may still vote on (a session only; refused for a key).", pattern = "^[01]?$"),
        ("limit" = Option<i64>, Query, description = "1 to 200 (default 50).", minimum = 1, maximum = 200),
        ("offset" = Option<i64>, Query, description = "0 to 1,000,000,000 (default 0).", minimum = 0, maximum = 1000000000),
    ),
    responses(
        (status = 200, description = "A page of pauses, newest first: for a key, those of its mode (live or test).", body = crate::wire::ListPage),
        (status = 400, description = "`bad-request`: a malformed query string.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`, `key-expired`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient-scope` (needs `pauses`).", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`: a parameter is out of range (`field` names it), or `mine` with a key.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`: the key's per-second limit; see `Retry-After`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 500, description = "`internal`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
    ),
    security(("apiKey" = ["pauses"]), ("session" = []))
)]
pub async fn list(
    state: State,
    key: Result<ApiKey, AppError>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let q = parse_list_query(req.query_string())?;
    let (scope, mine) = match crate::http::auth::load(&req).await? {
        Some(signed) => {
            let user = signed.user();
            let scope = Scope::mode(user.workspace_id, signed.session.test_mode);
            (scope, q.mine.then_some(user.id))
        }
        None => {
            let key = key?.0;
            if q.mine {
                return Err(AppError::invalid(
                    "mine",
                    "`mine` lists what a signed-in person may still vote on; an API key is \
                     no person: leave `mine` out",
                ));
            }
            (Scope::key(&key), None)
        }
    };
    let now = state.now();
    let (status, decided_by, limit, offset) = (q.status, q.decided_by, q.limit, q.offset);
    let page = state
        .read_blocking(move |conn| match mine {
            Some(me) => {
                let f = Filter {
                    status,
                    test: scope.test,
                    decided_by,
                    mine: Some(me),
                    ..Filter::default()
                };
                history::search(conn, scope.workspace_id, &f, limit, offset, now)
            }
            None => history::list_decided_by(
                conn,
                scope,
                (status, decided_by),
                (limit, offset),
                now,
                false,
            ),
        })
        .await?;
    let base = state.base_url();
    let body = ListPage {
        items: page.items.iter().map(|p| p.view(&base, now)).collect(),
        total: page.total,
        limit: q.limit,
        offset: q.offset,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(body))
}

/// `POST /api/pause/:watchId/cancel`: the agent withdraws its pending pause.
#[utoipa::path(
    post,
    path = "/api/pause/{watch_id}/cancel",
    tag = "pauses",
    operation_id = "cancelPause",
    params(
        ("watch_id" = String, Path, description = "The pause's `watchId` (a UUID; anything else is `404`)."),
    ),
    responses(
        (status = 200, description = "Cancelled: the pause as it now stands.", body = crate::wire::PauseView),
        (status = 401, description = "`unauthorized`, `key-expired`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient-scope` (needs `pauses`).", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`: the pause is already final; `current` holds it.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`: the key's per-second limit; see `Retry-After`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 500, description = "`internal`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`, `storage-full`: nothing was written; retry after `Retry-After`.", body = crate::wire::problem::ProblemBody, content_type = "application/problem+json"),
    ),
    security(("apiKey" = ["pauses"]))
)]
pub async fn cancel(state: State, key: ApiKey, path: web::Path<String>) -> AppResult<HttpResponse> {
    let watch_id = parse_watch_id(&path)?;
    let outcome = app::cancel::cancel(&state.services, &key.0, &watch_id).await?;
    transition_response(&state, outcome, "cancel", Shown::Full)
}

/// How much of the pause an answer shows its caller.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The whole pause, for a caller that may read pauses.
    Full,
    /// Only who settled it and when ([`crate::wire::pause::SettlementView`]), for a key that
    /// may decide but not read pauses.
    Settlement,
}

/// 200 with the changed pause, or 409 with the pause as it already stood.
pub fn transition_response(
    state: &State,
    outcome: Transition,
    verb: &str,
    shown: Shown,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let body = |p: &crate::domain::pauses::Pause| match shown {
        Shown::Full => p.to_value(&state.base_url(), now),
        Shown::Settlement => serde_json::to_value(p.settlement(now)).unwrap_or_default(),
    };
    match outcome {
        Transition::Changed(p) => Ok(HttpResponse::Ok()
            .insert_header((header::ETAG, p.etag(now)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(body(&p))),
        Transition::AlreadyFinal(p) => Err(AppError::Conflict {
            detail: format!(
                "cannot {verb}: the pause is already {}",
                p.status(now).as_str()
            ),
            current: Some(body(&p)),
        }),
    }
}
