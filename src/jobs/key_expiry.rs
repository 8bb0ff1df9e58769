//! The warning ahead of a key's expiry (see `domain::key_expiry`), on the housekeeping
//! interval: a week's notice does not need the second-by-second sweep. Time comes from the
//! services' clock; each key is marked in the transaction that queues its emails.

use crate::domain::key_expiry;
use crate::error::AppResult;
use crate::services::Services;

/// Queues the warnings due now, a batch per writer job. Returns how many keys were warned
/// about. A tick with nothing due only reads.
pub async fn warn_expiring_keys(services: &Services) -> AppResult<usize> {
    const BATCH: i64 = 100;
    let mut total = 0;
    loop {
        let now = services.now();
        let due = services
            .read_blocking(move |conn| key_expiry::any_due(conn, now))
            .await?;
        if !due {
            return Ok(total);
        }
        let warned = services
            .writer
            .run(move |ctx| key_expiry::warn_due(ctx, now, BATCH))
            .await?;
        total += warned;
        if warned < BATCH as usize {
            return Ok(total);
        }
    }
}
