//! Housekeeping (expired idempotency records, dead sessions, refilled rate-limit buckets) and
//! retention (contexts past their workspace's retention).

use crate::domain::{idempotency, retention as policy, sessions, Millis};
use crate::error::AppResult;
use crate::services::Services;

/// Drops idempotency records past retention, dead sessions and refilled rate-limit buckets.
pub async fn housekeeping(services: &Services) -> AppResult<()> {
    services.rate_limits.housekeeping();
    let now = services.now();
    services
        .writer
        .run(move |ctx| {
            idempotency::purge(ctx.conn, now)?;
            sessions::purge_expired(ctx.conn, now)?;
            Ok(())
        })
        .await
}

/// The retention job: purges contexts past their workspace's retention, as of now.
pub async fn retention(services: &Services) -> AppResult<()> {
    purge_contexts(services, services.now()).await.map(|_| ())
}

/// Each workspace's old contexts, in batches that are each one short writer job (so agents'
/// writes interleave) with one audit row. Returns how many contexts were purged.
pub async fn purge_contexts(services: &Services, now: Millis) -> AppResult<usize> {
    const BATCH: i64 = 500;
    let workspaces = services.read_blocking(policy::configured).await?;
    let mut total = 0;
    for (ws, days) in workspaces {
        loop {
            let n = services
                .writer
                .run(move |ctx| policy::purge_batch(ctx.conn, now, ws, days, BATCH))
                .await?;
            total += n;
            if n < BATCH as usize {
                break;
            }
        }
    }
    if total > 0 {
        tracing::info!(
            pauses = total,
            "purged contexts past their workspace's retention"
        );
    }
    Ok(total)
}
