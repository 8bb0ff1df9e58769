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
    let parsed = match guarded_url(url, allow_private, "Slack webhook URL") {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    let request = client
        .post(parsed)
        .header("content-type", "application/json")
        .body(body.to_string());
    // The URL is a credential: `send_error` keeps it out of the error text (logged and stored).
    match request.send().await {
        Ok(res) => classify(&res),
        Err(e) => send_error(e),
    }
}
