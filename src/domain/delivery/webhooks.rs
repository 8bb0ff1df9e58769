//! Workspace webhook endpoints and their Standard Webhooks secrets (`whsec_` + base64 key).

use crate::db::sql::{params, Connection, OptionalExtension, Row};
use base64::Engine;
use rand::RngCore;

use super::event_type::EventType;
use super::Millis;
use crate::domain::ids::WorkspaceId;
use crate::error::{AppError, AppResult};

/// Every event an endpoint can subscribe to.
pub const EVENTS: [EventType; EventType::WEBHOOK.len()] = EventType::WEBHOOK;
/// After a rotation the previous secret keeps signing for this long.
pub const ROTATION_OVERLAP_MS: Millis = 24 * 3600 * 1000;

pub fn new_secret() -> String {
    let mut key = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_expires_at: Option<Millis>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: Millis,
    /// Also receives test pauses' events (those made with `hitl_test_` keys).
    pub test_events: bool,
}

impl Endpoint {
    /// The secrets that sign a delivery now: the current one, and the previous during rotation.
    pub fn signing_secrets(&self, now: Millis) -> Vec<String> {
        let mut s = vec![self.secret.clone()];
        if let (Some(prev), Some(until)) = (&self.previous_secret, self.previous_expires_at) {
            if now < until {
                s.push(prev.clone());
            }
        }
        s
    }
}

const COLUMNS: &str = "id, workspace_id, url, events, secret, previous_secret, previous_expires_at,
                       enabled, disabled_reason, created_at, test_events";

fn from_row(r: &Row<'_>) -> crate::db::sql::Result<Endpoint> {
    let events: String = r.get(3)?;
    Ok(Endpoint {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        url: r.get(2)?,
        events: events.split_whitespace().map(str::to_string).collect(),
        secret: r.get(4)?,
        previous_secret: r.get(5)?,
        previous_expires_at: r.get(6)?,
        enabled: r.get(7)?,
        disabled_reason: r.get(8)?,
        created_at: r.get(9)?,
        test_events: r.get(10)?,
    })
}

/// Validates the events list against [`EVENTS`]; an empty list is refused.
pub fn validate_events(events: &[String]) -> AppResult<String> {
    if events.is_empty() {
        return Err(AppError::invalid("events", "choose at least one event"));
    }
    let subscribable =
        |e: &String| EventType::from_name(e).is_some_and(|e| e.webhooks_may_subscribe());
    if let Some((i, bad)) = events.iter().enumerate().find(|(_, e)| !subscribable(e)) {
        return Err(AppError::invalid(
            format!("events[{i}]"),
            format!("unknown event `{bad}`"),
        ));
    }
    Ok(events.join(" "))
}

/// Creates an endpoint; returns its id and secret (shown to the creator once).
pub fn create(
    conn: &Connection,
    now: Millis,
    workspace_id: WorkspaceId,
    url: &str,
    events: &[String],
) -> AppResult<(i64, String)> {
    create_with_secret(conn, now, workspace_id, url, events, new_secret())
}

/// [`create`] with the secret the creator chose (checked by the caller).
pub fn create_with_secret(
    conn: &Connection,
    now: Millis,
    workspace_id: WorkspaceId,
    url: &str,
    events: &[String],
    secret: String,
) -> AppResult<(i64, String)> {
    let events = validate_events(events)?;
    let inserted_id: i64 = conn.query_row(
        "INSERT INTO webhook_endpoints (workspace_id, url, events, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![workspace_id, url, events, secret, now],
     |r| r.get::<_, i64>(0))?;
    Ok((inserted_id, secret))
}

pub fn get(conn: &Connection, workspace_id: WorkspaceId, id: i64) -> AppResult<Endpoint> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE id = ?1 AND workspace_id = ?2
         AND deleted_at IS NULL"
    ))?
    .query_row(params![id, workspace_id], from_row)
    .optional()?
    .ok_or_else(|| AppError::NotFound(format!("no webhook endpoint {id} in this workspace")))
}

