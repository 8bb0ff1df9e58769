//! The one place where failures become HTTP answers. API errors are RFC 9457
//! `application/problem+json`; the cause chain of unexpected failures goes to the log only.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::Value;

use crate::wire::{ProblemBody, ProblemType};

mod db;
mod domain;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request could not be parsed at all (malformed JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// Parsed, but a field is missing, of the wrong type or out of range.
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    #[error("missing, malformed, unknown or revoked credentials")]
    Unauthorized,
    /// A known, unrevoked API key past its expiry: the one 401 that says why, so the agent's
    /// operator knows to make a new key rather than hunt for a typo.
    #[error("{0}")]
    KeyExpired(String),
    /// A 401 for a credential other than an API key or session (e.g. the metrics token).
    #[error("{0}")]
    BadToken(String),
    #[error("{0}")]
    Forbidden(String),
    /// A valid API key without the scope the endpoint needs.
    #[error("{detail}")]
    InsufficientScope {
        scope: crate::domain::scopes::KeyScope,
        detail: String,
    },
    /// A test key asked for workspace configuration, which only live keys may change or read.
    #[error("{0}")]
    LiveKeyRequired(String),
    /// A key other than the one an agent is pinned to tried to act as or on it.
    #[error("{0}")]
    AgentPinned(String),
    /// An agent has the most pauses waiting that it may have; no `Retry-After`: it is a person's
    /// decision, not time, that frees a slot.
    #[error("{0}")]
    TooManyPending(String),
    /// A key tried to decide a pause it created itself, or (with `noSelfApproval`) a person a
    /// pause made by a key they created.
    #[error("{0}")]
    SelfDecision(String),
    /// The pause is routed to an approver group the decider is not in.
    #[error("{0}")]
    NotInGroup(String),
    /// The pause needs a second factor used within the last five minutes; `url` is the pause's
    /// page, which asks for it (`stepUpUrl`).
    #[error("{detail}")]
    StepUpRequired { detail: String, url: String },
    /// The pause needs step-up and the workspace does not let keys decide such pauses.
    #[error("{0}")]
    KeyMayNotDecideCritical(String),
    #[error("{0}")]
    NotFound(String),
    /// A compare-and-set lost; `current` is the resource as it now stands.
    #[error("{detail}")]
    Conflict {
        detail: String,
        current: Option<Value>,
    },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Refused `at` because the plan's monthly quota is used up until `resets_at` (the edge
    /// turns the two into `Retry-After`).
    #[error("{detail}")]
    QuotaExceeded {
        detail: String,
        at: crate::domain::Millis,
        resets_at: crate::domain::Millis,
    },
    #[error("{0}")]
    IdempotencyMismatch(String),
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    /// One API key sent more than its per-second rate allows.
    #[error(
        "this API key sent too many requests: at most {} at once and {} a second; \
         retry in {retry_after} s",
        policy.burst,
        policy.rate
    )]
    RateLimited {
        retry_after: u64,
        policy: crate::rate_limit::KeyPolicy,
    },
    /// The client took longer than the body timeout to send its request.
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    Unavailable(String),
    /// Every long-poll slot (or this key's share of them) is taken; the agent should come back
    /// shortly. `holder` is "the server" or "this API key".
    #[error(
        "{holder} is already holding its maximum of {max} long-polls; retry in \
         {retry_after} s (a request without `wait` is answered at once)"
    )]
    TooManyWaiters {
        holder: &'static str,
        max: usize,
        retry_after: u64,
    },
    /// The disk refused a write (see `db::health`); nothing was written.
    #[error(
        "the server's disk is full: nothing was written. Retry in {} s; reads keep working",
        STORAGE_FULL_RETRY_SECS
    )]
    StorageFull,
    /// From a `crate::db::sql::Error` through `db::health`, which sorts out disk faults.
    #[error("database error")]
    Db(#[source] crate::db::sql::Error),
    #[error("database pool error")]
    Pool(#[from] r2d2::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// `Retry-After` while the disk is full: long enough not to hammer, short enough to notice.
pub const STORAGE_FULL_RETRY_SECS: u64 = 30;

impl AppError {
    /// The key lacks `scope`; `doing` says what it was refused, e.g. "create pauses".
    pub fn insufficient_scope(scope: crate::domain::scopes::KeyScope, doing: &str) -> Self {
        AppError::InsufficientScope {
            scope,
            detail: format!(
                "this API key may not {doing}: that needs the `{scope}` scope, which it was not \
                 created with. Create a key with the `{scope}` scope (keys page, or \
                 `holdpoint key create --scope {scope}`)."
            ),
        }
    }

    /// A test key asked for workspace configuration; `doing` says what.
    pub fn live_key_required(doing: &str) -> Self {
        AppError::LiveKeyRequired(format!(
            "a test key may not {doing}: workspace configuration needs a live key \
             (`hitl_live_…`) with the `admin` scope"
        ))
    }

    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            detail: detail.into(),
        }
    }

    /// The problem type this error answers as: its slug, title and status.
    pub fn problem(&self) -> ProblemType {
        match self {
            AppError::BadRequest(_) => ProblemType::BadRequest,
            AppError::Invalid { .. } => ProblemType::ValidationFailed,
            AppError::Unauthorized | AppError::BadToken(_) => ProblemType::Unauthorized,
            AppError::KeyExpired(_) => ProblemType::KeyExpired,
            AppError::Forbidden(_) => ProblemType::Forbidden,
            AppError::InsufficientScope { .. } => ProblemType::InsufficientScope,
            AppError::SelfDecision(_) => ProblemType::SelfDecision,
            AppError::NotInGroup(_) => ProblemType::NotInGroup,
            AppError::StepUpRequired { .. } => ProblemType::StepUpRequired,
            AppError::KeyMayNotDecideCritical(_) => ProblemType::KeyMayNotDecideCritical,
            AppError::LiveKeyRequired(_) => ProblemType::LiveKeyRequired,
            AppError::AgentPinned(_) => ProblemType::AgentPinned,
            AppError::TooManyPending(_) => ProblemType::TooManyPending,
            AppError::NotFound(_) => ProblemType::NotFound,
            AppError::Conflict { .. } => ProblemType::Conflict,
            AppError::PayloadTooLarge(_) => ProblemType::PayloadTooLarge,
            AppError::UnsupportedMediaType(_) => ProblemType::UnsupportedMediaType,
            AppError::QuotaExceeded { .. } => ProblemType::QuotaExceeded,
            AppError::IdempotencyMismatch(_) => ProblemType::IdempotencyKeyReused,
            AppError::TooManyRequests { .. } => ProblemType::TooManyRequests,
            AppError::RateLimited { .. } => ProblemType::RateLimited,
            AppError::RequestTimeout(_) => ProblemType::RequestTimeout,
            AppError::Unavailable(_) => ProblemType::Unavailable,
            AppError::TooManyWaiters { .. } => ProblemType::TooManyWaiters,
            AppError::StorageFull => ProblemType::StorageFull,
            AppError::Db(_) | AppError::Pool(_) | AppError::Internal(_) => ProblemType::Internal,
        }
    }

    /// Server-side failures go to the log, except a full disk: `db::health` logs that once when
    /// it starts and once when it ends, not once per refused request.
    fn logs_cause(&self) -> bool {
        self.status_code().is_server_error() && !matches!(self, AppError::StorageFull)
    }

    /// The human explanation of this occurrence (safe to show: never the internal cause).
    pub fn detail(&self) -> String {
        match self {
            AppError::Unauthorized => {
                "Send a valid API key as `Authorization: Bearer hitl_…` (or sign in for dashboard actions)."
                    .into()
            }
            AppError::Db(_) | AppError::Pool(_) | AppError::Internal(_) => {
                "The server could not complete the request; it has been logged.".into()
            }
            AppError::Invalid { detail, .. } => detail.clone(),
            other => other.to_string(),
        }
    }

    pub fn problem_body(&self) -> ProblemBody {
        let mut body = ProblemBody::new(self.problem(), self.detail());
        match self {
            AppError::Invalid { field, .. } => body.field = Some(field.clone()),
            AppError::InsufficientScope { scope, .. } => body.scope = Some(scope.as_str()),
            AppError::StepUpRequired { url, .. } => body.step_up_url = Some(url.clone()),
            AppError::Conflict {
                current: Some(current),
                ..
            } => body.current = Some(current.clone()),
            _ => {}
        }
        body
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.problem().status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.logs_cause() {
            tracing::error!(error = ?anyhow_chain(self), "request failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        if let AppError::Unauthorized | AppError::BadToken(_) | AppError::KeyExpired(_) = self {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let Some(secs) = self.retry_after() {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let AppError::RateLimited {
            retry_after,
            policy,
        } = self
        {
            let (q, w) = (policy.burst, policy.window_secs());
            res.insert_header((RATELIMIT_POLICY, format!("\"burst\";q={q};w={w}")));
            res.insert_header((RATELIMIT, format!("\"burst\";r=0;t={retry_after}")));
        }
        if let AppError::RequestTimeout(_) = self {
            // The rest of the body may still be on its way: never read it as the next request.
            res.force_close();
        }
        res.body(serde_json::to_string(&self.problem_body()).unwrap_or_default())
    }
}

/// IETF `RateLimit-Policy` and `RateLimit` fields: structured-field lists, one item per policy.
pub const RATELIMIT_POLICY: header::HeaderName =
    header::HeaderName::from_static("ratelimit-policy");
pub const RATELIMIT: header::HeaderName = header::HeaderName::from_static("ratelimit");

impl AppError {
    /// Seconds for `Retry-After`, for the errors that say when to come back.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::QuotaExceeded { at, resets_at, .. } => {
                Some(crate::domain::quotas::secs_until(*at, *resets_at))
            }
            AppError::TooManyRequests { retry_after, .. }
            | AppError::RateLimited { retry_after, .. }
            | AppError::TooManyWaiters { retry_after, .. } => Some(*retry_after),
            AppError::StorageFull => Some(STORAGE_FULL_RETRY_SECS),
            _ => None,
        }
    }
}

