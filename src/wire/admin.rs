//! What the workspace-administration API answers: webhook endpoints, API keys and users as
//! JSON. A secret appears only in the answer that made it (`secret`, `key`), never in a read.

use serde::Serialize;

use crate::domain::ids::ApiKeyId;
use crate::domain::key_admin::KeyDetails;
use crate::domain::scopes::KeyScope;
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

/// The one API key object (later issues add to it): never the key itself, except `key` in the
/// answer that made it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub test: bool,
    pub scopes: Vec<KeyScope>,
    /// The email of the person who made it; null when made by the CLI or another key.
    pub created_by: Option<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// The last instant the key works; null: it never expires.
    pub expires_at: Option<String>,
    pub autonomy_level: Option<u8>,
    pub groups: Vec<String>,
    pub pinned_agents: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl KeyView {
    pub fn of(d: KeyDetails, key: Option<String>) -> KeyView {
        let k = d.listing.key;
        KeyView {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            test: k.test,
            scopes: k.scopes.iter().collect(),
            created_by: d.listing.created_by_email,
            created_at: rfc3339(k.created_at),
            last_used_at: stamp(k.last_used_at),
            expires_at: stamp(k.expires_at),
            autonomy_level: d.listing.autonomy_level,
            groups: d.groups,
            pinned_agents: d.pinned_agents,
            key,
        }
    }
}
