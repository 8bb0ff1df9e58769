//! The gates' HTTP side: create a pause once (an `Idempotency-Key` makes a retried create safe)
//! and long-poll it until it is final. Network errors, `503` and `429` with `Retry-After` are
//! ridden out for `reconnect_for` from the first failure in a row, so a server restart or a
//! blip does not end a wait that may last hours; every other refusal ends it at once.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use reqwest::{Response, StatusCode};
use serde_json::Value;

/// The server's longest `?wait=` (README: "Long-poll").
const POLL_WAIT: u64 = 55;
/// A `Retry-After` longer than this (a monthly quota) is not waited for.
const MAX_RETRY_AFTER: u64 = 60;

pub struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
    reconnect_for: Duration,
}

/// Why a request did not answer with a usable body.
enum Failure {
    /// Worth trying again after this long.
    Transient(Duration, String),
    /// Final: the server's problem title and detail, or what went wrong.
    Fatal(anyhow::Error),
}

impl Client {
    pub fn new(base: &url::Url, key: &str, reconnect_for: Duration) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("holdpoint-gate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Client {
            http,
            base: base.as_str().trim_end_matches('/').to_string(),
            key: key.to_string(),
            reconnect_for,
        })
    }

    /// `POST /api/pause` with a fresh `Idempotency-Key`; the same bytes are sent on every retry,
    /// so the server replays the first pause instead of making a second one.
    pub async fn create(&self, body: &Value) -> anyhow::Result<Value> {
        let bytes = serde_json::to_vec(body)?;
        let idempotency_key = format!("holdpoint-gate-{}", uuid::Uuid::now_v7());
        let url = format!("{}/api/pause", self.base);
        self.with_retries(|| {
            self.http
                .post(&url)
                .bearer_auth(&self.key)
                .header("content-type", "application/json")
                .header("idempotency-key", &idempotency_key)
                .body(bytes.clone())
                .timeout(Duration::from_secs(30))
                .send()
        })
        .await
    }

    /// Long-polls until the pause is final (a pending pause past its deadline whose `onTimeout`
    /// is `wait` keeps waiting), or until `deadline` when one is given.
    pub async fn wait_final(
        &self,
        watch_id: &str,
        deadline: Option<Instant>,
    ) -> anyhow::Result<Value> {
        let watch_id: String = url::form_urlencoded::byte_serialize(watch_id.as_bytes()).collect();
        loop {
            let wait = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now()).as_secs();
                    if left == 0 {
                        bail!("no decision in time (the gate stopped waiting)");
                    }
                    left.min(POLL_WAIT)
                }
                None => POLL_WAIT,
            };
            let url = format!("{}/api/pause/{watch_id}?wait={wait}", self.base);
            let pause = self
                .with_retries(|| {
                    self.http
                        .get(&url)
                        .bearer_auth(&self.key)
                        .timeout(Duration::from_secs(wait + 20))
                        .send()
                })
                .await?;
            if pause["status"] != "pending" {
                return Ok(pause);
            }
        }
    }

    async fn with_retries<F, Fut>(&self, send: F) -> anyhow::Result<Value>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = reqwest::Result<Response>>,
    {
        let mut failing_since: Option<Instant> = None;
        let mut attempt = 0u32;
        loop {
            let failure = match send().await {
                Ok(res) => match read(res).await {
                    Ok(body) => return Ok(body),
                    Err(f) => f,
                },
                Err(e) => Failure::Transient(backoff(attempt), network_error(&e)),
            };
            let (delay, why) = match failure {
                Failure::Fatal(e) => return Err(e),
                Failure::Transient(delay, why) => (delay, why),
            };
            let since = *failing_since.get_or_insert_with(Instant::now);
            if since.elapsed() + delay > self.reconnect_for {
                bail!(
                    "{why} (gave up after {} s of retries)",
                    since.elapsed().as_secs()
                );
            }
            crate::telemetry::say(&format!(
                "holdpoint: {why}; retrying in {} ms\n",
                delay.as_millis()
            ));
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

async fn read(res: Response) -> Result<Value, Failure> {
    let status = res.status();
    let retry_after = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let bytes = res
        .bytes()
        .await
        .map_err(|e| Failure::Transient(backoff(0), network_error(&e)))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|_| {
            Failure::Fatal(anyhow!(
                "the server answered {status} without JSON; is HOLDPOINT_URL a Holdpoint server?"
            ))
        });
    }
    let problem: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let text = describe(status, &problem);
    let transient = match status {
        StatusCode::TOO_MANY_REQUESTS => retry_after.filter(|s| *s <= MAX_RETRY_AFTER),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT => {
            Some(retry_after.unwrap_or(1).min(MAX_RETRY_AFTER))
        }
        _ => None,
    };
    match transient {
        Some(secs) => Err(Failure::Transient(Duration::from_secs(secs.max(1)), text)),
        None => Err(Failure::Fatal(anyhow!(text))),
    }
}

/// `422 Invalid request: `risk` must be …` from a problem, or the bare status without one.
fn describe(status: StatusCode, problem: &Value) -> String {
    let title = problem["title"]
        .as_str()
        .unwrap_or_else(|| status.canonical_reason().unwrap_or(""));
    match problem["detail"].as_str() {
        Some(detail) => format!("the server answered {} {title}: {detail}", status.as_u16()),
        None => format!("the server answered {} {title}", status.as_u16()),
    }
}

/// What failed, without the URL's query or the key (reqwest's text never holds headers).
fn network_error(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "cannot connect to the server"
    } else if e.is_timeout() {
        "the server did not answer in time"
    } else {
        "the connection to the server failed"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    match last {
        Some(cause) => format!("{kind} ({cause})"),
        None => kind.to_string(),
    }
}

/// 0.25 s doubling to 4 s, with jitter so that many gates do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let base = (250u64 << attempt.min(4)).min(4000);
    let jitter = rand::Rng::gen_range(&mut rand::thread_rng(), 0.8..1.2);
    Duration::from_millis((base as f64 * jitter) as u64)
}
