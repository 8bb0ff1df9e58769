//! What each kind of pause accepts as a response: a question is answered, and only a question.
//! Kept apart from `respond` so that each kind's rule is a few lines in one place.

use super::{too_late, Pause, RespondError, Response, Status};
use crate::domain::kind::Kind;
use crate::domain::questions;
use crate::domain::Millis;

/// Whether `response` fits the pause's kind, and the `response_json` it records. A question
/// is only answered, and only a question: checked before the answers, so that a pause already
/// settled answers 409 like an approval does, whatever the late answers say.
pub(super) fn checked_response(
    pause: &Pause,
    response: &Response,
    now: Millis,
) -> Result<Option<String>, RespondError> {
    match (pause.kind, response) {
        (Kind::Question, Response::Answer { answers }) => {
            if pause.status(now) != Status::Pending {
                return Err(too_late(pause.clone(), now));
            }
            let asked = questions::questions_of(pause.request_json.as_deref()).unwrap_or_default();
            let checked =
                questions::check_answers(&asked, answers).map_err(RespondError::InvalidAnswer)?;
            Ok(Some(questions::response_json(&checked)))
        }
        (Kind::Question, _) => Err(RespondError::WrongKind(
            "this pause asks questions, so it is answered, not approved or rejected: \
             `POST /api/pause/:watchId/answer` with `{\"answers\": {...}}`"
                .into(),
        )),
        (kind, Response::Answer { .. }) => Err(RespondError::WrongKind(format!(
            "only pauses of kind `question` are answered; this one is `{kind}`: \
             approve or reject it with `POST /api/pause/:watchId/approve`"
        ))),
        _ => Ok(None),
    }
}
