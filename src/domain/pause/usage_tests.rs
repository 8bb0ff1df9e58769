//! Unit tests of the usage figures (percentiles, months, per-day counts by mode).

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
        crate::db::sql::params![&watch.as_bytes()[..], test, status, created, expires, decided],
    )
    .unwrap();
}

#[test]
fn each_pause_counts_on_the_day_of_its_event_and_test_pauses_only_in_test_mode() {
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
    // Test-key pauses are free: not in the live figures.
    pause(&conn, now - hour, now + hour, "rejected", Some(now), true);

    let days = daily(&conn, WorkspaceId(1), false, &month, now).unwrap();
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
        decision_times(&conn, WorkspaceId(1), false, &month).unwrap(),
        vec![2 * hour]
    );
    // Test mode counts the test pause alone.
    let test_days = daily(&conn, WorkspaceId(1), true, &month, now).unwrap();
    assert_eq!(test_days.iter().map(|d| d.created).sum::<i64>(), 1);
    assert_eq!(test_days[14].rejected, 1);
    assert_eq!(
        decision_times(&conn, WorkspaceId(1), true, &month).unwrap(),
        vec![hour]
    );
}

#[test]
fn a_policys_decisions_are_their_own_series_and_take_no_part_in_decision_times() {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute(
        "INSERT INTO workspaces (name, plan_id, created_at) VALUES ('w', 'free', 0)",
        [],
    )
    .unwrap();
    let now = 1_794_744_000_000; // 2026-11-15T12:00:00Z
    let (month, hour) = (month_of(now), 3_600_000);
    pause(&conn, now - hour, now + hour, "approved", Some(now), false);
    for status in ["approved", "rejected"] {
        pause(&conn, now, now + hour, status, Some(now), false);
        conn.execute(
            "UPDATE pauses SET decided_by_policy = 'autonomy:full_auto' WHERE id = last_insert_rowid()",
            [],
        )
        .unwrap();
    }
    let days = daily(&conn, WorkspaceId(1), false, &month, now).unwrap();
    let want = DayCounts {
        created: 3,
        approved: 1,
        policy: 2,
        ..DayCounts::default()
    };
    assert_eq!(days[14], want);
    assert_eq!(
        decision_times(&conn, WorkspaceId(1), false, &month).unwrap(),
        vec![hour]
    );
}
