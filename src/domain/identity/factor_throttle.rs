//! The second-factor step's throttle: after 5 wrong codes in 15 minutes, the step answers 429
//! for 15 minutes (from the fifth failure). Kept in the database, so a restart does not reset
//! it and every process sees the same count.

use crate::db::sql::{params, Connection};

use super::Millis;
use crate::domain::ids::UserId;
use crate::error::AppResult;

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_MS: Millis = 15 * 60 * 1000;

/// Seconds until the user may try again; `None` when they may try now. Locked while the five
/// latest failures fall within 15 minutes of each other and the latest is under 15 minutes old.
pub fn locked_for(conn: &Connection, now: Millis, user_id: UserId) -> AppResult<Option<i64>> {
    let recent: Vec<Millis> = conn
        .prepare_cached(
            "SELECT at FROM factor_failures WHERE user_id = ?1 ORDER BY at DESC LIMIT ?2",
        )?
        .query_map(params![user_id, MAX_FAILURES], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let (Some(&newest), Some(&fifth)) = (recent.first(), recent.get(MAX_FAILURES as usize - 1))
    else {
        return Ok(None);
    };
    let until = newest + WINDOW_MS;
    if newest - fifth >= WINDOW_MS || now >= until {
        return Ok(None);
    }
    Ok(Some((until - now + 999) / 1000))
}

/// A wrong code (not while locked: then the code is not even checked). Failures too old to
/// matter are dropped.
pub fn record_failure(conn: &Connection, now: Millis, user_id: UserId) -> AppResult<()> {
    conn.execute(
        "DELETE FROM factor_failures WHERE user_id = ?1 AND at <= ?2",
        params![user_id, now - 2 * WINDOW_MS],
    )?;
    conn.execute(
        "INSERT INTO factor_failures (user_id, at) VALUES (?1, ?2)",
        params![user_id, now],
    )?;
    Ok(())
}

/// A right code clears the count.
pub fn clear(conn: &Connection, user_id: UserId) -> AppResult<()> {
    conn.execute("DELETE FROM factor_failures WHERE user_id = ?1", [user_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        super::super::test_db::one_owner()
    }

    #[test]
    fn four_wrong_codes_leave_the_step_open_and_the_fifth_locks_it_for_fifteen_minutes() {
        let conn = db();
        let u = UserId(1);
        for i in 0..4 {
            record_failure(&conn, i * 1000, u).unwrap();
        }
        assert_eq!(locked_for(&conn, 4_000, u).unwrap(), None);
        record_failure(&conn, 4_000, u).unwrap();
        assert_eq!(
            locked_for(&conn, 4_000, u).unwrap(),
            Some(900),
            "fifteen minutes"
        );
        assert_eq!(WINDOW_MS, 900_000);
        assert_eq!(
            locked_for(&conn, 4_000 + WINDOW_MS - 1, u).unwrap(),
            Some(1)
        );
        assert_eq!(locked_for(&conn, 4_000 + WINDOW_MS, u).unwrap(), None);
    }

    #[test]
    fn failures_older_than_the_window_do_not_count_and_a_success_clears_them() {
        let conn = db();
        let u = UserId(1);
        record_failure(&conn, 0, u).unwrap();
        for i in 0..4 {
            record_failure(&conn, WINDOW_MS + i, u).unwrap();
        }
        assert_eq!(locked_for(&conn, WINDOW_MS + 5, u).unwrap(), None);
        record_failure(&conn, WINDOW_MS + 5, u).unwrap();
        assert!(locked_for(&conn, WINDOW_MS + 6, u).unwrap().is_some());
        clear(&conn, u).unwrap();
        assert_eq!(locked_for(&conn, WINDOW_MS + 6, u).unwrap(), None);
    }
}
