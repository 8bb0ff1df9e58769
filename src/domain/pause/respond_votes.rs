//! Quorum voting inside [`respond`](super::respond): who may vote on a pause (its routed group,
//! after an escalation the escalation group too; never twice; with `noSelfApproval`, not the
//! person whose key asked), and whether a vote decides it (one rejection does; approvals do once
//! enough different deciders gave one) or is only recorded.

use crate::db::sql::{params, Connection};

use super::{RespondError, Responder, Response};
use crate::domain::deciders::ActiveResponder;
use crate::domain::pauses::Pause;
use crate::domain::policy::approvals::{self, ApprovalSettings};
use crate::domain::users::{self, Role};
use crate::error::AppResult;

/// What a vote does to its pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tally {
    /// It decides the pause (the quorum is reached, or it is a rejection or an answer).
    Decides,
    /// It is recorded and the pause stays pending.
    Counts,
}

/// Checks that this decider may vote on `pause` and has not yet, and says what the vote does.
/// A policy deciding at creation is no voter: it decides.
pub(super) fn admit(
    conn: &Connection,
    (who, responder): (&ActiveResponder, Responder),
    pause: &Pause,
    response: &Response,
) -> AppResult<Result<Tally, RespondError>> {
    if matches!(responder, Responder::Policy { .. }) {
        return Ok(Ok(Tally::Decides));
    }
    let settings = approvals::get(conn, who.workspace_id)?;
    if let Some(refused) = refusal(conn, who, pause, &settings)? {
        return Ok(Err(refused));
    }
    if voted(who, pause) {
        return Ok(Err(RespondError::AlreadyVoted(Box::new(pause.clone()))));
    }
    let Response::Approve { edits, .. } = response else {
        return Ok(Ok(Tally::Decides));
    };
    let approvals = pause.votes.iter().filter(|v| v.approved).count() + 1;
    if approvals >= usize::from(pause.required_approvals) {
        return Ok(Ok(Tally::Decides));
    }
    if edits.is_some() {
        return Ok(Err(RespondError::Invalid {
            field: "edits",
            detail: format!(
                "edits are taken only with the approval that decides: this one is approval \
                 {approvals} of {}",
                pause.required_approvals
            ),
        }));
    }
    Ok(Ok(Tally::Counts))
}

/// Same person by any path, or the same key.
fn voted(who: &ActiveResponder, pause: &Pause) -> bool {
    pause.votes.iter().any(|v| match (who.user_id, who.key) {
        (Some(user), _) => v.user_id == Some(user),
        (None, Some(key)) => v.user_id.is_none() && v.key_id == Some(key.id),
        (None, None) => false,
    })
}

fn refusal(
    conn: &Connection,
    who: &ActiveResponder,
    pause: &Pause,
    settings: &ApprovalSettings,
) -> AppResult<Option<RespondError>> {
    if let (true, Some(user)) = (settings.no_self_approval, who.user_id) {
        let creator: Option<i64> = conn
            .prepare_cached("SELECT created_by FROM api_keys WHERE id = ?1")?
            .query_row([pause.api_key_id], |r| r.get(0))
            .unwrap_or(None);
        if creator == Some(user.0) {
            return Ok(Some(RespondError::SelfApproval));
        }
    }
    let Some(group_id) = pause.group_id else {
        return Ok(None);
    };
    if in_group(conn, who, pause, group_id)? || escalated_to(conn, who, pause, settings)? {
        return Ok(None);
    }
    Ok(Some(RespondError::NotInGroup {
        group: pause.group.clone().unwrap_or_default(),
    }))
}

/// A member of the routed group, a key given it, or a test key on its own test pause.
fn in_group(
    conn: &Connection,
    who: &ActiveResponder,
    pause: &Pause,
    group: i64,
) -> AppResult<bool> {
    Ok(match (who.user_id, who.key) {
        (Some(user), _) => conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM approver_group_members
                                WHERE group_id = ?1 AND user_id = ?2)",
            )?
            .query_row(params![group, user], |r| r.get(0))?,
        (None, Some(key)) if key.test && pause.api_key_id == Some(key.id) => true,
        (None, Some(key)) => conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM approver_group_keys
                                WHERE group_id = ?1 AND api_key_id = ?2)",
            )?
            .query_row(params![group, key.id], |r| r.get(0))?,
        (None, None) => false,
    })
}

/// After the escalation, the escalation group's members (the owners and admins when none is
/// set) may vote too.
fn escalated_to(
    conn: &Connection,
    who: &ActiveResponder,
    pause: &Pause,
    settings: &ApprovalSettings,
) -> AppResult<bool> {
    let (Some(_), Some(user)) = (pause.escalated_at, who.user_id) else {
        return Ok(false);
    };
    Ok(match &settings.escalate_to {
        Some(group) => conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM approver_group_members m
                                JOIN approver_groups g ON g.id = m.group_id
                                WHERE g.workspace_id = ?1 AND g.name = ?2 AND m.user_id = ?3)",
            )?
            .query_row(params![who.workspace_id, group, user], |r| r.get(0))?,
        None => {
            users::get(conn, user)?.is_some_and(|u| matches!(u.role, Role::Owner | Role::Admin))
        }
    })
}

/// Whether a failed insert is a second vote by the same decider (the unique indexes on
/// `pause_responses`): with one writer the check before it catches it; with two, this does.
pub(super) fn duplicate(e: &crate::error::AppError) -> bool {
    matches!(e, crate::error::AppError::Db(db) if db.violates_constraint_on("pause_responses"))
}
