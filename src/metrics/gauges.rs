//! Gauges computed at scrape time: pending pauses and quota use per workspace, the outbox
//! backlog, long-poll waiters and SQLite busy retries.
//!
//! Each database figure comes from an indexed lookup (see the query-plan test below), so a
//! scrape costs the same with a million stored pauses as with ten: per workspace, one range of
//! the `(workspace_id, status)` index and one primary-key lookup in `usage_counters`; for the
//! outbox, the partial index over pending messages.

use crate::db::sql::{params, Connection};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;

use crate::domain::{quotas, Millis};
use crate::error::AppResult;

pub(crate) const WORKSPACES_SQL: &str = "SELECT w.id,
        (SELECT count(*) FROM pauses p WHERE p.workspace_id = w.id AND p.status = 'pending'),
        coalesce((SELECT u.pauses FROM usage_counters u
                  WHERE u.workspace_id = w.id AND u.month = ?1), 0),
        pl.monthly_pauses
     FROM workspaces w JOIN plans pl ON pl.id = w.plan_id ORDER BY w.id";

pub(crate) const OUTBOX_SQL: &str =
    "SELECT count(*), min(created_at) FROM outbox WHERE state = 'pending'";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceFigures {
    pub id: i64,
    pub pending: i64,
    pub quota_used: i64,
    /// None: the plan is unlimited.
    pub quota_limit: Option<i64>,
}

/// Everything a scrape reports besides the hot-path counters.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub workspaces: Vec<WorkspaceFigures>,
    pub outbox_pending: i64,
    /// Age of the oldest message not yet delivered (0 when there is none).
    pub outbox_oldest_age_secs: i64,
    pub waiters: usize,
    pub busy_retries: u64,
    pub log_write_errors: u64,
}

impl Snapshot {
    /// Reads the database figures; `waiters` and `busy_retries` come from process state.
    pub fn read(conn: &Connection, now: Millis, waiters: usize) -> AppResult<Snapshot> {
        let workspaces = conn
            .prepare_cached(WORKSPACES_SQL)?
            .query_map(params![quotas::month_key(now)], |r| {
                Ok(WorkspaceFigures {
                    id: r.get(0)?,
                    pending: r.get(1)?,
                    quota_used: r.get(2)?,
                    quota_limit: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let (outbox_pending, oldest): (i64, Option<Millis>) = conn
            .prepare_cached(OUTBOX_SQL)?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(Snapshot {
            workspaces,
            outbox_pending,
            outbox_oldest_age_secs: oldest.map_or(0, |t| ((now - t) / 1000).max(0)),
            waiters,
            busy_retries: crate::db::busy_retries(),
            log_write_errors: crate::telemetry::write_errors(),
        })
    }

    /// Appends the figures in the Prometheus text format (0.0.4).
    pub fn encode(&self, out: &mut String) -> std::fmt::Result {
        let mut registry = Registry::with_prefix(super::PREFIX);
        let pending = Family::<WorkspaceLabels, Gauge>::default();
        let used = Family::<WorkspaceLabels, Gauge>::default();
        let limit = Family::<WorkspaceLabels, Gauge>::default();
        for ws in &self.workspaces {
            let labels = WorkspaceLabels { workspace: ws.id };
            pending.get_or_create(&labels).set(ws.pending);
            used.get_or_create(&labels).set(ws.quota_used);
            if let Some(l) = ws.quota_limit {
                limit.get_or_create(&labels).set(l);
            }
        }
        registry.register(
            "pauses_pending",
            "Pauses waiting for a decision, by workspace",
            pending,
        );
        registry.register(
            "quota_used",
            "Pauses counted against the plan this UTC month, by workspace",
            used,
        );
        registry.register(
            "quota_limit",
            "The plan's monthly pause quota, by workspace (absent: unlimited)",
            limit,
        );
        registry.register(
            "longpoll_waiters",
            "Long-poll requests parked waiting for a change",
            ConstGauge::new(self.waiters as i64),
        );
        registry.register(
            "outbox_pending",
            "Outbox messages (webhooks, Slack, email) not yet delivered",
            ConstGauge::new(self.outbox_pending),
        );
        registry.register(
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox message not yet delivered (0 when none)",
            ConstGauge::new(self.outbox_oldest_age_secs),
        );
        registry.register(
            "sqlite_busy_retries",
            "Times SQLite's busy handler waited for a lock held by another connection",
            ConstCounter::new(self.busy_retries),
        );
        registry.register(
            "log_write_errors",
            "Log lines dropped because the log stream refused the write (closed pipe, full disk)",
            ConstCounter::new(self.log_write_errors),
        );
        prometheus_client::encoding::prometheus_text::encode(out, &registry)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WorkspaceLabels {
    workspace: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let n = stmt.parameter_count();
        let args: Vec<crate::db::sql::OwnedValue> =
            (0..n).map(|_| "2026-11".to_string().into()).collect();
        let rows = stmt
            .query_map(crate::db::sql::params_from_iter(args.iter()), |r| {
                r.get::<_, String>(3)
            })
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn scrape_queries_use_indexes_and_never_scan_pauses_or_outbox() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let ws = query_plan(&conn, WORKSPACES_SQL);
        assert!(
            ws.contains(
                "SEARCH p USING COVERING INDEX pauses_workspace (workspace_id=? AND status=?)"
            ),
            "{ws}"
        );
        assert!(ws.contains("SEARCH u USING PRIMARY KEY"), "{ws}");
        let outbox = query_plan(&conn, OUTBOX_SQL);
        // Scanning the partial index reads pending messages only: the backlog, not the history.
        assert!(
            outbox.contains("USING COVERING INDEX outbox_pending_created"),
            "{outbox}"
        );
        for line in ws.lines().chain(outbox.lines()) {
            assert!(
                !["SCAN p", "SCAN pauses", "SCAN outbox"].contains(&line.trim()),
                "{line}"
            );
        }
    }

    #[test]
    fn unlimited_plans_have_no_quota_limit_series() {
        let snap = Snapshot {
            workspaces: vec![
                WorkspaceFigures {
                    id: 1,
                    pending: 2,
                    quota_used: 3,
                    quota_limit: Some(50),
                },
                WorkspaceFigures {
                    id: 2,
                    pending: 0,
                    quota_used: 9,
                    quota_limit: None,
                },
            ],
            outbox_pending: 1,
            outbox_oldest_age_secs: 120,
            waiters: 4,
            busy_retries: 5,
            log_write_errors: 0,
        };
        let mut out = String::new();
        snap.encode(&mut out).unwrap();
        assert!(
            out.contains("holdpoint_pauses_pending{workspace=\"1\"} 2"),
            "{out}"
        );
        assert!(out.contains("holdpoint_quota_limit{workspace=\"1\"} 50"));
        assert!(!out.contains("holdpoint_quota_limit{workspace=\"2\"}"));
        assert!(out.contains("holdpoint_quota_used{workspace=\"2\"} 9"));
        assert!(out.contains("holdpoint_outbox_oldest_pending_age_seconds 120"));
        assert!(out.contains("holdpoint_sqlite_busy_retries_total 5"));
        assert!(out.contains("holdpoint_longpoll_waiters 4"));
    }
}
