//! Changing a pending pause: the one compare-and-set every change goes through (its event,
//! its timers disarmed, its waiters woken only when it changed), and an agent's cancel.

use crate::db::sql::{params, Connection};
use uuid::Uuid;

use super::api_keys::AuthKey;
use super::audit::{Actor, Entry};
use super::event_type::EventType;
use super::events;
use super::history::Scope;
use super::pauses::{get_by_id, get_in, not_found, Pause};
use super::Millis;
use crate::db::WriteCtx;
use crate::domain::ids::PauseId;
use crate::error::AppResult;
use crate::waiters::Topic;

/// What a compare-and-set change produced: the changed pause, or the pause as it already stood.
pub enum Transition {
    Changed(Pause),
    AlreadyFinal(Pause),
}

/// An agent withdraws a pending pause of its key's kind (a test key only test pauses).
pub fn cancel(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    key: &AuthKey,
    watch_id: &Uuid,
) -> AppResult<Transition> {
    let entry = Entry {
        workspace_id: Some(key.workspace_id),
        actor: Actor::Key(key.id),
        event: EventType::PauseCancelled,
        subject: Some(watch_id.to_string()),
        details: None,
    };
    let pause = get_in(ctx.conn, Scope::key(key), watch_id)?
        .ok_or_else(|| not_found(&watch_id.to_string()))?;
    cancel_as(ctx, now, &pause, entry)
}

/// Cancels a pending pause read in this transaction, recording `entry` (who cancelled it: the
/// agent, or a person cancelling the agent's run).
pub fn cancel_as(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    entry: Entry,
) -> AppResult<Transition> {
    transition(ctx, now, pause, entry, |conn, id| {
        conn.prepare_cached(
            "UPDATE pauses SET status = 'cancelled', decided_at = ?1, version = version + 1
             WHERE id = ?2 AND status = 'pending' AND (expires_at > ?1 OR on_timeout = 'wait')",
        )?
        .execute(params![now, id])
    })
}

/// Compare-and-set on `pause`, read in this transaction: `update` must touch no row unless the
/// pause is still pending. The event (audit row, messages) is written, and the pause's timers
/// disarmed, only when it did. A decision is signed here, before its event, so the receipt is
/// in the same transaction and in every webhook body that carries the pause.
pub(crate) fn transition(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    entry: Entry,
    update: impl FnOnce(&Connection, PauseId) -> crate::db::sql::Result<usize>,
) -> AppResult<Transition> {
    let conn = ctx.conn;
    let gone = || not_found(&pause.watch_id.to_string());
    if update(conn, pause.id)? == 0 {
        return Ok(Transition::AlreadyFinal(pause.clone()));
    }
    super::timers::disarm_all(conn, pause.id)?;
    let changed = get_by_id(conn, pause.id)?.ok_or_else(gone)?;
    let changed = crate::domain::receipts::seal(conn, now, ctx.base_url, changed)?;
    events::pause_event(ctx, now, &changed, entry)?;
    ctx.wake(Topic::Pause(pause.id));
    Ok(Transition::Changed(changed))
}
