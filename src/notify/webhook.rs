//! Standard Webhooks v1 deliveries: `webhook-id`, `webhook-timestamp` and
//! `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, where the key is
//! the base64 part of a `whsec_` secret. 15 s timeout, no redirects, 2xx is success.
//! Loopback, link-local and private addresses are refused unless allowed (checked on every
//! resolved address, so a DNS name cannot smuggle a private target in). The client never takes a
//! proxy from the environment (`HTTP_PROXY`, `HTTPS_PROXY`): a proxy resolves names itself, which
//! would skip that check. Only an explicit `--outbound-proxy` is used; the operator's proxy then
//! does the egress filtering for names, and literal private addresses are still refused here.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::outbox::AttemptResult;
use crate::domain::secrets::hmac_sha256;
use crate::notify::redact;

pub const TIMEOUT: Duration = Duration::from_secs(15);

/// `v1,<signature>` for one secret; `None` if the secret is not a `whsec_` base64 key.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mac = hmac_sha256(&key, format!("{msg_id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", b64.encode(mac)))
}

/// True for addresses a webhook must not reach by default.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Resolves names and drops private addresses (unless allowed).
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| allow || !is_private(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!(
                    "{} resolves only to private addresses; {REFUSED}",
                    name.as_str()
                )
                .into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The delivery client. With a proxy, the only name it resolves is the proxy's own (an operator
/// setting, often a private address), so the guarded resolver is not used there.
pub fn client(allow_private: bool, proxy: Option<&url::Url>) -> reqwest::Client {
    let builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Holdpoint-Webhooks/", env!("CARGO_PKG_VERSION")));
    let builder = match proxy {
        Some(p) => builder.proxy(reqwest::Proxy::all(p.as_str()).expect("a valid proxy URL")),
        None => builder.dns_resolver(Arc::new(GuardedResolver { allow_private })),
    };
    builder.build().expect("the webhook HTTP client builds")
}

/// Refuses a URL whose host is a literal private address (unless allowed): checked before the
/// request is handed to the client, so it holds with a proxy too. Names are checked on resolution.
pub(crate) fn refuse_literal(url: &url::Url, allow_private: bool) -> Option<String> {
    let ip: IpAddr = match url.host()? {
        url::Host::Ipv4(ip) => ip.into(),
        url::Host::Ipv6(ip) => ip.into(),
        url::Host::Domain(_) => return None,
    };
    (!allow_private && is_private(ip)).then(|| format!("{ip} is a private address; {REFUSED}"))
}

/// Why a private target is refused, and the setting that allows it, for every message that
/// refuses one (the Deliveries page, the Webhooks page).
pub const REFUSED: &str = "this server refuses deliveries to loopback, link-local and private \
    addresses unless it runs with HOLDPOINT_WEBHOOK_ALLOW_PRIVATE=true (--webhook-allow-private \
    true)";

/// The host of `url` when it is plainly private: a literal private address or `localhost`.
/// Other names are checked when they are resolved, at each delivery.
pub fn plainly_private_host(url: &url::Url) -> Option<String> {
    match url.host()? {
        url::Host::Ipv4(ip) => is_private(ip.into()).then(|| ip.to_string()),
        url::Host::Ipv6(ip) => is_private(ip.into()).then(|| ip.to_string()),
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            (d == "localhost" || d.ends_with(".localhost")).then_some(d)
        }
    }
}

/// Parses a delivery URL and applies the literal private-address guard (names are checked by
/// the client's resolver): a refusal is permanent, since retrying cannot change it.
pub fn guarded_url(url: &str, allow_private: bool, what: &str) -> Result<url::Url, AttemptResult> {
    let refuse = |error: String| AttemptResult::Failed {
        status: None,
        error,
        retry_after: None,
        permanent: true,
    };
    let parsed = url::Url::parse(url).map_err(|_| refuse(format!("invalid {what}")))?;
    match refuse_literal(&parsed, allow_private) {
        Some(error) => Err(refuse(error)),
        None => Ok(parsed),
    }
}

/// Sends one delivery and classifies the answer.
pub async fn deliver(
    client: &reqwest::Client,
    allow_private: bool,
    url: &str,
    msg_id: &str,
    timestamp: i64,
    body: &str,
    secrets: &[String],
) -> AttemptResult {
    let parsed = match guarded_url(url, allow_private, "webhook URL") {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    let signatures: Vec<String> = secrets
        .iter()
        .filter_map(|s| sign(s, msg_id, timestamp, body))
        .collect();
    let request = client
        .post(parsed)
        .header("content-type", "application/json")
        .header("webhook-id", msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signatures.join(" "))
        .body(body.to_string());
    match request.send().await {
        Ok(res) => classify(&res),
        Err(e) => send_error(e),
    }
}

/// A failed send as an outcome; its text (logged and stored) never holds the URL.
pub(crate) fn send_error(e: reqwest::Error) -> AttemptResult {
    // Not connected: nothing was sent.
    let connect = e.is_connect() || e.is_builder();
    let error = redact::request_error(e);
    if connect {
        AttemptResult::Failed {
            status: None,
            error,
            retry_after: None,
            permanent: false,
        }
    } else {
        // Sent (or maybe sent) but no answer: the receiver may have it.
        AttemptResult::Unknown { error }
    }
}

/// 2xx delivered; otherwise failed, with Retry-After on 429/503 and 410 as permanent.
pub(crate) fn classify(res: &reqwest::Response) -> AttemptResult {
    let status = res.status();
    if status.is_success() {
        return AttemptResult::Delivered {
            status: Some(status.as_u16()),
        };
    }
    let retry_after = match status.as_u16() {
        429 | 503 => res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.trim().parse::<i64>().ok()),
        _ => None,
    };
    AttemptResult::Failed {
        status: Some(status.as_u16()),
        error: format!("the receiver answered {status}"),
        retry_after,
        permanent: status.as_u16() == 410,
    }
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_test_vector() {
        let sig = sign(
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
        );
        assert_eq!(
            sig.as_deref(),
            Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=")
        );
    }

    #[test]
    fn private_and_special_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}
