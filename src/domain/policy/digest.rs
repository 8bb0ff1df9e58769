//! The hourly digest of policy approvals. At Full auto (80+) nothing waits for a person, so
//! owners and admins still learn what was approved on their behalf: at minute 0 of each UTC
//! hour, when the hour that just ended had live pauses approved by policy, each active owner and
//! admin who wants emails gets one email listing them.
//!
//! `workspaces.digest_hour` holds the start of the last hour whose digest was decided (queued,
//! or found empty); it is written in the transaction that queues the emails, so each hour is
//! sent at most once whatever the number of ticks or restarts. After a downtime spanning
//! several hours only the last full hour's digest is sent: the hours missed are not caught up
//! (the History link of that digest shows the way to the rest).

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::Band;
use crate::db::WriteCtx;
use crate::domain::event_type::EventType;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::domain::outbox::{self, Channel, NewMessage};
use crate::domain::Millis;
use crate::error::AppResult;

pub const HOUR_MS: Millis = 3_600_000;
/// The lowest autonomy level whose workspaces get the digest (the Full auto band).
pub const FROM_LEVEL: u8 = 80;
/// Rows an email lists; the rest are counted ("and N more").
pub const MAX_ROWS: usize = 100;

/// One pause approved by policy, as the digest lists it.
#[derive(Debug, Clone)]
pub struct Approval {
    pub decided_at: Millis,
    pub agent: Option<String>,
    pub action: String,
    pub tool: Option<String>,
    pub risk: Option<String>,
    /// The rule's name, or `autonomy:<band>`.
    pub decided_by: String,
}

/// The start of the UTC hour that ended last before `now`.
pub fn last_full_hour(now: Millis) -> Millis {
    now - now.rem_euclid(HOUR_MS) - HOUR_MS
}

const DUE: &str = "FROM workspaces
     WHERE autonomy_level >= ?1 AND (digest_hour IS NULL OR digest_hour < ?2)";

/// Whether [`queue_due`] has anything to do at `now`.
pub fn any_due(conn: &Connection, now: Millis) -> AppResult<bool> {
    Ok(conn
        .prepare_cached(&format!("SELECT EXISTS (SELECT 1 {DUE})"))?
        .query_row(params![FROM_LEVEL, last_full_hour(now)], |r| r.get(0))?)
}

/// Queues the digests due at `now`: for each workspace at [`FROM_LEVEL`] or above whose last
/// full hour has not been decided yet, one email per recipient when that hour had approvals,
/// and the hour marked decided. Returns how many emails were queued.
pub fn queue_due(ctx: &mut WriteCtx<'_>, now: Millis) -> AppResult<usize> {
    debug_assert_eq!(Band::of(FROM_LEVEL), Band::FullAuto);
    let hour = last_full_hour(now);
    let due: Vec<WorkspaceId> = ctx
        .conn
        .prepare_cached(&format!("SELECT id {DUE} ORDER BY id"))?
        .query_map(params![FROM_LEVEL, hour], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut queued = 0;
    for ws in due {
        if count(ctx.conn, ws, hour)? > 0 {
            queued += queue_one(ctx, now, ws, hour)?;
        }
        ctx.conn
            .prepare_cached("UPDATE workspaces SET digest_hour = ?2 WHERE id = ?1")?
            .execute(params![ws, hour])?;
    }
    Ok(queued)
}

fn queue_one(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    hour: Millis,
) -> AppResult<usize> {
    let payload = json!({ "hour": hour }).to_string();
    let to = recipients(ctx.conn, ws)?;
    for (user_id, email) in &to {
        let message = NewMessage {
            workspace_id: ws,
            channel: Channel::Email,
            target: email,
            endpoint_id: None,
            user_id: Some(*user_id),
            pause_id: None,
            event: EventType::PolicyDigest,
            payload: &payload,
        };
        outbox::enqueue(ctx, now, message)?;
    }
    Ok(to.len())
}

/// Owners and admins who can sign in and have not turned emails off.
fn recipients(conn: &Connection, ws: WorkspaceId) -> AppResult<Vec<(UserId, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, email FROM users
             WHERE workspace_id = ?1 AND state = 'active'
               AND email_notifications = 1 AND role IN ('owner', 'admin')
             ORDER BY id",
        )?
        .query_map([ws], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

const IN_HOUR: &str = "FROM pauses
     WHERE workspace_id = ?1 AND is_test = 0 AND decided_by_policy IS NOT NULL
       AND status = 'approved' AND decided_at >= ?2 AND decided_at < ?3";

/// How many live pauses policy approved in the hour starting at `hour`.
pub fn count(conn: &Connection, ws: WorkspaceId, hour: Millis) -> AppResult<i64> {
    Ok(conn
        .prepare_cached(&format!("SELECT count(*) {IN_HOUR}"))?
        .query_row(params![ws, hour, hour + HOUR_MS], |r| r.get(0))?)
}

/// The first [`MAX_ROWS`] of them, in the order they were decided.
pub fn approvals(conn: &Connection, ws: WorkspaceId, hour: Millis) -> AppResult<Vec<Approval>> {
    let sql = format!(
        "SELECT decided_at, agent, action, tool, risk, decided_by_policy {IN_HOUR}
         ORDER BY decided_at, id LIMIT ?4"
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params![ws, hour, hour + HOUR_MS, MAX_ROWS as i64], |r| {
            Ok(Approval {
                decided_at: r.get(0)?,
                agent: r.get(1)?,
                action: r.get(2)?,
                tool: r.get(3)?,
                risk: r.get(4)?,
                decided_by: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The hour a queued digest is about, from its outbox payload.
pub fn hour_of(payload: &str) -> Option<Millis> {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()?
        .get("hour")?
        .as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_starts_at_the_full_auto_band() {
        assert_eq!(Band::of(FROM_LEVEL), Band::FullAuto);
        assert_ne!(Band::of(FROM_LEVEL - 1), Band::FullAuto);
    }

    #[test]
    fn the_last_full_hour_is_the_one_before_the_current_hour() {
        let h = 1_800_000_000_000 - 1_800_000_000_000 % HOUR_MS;
        assert_eq!(last_full_hour(h), h - HOUR_MS);
        assert_eq!(last_full_hour(h + HOUR_MS - 1), h - HOUR_MS);
        assert_eq!(last_full_hour(h - 1), h - 2 * HOUR_MS);
    }

    #[test]
    fn a_payload_names_its_hour() {
        assert_eq!(hour_of(r#"{"hour": 7200000}"#), Some(7_200_000));
        assert_eq!(hour_of("{}"), None);
    }
}
