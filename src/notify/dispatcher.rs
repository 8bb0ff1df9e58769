//! Delivers the outbox. Woken by every commit that queues messages (and once a second for
//! retries that come due); at most [`CONCURRENCY`] deliveries run at once, and a message being
//! delivered is never picked up twice. Each attempt's outcome is written by the writer.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web;

use crate::domain::outbox::{self, Channel, Message, Outcome};
use crate::domain::webhooks;
use crate::error::AppResult;
use crate::http::AppState;
use crate::notify::{email, slack, webhook};

pub const CONCURRENCY: usize = 16;
const BATCH: i64 = 64;

pub async fn run(state: web::Data<AppState>) {
    let client = webhook::client(state.settings.webhook_allow_private);
    let in_flight: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
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
        for msg in due {
            if !in_flight.lock().expect("in-flight lock").insert(msg.id) {
                continue;
            }
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let (state, client, in_flight) = (state.clone(), client.clone(), in_flight.clone());
            tokio::spawn(async move {
                let id = msg.id;
                if let Err(e) = deliver_and_record(&state, &client, msg).await {
                    tracing::warn!(error = %e, outbox_id = id, "recording a delivery failed");
                }
                in_flight.lock().expect("in-flight lock").remove(&id);
                drop(permit);
                state.outbox_wake.notify_one();
            });
        }
        tokio::select! {
            _ = &mut wake => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

async fn deliver_and_record(
    state: &AppState,
    client: &reqwest::Client,
    msg: Message,
) -> AppResult<()> {
    let started = Instant::now();
    let outcome = match msg.channel {
        Channel::Webhook => deliver_webhook(state, client, &msg).await?,
        Channel::Slack => {
            let allow = state.settings.webhook_allow_private;
            slack::deliver(client, allow, &msg.target, &msg.payload).await
        }
        Channel::Email => email::deliver(state, &msg).await?,
    };
    let duration_ms = started.elapsed().as_millis() as i64;
    let now = state.now();
    if let Outcome::Skipped { note } = &outcome {
        tracing::info!(msg_id = %msg.msg_id, event = %msg.event, note = %note, "skipped");
    } else if matches!(outcome, Outcome::Delivered { .. }) {
        tracing::info!(msg_id = %msg.msg_id, event = %msg.event, "delivered");
    } else {
        state.metrics.record_delivery_failure(msg.channel.as_str());
        tracing::warn!(msg_id = %msg.msg_id, event = %msg.event, outcome = ?outcome, "delivery failed");
    }
    state
        .writer
        .run(move |ctx| {
            outbox::record_attempt(ctx.conn, now, &msg, &outcome, duration_ms)?;
            // 410 Gone: the endpoint asked never to be called again.
            if let (
                Outcome::Failed {
                    status: Some(410), ..
                },
                Some(ep),
            ) = (&outcome, msg.endpoint_id)
            {
                webhooks::set_enabled(
                    ctx.conn,
                    msg.workspace_id,
                    ep,
                    false,
                    Some("the endpoint answered 410 Gone"),
                )?;
            }
            Ok(())
        })
        .await
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
