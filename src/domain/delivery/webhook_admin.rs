//! What the dashboard does to webhook endpoints: every change writes its audit row in the same
//! transaction (run these in the writer), and an endpoint of another workspace is a 404, never a
//! hint that it exists. Secrets are returned to be shown once and never go into the audit log.

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::{outbox, webhooks, Millis};
use crate::domain::ids::WorkspaceId;
use crate::error::{AppError, AppResult};

pub const MAX_URL_LEN: usize = 2048;
/// Enabled endpoints per workspace. Each gets its own delivery slots within the workspace's
/// share, so more would only queue behind each other.
pub const MAX_ENDPOINTS: i64 = 20;

/// Refuses one more enabled endpoint once the workspace has [`MAX_ENDPOINTS`] (409: the
/// request is fine, the workspace's state refuses it).
pub(super) fn check_room(
    conn: &Connection,
    workspace_id: WorkspaceId,
    what: &str,
) -> AppResult<()> {
    let enabled: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM webhook_endpoints WHERE workspace_id = ?1 AND enabled = 1",
        )?
        .query_row([workspace_id], |r| r.get(0))?;
    if enabled >= MAX_ENDPOINTS {
        return Err(AppError::Conflict {
            detail: format!(
                "this workspace already has {MAX_ENDPOINTS} enabled webhook endpoints, the most \
                 it can have; disable one before you {what}"
            ),
            current: None,
        });
    }
    Ok(())
}

/// An absolute `http`/`https` URL with a host, at most [`MAX_URL_LEN`] characters. Private
/// addresses are accepted here: the dispatcher refuses them at send time (unless the operator
/// allows them), because a DNS name can change what it points at after this check anyway; a new
/// endpoint is also checked by [`webhooks::ensure_deliverable`].
pub fn validate_url(field: &str, raw: &str, https_only: bool) -> AppResult<String> {
    let url = raw.trim();
    let what = if https_only {
        "an https://"
    } else {
        "an http:// or https://"
    };
    let bad = || {
        AppError::invalid(
            field,
            format!("enter {what} URL of at most {MAX_URL_LEN} characters"),
        )
    };
    if url.is_empty() || url.len() > MAX_URL_LEN {
        return Err(bad());
    }
    let parsed = url::Url::parse(url).map_err(|_| bad())?;
    let scheme_ok = match parsed.scheme() {
        "https" => true,
        "http" => !https_only,
        _ => false,
    };
    if !scheme_ok || parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(url.to_string())
}

pub(super) fn record(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    event: EventType,
    id: i64,
    details: serde_json::Value,
) -> AppResult<()> {
    audit::record(
        conn,
        now,
        Entry {
            workspace_id: Some(workspace_id),
            actor,
            event,
            subject: Some(format!("webhook:{id}")),
            details: Some(details),
        },
    )?;
    Ok(())
}

/// Validates and creates an enabled endpoint with a new secret (`webhook.created`); returns its
/// id and its secret. See [`super::webhook_edit::create`] for every option.
pub fn create(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    url: &str,
    events: &[String],
    test_events: bool,
) -> AppResult<(i64, String)> {
    let new = super::webhook_edit::NewEndpoint {
        url: url.to_string(),
        events: events.to_vec(),
        secret: None,
        test_events,
        enabled: true,
    };
    super::webhook_edit::create(conn, now, actor, workspace_id, new)
}

/// Turns an endpoint on or off (`webhook.enabled` / `webhook.disabled`).
pub fn set_enabled(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    id: i64,
    enabled: bool,
) -> AppResult<()> {
    if enabled && !webhooks::get(conn, workspace_id, id)?.enabled {
        check_room(conn, workspace_id, "enable this one")?;
    }
    let reason = (!enabled).then_some("disabled on the dashboard");
    webhooks::set_enabled(conn, workspace_id, id, enabled, reason)?;
    let event = if enabled {
        EventType::WebhookEnabled
    } else {
        EventType::WebhookDisabled
    };
    record(conn, now, actor, workspace_id, event, id, json!({}))
}

/// Whether the endpoint also receives test pauses' events (`webhook.test_events_changed`).
pub fn set_test_events(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    id: i64,
    on: bool,
) -> AppResult<()> {
    webhooks::set_test_events(conn, workspace_id, id, on)?;
    let event = EventType::WebhookTestEventsChanged;
    record(
        conn,
        now,
        actor,
        workspace_id,
        event,
        id,
        json!({ "test_events": on }),
    )
}

/// A new secret (`webhook.rotated`); the previous one keeps signing during the overlap.
pub fn rotate(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    id: i64,
) -> AppResult<String> {
    let secret = webhooks::rotate(conn, now, workspace_id, id)?;
    let until = now + webhooks::ROTATION_OVERLAP_MS;
    let details = json!({ "previous_secret_signs_until": super::rfc3339(until) });
    record(
        conn,
        now,
        actor,
        workspace_id,
        EventType::WebhookRotated,
        id,
        details,
    )?;
    Ok(secret)
}

/// Queues one of the endpoint's messages again under its msg_id (`webhook.resent`).
pub fn resend(
    conn: &Connection,
    now: Millis,
    actor: Actor,
    workspace_id: WorkspaceId,
    endpoint_id: i64,
    outbox_id: i64,
) -> AppResult<String> {
    let ep = webhooks::get(conn, workspace_id, endpoint_id)?;
    let msg = outbox::get(conn, outbox_id)?
        .filter(|m| m.endpoint_id == Some(ep.id) && m.workspace_id == workspace_id)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no delivery {outbox_id} for webhook endpoint {endpoint_id}"
            ))
        })?;
    if !ep.enabled {
        return Err(AppError::invalid(
            "endpoint",
            "enable the endpoint before resending to it",
        ));
    }
    outbox::resend(conn, now, msg.id)?;
    let details = json!({ "msg_id": msg.msg_id, "event": msg.event });
    record(
        conn,
        now,
        actor,
        workspace_id,
        EventType::WebhookResent,
        endpoint_id,
        details,
    )?;
    Ok(msg.msg_id)
}

/// One row of an endpoint's delivery log.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub msg_id: String,
    pub event: EventType,
    pub created_at: Millis,
    pub state: outbox::DeliveryState,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// The endpoint's last `limit` messages, newest first, with the last attempt's HTTP status.
pub fn recent_deliveries(
    conn: &Connection,
    endpoint_id: i64,
    limit: i64,
) -> AppResult<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, o.msg_id, o.event, o.created_at, o.state, o.attempts,
                (SELECT a.response_status FROM outbox_attempts a WHERE a.outbox_id = o.id
                 ORDER BY a.id DESC LIMIT 1),
                o.last_error
         FROM outbox o WHERE o.endpoint_id = ?1 ORDER BY o.id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![endpoint_id, limit], |r| {
        Ok(Delivery {
            id: r.get(0)?,
            msg_id: r.get(1)?,
            event: r.get(2)?,
            created_at: r.get(3)?,
            state: r.get(4)?,
            attempts: r.get(5)?,
            last_status: r.get(6)?,
            last_error: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_for_scheme_host_and_length() {
        assert!(validate_url("url", " https://example.com/hook ", false).is_ok());
        assert!(validate_url("url", "http://10.0.0.1:8080/x", false).is_ok());
        assert!(validate_url("url", "http://example.com", true).is_err());
        for bad in [
            "",
            "ftp://example.com",
            "example.com/hook",
            "https://",
            "javascript:alert(1)",
        ] {
            assert!(validate_url("url", bad, false).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(validate_url("url", &long, false).is_err());
    }
}
