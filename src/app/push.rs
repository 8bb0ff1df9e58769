//! A phone push's Approve or Reject button (`POST /n/:token`): the token is looked up, checked
//! (unknown, used, lapsed) and, if good, its person responds through the one `respond` command,
//! which uses the link up in the same transaction as the vote or decision it records.

use crate::domain::pauses;
use crate::domain::push_links;
use crate::domain::respond::{self, RespondError, Responded, Responder, Response};
use crate::error::AppResult;
use crate::services::Services;

/// Why a button did nothing before any rule was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    Unknown,
    Used,
    Expired,
    /// The pause needs step-up, which a button cannot give: its page (by watch id) decides it.
    StepUp(uuid::Uuid),
}

pub type Pressed = Result<Result<Responded, RespondError>, LinkRefusal>;

pub async fn press(s: &Services, token: String, approve: bool) -> AppResult<Pressed> {
    let now = s.now();
    s.writer
        .run(move |ctx| {
            let Some(link) = push_links::find(ctx.conn, &token)? else {
                return Ok(Err(LinkRefusal::Unknown));
            };
            if link.used_at.is_some() {
                return Ok(Err(LinkRefusal::Used));
            }
            if now >= link.expires_at {
                return Ok(Err(LinkRefusal::Expired));
            }
            let Some(pause) = pauses::get_by_id(ctx.conn, link.pause_id)? else {
                return Ok(Err(LinkRefusal::Unknown));
            };
            let response = match Response::decision(approve, None, None, None) {
                Ok(r) => r,
                Err(refused) => return Ok(Ok(Err(refused))),
            };
            let responder = Responder::PushLink {
                user_id: link.user_id,
                link_id: link.id,
            };
            Ok(
                match respond::respond(ctx, now, responder, &pause.watch_id, response)? {
                    Err(RespondError::StepUpRequired) => Err(LinkRefusal::StepUp(pause.watch_id)),
                    other => Ok(other),
                },
            )
        })
        .await
}
