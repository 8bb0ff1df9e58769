//! Batch decisions: a person approves or rejects many pauses of the queue at once. Each pause is
//! decided on its own by [`super::respond::respond`], the path a single decision takes, so each
//! gets the same rules, its own transaction, audit row and notifications, and one refusal or
//! late answer does not hold up the others. What a batch adds is only which pauses it may touch:
//! those of the session's mode (live or test), and never a question or a plan, which are
//! answered or reviewed on their own page.

use uuid::Uuid;

use crate::domain::history::Scope;
use crate::domain::identity::auth_context::AuthContext;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::domain::kind::Kind;
use crate::domain::pauses::{self, Pause, Status};
use crate::domain::respond::{
    reason_too_long, RespondError, Responder, Response, Via, MAX_REASON_CHARS,
};
use crate::domain::text;
use crate::error::AppResult;
use crate::services::Services;

/// The most pauses one batch decides: the queue lists at most this many.
pub const MAX_BATCH: usize = 200;

/// A checked batch: 1 to [`MAX_BATCH`] pauses, each once, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    watch_ids: Vec<Uuid>,
    approve: bool,
    reason: Option<String>,
}

/// Why a batch was refused as a whole; nothing was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    NoPauses,
    TooMany(usize),
    ReasonTooLong,
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchError::NoPauses => write!(f, "select at least one pause to decide"),
            BatchError::TooMany(n) => write!(
                f,
                "a batch decides at most {MAX_BATCH} pauses at once ({n} were selected)"
            ),
            BatchError::ReasonTooLong => {
                write!(f, "the reason has at most {MAX_REASON_CHARS} characters")
            }
        }
    }
}

impl Batch {
    /// `watch_ids` as the form sent them: counted as sent, a repeated id then decided once.
    pub fn new(
        watch_ids: Vec<Uuid>,
        approve: bool,
        reason: Option<String>,
    ) -> Result<Batch, BatchError> {
        match watch_ids.len() {
            0 => return Err(BatchError::NoPauses),
            n if n > MAX_BATCH => return Err(BatchError::TooMany(n)),
            _ => {}
        }
        let reason = text::reason(reason.as_deref());
        if reason_too_long(reason.as_deref()) {
            return Err(BatchError::ReasonTooLong);
        }
        let mut unique: Vec<Uuid> = Vec::with_capacity(watch_ids.len());
        for id in watch_ids {
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        Ok(Batch {
            watch_ids: unique,
            approve,
            reason,
        })
    }

    pub fn watch_ids(&self) -> &[Uuid] {
        &self.watch_ids
    }
}

/// Who decides a batch, and in which mode their session is (test pauses, or live ones).
#[derive(Debug, Clone, Copy)]
pub struct Approver {
    pub user_id: UserId,
    pub workspace_id: WorkspaceId,
    pub test: bool,
    /// How their session authenticated (recorded with each decision). A pause that needs
    /// step-up is always left pending: a batch cannot ask for a second factor per pause.
    pub auth: AuthContext,
}

/// What became of one pause of a batch.
#[derive(Debug)]
pub enum Outcome {
    /// Decided by this batch: the pause says how (approved or rejected).
    Decided(Pause),
    /// The approval was counted, and the pause still waits for more (a quorum).
    VoteRecorded(Pause),
    /// Someone else decided first (or the agent cancelled it): the pause says who, what, when.
    AlreadySettled(Pause),
    Expired(Pause),
    /// Not decided, and why.
    NotAllowed(Pause, Refusal),
    /// No such pause in the workspace, or one of the other mode.
    NotFound,
}

/// Why a pause was left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A question is answered on its page.
    Question,
    /// A plan is approved, or sent back with feedback, on its page.
    Plan,
    /// The workspace requires a reason to reject, and the batch has none.
    ReasonRequired,
    /// The pause needs a recent second factor, which a batch cannot ask for: it stays pending
    /// and is decided on its page.
    StepUp,
    /// Another rule of [`respond`](crate::domain::respond::respond), in its words.
    Rule(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Question => write!(f, "questions are answered on their page"),
            Refusal::Plan => write!(f, "plans are approved on their page"),
            Refusal::ReasonRequired => write!(f, "a reason is required to reject this pause"),
            Refusal::StepUp => write!(
                f,
                "needs step-up: decide it on its page, with a second factor"
            ),
            Refusal::Rule(why) => write!(f, "{why}"),
        }
    }
}

