//! Retention: a workspace may have the agents' `context` of decided pauses purged N days after
//! the decision (contexts can hold customer data that should not live forever). The pause row,
//! its decision and every audit row stay; `context` becomes NULL and `context_purged_at` records
//! when, so the API and the dashboard can say "purged" instead of "never sent".
//!
//! The purge runs from housekeeping through the writer in bounded batches, each its own job
//! with one audit row, so it never holds the writer for long. Its work list is the partial index
//! `pauses_context_retention` (decided pauses that still hold a context), so a run reads only
//! the rows it purges.

use rusqlite::{params, Connection};
use serde_json::json;

use super::audit::{self, Actor, Entry};
use super::event_type::EventType;
use super::{rfc3339, Millis};
use crate::domain::ids::WorkspaceId;
use crate::error::{AppError, AppResult};

pub const MIN_DAYS: i64 = 1;
/// Ten years: beyond that "keep forever" (no retention) says it better.
pub const MAX_DAYS: i64 = 3650;
const DAY_MS: i64 = 86_400_000;

/// The setting as typed: empty means off, otherwise whole days within bounds.
pub fn parse_days(text: &str) -> AppResult<Option<i64>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i64>() {
        Ok(d) => check_days(d).map(Some),
        Err(_) => Err(out_of_bounds()),
    }
}

pub fn check_days(days: i64) -> AppResult<i64> {
    if (MIN_DAYS..=MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(out_of_bounds())
    }
}

fn out_of_bounds() -> AppError {
    AppError::invalid(
        "context_retention_days",
        format!(
            "the retention is a whole number of days from {MIN_DAYS} to {MAX_DAYS}, \
             or empty to keep contexts"
        ),
    )
}

/// Workspaces with retention on, as (workspace id, days).
pub fn configured(conn: &Connection) -> AppResult<Vec<(WorkspaceId, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, context_retention_days FROM workspaces
         WHERE context_retention_days IS NOT NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) const PURGE_SQL: &str = "UPDATE pauses
    SET context = NULL, context_purged_at = ?1, version = version + 1
    WHERE id IN (SELECT id FROM pauses
                 WHERE workspace_id = ?2 AND context IS NOT NULL AND status <> 'pending'
                   AND coalesce(decided_at, expires_at) < ?3
                 LIMIT ?4)";

/// Purges up to `limit` contexts of `workspace_id`'s pauses decided (or expired) more than
/// `days` days before `now`, with one `pause.context_purged` audit row for the batch. Returns
/// how many were purged; fewer than `limit` means the workspace is done for now. The version
/// bump changes the ETag, since what a reader sees changed.
pub fn purge_batch(
    conn: &Connection,
    now: Millis,
    workspace_id: WorkspaceId,
    days: i64,
    limit: i64,
) -> AppResult<usize> {
    let cutoff = now - days * DAY_MS;
    let n = conn
        .prepare_cached(PURGE_SQL)?
        .execute(params![now, workspace_id, cutoff, limit])?;
    if n > 0 {
        audit::record(
            conn,
            now,
            Entry {
                workspace_id: Some(workspace_id),
                actor: Actor::System,
                event: EventType::PauseContextPurged,
                subject: Some(workspace_id.to_string()),
                details: Some(json!({
                    "pauses": n,
                    "retention_days": days,
                    "decided_before": rfc3339(cutoff),
                })),
            },
        )?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_reads_its_work_list_from_the_retention_index() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {PURGE_SQL}"))
            .unwrap();
        let plan: Vec<String> = stmt
            .query_map(params![0, 1, 0, 500], |r| r.get(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let plan = plan.join("\n");
        assert!(
            plan.contains("USING INDEX pauses_context_retention (workspace_id=? AND <expr><?)")
                || plan.contains("USING COVERING INDEX pauses_context_retention"),
            "{plan}"
        );
        assert!(!plan.lines().any(|l| l.trim() == "SCAN pauses"), "{plan}");
    }

    #[test]
    fn retention_days_are_checked_and_empty_means_off() {
        assert_eq!(parse_days(" ").unwrap(), None);
        assert_eq!(parse_days("30").unwrap(), Some(30));
        for bad in ["0", "3651", "thirty", "1.5"] {
            assert!(parse_days(bad).is_err(), "{bad}");
        }
    }
}