pub fn list(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<Vec<Endpoint>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE workspace_id = ?1 AND deleted_at IS NULL
         ORDER BY id"
    ))?;
    let rows = stmt.query_map([workspace_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Enabled endpoints of the workspace that want `event` of a live pause, or of a test pause
/// (`test`) if they opted in to test events: a sandbox must not feed a production receiver.
pub fn subscribed(
    conn: &Connection,
    workspace_id: WorkspaceId,
    event: EventType,
    test: bool,
) -> AppResult<Vec<Endpoint>> {
    Ok(list(conn, workspace_id)?
        .into_iter()
        .filter(|e| e.enabled && (e.test_events || !test))
        .filter(|e| e.events.iter().any(|x| x == event.as_str()))
        .collect())
}

/// Whether the endpoint also receives test pauses' events.
pub fn set_test_events(
    conn: &Connection,
    workspace_id: WorkspaceId,
    id: i64,
    on: bool,
) -> AppResult<()> {
    get(conn, workspace_id, id)?;
    conn.execute(
        "UPDATE webhook_endpoints SET test_events = ?1 WHERE id = ?2",
        params![on, id],
    )?;
    Ok(())
}

/// A new secret; the old one keeps signing for [`ROTATION_OVERLAP_MS`]. Returns the new secret.
pub fn rotate(
    conn: &Connection,
    now: Millis,
    workspace_id: WorkspaceId,
    id: i64,
) -> AppResult<String> {
    let ep = get(conn, workspace_id, id)?;
    let secret = new_secret();
    conn.execute(
        "UPDATE webhook_endpoints SET secret = ?1, previous_secret = ?2, previous_expires_at = ?3 WHERE id = ?4",
        params![secret, ep.secret, now + ROTATION_OVERLAP_MS, id],
    )?;
    Ok(secret)
}

pub fn set_enabled(
    conn: &Connection,
    workspace_id: WorkspaceId,
    id: i64,
    enabled: bool,
    reason: Option<&str>,
) -> AppResult<()> {
    get(conn, workspace_id, id)?;
    conn.execute(
        "UPDATE webhook_endpoints SET enabled = ?1, disabled_reason = ?2 WHERE id = ?3",
        params![enabled, if enabled { None } else { reason }, id],
    )?;
    Ok(())
}

/// The workspace's secret for signing `callbackUrl` deliveries, if it has one yet.
pub fn callback_secret(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<Option<String>> {
    Ok(conn.query_row(
        "SELECT callback_secret FROM workspaces WHERE id = ?1",
        [workspace_id],
        |r| r.get(0),
    )?)
}

/// [`callback_secret`], created on first use (a write: call it in the writer).
pub fn ensure_callback_secret(conn: &Connection, workspace_id: WorkspaceId) -> AppResult<String> {
    if let Some(s) = callback_secret(conn, workspace_id)? {
        return Ok(s);
    }
    let secret = new_secret();
    conn.execute(
        "UPDATE workspaces SET callback_secret = ?1 WHERE id = ?2",
        params![secret, workspace_id],
    )?;
    Ok(secret)
}

/// Refuses, when it is added, a URL that every delivery would be refused for: its host is a
/// literal private address or `localhost` and the server does not allow private targets. Saying
/// so at once (with the setting) beats a silent list of failed deliveries. A name that resolves
/// to a private address is still only caught at send time.
pub fn ensure_deliverable(field: &str, raw: &str, allow_private: bool) -> AppResult<()> {
    let host = url::Url::parse(raw.trim())
        .ok()
        .and_then(|u| crate::notify::webhook::plainly_private_host(&u));
    match host {
        Some(host) if !allow_private => Err(AppError::invalid(
            field,
            format!(
                "{host} is a private address; {}",
                crate::notify::webhook::REFUSED
            ),
        )),
        _ => Ok(()),
    }
}
