//! What the workspace-administration API answers: webhook endpoints, API keys and users as
//! JSON. A secret appears only in the answer that made it (`secret`, `key`), never in a read.

use serde::Serialize;

use crate::domain::webhooks::Endpoint;
use crate::domain::{rfc3339, Millis};

/// A webhook endpoint; `secret` only in the answer to its creation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    /// Why it is disabled (`the endpoint answered 410 Gone`, …); null while enabled.
    pub disabled_reason: Option<String>,
    pub test_events: bool,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    pub fn of(e: Endpoint, secret: Option<String>) -> WebhookView {
        WebhookView {
            id: e.id,
            url: e.url,
            events: e.events,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            test_events: e.test_events,
            created_at: rfc3339(e.created_at),
            secret,
        }
    }
}

/// An optional instant as the API writes it.
pub fn stamp(at: Option<Millis>) -> Option<String> {
    at.map(rfc3339)
}
