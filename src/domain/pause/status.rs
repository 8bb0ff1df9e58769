//! A pause's status, and the one definition of the status readers see: a pending pause past
//! its expiry already reads as expired, before the sweep writes it down. The Rust rule
//! ([`effective`]) and its SQL form ([`reads_as_sql`]) live side by side so they cannot drift.

use super::sql_enum::sql_enum;
use super::Millis;

sql_enum! {
    #[schema(as = PauseStatus)]
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

sql_enum! {
    /// What a pending pause becomes at its deadline (`pauses.on_timeout`; the policy settings'
    /// `onTimeout` gives the default).
    #[derive(Default)]
    pub enum OnTimeout {
        /// It reads `expired` (and, with the agents feature's setting, pauses its agent).
        #[default]
        Expire => "expire",
        /// It reads `rejected`, decided by the policy `timeout`, at its deadline.
        Reject => "reject",
        /// It stays `pending`, marked overdue, and reminders go on.
        Wait => "wait",
    }
}

/// The status as of `now`: a pending pause past `expires_at` reads as what its `on_timeout`
/// says (expired, rejected, or still pending and overdue).
pub fn effective(stored: Status, expires_at: Millis, on_timeout: OnTimeout, now: Millis) -> Status {
    if stored != Status::Pending || now < expires_at {
        return stored;
    }
    match on_timeout {
        OnTimeout::Expire => Status::Expired,
        OnTimeout::Reject => Status::Rejected,
        OnTimeout::Wait => Status::Pending,
    }
}

/// SQL that is true when a `pauses` row is stored as pending but past its deadline at `now`
/// and reads as something else (expired or rejected): the sweep has yet to write that down.
/// Arguments as in [`reads_as_sql`].
pub fn overdue_sql(table: &str, now: &str) -> String {
    format!(
        "{table}status = 'pending' AND {table}expires_at <= {now} AND {table}on_timeout != 'wait'"
    )
}

/// SQL that is true when a `pauses` row reads as `status` at `now`, [`effective`] in SQL.
/// `table` prefixes the columns (`"p."` or `""`); `now` is the parameter holding the time
/// (`":now"`, `"?"`), used at most once.
pub fn reads_as_sql(status: Status, table: &str, now: &str) -> String {
    let timed_out = |what: &str| {
        format!(
            "({table}status = '{}' OR ({table}status = 'pending' AND {table}on_timeout = '{what}' AND {table}expires_at <= {now}))",
            Status::from_timeout(what).as_str()
        )
    };
    match status {
        Status::Pending => format!(
            "{table}status = 'pending' AND ({table}expires_at > {now} OR {table}on_timeout = 'wait')"
        ),
        Status::Expired => timed_out("expire"),
        Status::Rejected => timed_out("reject"),
        other => format!("{table}status = '{}'", other.as_str()),
    }
}

impl Status {
    fn from_timeout(on_timeout: &str) -> Status {
        match on_timeout {
            "reject" => Status::Rejected,
            _ => Status::Expired,
        }
    }
}

/// Whether a pause that waits past its deadline is overdue at `now`.
pub fn overdue(stored: Status, expires_at: Millis, on_timeout: OnTimeout, now: Millis) -> bool {
    stored == Status::Pending && on_timeout == OnTimeout::Wait && now >= expires_at
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
        let e = OnTimeout::Expire;
        assert_eq!(effective(Status::Pending, 100, e, 99), Status::Pending);
        assert_eq!(effective(Status::Pending, 100, e, 100), Status::Expired);
        assert_eq!(effective(Status::Approved, 100, e, 200), Status::Approved);
    }

    #[test]
    fn past_its_deadline_a_pause_reads_as_its_on_timeout_says() {
        assert_eq!(
            effective(Status::Pending, 100, OnTimeout::Reject, 99),
            Status::Pending
        );
        assert_eq!(
            effective(Status::Pending, 100, OnTimeout::Reject, 100),
            Status::Rejected
        );
        assert_eq!(
            effective(Status::Pending, 100, OnTimeout::Wait, 5000),
            Status::Pending
        );
        assert_eq!(
            effective(Status::Cancelled, 100, OnTimeout::Wait, 5000),
            Status::Cancelled
        );
        assert!(!overdue(Status::Pending, 100, OnTimeout::Wait, 99));
        assert!(overdue(Status::Pending, 100, OnTimeout::Wait, 100));
        assert!(!overdue(Status::Pending, 100, OnTimeout::Reject, 100));
        assert!(!overdue(Status::Approved, 100, OnTimeout::Wait, 100));
    }

    /// The SQL form agrees with [`effective`] on every stored status, before, at and after expiry.
    #[test]
    fn the_sql_condition_agrees_with_the_rust_rule() {
        let conn = crate::db::sql::Connection::open_in_memory().unwrap();
        for (stored, on_timeout) in Status::ALL
            .iter()
            .flat_map(|s| OnTimeout::ALL.iter().map(move |t| (s, t)))
        {
            for now in [99, 100, 101] {
                let seen = effective(*stored, 100, *on_timeout, now);
                for asked in Status::ALL {
                    let sql = format!(
                        "SELECT {} FROM (SELECT ?1 AS status, 100 AS expires_at, ?2 AS t, ?3 AS on_timeout)",
                        reads_as_sql(*asked, "", "?2")
                    );
                    let hit: bool = conn
                        .query_row(
                            &sql,
                            crate::db::sql::params![stored, now, on_timeout],
                            |r| r.get(0),
                        )
                        .unwrap();
                    assert_eq!(
                        hit,
                        seen == *asked,
                        "{stored}/{on_timeout} at {now} asked {asked}"
                    );
                }
                let sql = format!(
                    "SELECT {} FROM (SELECT ?1 AS status, 100 AS expires_at, ?2 AS t, ?3 AS on_timeout)",
                    overdue_sql("", "?2")
                );
                let hit: bool = conn
                    .query_row(
                        &sql,
                        crate::db::sql::params![stored, now, on_timeout],
                        |r| r.get(0),
                    )
                    .unwrap();
                let reads_other = *stored == Status::Pending && seen != Status::Pending;
                assert_eq!(
                    hit, reads_other,
                    "overdue_sql {stored}/{on_timeout} at {now}"
                );
            }
        }
    }
}
