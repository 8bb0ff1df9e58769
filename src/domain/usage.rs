//! Usage figures for the usage page: this UTC month's pauses per day by outcome, and how long
//! humans take to decide. Only live pauses count (test-key pauses are free and not counted
//! against the quota), so the chart adds up to the quota line above it.

use std::sync::LazyLock;

use rusqlite::{named_params, Connection};
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
    pub expired: i64,
}

/// Each pause counts on the day of the event: created on `created_at`, approved or rejected on
/// `decided_at`, expired on `expires_at` (a pending pause past it is expired, as readers see it).
/// A pause lives at most 30 days, so the `created_at` bound on expiries is only there to let the
/// `(workspace_id, created_at)` index narrow the search.
static DAILY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT kind, (t - :start) / 86400000 AS day, count(*) FROM (
      SELECT 'created' AS kind, created_at AS t FROM pauses
       WHERE workspace_id = :ws AND is_test = 0 AND created_at >= :start AND created_at < :end
      UNION ALL
      SELECT status, decided_at FROM pauses
       WHERE workspace_id = :ws AND is_test = 0 AND status IN ('approved', 'rejected')
         AND decided_at >= :start AND decided_at < :end
      UNION ALL
      SELECT 'expired', expires_at FROM pauses
       WHERE workspace_id = :ws AND is_test = 0
         AND {expired}
         AND expires_at >= :start AND expires_at < :end
         AND created_at >= :start - 2592000000 AND created_at < :end
    ) GROUP BY kind, day",
        expired = reads_as_sql(Status::Expired, "", ":now")
    )
});

/// One entry per day of `month` (index 0 is the 1st).
pub fn daily(
    conn: &Connection,
    workspace_id: WorkspaceId,
    month: &Month,
    now: Millis,
) -> rusqlite::Result<Vec<DayCounts>> {
    let mut days = vec![DayCounts::default(); month.days as usize];
    let mut stmt = conn.prepare_cached(&DAILY)?;
    let params = named_params! {":ws": workspace_id, ":start": month.start, ":end": month.end(), ":now": now};
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
            _ => d.expired += n,
        }
    }
    Ok(days)
}

