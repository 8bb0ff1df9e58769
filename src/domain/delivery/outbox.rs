//! The outbox: messages queued in the same transaction as the change that causes them, then
//! delivered by the dispatcher, each attempt recorded, failures retried with backoff and jitter.
//! A crash between commit and send loses nothing (the row waits); a message is sent again only
//! when an attempt's outcome is unknown, and receivers deduplicate by its stable `msg_id`.

use crate::db::sql::{params, Connection, OptionalExtension, Row};
use rand::Rng;

use super::event_type::EventType;
use super::sql_enum::sql_enum;
use super::Millis;
use crate::db::WriteCtx;
use crate::domain::ids::{PauseId, UserId, WorkspaceId};
use crate::error::AppResult;

/// Delays before the 2nd, 3rd, … attempt (seconds), as Svix does; then the message has failed.
pub const RETRY_SCHEDULE: [i64; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];

sql_enum! {
    /// How a message travels, as stored in `outbox.channel`.
    pub enum Channel {
        Email => "email",
        Webhook => "webhook",
        Slack => "slack",
        Ntfy => "ntfy",
        Teams => "teams",
        Discord => "discord",
    }
}

sql_enum! {
    /// Where a message stands, as stored in `outbox.state`.
    pub enum DeliveryState {
        /// Waiting for its (next) attempt.
        Pending => "pending",
        /// Done: delivered, or deliberately skipped.
        Delivered => "delivered",
        /// Given up on.
        Failed => "failed",
    }
}

/// An event described in the domain's own terms, to be queued. How it reads to its receiver
/// (the JSON a webhook endpoint or Slack gets) is `crate::wire`'s to say: `wire::events`
/// implements this for each description, so the domain never builds wire types.
pub trait Payload {
    /// The text the outbox row carries, rendered as the event stands now.
    fn payload(&self) -> serde_json::Result<String>;
}

pub struct NewMessage<'a> {
    pub workspace_id: WorkspaceId,
    pub channel: Channel,
    pub target: &'a str,
    pub endpoint_id: Option<i64>,
    pub user_id: Option<UserId>,
    pub pause_id: Option<PauseId>,
    pub event: EventType,
    pub payload: &'a str,
}

/// An email about `pause` to a user, rendered at send time from the pause as it then stands
/// (the payload stays empty, so no link token ever sits in the outbox).
pub fn enqueue_pause_email(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &super::pauses::Pause,
    (user_id, email): (UserId, &str),
    event: EventType,
) -> AppResult<()> {
    let message = NewMessage {
        workspace_id: pause.workspace_id,
        channel: Channel::Email,
        target: email,
        endpoint_id: None,
        user_id: Some(user_id),
        pause_id: Some(pause.id),
        event,
        payload: "{}",
    };
    enqueue(ctx, now, message)
}

pub fn enqueue(ctx: &mut WriteCtx<'_>, now: Millis, m: NewMessage<'_>) -> AppResult<()> {
    enqueue_id(ctx, now, m).map(drop)
}

/// [`enqueue`], answering the message's `msg_id` (its `webhook-id`).
pub fn enqueue_id(ctx: &mut WriteCtx<'_>, now: Millis, m: NewMessage<'_>) -> AppResult<String> {
    let msg_id = format!("msg_{}", uuid::Uuid::now_v7().simple());
    ctx.conn
        .prepare_cached(
            "INSERT INTO outbox (msg_id, workspace_id, channel, target, endpoint_id, user_id, pause_id,
                                 event, payload, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        )?
        .execute(params![
            msg_id,
            m.workspace_id,
            m.channel,
            m.target,
            m.endpoint_id,
            m.user_id,
            m.pause_id,
            m.event,
            m.payload,
            now
        ])?;
    ctx.outbox_added();
    Ok(msg_id)
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub msg_id: String,
    pub workspace_id: WorkspaceId,
    pub channel: Channel,
    pub target: String,
    pub endpoint_id: Option<i64>,
    pub user_id: Option<UserId>,
    pub pause_id: Option<PauseId>,
    pub event: EventType,
    pub payload: String,
    pub attempts: i64,
    pub created_at: Millis,
}

const COLUMNS: &str = "id, msg_id, workspace_id, channel, target, endpoint_id, user_id, pause_id,
                       event, payload, attempts, created_at";

fn from_row(r: &Row<'_>) -> crate::db::sql::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        msg_id: r.get(1)?,
        workspace_id: r.get(2)?,
        channel: r.get(3)?,
        target: r.get(4)?,
        endpoint_id: r.get(5)?,
        user_id: r.get(6)?,
        pause_id: r.get(7)?,
        event: r.get(8)?,
        payload: r.get(9)?,
        attempts: r.get(10)?,
        created_at: r.get(11)?,
    })
}

/// Workspaces with messages due, each with its oldest message's due time. A skip-scan over the
/// `outbox_due_workspace` index: a step per workspace, however long one's backlog is.
pub fn due_workspaces(conn: &Connection, now: Millis) -> AppResult<Vec<(WorkspaceId, Millis)>> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE ws(id) AS (
             SELECT min(workspace_id) FROM outbox WHERE state = 'pending'
             UNION ALL
             SELECT (SELECT min(workspace_id) FROM outbox
                     WHERE state = 'pending' AND workspace_id > ws.id)
             FROM ws WHERE ws.id IS NOT NULL)
         SELECT id, oldest FROM (
             SELECT id, (SELECT min(next_attempt_at) FROM outbox
                         WHERE state = 'pending' AND workspace_id = ws.id) AS oldest
             FROM ws WHERE id IS NOT NULL) AS due
         WHERE oldest <= ?1",
    )?;
    let rows = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What [`due_in_workspace`] passes over: messages already in flight, and targets
