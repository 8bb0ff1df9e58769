//! The sweep that writes down expiry: pending pauses whose expiry timer is due become
//! `expired`, each with its audit row and notifications, and their long-poll waiters are woken.
//! Readers already see such pauses as expired before the sweep runs (see
//! [`super::pauses::Pause::status`]).

use uuid::Uuid;

use super::audit::{Actor, Entry};
use super::event_type::EventType;
use super::events;
use super::pauses::get_by_id;
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

/// Handles up to `limit` due expiry timers: a still-pending pause is marked expired with its
/// audit row; a timer whose pause was decided or cancelled first is dropped.
pub fn expire_due(ctx: &mut WriteCtx<'_>, now: Millis, limit: i64) -> AppResult<Swept> {
    let conn = ctx.conn;
    let due = timers::due(conn, TimerKind::Expiry, now, limit)?;
    let mut expired = 0;
    for t in &due {
        // No version bump: readers already saw this pause as expired, so its ETag must not change.
        let changed = t.pending
            && conn
                .prepare_cached(
                    "UPDATE pauses SET status = 'expired' WHERE id = ?1 AND status = 'pending'",
                )?
                .execute([t.pause_id])?
                == 1;
        if !changed {
            timers::drop_obsolete(conn, t.timer_id)?;
            continue;
        }
        timers::fired(conn, t.timer_id, now)?;
        let pause = get_by_id(conn, t.pause_id)?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("pause vanished")))?;
        let entry = Entry {
            workspace_id: Some(t.workspace_id),
            actor: Actor::System,
            event: EventType::PauseExpired,
            subject: Some(Uuid::from_bytes(t.watch_id).to_string()),
            details: None,
        };
        events::pause_event(ctx, now, &pause, entry)?;
        super::agents::expiry::on_expired(ctx, now, &pause)?;
        super::agents::expiry::queue_emails(ctx, now, &pause)?;
        ctx.wake(Topic::Pause(t.pause_id));
        expired += 1;
    }
    Ok(Swept {
        timers: due.len(),
        expired,
    })
}