/// One pause of a batch and what became of it.
#[derive(Debug)]
pub struct Row {
    pub watch_id: Uuid,
    pub outcome: Outcome,
}

/// Decides each pause of `batch` in turn, as `who`; the rows in the batch's order. The outer
/// error is a failure of the database: the pauses decided before it stay decided, as if they
/// had been decided one by one.
pub async fn decide(services: &Services, who: Approver, batch: Batch) -> AppResult<Vec<Row>> {
    let ids = batch.watch_ids.clone();
    let scope = Scope::mode(who.workspace_id, who.test);
    let found: Vec<Option<Pause>> = services
        .read_blocking(move |conn| {
            ids.iter()
                .map(|id| pauses::get_in(conn, scope, id))
                .collect::<AppResult<Vec<_>>>()
        })
        .await?;
    let now = services.now();
    let mut rows = Vec::with_capacity(found.len());
    for (watch_id, pause) in batch.watch_ids.iter().copied().zip(found) {
        let outcome = match pause {
            None => Outcome::NotFound,
            Some(p) if p.status(now) != Status::Pending => settled(p, now),
            Some(p) => match refused_kind(&p) {
                Some(refusal) => Outcome::NotAllowed(p, refusal),
                None => decide_one(services, who, &batch, p).await?,
            },
        };
        rows.push(Row { watch_id, outcome });
    }
    Ok(rows)
}

/// Questions and plans are never decided in a batch: each needs its own page (answers, or
/// feedback on a plan). A pause that required an edit or a reject option would be refused here
/// too; none can require one today.
fn refused_kind(p: &Pause) -> Option<Refusal> {
    match p.kind {
        Kind::Approval => None,
        Kind::Question => Some(Refusal::Question),
        Kind::Plan => Some(Refusal::Plan),
    }
}

/// A pause that is no longer pending, as its row says it:
/// who settled it matters more than a rule the batch would have broken. Its mode and kind never
/// change, and a settled pause stays settled, so the read before the decision is enough for a
/// pause the batch does not decide.
fn settled(p: Pause, now: crate::domain::Millis) -> Outcome {
    match p.status(now) {
        Status::Expired => Outcome::Expired(p),
        _ => Outcome::AlreadySettled(p),
    }
}

/// One pause through the one `respond` command, its refusal as the row says it.
async fn decide_one(
    services: &Services,
    who: Approver,
    batch: &Batch,
    p: Pause,
) -> AppResult<Outcome> {
    let responder = Responder::User {
        user_id: who.user_id,
        via: Via::Batch,
        auth: who.auth,
    };
    let response = Response::new(batch.approve, batch.reason.clone());
    let answered = super::respond::respond(services, responder, p.watch_id, response).await?;
    let now = services.now();
    Ok(match answered {
        Ok(done) if done.pause.status(now) == Status::Pending => Outcome::VoteRecorded(done.pause),
        Ok(done) => Outcome::Decided(done.pause),
        Err(refused) => outcome_of(refused, p),
    })
}

fn outcome_of(refused: RespondError, p: Pause) -> Outcome {
    let why = match refused {
        RespondError::NotFound => return Outcome::NotFound,
        RespondError::AlreadyDecided(p) | RespondError::Cancelled(p) => {
            return Outcome::AlreadySettled(*p)
        }
        RespondError::Expired(p) => return Outcome::Expired(*p),
        RespondError::ReasonRequired => Refusal::ReasonRequired,
        RespondError::StepUpRequired => Refusal::StepUp,
        RespondError::NotPermitted => Refusal::Rule("your account is disabled".into()),
        RespondError::ReasonTooLong => Refusal::Rule("the reason is too long".into()),
        RespondError::WrongKind(why) | RespondError::Invalid { detail: why, .. } => {
            Refusal::Rule(why)
        }
        RespondError::InvalidAnswer(e) => Refusal::Rule(e.detail.to_string()),
        RespondError::AlreadyVoted(_) => Refusal::Rule("you already voted on it".into()),
        RespondError::NotInGroup { group } => Refusal::Rule(format!(
            "it is routed to group {group}, which you are not in"
        )),
        RespondError::SelfApproval => Refusal::Rule("you created the key that asked".into()),
        RespondError::SelfDecision
        | RespondError::InsufficientScope(_)
        | RespondError::KeyMayNotDecideCritical
        | RespondError::FeedbackRequired
        | RespondError::NotAPlan => Refusal::Rule("this pause cannot be decided in a batch".into()),
    };
    Outcome::NotAllowed(p, why)
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