/// (`channel:target`) that have all the deliveries in flight they may have.
pub struct Skip<'a> {
    pub ids: &'a [i64],
    pub targets: &'a [String],
}

/// One workspace's due messages, oldest first, without those `skip` names, so a busy
/// endpoint's backlog cannot hide the other endpoints' messages.
pub fn due_in_workspace(
    conn: &Connection,
    workspace_id: WorkspaceId,
    now: Millis,
    skip: Skip<'_>,
    limit: usize,
) -> AppResult<Vec<Message>> {
    let (ids_in, targets_in) = conn.pick(
        (
            "SELECT value FROM json_each(?3)",
            "SELECT value FROM json_each(?4)",
        ),
        (
            "SELECT jsonb_array_elements_text(CAST(?3 AS jsonb))::bigint",
            "SELECT jsonb_array_elements_text(CAST(?4 AS jsonb))",
        ),
    );
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox
         WHERE workspace_id = ?1 AND state = 'pending' AND next_attempt_at <= ?2
           AND id NOT IN ({ids_in})
           AND channel || ':' || target NOT IN ({targets_in})
         ORDER BY next_attempt_at, id LIMIT ?5"
    ))?;
    let ids = serde_json::to_string(skip.ids).expect("ids serialise");
    let targets = serde_json::to_string(skip.targets).expect("strings serialise");
    let rows = stmt.query_map(
        params![workspace_id, now, ids, targets, limit as i64],
        from_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> AppResult<Option<Message>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// What one delivery attempt came to.
#[derive(Debug, Clone)]
pub enum AttemptResult {
    Delivered {
        status: Option<u16>,
    },
    /// Not delivered. `retry_after` (seconds) overrides the schedule; `permanent` stops retries.
    Failed {
        status: Option<u16>,
        error: String,
        retry_after: Option<i64>,
        permanent: bool,
    },
    /// Sent, but the answer was lost (e.g. a timeout): retried, receivers deduplicate.
    Unknown {
        error: String,
    },
    /// Deliberately not sent (e.g. an email about a request decided before its turn came):
    /// nothing is left to do, so the message counts as done, with the reason kept as its note.
    Skipped {
        note: String,
    },
}

/// Records an attempt and schedules the next one (or gives up). Returns the message's new state.
pub fn record_attempt(
    conn: &Connection,
    now: Millis,
    msg: &Message,
    outcome: &AttemptResult,
    duration_ms: i64,
) -> AppResult<DeliveryState> {
    let (label, status, error) = match outcome {
        AttemptResult::Delivered { status } => ("delivered", *status, None),
        AttemptResult::Failed { status, error, .. } => ("failed", *status, Some(error.as_str())),
        AttemptResult::Unknown { error } => ("unknown", None, Some(error.as_str())),
        AttemptResult::Skipped { note } => ("skipped", None, Some(note.as_str())),
    };
    conn.prepare_cached(
        "INSERT INTO outbox_attempts (outbox_id, at, outcome, response_status, error, duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![msg.id, now, label, status, error, duration_ms])?;
    let attempts = msg.attempts + 1;
    let (state, next) = match outcome {
        AttemptResult::Delivered { .. } | AttemptResult::Skipped { .. } => {
            (DeliveryState::Delivered, now)
        }
        AttemptResult::Failed {
            permanent: true, ..
        } => (DeliveryState::Failed, now),
        AttemptResult::Failed {
            retry_after: Some(secs),
            ..
        } if attempts <= RETRY_SCHEDULE.len() as i64 => (
            DeliveryState::Pending,
            now + (*secs).clamp(1, 86_400) * 1000,
        ),
        _ => match RETRY_SCHEDULE.get(attempts as usize - 1) {
            Some(delay) => (DeliveryState::Pending, now + jittered(*delay * 1000)),
            None => (DeliveryState::Failed, now),
        },
    };
    conn.prepare_cached(
        "UPDATE outbox SET attempts = ?1, state = ?2, next_attempt_at = ?3, last_error = ?4,
                           delivered_at = CASE WHEN ?2 = 'delivered' THEN ?5 ELSE delivered_at END
         WHERE id = ?6",
    )?
    .execute(params![attempts, state, next, error, now, msg.id])?;
    Ok(state)
}

/// ±10 % so that many failures do not all retry in the same instant.
fn jittered(ms: i64) -> i64 {
    let spread = ms / 10;
    ms + rand::thread_rng().gen_range(-spread..=spread)
}

/// Queues a message again now (the dashboard's "resend"): a new attempt under the same id.
pub fn resend(conn: &Connection, now: Millis, id: i64) -> AppResult<()> {
    conn.prepare_cached("UPDATE outbox SET state = 'pending', next_attempt_at = ?1 WHERE id = ?2")?
        .execute(params![now, id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::sql_enum::tests::read_stored;

    #[test]
    fn an_unknown_stored_channel_is_an_error_not_a_webhook() {
        assert!(read_stored::<Channel>("pigeon").is_err());
        assert_eq!(read_stored::<Channel>("slack").unwrap(), Channel::Slack);
    }

    #[test]
    fn an_unknown_stored_delivery_state_is_an_error() {
        assert!(read_stored::<DeliveryState>("lost").is_err());
        assert_eq!(
            read_stored::<DeliveryState>("failed").unwrap(),
            DeliveryState::Failed
        );
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..1000 {
            let j = jittered(5000);
            assert!((4500..=5500).contains(&j));
        }
    }
}
