//! The sweep that writes down expiry: pending pauses past `expires_at` become `expired`, each
//! with its audit row and notifications, and their long-poll waiters are woken. Readers already
//! see such pauses as expired before the sweep runs (see [`super::pauses::Pause::status`]).

use rusqlite::params;
use uuid::Uuid;

use super::audit::{Actor, Entry};
use super::event_type::EventType;
use super::events;
use super::pauses::get_by_id;
use super::status::overdue_sql;
use super::Millis;
use crate::db::WriteCtx;
use crate::error::{AppError, AppResult};

/// Marks up to `limit` overdue pending pauses expired, each with its audit row. Returns how many.
pub fn expire_due(ctx: &mut WriteCtx<'_>, now: Millis, limit: i64) -> AppResult<usize> {
    let conn = ctx.conn;
    let due: Vec<(i64, i64, [u8; 16])> = conn
        .prepare_cached(&format!(
            "SELECT id, workspace_id, watch_id FROM pauses
             WHERE {} ORDER BY expires_at LIMIT ?2",
            overdue_sql("", "?1")
        ))?
        .query_map(params![now, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    for (id, ws, watch) in &due {
        // No version bump: readers already saw this pause as expired, so its ETag must not change.
        conn.prepare_cached(
            "UPDATE pauses SET status = 'expired' WHERE id = ?1 AND status = 'pending'",
        )?
        .execute([id])?;
        let pause = get_by_id(conn, *id)?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("pause vanished")))?;
        let entry = Entry {
            workspace_id: Some(*ws),
            actor: Actor::System,
            event: EventType::PauseExpired,
            subject: Some(Uuid::from_bytes(*watch).to_string()),
            details: None,
        };
        events::pause_event(ctx, now, &pause, entry)?;
        ctx.pause_changed(*id);
    }
    Ok(due.len())
}
