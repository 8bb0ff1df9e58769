//! An agent's checkpoint: `POST /api/agents/:agent/heartbeat` reports and reads its control,
//! `GET /api/agents/:agent/control` only reads it. With a wait, the call parks while the agent
//! is paused and has no unread guidance, and answers the moment a person resumes, cancels or
//! guides it, or lifts the workspace's stop. Like the pause long-poll it holds no database
//! connection while parked: it subscribes to the agent's topic and the workspace's, then reads.

use std::time::Duration;

use tokio::time::Instant;

use super::wait::take_slot;
use crate::domain::agents::guidance::{self, Guidance};
use crate::domain::agents::{self, Agent, Control, Fleet, Report, Write};
use crate::domain::api_keys::AuthKey;
use crate::error::{AppError, AppResult};
use crate::services::Services;
use crate::waiters::Topic;

/// What the agent is told: its effective control and the guidance after its cursor.
pub struct Checkpoint {
    pub agent: Agent,
    pub control: Control,
    pub guidance: Vec<Guidance>,
    /// The `after` for the next call: the last message answered, or the one asked after.
    pub cursor: i64,
    /// Messages after `after` no longer kept (only the newest are).
    pub skipped: i64,
}

impl Checkpoint {
    /// Whether a parked call should answer: not paused, or something new to read.
    fn ready(&self) -> bool {
        self.control != Control::Paused || !self.guidance.is_empty()
    }
}

/// Records the report (only what changed is written and waited for: see [`agents`]), then reads the
/// control as [`control`] does. A report from a cancelled run is 409 and writes nothing; so is
/// one for an agent pinned to another key (403). The key reports to its own mode's fleet.
pub async fn heartbeat(
    services: &Services,
    key: &AuthKey,
    name: &str,
    report: Report,
    after: Option<i64>,
    wait: Duration,
) -> AppResult<Checkpoint> {
    let fleet = Fleet::of_key(key);
    let now = services.now();
    let current = {
        let (name, key_id, run) = (name.to_string(), key.id, report.run.clone());
        services
            .read_blocking(move |conn| {
                let current = agents::get(conn, fleet, &name)?;
                if let Some(a) = &current {
                    a.check_pin(key_id)?;
                }
                if let Some(run) = &run {
                    if agents::run_cancelled(conn, fleet, run, current.as_ref().map(|a| a.id))? {
                        return Err(agents::run_conflict(run));
                    }
                }
                Ok(current)
            })
            .await?
    };
    match (report.write_needed(current.as_ref(), now), current) {
        (Write::Report, _) => {
            let (name, key_id) = (name.to_string(), key.id);
            services
                .writer
                .run(move |ctx| agents::report(ctx, now, fleet, key_id, &name, &report))
                .await?;
        }
        (Write::Seen, Some(a)) => services
            .writer
            .spawn(move |ctx| agents::seen(ctx.conn, a.id, now)),
        _ => {}
    }
    control(services, key, name, after, wait).await
}

/// The agent's control and guidance after `after`; 404 for an agent never seen in the key's
/// mode, 403 for one pinned to another key. Waits up to `wait` while it is paused with nothing
/// new to read.
pub async fn control(
    services: &Services,
    key: &AuthKey,
    name: &str,
    after: Option<i64>,
    wait: Duration,
) -> AppResult<Checkpoint> {
    let mut cp = load(services, key, name, after).await?;
    if cp.ready() || wait.is_zero() {
        return Ok(cp);
    }
    let deadline = Instant::now() + wait;
    let topics = [
        Topic::Agent(cp.agent.id),
        Topic::Workspace(key.workspace_id),
    ];
    let subscription = take_slot(services, &topics, key.id)?;
    let stopping = services.waiters.shutdown_signal();
    tokio::pin!(stopping);
    stopping.as_mut().enable();
    loop {
        let notified = subscription.notify().notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // Read again after subscribing: a commit between the first read and now is not missed.
        cp = load(services, key, name, after).await?;
        if cp.ready() || Instant::now() >= deadline || services.waiters.is_stopping() {
            return Ok(cp);
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = &mut stopping => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
}

async fn load(
    services: &Services,
    key: &AuthKey,
    name: &str,
    after: Option<i64>,
) -> AppResult<Checkpoint> {
    let (fleet, key_id, name) = (Fleet::of_key(key), key.id, name.to_string());
    services
        .read_blocking(move |conn| {
            let agent = agents::require(conn, fleet, &name)?;
            agent.check_pin(key_id)?;
            let after = after.unwrap_or(0);
            if after > agent.guidance_seq {
                return Err(AppError::invalid(
                    "after",
                    format!(
                        "`after` is past this agent's last guidance ({}); send the `cursor` of \
                         an earlier answer",
                        agent.guidance_seq
                    ),
                ));
            }
            let unread = guidance::after(conn, &agent, after)?;
            let cursor = unread.messages.last().map_or(after, |g| g.seq);
            let stopped = agents::stopped_at(conn, fleet)?.is_some();
            Ok(Checkpoint {
                control: agent.effective(stopped),
                agent,
                guidance: unread.messages,
                cursor,
                skipped: unread.skipped,
            })
        })
        .await
}
