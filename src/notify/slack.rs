//! Slack incoming webhooks: POST the message JSON built by `domain::slack`. 2xx is success;
//! failures are classified as webhook failures are (Retry-After on 429/503, 410 permanent),
//! with the same client: 15 s timeout, no redirects, private addresses refused unless allowed.
//! Slack messages are not signed: the URL itself is the credential.

use std::net::IpAddr;

use crate::domain::outbox::Outcome;
use crate::notify::webhook::{classify, error_chain, is_private};

pub async fn deliver(
    client: &reqwest::Client,
    allow_private: bool,
    url: &str,
    body: &str,
) -> Outcome {
    let refuse = |error: String| Outcome::Failed {
        status: None,
        error,
        retry_after: None,
        permanent: true,
    };
    let Ok(parsed) = url::Url::parse(url) else {
        return refuse("invalid Slack webhook URL".into());
    };
    let literal: Option<IpAddr> = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => Some(ip.into()),
        Some(url::Host::Ipv6(ip)) => Some(ip.into()),
        _ => None,
    };
    if let Some(ip) = literal.filter(|ip| !allow_private && is_private(*ip)) {
        return refuse(format!("{ip} is a private address, which is refused"));
    }
    let request = client
        .post(parsed)
        .header("content-type", "application/json")
        .body(body.to_string());
    // The URL is a credential: keep it out of the error text (logged and stored).
    match request.send().await.map_err(reqwest::Error::without_url) {
        Ok(res) => classify(&res),
        Err(e) if e.is_connect() || e.is_builder() => Outcome::Failed {
            status: None,
            error: error_chain(&e),
            retry_after: None,
            permanent: false,
        },
        Err(e) => Outcome::Unknown {
            error: error_chain(&e),
        },
    }
}
