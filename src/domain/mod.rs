//! Plain functions over a `&Connection` and an explicit `now` (Unix milliseconds), so every rule
//! can be tested without a server and without sleeping.

pub mod api_keys;
pub mod audit;
pub mod clock;
pub mod idempotency;
pub mod pauses;
pub mod quotas;
pub mod secrets;
pub mod sessions;
pub mod usage;
pub mod users;
pub mod workspaces;

/// Unix time in milliseconds, UTC.
pub type Millis = i64;

/// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-22T07:44:45.123Z`.
pub fn rfc3339(ms: Millis) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&f).unwrap_or_default()
}
