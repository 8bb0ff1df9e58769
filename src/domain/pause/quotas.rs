//! Monthly pause quotas. A counter row per workspace and UTC month is incremented in the same
//! transaction that creates the pause, so the count can never drift from the pauses.

use crate::db::sql::{params, Connection, OptionalExtension};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::Millis;
use crate::domain::ids::WorkspaceId;

/// `2026-11` for any instant in November 2026 (UTC).
pub fn month_key(now: Millis) -> String {
    let t = to_datetime(now);
    format!("{:04}-{:02}", t.year(), t.month() as u8)
}

fn to_datetime(now: Millis) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(now) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The first instant of next month (UTC): when this month's quota resets.
pub fn next_month_start(now: Millis) -> Millis {
    let t = to_datetime(now);
    let (year, month) = match t.month() {
        Month::December => (t.year() + 1, Month::January),
        m => (t.year(), m.next()),
    };
    let start = Date::from_calendar_date(year, month, 1).expect("valid first of month");
    PrimitiveDateTime::new(start, Time::MIDNIGHT)
        .assume_utc()
        .unix_timestamp()
        * 1000
}

/// Whole seconds from `now` until `then`, at least 1.
pub fn secs_until(now: Millis, then: Millis) -> u64 {
    let ms = (then - now).max(1000);
    ((ms + 999) / 1000) as u64
}

/// Whole seconds until the first instant of next month (UTC), at least 1.
pub fn secs_until_next_month(now: Millis) -> u64 {
    secs_until(now, next_month_start(now))
}

/// Length of the current month in seconds: the quota window `w`.
pub fn month_window_secs(now: Millis) -> u64 {
    let t = to_datetime(now);
    u64::from(t.month().length(t.year())) * 86_400
}

pub fn used(
    conn: &Connection,
    workspace_id: WorkspaceId,
    now: Millis,
) -> crate::db::sql::Result<i64> {
    conn.prepare_cached("SELECT pauses FROM usage_counters WHERE workspace_id = ?1 AND month = ?2")?
        .query_row(params![workspace_id, month_key(now)], |r| r.get(0))
        .optional()
        .map(|n| n.unwrap_or(0))
}

pub fn count_one(
    conn: &Connection,
    workspace_id: WorkspaceId,
    now: Millis,
) -> crate::db::sql::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO usage_counters (workspace_id, month, pauses) VALUES (?1, ?2, 1)
         ON CONFLICT (workspace_id, month) DO UPDATE SET pauses = usage_counters.pauses + 1
         RETURNING pauses",
    )?
    .query_row(params![workspace_id, month_key(now)], |r| r.get(0))
}

/// A workspace's standing against its plan this month, for the `RateLimit` headers.
#[derive(Debug, Clone, Copy)]
pub struct QuotaState {
    /// None: the plan is unlimited.
    pub limit: Option<i64>,
    pub used: i64,
    pub reset_secs: u64,
    pub window_secs: u64,
}

impl QuotaState {
    pub fn remaining(&self) -> Option<i64> {
        self.limit.map(|l| (l - self.used).max(0))
    }
}

pub fn state(
    conn: &Connection,
    workspace_id: WorkspaceId,
    now: Millis,
) -> crate::error::AppResult<QuotaState> {
    let ws = super::workspaces::get(conn, workspace_id)?;
    let billing_plan = super::workspaces::billing_plan(conn, &ws.billing_plan_id)?;
    Ok(QuotaState {
        limit: billing_plan.monthly_pauses,
        used: used(conn, workspace_id, now)?,
        reset_secs: secs_until_next_month(now),
        window_secs: month_window_secs(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_rolls_over_at_utc_midnight_on_the_first() {
        // 2026-12-31T23:59:59Z
        let now = 1_798_761_599_000;
        assert_eq!(month_key(now), "2026-12");
        assert_eq!(secs_until_next_month(now), 1);
        assert_eq!(month_key(now + 1000), "2027-01");
        assert_eq!(month_window_secs(now), 31 * 86_400);
    }
}
