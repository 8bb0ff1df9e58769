//! Reminders and escalation: a pause that waits for people should not wait in silence. At
//! `remindAt` of its timeout the approvers who have not voted are reminded; at `escalateAt` the
//! escalation group is told and may vote from then on. A pause whose `onTimeout` is `wait`
//! stays pending past its deadline, so its reminders repeat, at most hourly, until it is
//! decided. The timers are armed here when the pause is created (in that transaction) and
//! fired by [`super::reminder_fire`]; deciding or cancelling the pause disarms them.

use crate::db::sql::Connection;

use super::pauses::Pause;
use super::policy::approvals::{self, ApprovalSettings};
use super::status::OnTimeout;
use super::timers::{self, TimerKind};
use super::Millis;
use crate::error::AppResult;

/// The shortest time between two reminders of an overdue `wait` pause.
pub const MIN_REPEAT_MS: Millis = 3_600_000;

/// When a pause's reminder and escalation are due: the fractions of its timeout, from its
/// creation, to the millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub remind_at: Millis,
    pub escalate_at: Millis,
}

/// The moment `fraction` of the way from `created_at` to `expires_at`.
fn point(created_at: Millis, expires_at: Millis, fraction: f64) -> Millis {
    created_at + ((expires_at - created_at) as f64 * fraction).round() as Millis
}

pub fn schedule(created_at: Millis, expires_at: Millis, s: &ApprovalSettings) -> Schedule {
    Schedule {
        remind_at: point(created_at, expires_at, s.remind_at),
        escalate_at: point(created_at, expires_at, s.escalate_at),
    }
}

/// How long an overdue `wait` pause's reminders are apart: `remindAt` of its timeout, but at
/// least an hour ("at most hourly").
pub fn repeat_interval(created_at: Millis, expires_at: Millis, remind_at: f64) -> Millis {
    let fraction = point(created_at, expires_at, remind_at) - created_at;
    fraction.max(MIN_REPEAT_MS)
}

/// When the next reminder of a `wait` pause is due, after one fired at `fired_at`: an interval
/// later, and never before its deadline (the reminder that counts most is the overdue one).
pub fn next_reminder(fired_at: Millis, expires_at: Millis, interval: Millis) -> Millis {
    (fired_at + interval).max(expires_at)
}

/// Arms the reminder and the escalation of a pause just created (in its transaction), unless a
/// policy decides it at once: then no person is waited for.
pub fn arm(conn: &Connection, pause: &Pause) -> AppResult<()> {
    if pause.policy_decided() {
        return Ok(());
    }
    let settings = approvals::get(conn, pause.workspace_id)?;
    let at = schedule(pause.created_at, pause.expires_at, &settings);
    timers::arm(conn, pause.id, TimerKind::Reminder, at.remind_at)?;
    timers::arm(conn, pause.id, TimerKind::Escalation, at.escalate_at)
}

/// After a reminder of `pause` fired at `now`: arms the next one if the pause waits past its
/// deadline (`onTimeout: wait`); any other pause is reminded once.
pub fn rearm(conn: &Connection, now: Millis, pause: &Pause) -> AppResult<Option<Millis>> {
    if pause.on_timeout != OnTimeout::Wait {
        return Ok(None);
    }
    let settings = approvals::get(conn, pause.workspace_id)?;
    let interval = repeat_interval(pause.created_at, pause.expires_at, settings.remind_at);
    let next = next_reminder(now, pause.expires_at, interval);
    timers::arm(conn, pause.id, TimerKind::Reminder, next)?;
    Ok(Some(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Millis = 3_600_000;

    fn settings(remind_at: f64, escalate_at: f64) -> ApprovalSettings {
        ApprovalSettings {
            remind_at,
            escalate_at,
            ..ApprovalSettings::default()
        }
    }

    #[test]
    fn the_reminder_and_escalation_fall_at_their_fractions_of_the_timeout() {
        let at = schedule(1_000, 101_000, &settings(0.5, 0.8));
        assert_eq!(at.remind_at, 51_000);
        assert_eq!(at.escalate_at, 81_000);
        let at = schedule(0, 3_600_000, &settings(0.05, 0.95));
        assert_eq!((at.remind_at, at.escalate_at), (180_000, 3_420_000));
    }

    #[test]
    fn fractions_that_binary_floats_cannot_hold_still_land_on_the_millisecond() {
        // 0.3 × 100 000 is 30 000.000000000004 in f64: rounded, not pushed a millisecond late.
        assert_eq!(schedule(0, 100_000, &settings(0.3, 0.7)).remind_at, 30_000);
        assert_eq!(
            schedule(0, 100_000, &settings(0.3, 0.7)).escalate_at,
            70_000
        );
    }

    #[test]
    fn an_overdue_pause_is_reminded_at_most_hourly() {
        assert_eq!(
            repeat_interval(0, 100_000, 0.5),
            HOUR,
            "50 s becomes an hour"
        );
        assert_eq!(repeat_interval(0, 2 * HOUR, 0.5), HOUR, "exactly an hour");
        assert_eq!(
            repeat_interval(0, 2 * HOUR + 2, 0.5),
            HOUR + 1,
            "one past it"
        );
        assert_eq!(repeat_interval(0, 10 * HOUR, 0.5), 5 * HOUR);
    }

    #[test]
    fn the_next_reminder_is_an_interval_after_the_last_and_never_before_the_deadline() {
        // A long timeout: the second reminder falls before the deadline, so at the deadline.
        assert_eq!(next_reminder(5 * HOUR, 12 * HOUR, 5 * HOUR), 12 * HOUR);
        // Past the deadline: an interval after the last one.
        assert_eq!(next_reminder(50_000, 100_000, HOUR), 50_000 + HOUR);
        assert_eq!(next_reminder(13 * HOUR, 12 * HOUR, HOUR), 14 * HOUR);
    }
}
