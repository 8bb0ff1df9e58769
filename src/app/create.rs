//! Creating a pause, with `Idempotency-Key` replay: the check, the quota and the insert run in
//! one writer transaction, so two racing requests with the same key cannot both create.

use crate::domain::idempotency::{self, Lookup};
use crate::domain::pauses::{self, NewPause};
use crate::domain::policy::PolicyVerdict;
use crate::domain::quotas::QuotaState;
use crate::error::AppResult;
use crate::metrics::Metrics;
use crate::services::Services;

/// What the agent asked for, already validated.
pub struct CreatePause {
    pub pause: NewPause,
    /// The `Idempotency-Key`, already validated.
    pub idempotency_key: Option<String>,
    /// The SHA-256 of the exact request body, to tell a replay from a reuse of the key.
    pub request_hash: Vec<u8>,
}

/// The answer to give: a new pause's view, or the first answer replayed as it was sent.
pub struct Created {
    pub status: u16,
    /// The pause view as JSON.
    pub body: String,
    /// The pause's `statusUrl`.
    pub location: String,
    /// The workspace's standing when this create was counted; None for a replay or a test key.
    pub quota: Option<QuotaState>,
}

pub async fn create(services: &Services, request: CreatePause) -> AppResult<Created> {
    let CreatePause {
        pause,
        idempotency_key,
        request_hash,
    } = request;
    let server_timeout = services.settings.default_timeout_secs as i64;
    let (base_url, now, key_id) = (services.base_url(), services.now(), pause.api_key_id);
    let metrics = services.metrics.clone();
    services
        .writer
        .run(move |ctx| {
            if let Some(k) = &idempotency_key {
                if let Lookup::Replay { status, body } =
                    idempotency::lookup(ctx.conn, key_id, k, &request_hash)?
                {
                    let location = replayed_location(&body);
                    let replayed = Created {
                        status,
                        body,
                        location,
                        quota: None,
                    };
                    return Ok((replayed, None));
                }
            }
            let pauses::Created { pause, quota } =
                pauses::create(ctx, now, server_timeout, pause)??;
            let verdict = pause.policy.clone();
            let view = pause.view(&base_url, now);
            let body = serde_json::to_string(&view).map_err(anyhow::Error::from)?;
            if let Some(k) = &idempotency_key {
                idempotency::store(ctx.conn, key_id, k, &request_hash, 201, &body, now)?;
            }
            Ok((
                Created {
                    status: 201,
                    body,
                    location: view.status_url,
                    quota,
                },
                verdict,
            ))
        })
        .await
        .map(|(created, verdict)| {
            count(&metrics, verdict.as_ref());
            created
        })
}

/// Counts a new pause's verdict for `/metrics` (a replay was counted the first time).
fn count(metrics: &Metrics, verdict: Option<&PolicyVerdict>) {
    let Some(v) = verdict else {
        return;
    };
    metrics.record_policy_decision(v.result.as_str(), v.source.as_str());
    if let Some(shadow) = &v.shadow {
        metrics.record_policy_shadow(shadow.result.as_str());
    }
}

/// The `Location` of a replayed response: its `statusUrl`.
fn replayed_location(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["statusUrl"].as_str().map(str::to_string))
        .unwrap_or_default()
}
