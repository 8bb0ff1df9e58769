//! Usage figures for the usage page: this UTC month's pauses per day by outcome, and how long
//! humans take to decide, of live pauses or (the dashboard's test mode) of test pauses: never
//! both, so the live chart adds up to the quota line above it (test pauses are free).

use std::sync::LazyLock;

use crate::db::sql::{params, Connection};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use super::status::{reads_as_sql, Status};
use super::Millis;
use crate::domain::ids::WorkspaceId;

pub const DAY_MS: Millis = 86_400_000;

/// The UTC calendar month containing an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    /// First instant of the month (midnight UTC on the 1st).
    pub start: Millis,
    pub days: i64,
    /// `November 2026`.
    pub label: String,
}

impl Month {
    pub fn end(&self) -> Millis {
        self.start + self.days * DAY_MS
    }
}

pub fn month_of(now: Millis) -> Month {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(now) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let first = Date::from_calendar_date(t.year(), t.month(), 1).expect("the 1st exists");
    let start = PrimitiveDateTime::new(first, Time::MIDNIGHT).assume_utc();
    Month {
        start: start.unix_timestamp() * 1000,
        days: i64::from(t.month().length(t.year())),
        label: format!("{} {}", t.month(), t.year()),
    }
}

/// Pauses of one day: created that day, and decided or expired that day.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DayCounts {
    pub created: i64,
    pub approved: i64,
    pub rejected: i64,
    /// Question pauses answered.
    pub answered: i64,
    /// Plans sent back with feedback.
    pub changes_requested: i64,
    pub expired: i64,
    /// Approved or rejected by a policy (a rule or the autonomy band) at creation: counted here
    /// and not in `approved` or `rejected`, which are the decisions of people and keys.
    pub policy: i64,
}

/// Each pause counts on the day of the event: created on `created_at`, decided (approved,
/// rejected, answered, changes requested; `policy` when a policy decided it) on
/// `decided_at`, expired on `expires_at` (a pending pause past it is expired, as readers see it;
/// one whose `onTimeout` rejects counts as decided by policy, the `timeout`, on that day).
/// A pause lives at most 30 days, so the `created_at` bound on expiries is only there to let the
/// `(workspace_id, created_at)` index narrow the search.
static DAILY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT kind, (t - ?3) / 86400000 AS day, count(*) FROM (
      SELECT 'created' AS kind, created_at AS t FROM pauses
       WHERE workspace_id = ?1 AND is_test = ?2 AND created_at >= ?3 AND created_at < ?4
      UNION ALL
      SELECT CASE WHEN decided_by_policy IS NULL THEN status ELSE 'policy' END, decided_at
        FROM pauses
       WHERE workspace_id = ?1 AND is_test = ?2 AND status IN ('approved', 'rejected', 'answered', 'changes_requested')
         AND decided_at >= ?3 AND decided_at < ?4
      UNION ALL
      SELECT 'expired', expires_at FROM pauses
       WHERE workspace_id = ?1 AND is_test = ?2
         AND {expired}
         AND expires_at >= ?3 AND expires_at < ?4
         AND created_at >= ?3 - 2592000000 AND created_at < ?4
      UNION ALL
      SELECT 'policy', expires_at FROM pauses
       WHERE workspace_id = ?1 AND is_test = ?2
         AND status = 'pending' AND on_timeout = 'reject' AND expires_at <= ?5
         AND expires_at >= ?3 AND expires_at < ?4
    ) AS events GROUP BY kind, day",
        expired = reads_as_sql(Status::Expired, "", "?5")
    )
});

/// One entry per day of `month` (index 0 is the 1st).
pub fn daily(
    conn: &Connection,
    workspace_id: WorkspaceId,
    test: bool,
    month: &Month,
    now: Millis,
) -> crate::db::sql::Result<Vec<DayCounts>> {
    let mut days = vec![DayCounts::default(); month.days as usize];
    let mut stmt = conn.prepare_cached(&DAILY)?;
    let params = params![workspace_id, test, month.start, month.end(), now];
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (kind, day, n) = row?;
        let Some(d) = usize::try_from(day).ok().and_then(|i| days.get_mut(i)) else {
            continue;
        };
        match kind.as_str() {
            "created" => d.created += n,
            "approved" => d.approved += n,
            "rejected" => d.rejected += n,
            "answered" => d.answered += n,
            "changes_requested" => d.changes_requested += n,
            "policy" => d.policy += n,
            _ => d.expired += n,
        }
    }
    Ok(days)
}

/// Milliseconds from creation to decision of the pauses people or keys decided (approved,
/// rejected, answered, changes requested) in `month`, ascending. A policy's decisions take no
/// time and would only pull the median down, so they are left out.
pub fn decision_times(
    conn: &Connection,
    workspace_id: WorkspaceId,
    test: bool,
    month: &Month,
) -> crate::db::sql::Result<Vec<Millis>> {
    let mut stmt = conn.prepare_cached(
        "SELECT decided_at - created_at FROM pauses
         WHERE workspace_id = ?1 AND is_test = ?2 AND status IN ('approved', 'rejected', 'answered', 'changes_requested')
           AND decided_at >= ?3 AND decided_at < ?4 AND decided_by_policy IS NULL
         ORDER BY 1",
    )?;
    let params = params![workspace_id, test, month.start, month.end()];
    let times = stmt.query_map(params, |r| r.get(0))?;
    times.collect()
}

/// The `p`-quantile (0.0–1.0) of ascending values, linearly interpolated between the two
/// nearest ranks (the common "type 7" definition, so the median of an even count is the mean
/// of the middle two). None for no values.
pub fn percentile(sorted: &[Millis], p: f64) -> Option<Millis> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    let frac = rank - lo as f64;
    let value = sorted[lo] as f64 + (sorted[hi] - sorted[lo]) as f64 * frac;
    Some(value.round() as Millis)
}

/// Everything the usage page shows apart from the quota.
#[derive(Debug, Clone)]
pub struct Usage {
    pub month: Month,
    pub days: Vec<DayCounts>,
    pub totals: DayCounts,
    pub decided: usize,
    pub median_ms: Option<Millis>,
    pub p90_ms: Option<Millis>,
}

/// The month of live pauses, or of test pauses when `test`.
pub fn summary(
    conn: &Connection,
    workspace_id: WorkspaceId,
    test: bool,
    now: Millis,
) -> crate::db::sql::Result<Usage> {
    let month = month_of(now);
    let days = daily(conn, workspace_id, test, &month, now)?;
    let totals = days.iter().fold(DayCounts::default(), |t, d| DayCounts {
        created: t.created + d.created,
        approved: t.approved + d.approved,
        rejected: t.rejected + d.rejected,
        answered: t.answered + d.answered,
        changes_requested: t.changes_requested + d.changes_requested,
        expired: t.expired + d.expired,
        policy: t.policy + d.policy,
    });
    let times = decision_times(conn, workspace_id, test, &month)?;
    Ok(Usage {
        month,
        days,
        totals,
        decided: times.len(),
        median_ms: percentile(&times, 0.5),
        p90_ms: percentile(&times, 0.9),
    })
}

#[cfg(test)]
#[path = "usage_tests.rs"]
mod tests;
