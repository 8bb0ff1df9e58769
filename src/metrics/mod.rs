//! Prometheus metrics for `GET /metrics`.
//!
//! Two kinds: counters and histograms updated on the hot path (requests, webhook failures),
//! which live in [`Metrics`] as atomics behind a short read lock; and gauges read from the
//! database or process state at scrape time ([`gauges`]), so nothing has to keep them in step
//! with every write. Labels never carry raw paths (they hold ids and tokens): only route patterns.

pub mod gauges;

use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Every metric name starts with this (`holdpoint_http_requests_total`, …).
pub const PREFIX: &str = "holdpoint";

/// Latency buckets in seconds: sub-millisecond reads up to long-polls of 55 s.
const LATENCY_BUCKETS: [f64; 16] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0,
];

/// The HTTP method as a closed set, so a client inventing methods cannot grow the label space.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(clippy::upper_case_acronyms)]
pub enum Method {
    GET,
    HEAD,
    POST,
    PUT,
    PATCH,
    DELETE,
    OPTIONS,
    OTHER,
}

impl From<&actix_web::http::Method> for Method {
    fn from(m: &actix_web::http::Method) -> Self {
        use actix_web::http::Method as M;
        match *m {
            M::GET => Method::GET,
            M::HEAD => Method::HEAD,
            M::POST => Method::POST,
            M::PUT => Method::PUT,
            M::PATCH => Method::PATCH,
            M::DELETE => Method::DELETE,
            M::OPTIONS => Method::OPTIONS,
            _ => Method::OTHER,
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: Method,
    /// The route pattern (`/api/pause/{watch_id}`), or `unmatched` for unknown paths.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: Method,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PolicyLabels {
    /// `wait`, `approved` or `rejected`.
    pub result: &'static str,
    /// `rule`, `band`, `stop`, `kind` or `default`.
    pub source: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ShadowLabels {
    /// What the shadow policy would have decided: `wait`, `approved` or `rejected`.
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChannelLabels {
    /// `webhook`, `slack` or `email`.
    pub channel: &'static str,
}

/// The process's hot-path metrics. Recording is a read-locked map lookup plus atomic adds; the
/// lock is never held across an `.await`.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    delivery_failures: Family<ChannelLabels, Counter>,
    policy_decisions: Family<PolicyLabels, Counter>,
    policy_shadow: Family<ShadowLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix(PREFIX);
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Family<RouteLabels, Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        let delivery_failures = Family::<ChannelLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from receiving a request to its response, by method and route pattern",
            latency.clone(),
        );
        registry.register(
            "outbox_delivery_failures",
            "Outbox delivery attempts that failed or whose outcome is unknown, by channel",
            delivery_failures.clone(),
        );
        let policy_decisions = Family::<PolicyLabels, Counter>::default();
        registry.register(
            "policy_decisions",
            "New pauses by what the decision policy said (wait, approved, rejected) and which \
             step said it",
            policy_decisions.clone(),
        );
        let policy_shadow = Family::<ShadowLabels, Counter>::default();
        registry.register(
            "policy_shadow_verdicts",
            "New pauses a shadow rule or the shadow autonomy level had a verdict on, by what it \
             would have decided",
            policy_shadow.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            delivery_failures,
            policy_decisions,
            policy_shadow,
        }
    }

    /// Counts one answered request; `route` is consumed into the label (no extra copy when the
    /// series already exists beyond the lookup key).
    pub fn record_request(&self, method: Method, route: String, status: u16, took: Duration) {
        let labels = RouteLabels { method, route };
        self.latency
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
        let labels = RequestLabels {
            method,
            route: labels.route,
            status,
        };
        self.requests.get_or_create(&labels).inc();
    }

    pub fn record_delivery_failure(&self, channel: &'static str) {
        self.delivery_failures
            .get_or_create(&ChannelLabels { channel })
            .inc();
    }

    pub fn record_policy_decision(&self, result: &'static str, source: &'static str) {
        self.policy_decisions
            .get_or_create(&PolicyLabels { result, source })
            .inc();
    }

    pub fn record_policy_shadow(&self, result: &'static str) {
        self.policy_shadow
            .get_or_create(&ShadowLabels { result })
            .inc();
    }

    /// The hot-path metrics in the Prometheus text format (0.0.4).
    pub fn encode(&self, out: &mut String) -> std::fmt::Result {
        prometheus_client::encoding::prometheus_text::encode(out, &self.registry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_pattern_and_status() {
        let m = Metrics::new();
        for _ in 0..2 {
            m.record_request(
                Method::GET,
                "/api/pause/{watch_id}".into(),
                200,
                Duration::from_millis(3),
            );
        }
        m.record_delivery_failure("webhook");
        let mut out = String::new();
        m.encode(&mut out).unwrap();
        assert!(out.contains(
            "holdpoint_http_requests_total{method=\"GET\",route=\"/api/pause/{watch_id}\",status=\"200\"} 2"
        ), "{out}");
        assert!(out.contains(
            "holdpoint_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/pause/{watch_id}\",le=\"0.005\"} 2"
        ), "{out}");
        assert!(out.contains("holdpoint_outbox_delivery_failures_total{channel=\"webhook\"} 1"));
    }
}