/// Milliseconds from creation to decision of the pauses approved or rejected in `month`,
/// ascending.
pub fn decision_times(
    conn: &Connection,
    workspace_id: WorkspaceId,
    month: &Month,
) -> rusqlite::Result<Vec<Millis>> {
    let mut stmt = conn.prepare_cached(
        "SELECT decided_at - created_at FROM pauses
         WHERE workspace_id = :ws AND is_test = 0 AND status IN ('approved', 'rejected')
           AND decided_at >= :start AND decided_at < :end
         ORDER BY 1",
    )?;
    let params = named_params! {":ws": workspace_id, ":start": month.start, ":end": month.end()};
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

pub fn summary(
    conn: &Connection,
    workspace_id: WorkspaceId,
    now: Millis,
) -> rusqlite::Result<Usage> {
    let month = month_of(now);
    let days = daily(conn, workspace_id, &month, now)?;
    let totals = days.iter().fold(DayCounts::default(), |t, d| DayCounts {
        created: t.created + d.created,
        approved: t.approved + d.approved,
        rejected: t.rejected + d.rejected,
        expired: t.expired + d.expired,
    });
    let times = decision_times(conn, workspace_id, &month)?;
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
mod tests {
    use super::*;

    #[test]
    fn no_decisions_have_no_median_or_p90() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[], 0.9), None);
    }

    #[test]
    fn one_decision_is_its_own_median_and_p90() {
        assert_eq!(percentile(&[4200], 0.5), Some(4200));
        assert_eq!(percentile(&[4200], 0.9), Some(4200));
    }

    #[test]
    fn the_median_of_an_odd_count_is_the_middle_value() {
        assert_eq!(percentile(&[1000, 2000, 60_000], 0.5), Some(2000));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(percentile(&[1000, 2000, 3000, 10_000], 0.5), Some(2500));
    }

    #[test]
    fn p90_interpolates_between_the_nearest_ranks() {
        let ten: Vec<Millis> = (1..=10).map(|s| s * 1000).collect();
        // rank 0.9 × 9 = 8.1: between 9 s and 10 s.
        assert_eq!(percentile(&ten, 0.9), Some(9100));
        assert_eq!(percentile(&ten, 0.5), Some(5500));
        assert_eq!(percentile(&ten, 1.0), Some(10_000));
        assert_eq!(percentile(&ten, 0.0), Some(1000));
    }

    #[test]
    fn a_slow_outlier_moves_p90_but_not_the_median() {
        let mut times = vec![1000; 9];
        times.push(3_600_000);
        assert_eq!(percentile(&times, 0.5), Some(1000));
        assert!(percentile(&times, 0.9).unwrap() > 1000);
    }

    #[test]
    fn months_start_at_utc_midnight_on_the_first() {
        // 2026-11-15T12:00:00Z
        let m = month_of(1_794_744_000_000);
        assert_eq!(m.days, 30);
        assert_eq!(m.label, "November 2026");
        assert_eq!(super::super::rfc3339(m.start), "2026-11-01T00:00:00.000Z");
        assert_eq!(super::super::rfc3339(m.end()), "2026-12-01T00:00:00.000Z");
        assert_eq!(month_of(1_770_681_600_000).days, 28, "February 2026");
    }

    /// Inserts a pause row directly: (created, expires, status, decided, is_test).
    fn pause(
        conn: &Connection,
        created: Millis,
        expires: Millis,
        status: &str,
        decided: Option<Millis>,
        test: bool,
    ) {
        let watch = uuid::Uuid::now_v7();
        conn.execute(
            "INSERT INTO pauses (watch_id, workspace_id, is_test, status, action, created_at, expires_at, decided_at)
             VALUES (?1, 1, ?2, ?3, 'a', ?4, ?5, ?6)",
            rusqlite::params![&watch.as_bytes()[..], test, status, created, expires, decided],
        )
        .unwrap();
    }

    #[test]
    fn each_pause_counts_on_the_day_of_its_event_and_test_pauses_not_at_all() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO workspaces (name, plan_id, created_at) VALUES ('w', 'free', 0)",
            [],
        )
        .unwrap();
        let now = 1_794_744_000_000; // 2026-11-15T12:00:00Z
        let month = month_of(now);
        let hour = 3_600_000;
        // Created on Oct 31, expired (as stored) on Nov 1: an expiry of November only.
        pause(
            &conn,
            month.start - hour,
            month.start + hour,
            "expired",
            None,
            false,
        );
        // Created Nov 14, decided Nov 15 after 2 hours.
        pause(
            &conn,
            now - 22 * hour,
            now + hour,
            "approved",
            Some(now - 20 * hour),
            false,
        );
        // Pending past its expiry reads as expired; pending before it does not.
        pause(&conn, now - 2 * hour, now - hour, "pending", None, false);
        pause(&conn, now - hour, now + hour, "pending", None, false);
        // Test-key pauses are free and not shown.
        pause(&conn, now - hour, now + hour, "rejected", Some(now), true);

        let days = daily(&conn, WorkspaceId(1), &month, now).unwrap();
        assert_eq!(
            days[0],
            DayCounts {
                expired: 1,
                ..DayCounts::default()
            }
        );
        assert_eq!(
            days[13],
            DayCounts {
                created: 1,
                approved: 1,
                ..DayCounts::default()
            }
        );
        assert_eq!(
            days[14],
            DayCounts {
                created: 2,
                expired: 1,
                ..DayCounts::default()
            }
        );
        assert_eq!(days.iter().map(|d| d.created).sum::<i64>(), 3);
        assert_eq!(
            decision_times(&conn, WorkspaceId(1), &month).unwrap(),
            vec![2 * hour]
        );
    }
}
