//! The decision behind an email link's confirmation form, on the writer: the link is checked
//! again (a second POST may have won meanwhile), the approver responds, and a ticked "Always
//! allow" remembers the approval as a rule, all in one transaction.

use super::format::sentence;
use super::one_click::{find, Found};
use crate::db::WriteCtx;
use crate::domain::audit::Actor;
use crate::domain::policy::remember::{self, Remember};
use crate::domain::respond::{RespondError, Responder, Response};
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

/// "Always allow" from the form: the box and its days (blank: no expiry). Only with Approve;
/// the days' range is the domain's ([`remember::check`]). A refusal is the page's message.
pub fn from_form(ticked: &str, approved: &str, days: &str) -> Result<Option<Remember>, String> {
    if ticked.is_empty() {
        return Ok(None);
    }
    if approved != "true" {
        return Err(
            "Only an approval can be remembered: untick “Always allow” to reject. Nothing was \
             decided."
                .into(),
        );
    }
    let expires_in_days =
        remember::days_typed(days).map_err(|why| format!("{why}. Nothing was decided."))?;
    Ok(Some(Remember { expires_in_days }))
}

/// A refusal comes back with the form to show again. What makes remembering impossible is
/// checked before the response; an error after it (a rule name too long) is returned, so the
/// writer undoes the response too, and the caller shows it as the page's message.
pub fn decide_by_link(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    token: &str,
    response: Response,
    remembered: Option<Remember>,
) -> AppResult<(Found, Option<String>)> {
    let found = find(ctx.conn, token, now)?;
    let Found::Open(link, pause, user) = &found else {
        return Ok((found, None));
    };
    if let Some(r) = remembered {
        if let Err(e) = remember::check(pause, r) {
            return Ok((found, Some(refusal_text(&e))));
        }
    }
    let responder = Responder::EmailLink {
        user_id: user.id,
        link_id: link.id,
    };
    let actor = Actor::User(user.id);
    let (who, watch_id) = ((responder, actor), pause.watch_id);
    let refused =
        match remember::respond_remembering(ctx, now, who, &watch_id, response, remembered)? {
            Ok(done) => return Ok((Found::Decided(done.pause), None)),
            Err(refused) => refused,
        };
    Ok(match refused {
        RespondError::AlreadyDecided(p) | RespondError::Cancelled(p) | RespondError::Expired(p) => {
            (Found::Decided(*p), None)
        }
        RespondError::ReasonRequired => (
            found,
            Some("This workspace requires a reason to reject.".into()),
        ),
        RespondError::ReasonTooLong => (
            found,
            Some("The reason is too long (at most 2,000 characters).".into()),
        ),
        RespondError::Invalid { detail, .. } => (found, Some(format!("{detail}."))),
        RespondError::InvalidAnswer(e) => (found, Some(capitalised(&e.detail))),
        RespondError::WrongKind(detail) => (found, Some(detail)),
        RespondError::FeedbackRequired => (
            found,
            Some("Say what to change: feedback is required to request changes to a plan.".into()),
        ),
        RespondError::NotAPlan => (
            found,
            Some("Only a plan can be sent back for changes.".into()),
        ),
        // `find` shows such a pause's link to its page instead of a form; in a race, the same.
        RespondError::StepUpRequired => (find(ctx.conn, token, now)?, None),
        RespondError::AlreadyVoted(_) => (found, Some("You already voted on this pause.".into())),
        RespondError::SelfApproval => (
            found,
            Some("You created the key that asked, and this workspace does not let you vote on its pauses.".into()),
        ),
        RespondError::NotInGroup { group } => (
            found,
            Some(format!("This pause is routed to group {group}, and you are not in it.")),
        ),
        // `find` has just checked both (and a person is no key); the page explains what it
        // finds now.
        RespondError::NotFound
        | RespondError::NotPermitted
        | RespondError::SelfDecision
        | RespondError::InsufficientScope(_)
        | RespondError::KeyMayNotDecideCritical => (find(ctx.conn, token, now)?, None),
    })
}

/// A domain refusal (lower-case, naming API fields) as the page's sentence.
pub fn refusal_text(e: &AppError) -> String {
    format!("{} Nothing was decided.", sentence(&e.detail()))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str() + ".")
        .unwrap_or_default()
}
