//! Housekeeping (expired idempotency records, dead sessions and sign-in flows, refilled
//! rate-limit buckets) and retention (contexts past their workspace's retention, agents unseen
//! for as long).

use crate::domain::agents::{leftovers, remove};
use crate::domain::identity::auth_flows;
use crate::domain::{idempotency, retention as policy, sessions, Millis};
use crate::error::AppResult;
use crate::services::Services;

/// Drops idempotency records past retention, dead sessions, unfinished sign-in flows past their
/// end and refilled rate-limit buckets.
pub async fn housekeeping(services: &Services) -> AppResult<()> {
    services.rate_limits.housekeeping();
    let now = services.now();
    services
        .writer
        .run(move |ctx| {
            idempotency::purge(ctx.conn, now)?;
            sessions::purge_expired(ctx.conn, now)?;
            auth_flows::purge_expired(ctx.conn, now)?;
            Ok(())
        })
        .await?;
    finish_cancels(services, now).await.map(|_| ())
}

/// Pauses that a cancel cut short by a restart left pending, a batch a writer job. Returns
/// how many were cancelled.
pub async fn finish_cancels(services: &Services, now: Millis) -> AppResult<usize> {
    let mut total = 0;
    loop {
        let ids = services
            .read_blocking(move |conn| leftovers::find(conn, now))
            .await?;
        if ids.is_empty() {
            break;
        }
        let full = ids.len() as i64 == leftovers::BATCH;
        let n = services
            .writer
            .run(move |ctx| leftovers::finish(ctx, now, &ids))
            .await?;
        total += n;
        if !full || n == 0 {
            break;
        }
    }
    if total > 0 {
        tracing::info!(pauses = total, "finished cancels that a restart cut short");
    }
    Ok(total)
}

/// The retention job: purges contexts past their workspace's retention, and agents unseen for
/// that long (90 days without retention), as of now.
pub async fn retention(services: &Services) -> AppResult<()> {
    let now = services.now();
    purge_contexts(services, now).await?;
    purge_agents(services, now).await.map(|_| ())
}

/// Each workspace's unseen agents, one short writer job per batch. Returns how many went.
pub async fn purge_agents(services: &Services, now: Millis) -> AppResult<usize> {
    let workspaces = services.read_blocking(remove::purge_policies).await?;
    let mut total = 0;
    for (ws, days) in workspaces {
        loop {
            let n = services
                .writer
                .run(move |ctx| remove::purge_unseen(ctx.conn, now, ws, days))
                .await?;
            total += n;
            if n < remove::PURGE_BATCH as usize {
                break;
            }
        }
    }
    if total > 0 {
        tracing::info!(
            agents = total,
            "purged agents unseen for the retention period"
        );
    }
    Ok(total)
}

/// Each workspace's old contexts, in batches that are each one short writer job (so agents'
/// writes interleave) with one audit row. Returns how many contexts were purged.
pub async fn purge_contexts(services: &Services, now: Millis) -> AppResult<usize> {
    const BATCH: i64 = 500;
    let workspaces = services.read_blocking(policy::configured).await?;
    let mut total = 0;
    for (ws, days) in workspaces {
        loop {
            let purged = services
                .writer
                .run(move |ctx| policy::purge_batch(ctx.conn, now, ws, days, BATCH))
                .await?;
            total += purged.pauses;
            if !purged.full(BATCH) {
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
