//! The one way a person responds to a pause.
//!
//! Every entry point (the API's JSON, the dashboard's form, an email's one-click link; later
//! Slack, MCP and policies) turns its input into a [`Response`], names its [`Responder`], runs
//! [`respond`] inside the writer's transaction and only translates the answer. The rules live
//! here once, and everything they read (the responder, the workspace's rules, the pause) is read
//! in the transaction that records the response: a setting changed a moment ago, or another
//! approver who answered first, is seen.

use crate::db::sql::Connection;
use serde_json::Value;
use uuid::Uuid;

use super::deciders::{self, ActiveResponder};
use super::pauses::{self, Pause, Status};
use super::questions::AnswerError;
use super::scopes::KeyScope;
use super::{approval_extras, text, workspaces, Millis};
use crate::db::WriteCtx;
use crate::domain::identity::auth_context::AuthContext;
use crate::domain::ids::{ApiKeyId, UserId, WorkspaceId};
use crate::error::AppResult;

pub use super::response::Response;

/// The longest reason a person may give, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

/// How a response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The dashboard's HTML form.
    Dashboard,
    /// `POST /api/pause/:watchId/approve` with JSON (a script, the dashboard's JS, or a
    /// backend with a `decide` key).
    Api,
    /// The confirmation page behind a one-click link in an approval email.
    EmailLink,
    /// A decision policy, as the pause was created.
    Policy,
    /// The Approve or Reject button of a phone push (ntfy) to the person's own topic.
    Push,
    /// The inbox's batch decision: a signed-in person, many pauses at once, and no way to ask
    /// for a second factor per pause, so it never decides one that needs step-up.
    Batch,
}

impl Via {
    /// As written in audit rows' `via` and in `pause_responses.via` (unchanged since 0.1).
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Dashboard => "dashboard",
            Via::Api => "api",
            Via::EmailLink => "email link",
            Via::Policy => "policy",
            Via::Push => "push",
            Via::Batch => "batch",
        }
    }
}

/// Who responds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responder {
    /// A signed-in person (dashboard form, or JSON with a session), and how their session
    /// authenticated (for step-up, and the decision's rows).
    User {
        user_id: UserId,
        via: Via,
        auth: AuthContext,
    },
    /// The approver a one-click email link was sent to: the link is used up by a recorded
    /// response, and only then.
    EmailLink { user_id: UserId, link_id: i64 },
    /// The person a phone push's button was sent to: the same rule, with a push link.
    PushLink { user_id: UserId, link_id: i64 },
    /// A backend deciding through the API with a key: one with the `decide` scope, or a test
    /// key deciding its own test pause (see [`deciders::key_may_decide`]).
    ApiKey { key_id: ApiKeyId },
    /// The decision policy, deciding a pause in the transaction that creates it: what it
    /// decides, and in whose name, is the verdict stored with the pause.
    Policy { workspace_id: WorkspaceId },
}

impl Responder {
    pub fn via(self) -> Via {
        match self {
            Responder::User { via, .. } => via,
            Responder::EmailLink { .. } => Via::EmailLink,
            Responder::PushLink { .. } => Via::Push,
            Responder::ApiKey { .. } => Via::Api,
            Responder::Policy { .. } => Via::Policy,
        }
    }
}

/// A recorded response and the pause it resolved.
#[derive(Debug)]
pub struct Responded {
    pub pause: Pause,
    pub response_id: i64,
}

/// Why a response was not recorded. Nothing was written.
#[derive(Debug)]
pub enum RespondError {
    /// No such pause in the responder's workspace.
    NotFound,
    /// The responder's account is gone or disabled, or its key revoked.
    NotPermitted,
    /// A key may not decide a pause it created itself (a live key; see
    /// [`deciders::key_may_decide`]).
    SelfDecision,
    /// `noSelfApproval`: this person created the key that made the pause.
    SelfApproval,
    /// The pause is routed to a group this decider is not in (nor, after an escalation, in the
    /// escalation group).
    NotInGroup {
        group: String,
    },
    /// This decider already voted on the pause (the same person by any path, or the same key).
    AlreadyVoted(Box<Pause>),
    /// The key lacks this scope.
    InsufficientScope(KeyScope),
    /// The pause needs step-up ([`crate::domain::identity::step_up`]) and this person's last
    /// second factor is not recent, or the path (email link, push) cannot ask for one.
    StepUpRequired,
    /// The pause needs step-up and the workspace's `keysMayDecideCritical` is off.
    KeyMayNotDecideCritical,
    /// Someone answered first: the pause says who (`decided_by`), what and when.
    AlreadyDecided(Box<Pause>),
    Cancelled(Box<Pause>),
    /// Expired, whether the sweep has written it yet or not.
    Expired(Box<Pause>),
    /// The workspace requires a reason to reject, and none (or only invisible characters) came.
    ReasonRequired,
    /// Longer than [`MAX_REASON_CHARS`].
    ReasonTooLong,
    /// Changes requested on a plan without feedback (whatever the workspace's reason rule).
    FeedbackRequired,
    /// A request for changes on a pause that is not a plan.
    NotAPlan,
    /// The response does not fit the pause's kind (approving a question, answering an
    /// approval): why, for the caller.
    WrongKind(String),
    /// An answer that does not fit its question.
    InvalidAnswer(AnswerError),
    /// The response does not fit the pause (an undeclared edit, an unknown reject option) or
    /// mixes an approval's extras with a rejection's.
    Invalid {
        field: &'static str,
        detail: String,
    },
}

