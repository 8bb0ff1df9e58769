//! A pause's status, and the one definition of the status readers see: a pending pause past
//! its expiry already reads as expired, before the sweep writes it down. The Rust rule
//! ([`effective`]) and its SQL form ([`reads_as_sql`]) live side by side so they cannot drift.

use super::sql_enum::sql_enum;
use super::Millis;

sql_enum! {
    /// Where a pause stands, as stored in `pauses.status`.
    pub enum Status {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        Expired => "expired",
        Cancelled => "cancelled",
        /// A question pause a person answered (`pauses.response_json` holds the answers).
        Answered => "answered",
        /// A plan sent back with feedback (`reason`); the agent may submit a revision.
        ChangesRequested => "changes_requested",
    }
}

/// The status as of `now`: a pending pause past `expires_at` is expired.
pub fn effective(stored: Status, expires_at: Millis, now: Millis) -> Status {
    if stored == Status::Pending && now >= expires_at {
        Status::Expired
    } else {
        stored
    }
}

/// SQL that is true when a `pauses` row is stored as pending but past its expiry at `now`: it
/// reads as expired, and the sweep has yet to write that down. Arguments as in [`reads_as_sql`].
pub fn overdue_sql(table: &str, now: &str) -> String {
    format!("{table}status = 'pending' AND {table}expires_at <= {now}")
}

/// SQL that is true when a `pauses` row reads as `status` at `now`, [`effective`] in SQL.
/// `table` prefixes the columns (`"p."` or `""`); `now` is the parameter holding the time
/// (`":now"`, `"?"`), used at most once.
pub fn reads_as_sql(status: Status, table: &str, now: &str) -> String {
    match status {
        Status::Pending => format!("{table}status = 'pending' AND {table}expires_at > {now}"),
        Status::Expired => format!(
            "({table}status = 'expired' OR ({}))",
            overdue_sql(table, now)
        ),
        other => format!("{table}status = '{}'", other.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sql_enum::tests::read_stored;

    #[test]
    fn an_unknown_stored_status_is_an_error_not_pending() {
        let err = read_stored::<Status>("on_hold").unwrap_err();
        assert!(
            err.to_string().contains("unknown Status `on_hold`"),
            "{err}"
        );
        assert_eq!(read_stored::<Status>("pending").unwrap(), Status::Pending);
    }

    #[test]
    fn pending_past_its_expiry_reads_as_expired_and_nothing_else_changes() {
        assert_eq!(effective(Status::Pending, 100, 99), Status::Pending);
        assert_eq!(effective(Status::Pending, 100, 100), Status::Expired);
        assert_eq!(effective(Status::Approved, 100, 200), Status::Approved);
    }

    /// The SQL form agrees with [`effective`] on every stored status, before, at and after expiry.
    #[test]
    fn the_sql_condition_agrees_with_the_rust_rule() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for stored in Status::ALL {
            for now in [99, 100, 101] {
                let seen = effective(*stored, 100, now);
                for asked in Status::ALL {
                    let sql = format!(
                        "SELECT {} FROM (SELECT ?1 AS status, 100 AS expires_at, ?2 AS t)",
                        reads_as_sql(*asked, "", "?2")
                    );
                    let hit: bool = conn
                        .query_row(&sql, rusqlite::params![stored, now], |r| r.get(0))
                        .unwrap();
                    assert_eq!(hit, seen == *asked, "{stored} at {now} asked {asked}");
                }
            }
        }
    }
}
