//! What the workspace-administration API answers: webhook endpoints, API keys and users as
//! JSON. A secret appears only in the answer that made it (`secret`, `key`), never in a read.

use serde::Serialize;

use crate::domain::ids::ApiKeyId;
use crate::domain::key_admin::KeyDetails;
use crate::domain::scopes::KeyScope;
use crate::domain::webhooks::Endpoint;
use crate::domain::{rfc3339, Millis};

/// A webhook endpoint; `secret` only in the answer to its creation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookEndpoint)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    /// Why it is disabled (`the endpoint answered 410 Gone`, …); null while enabled.
    pub disabled_reason: Option<String>,
    pub test_events: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The signing secret (`whsec_…`), in the answer to the creation only.
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ApiKey)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    #[schema(value_type = i64)]
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub test: bool,
    pub scopes: Vec<KeyScope>,
    /// The email of the person who made it; null when made by the CLI or another key.
    pub created_by: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    /// The last instant the key works; null: it never expires.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// The most autonomy the policy grants its pauses (0 to 100); null: no cap.
    pub autonomy_level: Option<u8>,
    pub groups: Vec<String>,
    pub pinned_agents: Vec<String>,
    /// The whole key, in the answer to the creation only.
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

/// `GET /api/webhooks` (documents the JSON the handler builds).
#[derive(utoipa::ToSchema)]
#[schema(as = WebhookList)]
#[allow(dead_code)]
pub struct WebhookListDoc {
    items: Vec<WebhookView>,
}

/// `POST /api/webhooks/:id/test`: the `webhook-id` the queued `ping` will carry.
#[derive(utoipa::ToSchema)]
#[schema(as = WebhookTestQueued)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct TestQueuedDoc {
    delivery_id: String,
}

/// `GET /api/keys`.
#[derive(utoipa::ToSchema)]
#[schema(as = ApiKeyList)]
#[allow(dead_code)]
pub struct KeyListDoc {
    items: Vec<KeyView>,
}

/// `GET /api/audit`: a page of entries, newest first.
#[derive(utoipa::ToSchema)]
#[schema(as = AuditPage)]
#[allow(dead_code)]
pub struct AuditPageDoc {
    items: Vec<crate::app::audit::ExportRow>,
    total: i64,
    limit: i64,
    offset: i64,
}