/// Checks `response` against the responder, the workspace's rules and the pause, then resolves
/// the pause with a compare-and-set on its status, records the response, and writes the event
/// (audit row, webhooks, callback, Slack follow-up). A refusal writes nothing; a database
/// failure is the outer error, so the writer rolls the job back.
pub fn respond(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    responder: Responder,
    watch_id: &Uuid,
    response: Response,
) -> AppResult<Result<Responded, RespondError>> {
    let conn = ctx.conn;
    let Some(who) = deciders::active_responder(conn, now, responder)? else {
        return Ok(Err(RespondError::NotPermitted));
    };
    let Some(pause) = pauses::get(conn, who.workspace_id, watch_id)? else {
        return Ok(Err(RespondError::NotFound));
    };
    if pause.status(now) != Status::Pending {
        return Ok(Err(too_late(pause, now)));
    }
    let checked = match check(conn, now, (&who, responder), &pause, response)? {
        Ok(checked) => checked,
        Err(refused) => return Ok(Err(refused)),
    };
    let tally = match votes::admit(conn, (&who, responder), &pause, &checked.response)? {
        Ok(tally) => tally,
        Err(refused) => return Ok(Err(refused)),
    };
    if let Some(refused) = step_up_check::refusal(conn, now, responder, &pause)? {
        return Ok(Err(refused));
    }
    // The vote row goes in first, so its unique index refuses a second vote by the same
    // decider before anything else is written; a refusal after it rolls the savepoint back.
    in_savepoint(conn, || match tally {
        Tally::Counts => count(ctx, now, (&who, responder), &pause, checked),
        Tally::Decides => decide(ctx, now, (&who, responder), &pause, checked),
    })
}

/// A response that passed every rule, ready to record.
struct Checked {
    response: Response,
    reason: Option<String>,
    response_json: Option<String>,
    /// What an approval's edits or reject option add to the audit row's details.
    extras_audit: serde_json::Map<String, Value>,
}

/// Every rule a response must pass, in order: the key's separation of duties, the kind of
/// pause, the reason rules, the answer's fit, an approval's edits and reject option.
fn check(
    conn: &Connection,
    now: Millis,
    (who, responder): (&ActiveResponder, Responder),
    pause: &Pause,
    response: Response,
) -> AppResult<Result<Checked, RespondError>> {
    if let Some(Err(refused)) = who.key.map(|k| deciders::key_may_decide(&k, pause)) {
        return Ok(Err(refused));
    }
    let by_policy = matches!(responder, Responder::Policy { .. });
    if by_policy && !deciders::policy_may_decide(pause, &response) {
        return Ok(Err(RespondError::NotPermitted));
    }
    let response = match response.for_kind(pause.kind) {
        Ok(r) => r,
        Err(refused) => return Ok(Err(refused)),
    };
    let reason = text::reason(response.reason());
    // A workspace's "reason required" asks people; a policy's rejection gives its rule's note.
    let reason_rules = check_reason(conn, who.workspace_id, &response, reason.as_deref())?;
    if let Some(refused) = reason_rules.filter(|_| !by_policy) {
        return Ok(Err(refused));
    }
    let response_json = match checked_response(pause, &response, now) {
        Ok(json) => json,
        Err(refused) => return Ok(Err(refused)),
    };
    // An approval's edits or reject option (approval_extras): none for other kinds.
    let extras = match approval_extras::check(pause, &response) {
        Ok(checked) => checked,
        Err(refused) => return Ok(Err(refused)),
    };
    Ok(Ok(Checked {
        response_json: response_json.or(extras.response_json),
        response,
        reason,
        extras_audit: extras.audit,
    }))
}

/// The reason rules: a length limit for all, required for a plan's feedback, and required to
/// reject when the workspace says so.
/// Whether `reason` is over [`MAX_REASON_CHARS`]: also checked before a batch decides anything.
pub fn reason_too_long(reason: Option<&str>) -> bool {
    reason.is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
}

fn check_reason(
    conn: &Connection,
    workspace_id: WorkspaceId,
    response: &Response,
    reason: Option<&str>,
) -> AppResult<Option<RespondError>> {
    if reason_too_long(reason) {
        return Ok(Some(RespondError::ReasonTooLong));
    }
    Ok(match (response, reason) {
        (Response::RequestChanges { .. }, None) => Some(RespondError::FeedbackRequired),
        // A picked reject option is a reason.
        (Response::Reject { option: None, .. }, None)
            if workspaces::get(conn, workspace_id)?.reject_reason_required =>
        {
            Some(RespondError::ReasonRequired)
        }
        _ => None,
    })
}

/// The pause was not pending (any more): what it had become.
fn too_late(pause: Pause, now: Millis) -> RespondError {
    let status = pause.status(now);
    let pause = Box::new(pause);
    match status {
        Status::Cancelled => RespondError::Cancelled(pause),
        Status::Expired | Status::Pending => RespondError::Expired(pause),
        _ => RespondError::AlreadyDecided(pause),
    }
}

#[path = "respond_kinds.rs"]
mod kinds;
use kinds::checked_response;
#[path = "respond_resolve.rs"]
mod resolve;
use resolve::{count, decide, in_savepoint};
#[path = "respond_votes.rs"]
mod votes;
use votes::Tally;
#[path = "respond_record.rs"]
mod recording;
#[path = "respond_step_up.rs"]
mod step_up_check;

#[cfg(test)]
#[path = "respond_rules_tests.rs"]
mod rules_tests;
#[cfg(test)]
#[path = "respond_step_up_tests.rs"]
mod step_up_tests;
#[cfg(test)]
#[path = "respond_tests.rs"]
mod tests;
