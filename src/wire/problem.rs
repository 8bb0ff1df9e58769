//! Every RFC 9457 problem type the API answers, and the problem body itself. A new problem type
//! is one row here: `error.rs` maps errors onto it and `/problems/:slug` serves its text.

use actix_web::http::StatusCode;
use serde::Serialize;
use serde_json::Value;

/// Declares the enum, its list and its table from one list of rows, so a new problem type is
/// one row: `Variant => (slug, title, status, doc text)`.
macro_rules! problem_types {
    ($($variant:ident => ($slug:literal, $title:literal, $status:literal, $doc:literal),)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ProblemType {
            $($variant,)*
        }

        impl ProblemType {
            pub const ALL: &'static [ProblemType] = &[$(ProblemType::$variant,)*];

            /// (slug, title, status, doc text): the slug ends the `type` URI, the title is
            /// fixed per type, the doc text is served at `/problems/:slug`.
            const fn parts(self) -> (&'static str, &'static str, u16, &'static str) {
                match self {
                    $(ProblemType::$variant => ($slug, $title, $status, $doc),)*
                }
            }
        }
    };
}

#[rustfmt::skip]
problem_types! {
    BadRequest => ("bad-request", "Bad request", 400, "The request could not be parsed: malformed JSON or query string. The `detail` member says where."),
    ValidationFailed => ("validation-failed", "Invalid request", 422, "A field is missing, has the wrong type or is out of range. The `field` member names it."),
    Unauthorized => ("unauthorized", "Unauthorized", 401, "Send a valid API key as `Authorization: Bearer hitl_…`, or sign in for dashboard actions."),
    KeyExpired => ("key-expired", "API key expired", 401, "The API key is known and was not revoked, but its expiry (`expiresAt` on the key) has passed: it no longer works. This is the one 401 that says why; every other bad key gets `unauthorized`. Make a new key (keys page, `holdpoint key create`, or `POST /api/keys`) and revoke the old one."),
    Forbidden => ("forbidden", "Forbidden", 403, "The credentials are valid but may not do this (e.g. a missing CSRF token)."),
    InsufficientScope => ("insufficient-scope", "Insufficient scope", 403, "The API key is valid but lacks the scope this endpoint needs; the `scope` member names it. Scopes are chosen when a key is created (`pauses`: create, read, list and cancel pauses; `decide`: approve, reject and answer them; `agents`; `admin`) and none implies another: create a key with the scope it needs."),
    SelfDecision => ("self-decision", "Self-decision", 403, "An API key never decides a pause it created itself, so an agent cannot approve its own request. The one exception is a test key deciding its own test pauses. Decide with another key that has the `decide` scope, or in the dashboard. When the workspace's policy settings turn on `noSelfApproval`, the person who created the key that made a pause cannot vote on it either."),
    NotInGroup => ("not-in-group", "Not in the approver group", 403, "The pause is routed to an approver group (`group` on the pause), and only that group's members, and keys given the group, may vote on it (after an escalation, the escalation group too). Ask an owner or admin to add you on the groups page."),
    StepUpRequired => ("step-up-required", "Step-up required", 403, "This pause needs step-up: the workspace's policy settings turn on `stepUp`, and the pause's risk is `critical` or it takes two approvals or more. Deciding or voting on it needs a second factor (an authenticator code, a passkey, or a fresh sign-in at the identity provider) used within the last 5 minutes. Open the pause's page at `stepUpUrl`: it asks for the factor and records the decision. Email links, push buttons and batch decisions never decide such a pause."),
    KeyMayNotDecideCritical => ("key-may-not-decide-critical", "Key may not decide critical pauses", 403, "This pause needs step-up (its risk is `critical` or it takes two approvals or more, and the workspace's `stepUp` is on), and the workspace's policy settings turn `keysMayDecideCritical` off: only a person with a recent second factor may decide it, in the dashboard. An owner or admin can turn `keysMayDecideCritical` back on."),
    LiveKeyRequired => ("live-key-required", "Live key required", 403, "Workspace configuration (keys, webhooks, rules, policy settings, groups, channels, the audit log, deleting agents) is never open to a test key: test keys touch only test data. Use a live key (`hitl_live_…`) with the `admin` scope."),
    AgentPinned => ("agent-pinned", "Agent pinned to another key", 403, "An owner or admin pinned this agent to one API key: only that key may report as the agent (heartbeat, control, pauses naming it) or control it by key. The agent's page in the dashboard shows the key and can unpin it."),
    TooManyPending => ("too-many-pending", "Too many pending pauses", 429, "The agent named in the request already has 1,000 pauses waiting for a decision. Wait for decisions, cancel some, or cancel the agent's run; there is no `Retry-After`: time alone frees no slot."),
    NotFound => ("not-found", "Not found", 404, "No such resource in your workspace."),
    Conflict => ("conflict", "Conflict", 409, "The request conflicts with what is stored: the pause is no longer pending (`current` holds it as it now stands), an agent or run was cancelled, or a name (a rule's) is already taken. `detail` says which."),
    PayloadTooLarge => ("payload-too-large", "Payload too large", 413, "Request bodies are limited to 256 KiB and `context` to 64 KiB."),
    UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type", 415, "Send `Content-Type: application/json`."),
    QuotaExceeded => ("quota-exceeded", "Monthly pause quota exceeded", 429, "The workspace used this month's pauses on its plan. `Retry-After` says when the month turns (UTC)."),
    IdempotencyKeyReused => ("idempotency-key-reused", "Idempotency key reused", 422, "An Idempotency-Key was reused with a different body. Use a new key for a new request."),
    TooManyRequests => ("too-many-requests", "Too many requests", 429, "Slow down; `Retry-After` says for how long."),
    RateLimited => ("rate-limited", "API key rate limit exceeded", 429, "This API key sent more requests than its per-second limit. `Retry-After` says when to send the next; `RateLimit-Policy` and `RateLimit` name the policy."),
    RequestTimeout => ("request-timeout", "Request timeout", 408, "The request body did not arrive within the server's body timeout. Send it again at once, in one go."),
    Unavailable => ("unavailable", "Service unavailable", 503, "The service cannot answer right now; retry later."),
    TooManyWaiters => ("too-many-waiters", "Too many long-polls", 503, "The server, or this API key, holds its maximum of long-polls. Retry after `Retry-After` seconds; a request without `wait` is answered at once."),
    StorageFull => ("storage-full", "Storage full", 503, "The disk holding the server's data is full: nothing was written. Retry after `Retry-After` seconds; reads and long-polls keep working."),
    Internal => ("internal", "Internal server error", 500, "An unexpected failure; the server log has the cause."),
    MethodNotAllowed => ("method-not-allowed", "Method not allowed", 405, "This path does not accept that HTTP method."),
}

