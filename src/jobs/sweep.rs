//! The expiry sweep: writes down the expiry of pending pauses whose time has come (readers see
//! them expired already), with audit rows and events, and wakes their waiters.

use crate::domain::pauses;
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
