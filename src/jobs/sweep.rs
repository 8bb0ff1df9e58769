//! The timer sweeps: the expiry sweep writes down the expiry of pending pauses whose time has
//! come (readers see them expired already), with audit rows and events, and wakes their
//! waiters; the reminder sweep sends the reminders and escalations that came due.

use crate::domain::pause::reminder_fire;
use crate::domain::pauses;
use crate::domain::timers::TimerKind;
use crate::error::AppResult;
use crate::services::Services;

/// Marks overdue pauses expired (with audit rows) and wakes their waiters, from their due expiry
/// timers. Each batch is one short writer job. Returns how many pauses it expired.
pub async fn sweep_once(services: &Services) -> AppResult<usize> {
    const BATCH: i64 = 500;
    let mut total = 0;
    loop {
        let now = services.now();
        let swept = services
            .writer
            .run(move |ctx| pauses::expire_due(ctx, now, BATCH))
            .await?;
        total += swept.expired;
        if swept.timers < BATCH as usize {
            return Ok(total);
        }
    }
}

/// Fires the reminders, then the escalations, that are due (see `domain::pause::reminders`),
/// each batch one short writer job. Returns how many were sent.
pub async fn remind_once(services: &Services) -> AppResult<usize> {
    const BATCH: i64 = 200;
    let mut total = 0;
    for kind in [TimerKind::Reminder, TimerKind::Escalation] {
        loop {
            let now = services.now();
            let fired = services
                .writer
                .run(move |ctx| reminder_fire::fire_due(ctx, now, kind, BATCH))
                .await?;
            total += fired.sent;
            if fired.timers < BATCH as usize {
                break;
            }
        }
    }
    Ok(total)
}