impl ProblemType {
    pub const fn slug(self) -> &'static str {
        self.parts().0
    }

    pub const fn title(self) -> &'static str {
        self.parts().1
    }

    pub fn status(self) -> StatusCode {
        StatusCode::from_u16(self.parts().2).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub const fn doc(self) -> &'static str {
        self.parts().3
    }

    /// The `type` member: a relative URI, resolved against the server's own address.
    pub fn uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.slug() == slug)
    }
}

/// A problem's `type` in the OpenAPI document: one of [`ProblemType::ALL`]'s URIs, each listed
/// with its title, status and text under `x-problem-types`.
pub struct ProblemTypeUri;

impl utoipa::PartialSchema for ProblemTypeUri {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::extensions::ExtensionsBuilder;
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let types: Vec<Value> = ProblemType::ALL
            .iter()
            .map(|p| {
                serde_json::json!({
                    "type": p.uri(), "slug": p.slug(), "title": p.title(),
                    "status": p.status().as_u16(), "description": p.doc(),
                })
            })
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "The problem type, relative to the server: `/problems/{slug}` serves its text.",
            ))
            .enum_values(Some(ProblemType::ALL.iter().map(|p| p.uri())))
            .extensions(Some(
                ExtensionsBuilder::new()
                    .add("x-problem-types", types)
                    .build(),
            ))
            .into()
    }
}

impl utoipa::ToSchema for ProblemTypeUri {}

/// An RFC 9457 problem body. Members in this order (the JSON keeps declaration order).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Problem)]
pub struct ProblemBody {
    #[serde(rename = "type")]
    #[schema(value_type = ProblemTypeUri)]
    pub type_uri: String,
    #[schema(value_type = String)]
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The offending field, on `validation-failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The scope the key lacks, on `insufficient-scope`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub scope: Option<&'static str>,
    /// The resource as it now stands, on a `conflict`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<Value>,
    /// Where to step up and decide, on `step-up-required`.
    #[serde(rename = "stepUpUrl", skip_serializing_if = "Option::is_none")]
    pub step_up_url: Option<String>,
}

impl ProblemBody {
    pub fn new(problem: ProblemType, detail: String) -> Self {
        ProblemBody {
            type_uri: problem.uri(),
            title: problem.title(),
            status: problem.status().as_u16(),
            detail,
            field: None,
            scope: None,
            current: None,
            step_up_url: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_slug_is_unique() {
        let mut slugs: Vec<_> = ProblemType::ALL.iter().map(|p| p.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemType::ALL.len());
    }

    #[test]
    fn every_problem_type_is_found_by_its_slug_and_has_a_status_and_text() {
        for &p in ProblemType::ALL {
            assert_eq!(ProblemType::from_slug(p.slug()), Some(p));
            assert_eq!(p.status().as_u16(), p.parts().2, "{}", p.slug());
            assert!(!p.title().is_empty() && !p.doc().is_empty());
        }
    }
}
