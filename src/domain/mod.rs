//! Plain functions over a `&Connection` and an explicit `now` (Unix milliseconds), so every rule
//! can be tested without a server and without sleeping.

pub mod agents;
pub mod api_keys;
pub mod approval_extras;
pub mod audit;
pub mod clock;
pub mod decided_by;
pub mod deciders;
pub mod decision_links;
pub mod display;
pub mod email_address;
pub mod error;
pub mod event_type;
pub mod events;
pub mod expiry;
pub mod history;
pub mod idempotency;
pub mod ids;
pub mod invites;
pub mod kind;
pub mod notifications;
pub mod outbox;
pub mod outcomes;
pub mod password_resets;
pub mod pause_create;
pub mod pauses;
pub mod plans;
pub mod policy;
pub mod questions;
pub mod queue;
pub mod quotas;
pub mod respond;
pub mod response;
pub mod retention;
pub mod scopes;
pub mod secrets;
pub mod sessions;
pub(crate) mod sql_enum;
pub mod status;
pub mod text;
pub mod timeline;
pub mod timers;
pub mod usage;
pub mod user_admin;
pub mod users;
pub mod webhook_admin;
pub mod webhooks;
pub mod workspaces;

/// Unix time in milliseconds, UTC.
pub type Millis = i64;

/// For people: `2026-11-22 07:44 UTC` from an RFC 3339 string made by [`rfc3339`]
/// (pages turn it into the reader's local time with JS).
pub fn human_time_rfc(t: &str) -> String {
    if t.len() >= 16 {
        format!("{} {} UTC", &t[..10], &t[11..16])
    } else {
        t.to_string()
    }
}

/// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-22T07:44:45.123Z`.
pub fn rfc3339(ms: Millis) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&f).unwrap_or_default()
}
