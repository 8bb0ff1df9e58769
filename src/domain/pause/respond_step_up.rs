//! Step-up among [`respond`](super::respond)'s checks: a pause that needs it
//! ([`step_up`]) is decided only by a person whose session used a second factor within the last
//! five minutes, never through a path that cannot ask for one (an email link, a push button,
//! a batch),
//! and by a key only while the workspace lets keys decide such pauses.

use crate::db::sql::Connection;

use super::{Pause, RespondError, Responder, Via};
use crate::domain::identity::step_up;
use crate::domain::Millis;
use crate::error::AppResult;

/// The refusal, if `responder` may not decide `pause` at `now` for want of a step-up.
pub(super) fn refusal(
    conn: &Connection,
    now: Millis,
    responder: Responder,
    pause: &Pause,
) -> AppResult<Option<RespondError>> {
    if matches!(responder, Responder::Policy { .. }) {
        return Ok(None);
    }
    let settings = step_up::get(conn, pause.workspace_id)?;
    if !settings.pause_needs(pause) {
        return Ok(None);
    }
    Ok(match responder {
        Responder::User { auth, via, .. } if via != Via::Batch && auth.fresh_factor(now) => None,
        Responder::User { .. } | Responder::EmailLink { .. } | Responder::PushLink { .. } => {
            Some(RespondError::StepUpRequired)
        }
        Responder::ApiKey { .. } if settings.keys_may_decide_critical => None,
        Responder::ApiKey { .. } => Some(RespondError::KeyMayNotDecideCritical),
        Responder::Policy { .. } => None,
    })
}
