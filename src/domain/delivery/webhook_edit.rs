//! Webhook endpoints as the API manages them (the Webhooks page shares `create`): a chosen
//! secret, changing URL and events, deleting, and a signed `ping`. Every change writes its audit
//! row in the same transaction (run these in the writer); an endpoint of another workspace is a
//! 404. Secrets never go into the audit log, nor credentials from a URL.

use crate::db::sql::{params, Connection};
use base64::Engine;
use serde_json::json;

use super::audit::Actor;
use super::event_type::EventType;
use super::outbox::{self, Channel, NewMessage};
use super::webhook_admin::{check_room, record, validate_url};
use super::{webhooks, Millis};
use crate::db::WriteCtx;
use crate::domain::ids::WorkspaceId;
use crate::error::{AppError, AppResult};
use crate::notify::redact::loggable_url;

/// The bytes a chosen `whsec_` secret may decode to: fewer are guessable, more is no stronger
/// for HMAC-SHA256 and only a bigger header to sign with.
pub const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// An endpoint to add: `secret` None makes a new one.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: String,
    pub events: Vec<String>,
    pub secret: Option<String>,
    pub test_events: bool,
    pub enabled: bool,
}

/// `whsec_` followed by the standard base64 of 24 to 64 bytes.
pub fn validate_secret(secret: &str) -> AppResult<()> {
    let bad = || {
        AppError::invalid(
            "secret",
            format!(
                "a secret is `whsec_` followed by the base64 of {} to {} random bytes",
                SECRET_BYTES.start(),
                SECRET_BYTES.end()
            ),
        )
    };
    let key = secret.strip_prefix("whsec_").ok_or_else(bad)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key)
        .map_err(|_| bad())?;
    match SECRET_BYTES.contains(&bytes.len()) {
        true => Ok(()),
        false => Err(bad()),
    }
}

/// Validates and creates an endpoint (`webhook.created`); returns its id and its secret. Room
/// among the enabled endpoints is checked only for an enabled one.
pub fn create(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    new: NewEndpoint,
) -> AppResult<(i64, String)> {
    let url = validate_url("url", &new.url, false)?;
    webhooks::validate_events(&new.events)?;
    if let Some(secret) = &new.secret {
        validate_secret(secret)?;
    }
    if new.enabled {
        check_room(conn, workspace_id, "add another")?;
    }
    let secret = new.secret.unwrap_or_else(webhooks::new_secret);
    let (id, secret) =
        webhooks::create_with_secret(conn, now, workspace_id, &url, &new.events, secret)?;
    webhooks::set_test_events(conn, workspace_id, id, new.test_events)?;
    if !new.enabled {
        webhooks::set_enabled(conn, workspace_id, id, false, Some("created disabled"))?;
    }
    // The audit log is read and exported by others: no credential from the URL goes into it.
    let details = json!({
        "url": loggable_url(&url),
        "events": new.events,
        "test_events": new.test_events,
        "enabled": new.enabled,
    });
    let event = EventType::WebhookCreated;
    record(conn, now, actor, workspace_id, event, id, details)?;
    Ok((id, secret))
}

/// A new URL and/or events for an endpoint (`webhook.changed`); None leaves one as it is.
pub fn change(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    id: i64,
    (url, events): (Option<&str>, Option<&[String]>),
) -> AppResult<()> {
    let ep = webhooks::get(conn, workspace_id, id)?;
    let url = match url {
        Some(u) => validate_url("url", u, false)?,
        None => ep.url,
    };
    let events = match events {
        Some(e) => webhooks::validate_events(e)?,
        None => ep.events.join(" "),
    };
    conn.execute(
        "UPDATE webhook_endpoints SET url = ?1, events = ?2 WHERE id = ?3",
        params![url, events, id],
    )?;
    let details = json!({
        "url": loggable_url(&url),
        "events": events.split(' ').collect::<Vec<_>>(),
    });
    let event = EventType::WebhookChanged;
    record(conn, now, actor, workspace_id, event, id, details)
}

/// Deletes an endpoint (`webhook.deleted`): it is never listed, read or signed for again, so
/// its queued messages fail at their next attempt ("gone"). The row stays, marked, for the
/// deliveries that point at it.
pub fn delete(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    id: i64,
) -> AppResult<()> {
    let ep = webhooks::get(conn, workspace_id, id)?;
    conn.execute(
        "UPDATE webhook_endpoints SET deleted_at = ?1, enabled = 0,
                disabled_reason = 'deleted' WHERE id = ?2",
        params![now, id],
    )?;
    let details = json!({ "url": loggable_url(&ep.url) });
    record(
        conn,
        now,
        actor,
        workspace_id,
        EventType::WebhookDeleted,
        id,
        details,
    )
}

/// Queues a signed `ping` to this endpoint only, whatever it subscribes to (`webhook.tested`);
/// answers the message's `webhook-id`. A disabled endpoint is refused: nothing would send it.
pub fn ping(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    id: i64,
) -> AppResult<String> {
    let ep = webhooks::get(ctx.conn, workspace_id, id)?;
    if !ep.enabled {
        return Err(AppError::Conflict {
            detail: format!("webhook endpoint {id} is disabled; enable it before testing it"),
            current: None,
        });
    }
    let payload = json!({
        "type": EventType::Ping,
        "timestamp": super::rfc3339(now),
        "data": { "endpointId": id },
    })
    .to_string();
    let message = NewMessage {
        workspace_id,
        channel: Channel::Webhook,
        target: &ep.url,
        endpoint_id: Some(id),
        user_id: None,
        pause_id: None,
        event: EventType::Ping,
        payload: &payload,
    };
    let msg_id = outbox::enqueue_id(ctx, now, message)?;
    let details = json!({ "msg_id": msg_id });
    let event = EventType::WebhookTested;
    record(ctx.conn, now, actor, workspace_id, event, id, details)?;
    Ok(msg_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret_of(n: usize) -> String {
        let key = base64::engine::general_purpose::STANDARD.encode(vec![7u8; n]);
        format!("whsec_{key}")
    }

    #[test]
    fn a_chosen_secret_has_24_to_64_bytes_after_whsec() {
        for ok in [24, 64] {
            assert!(validate_secret(&secret_of(ok)).is_ok(), "{ok}");
        }
        for bad in [23, 65] {
            assert!(validate_secret(&secret_of(bad)).is_err(), "{bad}");
        }
        assert!(validate_secret(&secret_of(32)[6..]).is_err(), "no prefix");
        assert!(validate_secret("whsec_not base64!").is_err());
    }
}