/// Renders an error with every source, for the log.
fn anyhow_chain(err: &AppError) -> String {
    let mut out = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    if let AppError::Internal(e) = err {
        out = format!("{e:#}");
    }
    out
}

/// Failures on server-rendered pages: a redirect (e.g. to sign in) or a readable error page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("redirect to {0}")]
    Redirect(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<crate::db::sql::Error> for PageError {
    fn from(e: crate::db::sql::Error) -> Self {
        PageError::App(e.into())
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::App(AppError::Internal(e.into()))
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::Redirect(_) => StatusCode::SEE_OTHER,
            PageError::App(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::Redirect(to) => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to.as_str()))
                .finish(),
            PageError::App(e) => {
                if e.logs_cause() {
                    tracing::error!(error = ?anyhow_chain(e), "page failed");
                }
                let body = e.problem_body();
                let page = crate::http::dashboard::pages::ErrorPage {
                    title: body.title,
                    detail: &body.detail,
                };
                let html = askama::Template::render(&page).unwrap_or_else(|_| "Error".into());
                let mut res = HttpResponse::build(e.status_code());
                if let Some(secs) = e.retry_after() {
                    res.insert_header((header::RETRY_AFTER, secs.to_string()));
                }
                res.content_type("text/html; charset=utf-8").body(html)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_refusal_says_to_retry_when_the_month_turns() {
        let now = 1_764_547_200_000 - 3_600_500; // 1 h 0.5 s before 2025-12-01T00:00Z
        let err = AppError::QuotaExceeded {
            detail: "used".into(),
            at: now,
            resets_at: crate::domain::quotas::next_month_start(now),
        };
        assert_eq!(err.retry_after(), Some(3601));
        assert_eq!(err.status_code(), StatusCode::TOO_MANY_REQUESTS);
    }
}
