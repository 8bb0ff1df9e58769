//! Plain functions over a `&Connection` and an explicit `now` (Unix milliseconds), so every rule
//! can be tested without a server and without sleeping.

// Each area in its folder: agents, pauses, people (and keys), identity (sessions, second
// factors, single sign-on), policy, delivery; what all of
// them share stays here (audit, ids, errors, clock, text, timers, workspaces).
pub mod agents;
pub mod audit;
pub mod clock;
pub mod delivery;
pub mod error;
pub mod identity;
pub mod ids;
pub mod pause;
pub mod people;
pub mod policy;
pub mod receipts;
pub mod secrets;
pub(crate) mod sql_enum;
pub mod text;
pub mod timers;
pub mod workspaces;

pub use delivery::{
    channels, decision_links, event_type, events, notifications, outbox, push_links, told,
    webhook_admin, webhook_edit, webhooks,
};
pub use identity::{password_resets, sessions};
pub use pause::{
    approval_extras, decided_by, expiry, history, idempotency, kind, outcomes, pause_create,
    pauses, plans, questions, queue, quotas, respond, response, retention, status, timeline, usage,
    votes,
};
pub use people::{
    api_keys, deciders, display, email_address, invites, key_admin, key_expiry, scopes, user_admin,
    users,
};

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
