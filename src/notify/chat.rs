//! Microsoft Teams (Workflows webhooks) and Discord (incoming webhooks): POST the JSON built by
//! `wire::chat`, with the same guarded client and failure classes as webhooks and Slack. The URL
//! is the credential, so it never appears in an error. Discord answers a rate limit with `429`
//! and `{"retry_after": <seconds, fractional>}` in the body: that wait is honoured.

use crate::domain::outbox::AttemptResult;
use crate::notify::slack::post_json;
use crate::notify::webhook::classify;

pub async fn deliver(
    client: &reqwest::Client,
    allow_private: bool,
    url: &str,
    body: &str,
) -> AttemptResult {
    let res = match post_json(client, allow_private, url, body, "webhook URL").await {
        Ok(res) => res,
        Err(failed) => return failed,
    };
    let mut outcome = classify(&res);
    if let AttemptResult::Failed {
        status: Some(429),
        retry_after,
        ..
    } = &mut outcome
    {
        if let Some(secs) = body_retry_after(res).await {
            *retry_after = Some(secs);
        }
    }
    outcome
}

/// Discord's `retry_after` (seconds, possibly fractional), rounded up; None without one.
async fn body_retry_after(res: reqwest::Response) -> Option<i64> {
    // A rate-limit answer is small; anything else is not read.
    if res.content_length().is_none_or(|n| n > 65_536) {
        return None;
    }
    let bytes = res.bytes().await.ok()?;
    let body: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let secs = body.get("retry_after")?.as_f64()?;
    (secs.is_finite() && secs >= 0.0).then(|| secs.ceil() as i64)
}
