//! Background jobs: the expiry and reminder sweeps, the policy digest, housekeeping and context retention,
//! each run on its own interval by a small scheduler. A job is a name, an interval and a function of [`Services`];
//! it never sees the HTTP state. Jobs write only through the writer, in short batches, so
//! agents' writes interleave with them.

mod digest;
mod housekeeping;
mod key_expiry;
mod sweep;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{interval_at, Instant, MissedTickBehavior};

use crate::error::AppResult;
use crate::services::Services;

pub use digest::digest_once;
pub use housekeeping::{housekeeping, purge_contexts, retention};
pub use key_expiry::warn_expiring_keys;
pub use sweep::{remind_once, sweep_once};

/// Housekeeping and retention run once every this many sweep intervals (a minute by default).
const HOUSEKEEPING_EVERY: u32 = 60;

type JobFuture = Pin<Box<dyn Future<Output = AppResult<()>> + Send>>;

/// One recurring job.
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    /// Whether the first run is at start (otherwise after one interval).
    pub at_start: bool,
    pub run: fn(Services) -> JobFuture,
}

/// The jobs of a running server, with their intervals from the settings.
pub fn schedule(services: &Services) -> Vec<Job> {
    let tick = services.settings.sweep_interval;
    let minute = tick * HOUSEKEEPING_EVERY;
    vec![
        Job {
            name: "expiry sweep",
            every: tick,
            at_start: true,
            run: |s| Box::pin(async move { sweep_once(&s).await.map(|_| ()) }),
        },
        Job {
            name: "reminder sweep",
            every: tick,
            // A tick after start: the expiry sweep goes first, and no reminder is urgent.
            at_start: false,
            run: |s| Box::pin(async move { remind_once(&s).await.map(|_| ()) }),
        },
        Job {
            name: "policy digest",
            every: tick,
            at_start: true,
            run: |s| Box::pin(async move { digest_once(&s).await.map(|_| ()) }),
        },
        Job {
            name: "housekeeping",
            every: minute,
            at_start: false,
            run: |s| Box::pin(async move { housekeeping(&s).await }),
        },
        Job {
            name: "key expiry warnings",
            every: minute,
            // Like housekeeping: a minute late is early enough for a warning a week ahead.
            at_start: false,
            run: |s| Box::pin(async move { warn_expiring_keys(&s).await.map(|_| ()) }),
        },
        Job {
            name: "retention",
            every: minute,
            at_start: false,
            run: |s| Box::pin(async move { retention(&s).await }),
        },
    ]
}

/// Starts every job on its own task. A failed run is logged and the job runs again at its next
/// tick; a run that overruns its interval delays the next one instead of piling up.
pub fn start(services: Services, jobs: Vec<Job>) -> Vec<JoinHandle<()>> {
    jobs.into_iter()
        .map(|job| tokio::spawn(run_job(services.clone(), job)))
        .collect()
}

async fn run_job(services: Services, job: Job) {
    let first = if job.at_start {
        Instant::now()
    } else {
        Instant::now() + job.every
    };
    let mut tick = interval_at(first, job.every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = (job.run)(services.clone()).await {
            tracing::warn!(job = job.name, error = %e, "background job failed");
        }
    }
}
