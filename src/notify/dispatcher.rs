//! Delivers the outbox. Woken by every commit that queues messages (and once a second for
//! retries that come due). Slots are shared fairly (see [`slots`]): a workspace whose endpoints
//! hang cannot delay another's notifications. Within a workspace and within a target, messages
//! start oldest first. Each attempt's outcome is written by the writer.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::domain::ids::WorkspaceId;
use crate::domain::outbox::{self, AttemptResult, Channel, Message};
use crate::domain::webhooks;
use crate::error::AppResult;
use crate::notify::slots::{self, Slots};
use crate::notify::{email, slack, webhook};
use crate::services::Services;

const BATCH: usize = 64;

type InFlight = Arc<Mutex<Slots>>;

/// One delivery attempt's result, on its way to the recorder.
struct Attempt {
    msg: Message,
    outcome: AttemptResult,
    duration_ms: i64,
}

pub async fn run(services: Services) {
    let proxy = services.settings.outbound_proxy.as_ref().map(|p| p.url());
    announce_proxy(proxy);
    let client = webhook::client(services.settings.webhook_allow_private, proxy);
    let in_flight: InFlight = Arc::default();
    let (record_tx, record_rx) = mpsc::unbounded_channel();
    tokio::spawn(record(services.clone(), record_rx, in_flight.clone()));
    loop {
        let wake = services.outbox_wake.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        let fresh = pick(&services, &in_flight).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the outbox");
            Vec::new()
        });
        for (msg, prepared) in prepare(&services, fresh, &in_flight).await {
            let (services, client, tx) = (services.clone(), client.clone(), record_tx.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let outcome = deliver(&services, &client, &msg, prepared).await;
                let duration_ms = started.elapsed().as_millis() as i64;
                let _ = tx.send(Attempt {
                    msg,
                    outcome,
                    duration_ms,
                });
            });
        }
        tokio::select! {
            _ = &mut wake => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Says which way deliveries leave: an operator who relied on `HTTP_PROXY` learns that it is
/// ignored (deliveries would otherwise change route without a word).
fn announce_proxy(proxy: Option<&url::Url>) {
    if let Some(p) = proxy {
        let proxy = crate::notify::redact::loggable_url(p.as_str());
        tracing::info!(%proxy, "webhook and Slack deliveries go through the outbound proxy");
        return;
    }
    let vars = [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
    ];
    if let Some(var) = vars.iter().find(|v| std::env::var_os(v).is_some()) {
        tracing::warn!(
            "{var} is set but webhook and Slack deliveries ignore it (a proxy would bypass the \
             private-address check); set HOLDPOINT_OUTBOUND_PROXY to send them through a proxy"
        );
    }
}

/// The due messages that may start now, each holding its slot. Workspaces go in order of
/// fewest deliveries in flight, then of oldest message waiting; only as many are read as could
/// get a slot (twice the free slots, as some may have only targets that are at their cap).
async fn pick(services: &Services, in_flight: &InFlight) -> AppResult<Vec<Message>> {
    let now = services.now();
    let in_flight = in_flight.clone();
    services
        .read_blocking(move |conn| pick_in(conn, now, &in_flight))
        .await
}

fn pick_in(
    conn: &crate::db::sql::Connection,
    now: i64,
    in_flight: &InFlight,
) -> AppResult<Vec<Message>> {
    let due = outbox::due_workspaces(conn, now)?;
    let (free, wanted) = {
        let held = in_flight.lock().expect("in-flight lock");
        let mut wanted: Vec<(usize, i64, WorkspaceId)> = due
            .into_iter()
            .map(|(ws, oldest)| (held.in_flight(ws), oldest, ws))
            .filter(|(n, _, _)| *n < slots::PER_WORKSPACE)
            .collect();
        wanted.sort_unstable();
        let free = slots::TOTAL - held.held();
        wanted.truncate(2 * free);
        let skips: Vec<_> = wanted
            .iter()
            .map(|(_, _, ws)| (*ws, held.skip(*ws)))
            .collect();
        (free, skips)
    };
    if free == 0 {
        return Ok(Vec::new());
    }
    let limit = 4 * slots::PER_WORKSPACE;
    let queues = wanted
        .iter()
        .map(|(ws, (ids, targets))| {
            let skip = outbox::Skip { ids, targets };
            outbox::due_in_workspace(conn, *ws, now, skip, limit)
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(in_flight
        .lock()
        .expect("in-flight lock")
        .take_in_turns(queues))
}

/// Pairs each message with what its delivery needs: emails are prepared together in one
/// writer job. If that job fails, the emails are released to be picked up again.
async fn prepare(
    services: &Services,
    msgs: Vec<Message>,
    in_flight: &InFlight,
) -> Vec<(Message, Option<email::Prepared>)> {
    let (emails, others): (Vec<_>, Vec<_>) =
        msgs.into_iter().partition(|m| m.channel == Channel::Email);
    let mut out: Vec<_> = others.into_iter().map(|m| (m, None)).collect();
    if emails.is_empty() {
        return out;
    }
    match email::prepare(services, &emails).await {
        Ok(prepared) => out.extend(emails.into_iter().zip(prepared.into_iter().map(Some))),
        Err(e) => {
            tracing::warn!(error = %e, "preparing emails failed; they stay queued");
            let mut held = in_flight.lock().expect("in-flight lock");
            emails.iter().for_each(|m| held.release(m.id));
        }
    }
    out
}

async fn deliver(
    services: &Services,
    client: &reqwest::Client,
    msg: &Message,
    prepared: Option<email::Prepared>,
) -> AttemptResult {
    let outcome = match (msg.channel, prepared) {
        (Channel::Webhook, _) => deliver_webhook(services, client, msg).await,
        (Channel::Slack, _) => {
            let allow = services.settings.webhook_allow_private;
            Ok(slack::deliver(client, allow, &msg.target, &msg.payload).await)
        }
        (Channel::Ntfy, _) => super::ntfy::deliver(services, client, msg).await,
        (Channel::Teams | Channel::Discord, _) => {
            let allow = services.settings.webhook_allow_private;
            Ok(super::chat::deliver(client, allow, &msg.target, &msg.payload).await)
        }
        (Channel::Email, Some(email::Prepared::Ready(ready)))
            if super::nudge_email::handles(msg.event) =>
        {
            Ok(super::nudge_email::send(services, msg, &ready.0, &ready.1, ready.2).await)
        }
        (Channel::Email, Some(email::Prepared::Ready(ready))) => {
            Ok(email::send(services, msg, &ready.0, &ready.1, ready.2).await)
        }
        (Channel::Email, Some(email::Prepared::Settled(outcome))) => Ok(outcome),
        (Channel::Email, Some(email::Prepared::Expired(pause))) => {
            Ok(super::expired_email::send(services, msg, &pause).await)
        }
        (Channel::Email, Some(email::Prepared::Reset(ready))) => {
            Ok(super::reset_email::send(services, msg, &ready).await)
        }
        (Channel::Email, Some(email::Prepared::Digest(ready))) => {
            Ok(super::digest_email::send(services, msg, &ready).await)
        }
        (Channel::Email, Some(email::Prepared::KeyExpiry(ready))) => {
            Ok(super::key_expiry_email::send(services, msg, &ready).await)
        }
        (Channel::Email, None) => Ok(AttemptResult::Unknown {
            error: "the email was not prepared".into(),
        }),
    };
    let outcome = outcome.unwrap_or_else(|e| AttemptResult::Unknown {
        error: e.to_string(),
    });
    log_outcome(services, msg, &outcome);
    outcome
}

fn log_outcome(services: &Services, msg: &Message, outcome: &AttemptResult) {
    if let AttemptResult::Skipped { note } = outcome {
        tracing::info!(msg_id = %msg.msg_id, event = %msg.event, note = %note, "skipped");
    } else if matches!(outcome, AttemptResult::Delivered { .. }) {
        tracing::info!(msg_id = %msg.msg_id, event = %msg.event, "delivered");
    } else {
        services
            .metrics
            .record_delivery_failure(msg.channel.as_str());
        tracing::warn!(msg_id = %msg.msg_id, event = %msg.event, outcome = ?outcome, "delivery failed");
    }
}

/// Writes attempts in batches: everything that finished meanwhile goes into one writer job.
/// A message gives its slot back only once its attempt is committed, so it cannot be picked up
/// again in between.
async fn record(services: Services, mut rx: mpsc::UnboundedReceiver<Attempt>, in_flight: InFlight) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let attempts = std::mem::take(&mut batch);
        let ids: Vec<i64> = attempts.iter().map(|a| a.msg.id).collect();
        let now = services.now();
        let written = services
            .writer
            .run(move |ctx| {
                attempts
                    .iter()
                    .try_for_each(|a| record_one(ctx.conn, now, a))
            })
            .await;
        if let Err(e) = written {
            tracing::warn!(error = %e, "recording delivery attempts failed; they will be retried");
        }
        let mut held = in_flight.lock().expect("in-flight lock");
        ids.iter().for_each(|id| held.release(*id));
        drop(held);
        services.outbox_wake.notify_one();
    }
}

fn record_one(conn: &crate::db::sql::Connection, now: i64, a: &Attempt) -> AppResult<()> {
    outbox::record_attempt(conn, now, &a.msg, &a.outcome, a.duration_ms)?;
    // 410 Gone: the endpoint asked never to be called again.
    if let (
        AttemptResult::Failed {
            status: Some(410), ..
        },
        Some(ep),
    ) = (&a.outcome, a.msg.endpoint_id)
    {
        webhooks::set_enabled(
            conn,
            a.msg.workspace_id,
            ep,
            false,
            Some("the endpoint answered 410 Gone"),
        )?;
    }
    Ok(())
}

async fn deliver_webhook(
    services: &Services,
    client: &reqwest::Client,
    msg: &Message,
) -> AppResult<AttemptResult> {
    let now = services.now();
    let (ws, endpoint) = (msg.workspace_id, msg.endpoint_id);
    let secrets = services
        .read_blocking(move |conn| signing_secrets(conn, now, ws, endpoint))
        .await?;
    let Some(secrets) = secrets else {
        return Ok(AttemptResult::Failed {
            status: None,
            error: "the endpoint is disabled or gone".into(),
            retry_after: None,
            permanent: true,
        });
    };
    let allow = services.settings.webhook_allow_private;
    Ok(webhook::deliver(
        client,
        allow,
        &msg.target,
        &msg.msg_id,
        now / 1000,
        &msg.payload,
        &secrets,
    )
    .await)
}

/// The secrets that sign a delivery: the endpoint's, or the workspace's callback secret for a
/// pause's own callback URL. None when the endpoint is disabled or gone.
fn signing_secrets(
    conn: &crate::db::sql::Connection,
    now: i64,
    workspace_id: WorkspaceId,
    endpoint_id: Option<i64>,
) -> AppResult<Option<Vec<String>>> {
    Ok(match endpoint_id {
        Some(id) => match webhooks::get(conn, workspace_id, id) {
            Ok(ep) if ep.enabled => Some(ep.signing_secrets(now)),
            _ => None,
        },
        None => Some(
            webhooks::callback_secret(conn, workspace_id)?
                .into_iter()
                .collect(),
        ),
    })
}
