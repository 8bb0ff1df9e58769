//! The sweep that writes down expiry: pending pauses whose expiry timer is due become
//! `expired`, each with its audit row and notifications, and their long-poll waiters are woken.
//! Readers already see such pauses as expired before the sweep runs (see
//! [`super::pauses::Pause::status`]).

use uuid::Uuid;

use super::audit::{Actor, Entry};
use super::event_type::EventType;
use super::events;
use crate::db::sql::params;

use super::pauses::{get_by_id, Pause, Status, TIMED_OUT, TIMEOUT_DECIDER};
use super::status::OnTimeout;
use super::timers::{self, TimerKind};
use super::Millis;
use crate::db::WriteCtx;
use crate::error::{AppError, AppResult};
use crate::waiters::Topic;

/// What one batch of the sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Due timers handled (fired or dropped): a full batch means there may be more.
    pub timers: usize,
    /// Pauses marked expired.
    pub expired: usize,
}

/// Handles up to `limit` due expiry timers: a still-pending pause becomes what its `onTimeout`
/// says (expired, with the agents feature's consequences; rejected by the policy `timeout`; or
/// left pending and overdue, its long-polls woken to see the new ETag); a timer whose pause was
/// decided or cancelled first is dropped.
pub fn expire_due(ctx: &mut WriteCtx<'_>, now: Millis, limit: i64) -> AppResult<Swept> {
    let due = timers::due(ctx.conn, TimerKind::Expiry, now, limit)?;
    let mut expired = 0;
    for t in &due {
        let pause = match get_by_id(ctx.conn, t.pause_id)? {
            Some(p) if t.pending && p.stored_status == Status::Pending => p,
            _ => {
                timers::drop_obsolete(ctx.conn, t.timer_id)?;
                continue;
            }
        };
        timers::fired(ctx.conn, t.timer_id, now)?;
        ctx.wake(Topic::Pause(t.pause_id));
        match pause.on_timeout {
            OnTimeout::Expire => expire(ctx, now, t, &pause)?,
            OnTimeout::Reject => reject(ctx, now, t, &pause)?,
            OnTimeout::Wait => continue,
        }
        expired += 1;
    }
    Ok(Swept {
        timers: due.len(),
        expired,
    })
}

// No version bump: readers already saw the pause as expired, so its ETag must not change.
fn expire(ctx: &mut WriteCtx<'_>, now: Millis, t: &timers::Due, pause: &Pause) -> AppResult<()> {
    ctx.conn
        .prepare_cached(
            "UPDATE pauses SET status = 'expired' WHERE id = ?1 AND status = 'pending'",
        )?
        .execute([t.pause_id])?;
    let pause = reread(ctx, pause)?;
    events::pause_event(ctx, now, &pause, entry(t, EventType::PauseExpired))?;
    super::agents::expiry::on_expired(ctx, now, &pause)?;
    super::agents::expiry::queue_emails(ctx, now, &pause)
}

/// Rejected by the policy `timeout` at the deadline, with the reason "timed out"; its response
/// row tells the timeline (it is no vote: `votes` leaves out responses via `timeout`). Readers
/// saw it rejected already, but with a null receipt: signing it here changes what they read,
/// so the version is bumped and the ETag changes once (see [`crate::domain::receipts`]).
fn reject(ctx: &mut WriteCtx<'_>, now: Millis, t: &timers::Due, pause: &Pause) -> AppResult<()> {
    ctx.conn
        .prepare_cached(
            "UPDATE pauses SET status = 'rejected', decided_at = expires_at, reason = ?2,
                 decided_by_policy = ?3, version = version + 1
             WHERE id = ?1 AND status = 'pending'",
        )?
        .execute(params![t.pause_id, TIMED_OUT, TIMEOUT_DECIDER])?;
    ctx.conn
        .prepare_cached(
            "INSERT INTO pause_responses (pause_id, responder_type, kind, reason, via, created_at)
             VALUES (?1, 'policy', 'reject', ?2, 'timeout', ?3)",
        )?
        .execute(params![t.pause_id, TIMED_OUT, pause.expires_at])?;
    let pause = reread(ctx, pause)?;
    let pause = crate::domain::receipts::seal(ctx.conn, now, ctx.base_url, pause)?;
    events::pause_event(ctx, now, &pause, entry(t, EventType::PauseRejected))
}

fn reread(ctx: &WriteCtx<'_>, pause: &Pause) -> AppResult<Pause> {
    get_by_id(ctx.conn, pause.id)?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("pause vanished")))
}

fn entry(t: &timers::Due, event: EventType) -> Entry {
    Entry {
        workspace_id: Some(t.workspace_id),
        actor: Actor::System,
        event,
        subject: Some(Uuid::from_bytes(t.watch_id).to_string()),
        details: None,
    }
}
