//! Webhook endpoints, shared by the Webhooks page and `/api/webhooks`: each change is one
//! writer job running the audited domain write. A URL whose host is plainly private is refused
//! when it is given (naming the setting that allows it), here, for both.

use serde::Deserialize;

use crate::domain::audit::Actor;
use crate::domain::ids::WorkspaceId;
use crate::domain::webhook_edit::{self, NewEndpoint};
use crate::domain::webhooks::{self, Endpoint};
use crate::domain::{webhook_admin, Millis};
use crate::error::AppResult;
use crate::services::Services;

/// Adds an endpoint; answers it and its secret (to be shown once).
pub async fn create(
    s: &Services,
    ws: WorkspaceId,
    actor: Actor,
    new: NewEndpoint,
) -> AppResult<(Endpoint, String)> {
    let (now, allow_private) = (s.now(), s.settings.webhook_allow_private);
    s.writer
        .run(move |ctx| {
            webhooks::ensure_deliverable("url", &new.url, allow_private)?;
            let (id, secret) = webhook_edit::create(ctx.conn, now, actor, ws, new)?;
            Ok((webhooks::get(ctx.conn, ws, id)?, secret))
        })
        .await
}

/// What a PATCH may change; an absent member (or null) stays as it is.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = WebhookPatch)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub test_events: Option<bool>,
}

/// Applies `patch` in one transaction (each part audited as the page's buttons are).
pub async fn change(
    s: &Services,
    ws: WorkspaceId,
    actor: Actor,
    id: i64,
    patch: EndpointPatch,
) -> AppResult<Endpoint> {
    let (now, allow_private) = (s.now(), s.settings.webhook_allow_private);
    s.writer
        .run(move |ctx| {
            let conn = ctx.conn;
            let before = webhooks::get(conn, ws, id)?;
            if let Some(url) = &patch.url {
                webhooks::ensure_deliverable("url", url, allow_private)?;
            }
            if patch.url.is_some() || patch.events.is_some() {
                let what = (patch.url.as_deref(), patch.events.as_deref());
                webhook_edit::change(conn, now, actor, ws, id, what)?;
            }
            if let Some(on) = patch.enabled.filter(|&on| on != before.enabled) {
                webhook_admin::set_enabled(conn, now, actor, ws, id, on)?;
            }
            if let Some(on) = patch.test_events.filter(|&on| on != before.test_events) {
                webhook_admin::set_test_events(conn, now, actor, ws, id, on)?;
            }
            webhooks::get(conn, ws, id)
        })
        .await
}

pub async fn delete(s: &Services, ws: WorkspaceId, actor: Actor, id: i64) -> AppResult<()> {
    let now = s.now();
    s.writer
        .run(move |ctx| webhook_edit::delete(ctx.conn, now, actor, ws, id))
        .await
}

/// Queues a signed `ping` to the endpoint; answers its `webhook-id`.
pub async fn ping(s: &Services, ws: WorkspaceId, actor: Actor, id: i64) -> AppResult<String> {
    let now: Millis = s.now();
    s.writer
        .run(move |ctx| webhook_edit::ping(ctx, now, actor, ws, id))
        .await
}
