//! Delivers the outbox. Woken by every commit that queues messages (and once a second for
//! retries that come due); at most [`CONCURRENCY`] deliveries run at once, and a message being
//! delivered is never picked up twice. Each attempt's outcome is written by the writer.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web;
use tokio::sync::mpsc;

use crate::domain::outbox::{self, Channel, Message, Outcome};
use crate::domain::webhooks;
use crate::error::AppResult;
use crate::http::AppState;
use crate::notify::{email, slack, webhook};

pub const CONCURRENCY: usize = 16;
const BATCH: i64 = 64;

type InFlight = Arc<Mutex<HashSet<i64>>>;

/// One delivery attempt's result, on its way to the recorder.
struct Attempt {
    msg: Message,
    outcome: Outcome,
    duration_ms: i64,
}

pub async fn run(state: web::Data<AppState>) {
    let client = webhook::client(state.settings.webhook_allow_private);
    let in_flight: InFlight = Arc::default();
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let (record_tx, record_rx) = mpsc::unbounded_channel();
    let recorder = tokio::spawn(record(state.clone(), record_rx, in_flight.clone()));
    loop {
        let wake = state.outbox_wake.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        let due = state
            .read()
            .and_then(|c| outbox::due(&c, state.now(), BATCH))
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read the outbox");
                Vec::new()
            });
        let fresh: Vec<Message> = {
            let mut set = in_flight.lock().expect("in-flight lock");
            due.into_iter().filter(|m| set.insert(m.id)).collect()
        };
        for (msg, prepared) in prepare(&state, fresh, &in_flight).await {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                recorder.abort();
                return;
            };
            let (state, client, tx) = (state.clone(), client.clone(), record_tx.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let outcome = deliver(&state, &client, &msg, prepared).await;
                let duration_ms = started.elapsed().as_millis() as i64;
                drop(permit);
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

/// Pairs each message with what its delivery needs: emails are prepared together in one
/// writer job. If that job fails, the emails are released to be picked up again.
async fn prepare(
    state: &AppState,
    msgs: Vec<Message>,
    in_flight: &InFlight,
) -> Vec<(Message, Option<email::Prepared>)> {
    let (emails, others): (Vec<_>, Vec<_>) =
        msgs.into_iter().partition(|m| m.channel == Channel::Email);
    let mut out: Vec<_> = others.into_iter().map(|m| (m, None)).collect();
    if emails.is_empty() {
        return out;
    }
    match email::prepare(state, &emails).await {
        Ok(prepared) => out.extend(emails.into_iter().zip(prepared.into_iter().map(Some))),
        Err(e) => {
            tracing::warn!(error = %e, "preparing emails failed; they stay queued");
            let mut set = in_flight.lock().expect("in-flight lock");
            emails.iter().for_each(|m| {
                set.remove(&m.id);
            });
        }
    }
    out
}

async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    msg: &Message,
    prepared: Option<email::Prepared>,
) -> Outcome {
    let outcome = match (msg.channel, prepared) {
        (Channel::Webhook, _) => deliver_webhook(state, client, msg).await,
        (Channel::Slack, _) => {
            let allow = state.settings.webhook_allow_private;
            Ok(slack::deliver(client, allow, &msg.target, &msg.payload).await)
        }
        (Channel::Email, Some(email::Prepared::Ready(ready))) => {
            Ok(email::send(state, msg, &ready.0, &ready.1).await)
        }
        (Channel::Email, Some(email::Prepared::Settled(outcome))) => Ok(outcome),
        (Channel::Email, None) => Ok(Outcome::Unknown {
            error: "the email was not prepared".into(),
        }),
    };
    let outcome = outcome.unwrap_or_else(|e| Outcome::Unknown {
        error: e.to_string(),
    });
    log_outcome(state, msg, &outcome);
    outcome
}

fn log_outcome(state: &AppState, msg: &Message, outcome: &Outcome) {
    if let Outcome::Skipped { note } = outcome {
        tracing::info!(msg_id = %msg.msg_id, event = %msg.event, note = %note, "skipped");
    } else if matches!(outcome, Outcome::Delivered { .. }) {
        tracing::info!(msg_id = %msg.msg_id, event = %msg.event, "delivered");
    } else {
        state.metrics.record_delivery_failure(msg.channel.as_str());
        tracing::warn!(msg_id = %msg.msg_id, event = %msg.event, outcome = ?outcome, "delivery failed");
    }
}

/// Writes attempts in batches: everything that finished meanwhile goes into one writer job.
/// A message leaves the in-flight set only once its attempt is committed, so it cannot be
/// picked up again in between.
async fn record(
    state: web::Data<AppState>,
    mut rx: mpsc::UnboundedReceiver<Attempt>,
    in_flight: InFlight,
) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, BATCH as usize).await > 0 {
        let attempts = std::mem::take(&mut batch);
        let ids: Vec<i64> = attempts.iter().map(|a| a.msg.id).collect();
        let now = state.now();
        let written = state
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
        let mut set = in_flight.lock().expect("in-flight lock");
        ids.iter().for_each(|id| {
            set.remove(id);
        });
        drop(set);
        state.outbox_wake.notify_one();
    }
}

fn record_one(conn: &rusqlite::Connection, now: i64, a: &Attempt) -> AppResult<()> {
    outbox::record_attempt(conn, now, &a.msg, &a.outcome, a.duration_ms)?;
    // 410 Gone: the endpoint asked never to be called again.
    if let (
        Outcome::Failed {
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
    state: &AppState,
    client: &reqwest::Client,
    msg: &Message,
) -> AppResult<Outcome> {
    let now = state.now();
    let secrets = {
        let conn = state.read()?;
        match msg.endpoint_id {
            Some(id) => match webhooks::get(&conn, msg.workspace_id, id) {
                Ok(ep) if ep.enabled => ep.signing_secrets(now),
                _ => {
                    return Ok(Outcome::Failed {
                        status: None,
                        error: "the endpoint is disabled or gone".into(),
                        retry_after: None,
                        permanent: true,
                    })
                }
            },
            None => webhooks::callback_secret(&conn, msg.workspace_id)?
                .into_iter()
                .collect(),
        }
    };
    let allow = state.settings.webhook_allow_private;
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
