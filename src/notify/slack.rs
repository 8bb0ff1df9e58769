//! Slack incoming webhooks: POST the message JSON built by `wire::slack`. 2xx is success;
//! failures are classified as webhook failures are (Retry-After on 429/503, 410 permanent),
//! with the same client: 15 s timeout, no redirects, private addresses refused unless allowed.
//! Slack messages are not signed: the URL itself is the credential.

use crate::domain::outbox::AttemptResult;
use crate::notify::webhook::{classify, guarded_url, send_error};

pub async fn deliver(
    client: &reqwest::Client,
    allow_private: bool,
    url: &str,
    body: &str,
) -> AttemptResult {
    match post_json(client, allow_private, url, body, "Slack webhook URL").await {
        Ok(res) => classify(&res),
        Err(failed) => failed,
    }
}

/// POSTs `body` as JSON to a chat service's incoming-webhook `url` (Slack, Teams, Discord): the
/// URL is parsed and guarded, and being a credential it is kept out of any error text (logged
/// and stored). The response is the caller's to classify.
pub async fn post_json(
    client: &reqwest::Client,
    allow_private: bool,
    url: &str,
    body: &str,
    what: &str,
) -> Result<reqwest::Response, AttemptResult> {
    let parsed = guarded_url(url, allow_private, what)?;
    client
        .post(parsed)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(send_error)
}
