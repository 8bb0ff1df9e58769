//! Retention: a workspace may have what was written into its decided pauses purged N days after
//! the decision (it can hold customer data that should not live forever): the agent's
//! `context`, a plan's Markdown, a person's answers and edits, the reasons given with votes;
//! and the guidance people gave agents, once it is that old (guidance belongs to an agent, not
//! to a pause). The pause row, its decision (status, who, when and the decision's reason) and
//! every audit row stay; `context_purged_at` records when a context that existed was purged,
//! so the API and the dashboard can say "purged" instead of "never sent".
//!
//! The purge runs from housekeeping through the writer in bounded batches, each its own job
//! with one audit row, so it never holds the writer for long. Its work list is the partial index
//! `pauses_retention` (decided pauses not yet purged, `details_purged_at IS NULL`), so a run
//! reads only the rows it purges.

use crate::db::sql::{params, Connection};
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

/// Purges a batch of decided pauses: the context (noting when, if there was one), a plan's
/// Markdown, the answers and edits; marks them purged so they leave the work list. The version
/// bump changes the ETag, since what a reader sees changed. Returns the ids.
/// PostgreSQL has no `json_valid` (before 16) or `json_remove`: the columns hold JSON this
/// server wrote, so they are read as `jsonb` and the keys removed with `-`.
static PURGE_SQL_PG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::db::sql::twin(
        PURGE_SQL,
        &[
            (
                "WHEN json_valid(request_json)\n                            THEN nullif(json_remove(request_json, '$.plan'), '{}')",
                "WHEN request_json IS NOT NULL\n                            THEN nullif((CAST(request_json AS jsonb) - 'plan')::text, '{}')",
            ),
            (
                "CASE WHEN json_valid(response_json)\n                             THEN nullif(json_remove(response_json, '$.answers', '$.edits'), '{}')",
                "CASE WHEN response_json IS NOT NULL\n                             THEN nullif((CAST(response_json AS jsonb) - 'answers' - 'edits')::text, '{}')",
            ),
        ],
    )
});

pub(crate) const PURGE_SQL: &str = "UPDATE pauses
    SET context = NULL,
        context_purged_at = CASE WHEN context IS NULL THEN context_purged_at ELSE ?1 END,
        request_json = CASE WHEN kind <> 'plan' THEN request_json
                            WHEN json_valid(request_json)
                            THEN nullif(json_remove(request_json, '$.plan'), '{}')
                       END,
        response_json = CASE WHEN json_valid(response_json)
                             THEN nullif(json_remove(response_json, '$.answers', '$.edits'), '{}')
                        END,
        details_purged_at = ?1, version = version + 1
    WHERE id IN (SELECT id FROM pauses
                 WHERE workspace_id = ?2 AND details_purged_at IS NULL AND status <> 'pending'
                   AND coalesce(decided_at, expires_at) < ?3
                 LIMIT ?4)
    RETURNING id";

/// The votes' reasons and the answers and edits they carried, of the pauses just purged.
const PURGE_VOTES_SQL: &str = "UPDATE pause_responses SET reason = NULL, response_json = NULL
    WHERE pause_id = ?1 AND (reason IS NOT NULL OR response_json IS NOT NULL)";

/// Guidance is told to an agent, not to a pause, so no pause's decision says when it is done
/// with: it goes once it is older than the retention.
const PURGE_GUIDANCE_SQL: &str = "DELETE FROM agent_guidance
    WHERE (agent_id, seq) IN (SELECT g.agent_id, g.seq FROM agent_guidance g
                              JOIN agents a ON a.id = g.agent_id
                              WHERE a.workspace_id = ?1 AND g.created_at < ?2 LIMIT ?3)";

/// What one batch purged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub pauses: usize,
    pub guidance: usize,
}

impl Purged {
    /// Whether the batch was full, so that more may be left.
    pub fn full(&self, limit: i64) -> bool {
        self.pauses.max(self.guidance) >= limit as usize
    }
}

/// Purges, for up to `limit` of `workspace_id`'s pauses decided (or expired) more than `days`
/// days before `now`, what people and agents wrote into them: the context, a plan's Markdown,
/// answers and edits, and the reasons given with votes; and up to `limit` guidance messages
/// older than that. The row, its decision (status, who, when, the decision's reason) and every
/// audit row stay. One `pause.context_purged` audit row for the batch.
pub fn purge_batch(
    conn: &Connection,
    now: Millis,
    workspace_id: WorkspaceId,
    days: i64,
    limit: i64,
) -> AppResult<Purged> {
    let cutoff = now - days * DAY_MS;
    let ids: Vec<i64> = conn
        .prepare_cached(conn.pick(PURGE_SQL, &PURGE_SQL_PG))?
        .query_map(params![now, workspace_id, cutoff, limit], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut votes = conn.prepare_cached(PURGE_VOTES_SQL)?;
    for id in &ids {
        votes.execute([id])?;
    }
    let guidance =
        conn.prepare_cached(PURGE_GUIDANCE_SQL)?
            .execute(params![workspace_id, cutoff, limit])?;
    let purged = Purged {
        pauses: ids.len(),
        guidance,
    };
    if purged != Purged::default() {
        audit::record(
            conn,
            now,
            Entry {
                workspace_id: Some(workspace_id),
                actor: Actor::System,
                event: EventType::PauseContextPurged,
                subject: Some(workspace_id.to_string()),
                details: Some(json!({
                    "pauses": purged.pauses,
                    "guidance": purged.guidance,
                    "retention_days": days,
                    "decided_before": rfc3339(cutoff),
                })),
            },
        )?;
    }
    Ok(purged)
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
            plan.contains("USING INDEX pauses_retention (workspace_id=? AND <expr><?)")
                || plan.contains("USING COVERING INDEX pauses_retention"),
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
