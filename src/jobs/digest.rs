//! The hourly digest of policy approvals (see `domain::policy::digest`). It runs on the sweep
//! tick and acts once a new UTC hour has begun: time comes from the services' clock, and each
//! workspace's hour is marked in the transaction that queues its emails, so extra ticks,
//! concurrent runs and restarts send nothing twice.

use crate::domain::policy::digest;
use crate::error::AppResult;
use crate::services::Services;

/// Queues the digests due now. Returns how many emails were queued. A tick with nothing due
/// (all but one an hour) only reads, leaving the writer to the agents.
pub async fn digest_once(services: &Services) -> AppResult<usize> {
    let now = services.now();
    let due = services
        .read_blocking(move |conn| digest::any_due(conn, now))
        .await?;
    if !due {
        return Ok(0);
    }
    services
        .writer
        .run(move |ctx| digest::queue_due(ctx, now))
        .await
}
