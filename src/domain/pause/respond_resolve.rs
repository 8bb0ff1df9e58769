//! Writing a vote that passed every rule (see [`respond`](super::respond)): one that decides
//! the pause goes through the compare-and-set, one that does not yet reach its quorum is
//! recorded with a new version of the pause. Both write the vote row first, inside a savepoint,
//! so a refusal found later still writes nothing.

use crate::db::sql::{params, Connection};
use serde_json::Value;

use super::recording::{audit_entry, record, Recorded};
use super::votes;
use super::{too_late, Checked, RespondError, Responded, Responder};
use crate::db::WriteCtx;
use crate::domain::deciders::ActiveResponder;
use crate::domain::event_type::EventType;
use crate::domain::pauses::{self, Pause, Transition};
use crate::domain::{events, Millis};
use crate::error::AppResult;
use crate::waiters::Topic;

/// Records a vote that decides: the response, then the compare-and-set on the pause.
pub(super) fn decide(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    (who, responder): (&ActiveResponder, Responder),
    pause: &Pause,
    checked: Checked,
) -> AppResult<Result<Responded, RespondError>> {
    let Checked {
        response,
        reason,
        response_json,
        extras_audit,
    } = checked;
    let status = response.resolves_to();
    let policy_name = match responder {
        Responder::Policy { .. } => pause.policy.as_ref().map(|v| v.decider_name()),
        _ => None,
    };
    let recorded = Recorded {
        kind: response.kind(),
        reason: reason.clone(),
        response_json: response_json.clone(),
    };
    let response_id = match record(ctx.conn, now, pause, who, responder, recorded) {
        Err(e) if votes::duplicate(&e) => {
            return Ok(Err(RespondError::AlreadyVoted(Box::new(pause.clone()))))
        }
        other => other?,
    };
    let mut entry = audit_entry(who, responder, pause, &response, (&reason, &response_json));
    if let Some(Value::Object(details)) = &mut entry.details {
        details.extend(extras_audit);
        if let Some(name) = &policy_name {
            details.insert("policy".into(), Value::String(name.clone()));
        }
    }
    let resolved = pauses::transition(ctx, now, pause, entry, |conn, id| {
        conn.prepare_cached(
            "UPDATE pauses SET status = ?1, decided_at = ?2, decided_by = ?3, reason = ?4,
                 response_json = ?6, decided_by_key = ?7, decided_by_policy = ?8,
                 version = version + 1
             WHERE id = ?5 AND status = 'pending' AND (expires_at > ?2 OR on_timeout = 'wait')",
        )?
        .execute(params![
            status.as_str(),
            now,
            who.user_id,
            reason,
            id,
            response_json,
            who.key.map(|k| k.id),
            policy_name
        ])
    })?;
    Ok(match resolved {
        Transition::Changed(pause) => Ok(Responded { pause, response_id }),
        Transition::AlreadyFinal(p) => Err(too_late(p, now)),
    })
}

/// Records an approval that does not reach the quorum yet: the vote, a new version of the
/// pause (so a long-poll with its ETag wakes) and `pause.voted`.
pub(super) fn count(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    (who, responder): (&ActiveResponder, Responder),
    pause: &Pause,
    checked: Checked,
) -> AppResult<Result<Responded, RespondError>> {
    let conn = ctx.conn;
    let recorded = Recorded {
        kind: checked.response.kind(),
        reason: checked.reason.clone(),
        response_json: None,
    };
    let response_id = match record(conn, now, pause, who, responder, recorded) {
        Err(e) if votes::duplicate(&e) => {
            return Ok(Err(RespondError::AlreadyVoted(Box::new(pause.clone()))))
        }
        other => other?,
    };
    let bumped = conn
        .prepare_cached(
            "UPDATE pauses SET version = version + 1
             WHERE id = ?1 AND status = 'pending' AND (expires_at > ?2 OR on_timeout = 'wait')",
        )?
        .execute(params![pause.id, now])?;
    let Some(voted) = pauses::get_by_id(conn, pause.id)?.filter(|_| bumped == 1) else {
        return Ok(Err(too_late(pause.clone(), now)));
    };
    let mut entry = audit_entry(
        who,
        responder,
        pause,
        &checked.response,
        (&checked.reason, &None),
    );
    entry.event = EventType::PauseVoted;
    events::pause_event(ctx, now, &voted, entry)?;
    ctx.wake(Topic::Pause(pause.id));
    Ok(Ok(Responded {
        pause: voted,
        response_id,
    }))
}

/// Runs `f` in a savepoint that a refusal (`Ok(Err(_))`) rolls back, so a refusal found after
/// the first write still writes nothing.
pub(super) fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce() -> AppResult<Result<T, RespondError>>,
) -> AppResult<Result<T, RespondError>> {
    conn.execute_batch("SAVEPOINT respond")?;
    let out = f();
    match &out {
        Ok(Ok(_)) => conn.execute_batch("RELEASE respond")?,
        _ => conn.execute_batch("ROLLBACK TO respond; RELEASE respond")?,
    }
    out
}
