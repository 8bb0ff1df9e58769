//! What a person (or a key, later a policy) answers to a pause, and which answers fit which
//! kind of pause; [`super::respond`] checks the rest and records it.

use serde_json::{Map, Value};

use super::event_type::EventType;
use super::kind::Kind;
use super::pauses::Status;
use super::respond::RespondError;

/// What a person answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// `edits`: new values for keys of the context the pause declared `editable`.
    Approve {
        reason: Option<String>,
        edits: Option<Map<String, Value>>,
    },
    /// `option`: the name of one of the pause's `rejectOptions`.
    Reject {
        reason: Option<String>,
        option: Option<String>,
    },
    /// A plan sent back: `feedback` is required, and is the pause's `reason`. A reject of a
    /// plan becomes this ([`Response::for_kind`]): a plan is never rejected.
    RequestChanges { feedback: Option<String> },
    /// Answers to a question pause as the person sent them: checked against its questions in
    /// the transaction that records them (see [`check_answers`](crate::domain::questions::check_answers)).
    Answer { answers: Map<String, Value> },
}

impl Response {
    pub fn new(approved: bool, reason: Option<String>) -> Response {
        if approved {
            Response::Approve {
                reason,
                edits: None,
            }
        } else {
            Response::Reject {
                reason,
                option: None,
            }
        }
    }

    /// A decision with its extras: edits come only with an approval, a reject option only
    /// with a rejection (whether they fit the pause is [`respond`]'s to check).
    pub fn decision(
        approved: bool,
        reason: Option<String>,
        edits: Option<Map<String, Value>>,
        option: Option<String>,
    ) -> Result<Response, RespondError> {
        match (approved, edits, option) {
            (false, Some(_), _) => Err(RespondError::Invalid {
                field: "edits",
                detail: "`edits` come only with an approval (`approved: true`)".into(),
            }),
            (true, _, Some(_)) => Err(RespondError::Invalid {
                field: "rejectOption",
                detail: "`rejectOption` comes only with a rejection (`approved: false`)".into(),
            }),
            (true, edits, None) => Ok(Response::Approve { reason, edits }),
            (false, None, option) => Ok(Response::Reject { reason, option }),
        }
    }

    pub(super) fn reason(&self) -> Option<&str> {
        match self {
            Response::Approve { reason, .. } | Response::Reject { reason, .. } => reason.as_deref(),
            Response::RequestChanges { feedback } => feedback.as_deref(),
            Response::Answer { .. } => None,
        }
    }

    /// As stored in `pause_responses.kind`.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Response::Approve { .. } => "approve",
            Response::Reject { .. } => "reject",
            Response::RequestChanges { .. } => "request_changes",
            Response::Answer { .. } => "answer",
        }
    }

    pub(super) fn resolves_to(&self) -> Status {
        match self {
            Response::Approve { .. } => Status::Approved,
            Response::Reject { .. } => Status::Rejected,
            Response::RequestChanges { .. } => Status::ChangesRequested,
            Response::Answer { .. } => Status::Answered,
        }
    }

    pub(super) fn event(&self) -> EventType {
        match self {
            Response::Approve { .. } => EventType::PauseApproved,
            Response::Reject { .. } => EventType::PauseRejected,
            Response::RequestChanges { .. } => EventType::PauseChangesRequested,
            Response::Answer { .. } => EventType::PauseAnswered,
        }
    }

    /// The response as it applies to a pause of `kind`: "no" to a plan requests changes. Only
    /// a plan takes a request for changes.
    pub(super) fn for_kind(self, kind: Kind) -> Result<Response, RespondError> {
        match (kind, self) {
            (
                Kind::Plan,
                Response::Reject {
                    reason,
                    option: None,
                },
            ) => Ok(Response::RequestChanges { feedback: reason }),
            (Kind::Plan, Response::Reject { .. }) => Err(RespondError::Invalid {
                field: "rejectOption",
                detail: "a plan offers no reject options: send feedback in `reason`".into(),
            }),
            (Kind::Plan, r) => Ok(r),
            (_, Response::RequestChanges { .. }) => Err(RespondError::NotAPlan),
            (_, r) => Ok(r),
        }
    }
}
