//! Waiting for a pause to change: the long-poll behind `GET /api/pause/:watchId?wait=N`, and
//! what a `holdpoint wait` command or an MCP wait tool reuses. A waiter holds no database
//! connection while it sleeps: it subscribes with the in-process notifier, then reads, then
//! sleeps until woken, until the pause's expiry, until its time is up, or until the server
//! stops.

use std::time::Duration;

use tokio::time::Instant;
use uuid::Uuid;

use crate::domain::api_keys::AuthKey;
use crate::domain::ids::ApiKeyId;
use crate::domain::pauses::{self, Pause, Scope, Status};
use crate::domain::Millis;
use crate::error::{AppError, AppResult};
use crate::services::Services;
use crate::waiters::{Full, Subscription, Topic};

/// When every long-poll slot is taken: soon enough for an agent, and slots free up constantly
/// as waits end.
const WAITERS_RETRY_AFTER_SECS: u64 = 2;

/// What counts as a change worth answering.
pub enum Until<'a> {
    /// The pause is no longer pending.
    Settled,
    /// Its ETag is none of these (an `If-None-Match` list; `*` matches any).
    EtagNotIn(&'a str),
}

impl Until<'_> {
    fn changed(&self, p: &Pause, now: Millis) -> bool {
        match self {
            Until::Settled => p.status(now) != Status::Pending,
            Until::EtagNotIn(tags) => !etag_matches(tags, &p.etag(now)),
        }
    }
}

/// Whether an `If-None-Match` list names `etag` (or is `*`).
pub fn etag_matches(tags: &str, etag: &str) -> bool {
    tags.split(',').any(|t| t.trim() == etag || t.trim() == "*")
}

/// The pause as it stood when the wait ended.
pub enum Waited {
    Changed(Pause),
    /// Time ran out (or the server is stopping) with no change.
    Unchanged(Pause),
}

impl Waited {
    pub fn pause(&self) -> &Pause {
        match self {
            Waited::Changed(p) | Waited::Unchanged(p) => p,
        }
    }
}

/// Waits up to `wait` for the pause this key may see to change as `until` says. A pause of
/// the other kind (test or live) is not found, as one that does not exist.
pub async fn wait(
    services: &Services,
    key: &AuthKey,
    watch_id: &Uuid,
    wait: Duration,
    until: Until<'_>,
) -> AppResult<Waited> {
    let mut pause = load(services, key, watch_id).await?;
    if until.changed(&pause, services.now()) {
        return Ok(Waited::Changed(pause));
    }
    if wait.is_zero() {
        return Ok(Waited::Unchanged(pause));
    }
    let deadline = Instant::now() + wait;
    // Its pause, and its whole workspace (a workspace-wide stop).
    let topics = [Topic::Pause(pause.id), Topic::Workspace(pause.workspace_id)];
    let subscription = take_slot(services, &topics, key.id)?;
    let stopping = services.waiters.shutdown_signal();
    tokio::pin!(stopping);
    stopping.as_mut().enable();
    loop {
        let notified = subscription.notify().notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // Read again after subscribing: a commit between the first read and now is not missed.
        pause = load(services, key, watch_id).await?;
        let now = services.now();
        if until.changed(&pause, now) {
            return Ok(Waited::Changed(pause));
        }
        if Instant::now() >= deadline || services.waiters.is_stopping() {
            return Ok(Waited::Unchanged(pause));
        }
        // Wake at the deadline, when the pause reads differently; an overdue pause that waits
        // (`onTimeout: wait`) has no deadline left to wake for.
        let sleep_until = match pause.expires_at - now {
            left if left > 0 => {
                deadline.min(Instant::now() + Duration::from_millis(left as u64 + 5))
            }
            _ => deadline,
        };
        tokio::select! {
            _ = &mut notified => {}
            _ = &mut stopping => {}
            _ = tokio::time::sleep_until(sleep_until) => {}
        }
    }
}

/// The pause if this key may see it.
async fn load(services: &Services, key: &AuthKey, watch_id: &Uuid) -> AppResult<Pause> {
    let (scope, watch_id) = (Scope::key(key), *watch_id);
    services
        .read_blocking(move |conn| {
            pauses::get_in(conn, scope, &watch_id)?
                .ok_or_else(|| pauses::not_found(&watch_id.to_string()))
        })
        .await
}

/// A waiter slot, or an error telling the agent to come back shortly (the same answer whether
/// the server or this key is at its cap). The slot is the returned subscription: it is given
/// back when the wait ends or is dropped (answered, client gone, server stopping).
pub(crate) fn take_slot(
    services: &Services,
    topics: &[Topic],
    key_id: ApiKeyId,
) -> AppResult<Subscription> {
    let waiters = &services.waiters;
    waiters
        .subscribe(topics, key_id)
        .map_err(|full| match full {
            Full::Server => AppError::TooManyWaiters {
                holder: "the server",
                max: waiters.max(),
                retry_after: WAITERS_RETRY_AFTER_SECS,
            },
            Full::Key => AppError::TooManyWaiters {
                holder: "this API key",
                max: waiters.max_per_key(),
                retry_after: WAITERS_RETRY_AFTER_SECS,
            },
        })
}
