//! Timers on pauses (`pause_timers`): what must happen to a pending pause at a given time. The
//! expiry sweep reads due timers through a partial index instead of scanning pauses; the
//! reminder sweep reads the reminder and escalation timers the same way. A timer is armed in the transaction that creates its
//! pause and disarmed in the transaction that decides or cancels it, so the table holds only
//! timers that may still fire (plus fired ones, for the record).

use crate::db::sql::{params, Connection};

use super::sql_enum::sql_enum;
use super::Millis;
use crate::domain::ids::{PauseId, WorkspaceId};
use crate::error::AppResult;

sql_enum! {
    /// What a timer does when it fires.
    pub enum TimerKind {
        Expiry => "expiry",
        /// Remind the approvers who have not voted (see `pause::reminders`).
        Reminder => "reminder",
        /// Tell the escalation group, who may vote from then on.
        Escalation => "escalation",
    }
}

/// An armed timer that has come due, with what the sweep needs of its pause.
#[derive(Debug, Clone)]
pub struct Due {
    pub timer_id: i64,
    pub pause_id: PauseId,
    pub workspace_id: WorkspaceId,
    pub watch_id: [u8; 16],
    /// Whether the pause is still pending (otherwise the timer is obsolete).
    pub pending: bool,
}

/// Arms a timer on a pause (in the caller's transaction).
pub fn arm(conn: &Connection, pause_id: PauseId, kind: TimerKind, due_at: Millis) -> AppResult<()> {
    conn.prepare_cached("INSERT INTO pause_timers (pause_id, kind, due_at) VALUES (?1, ?2, ?3)")?
        .execute(params![pause_id, kind, due_at])?;
    Ok(())
}

/// Up to `limit` armed timers of `kind` due by `now`, earliest first.
pub fn due(conn: &Connection, kind: TimerKind, now: Millis, limit: i64) -> AppResult<Vec<Due>> {
    let rows = conn
        .prepare_cached(
            "SELECT t.id, p.id, p.workspace_id, p.watch_id, p.status = 'pending'
             FROM pause_timers t JOIN pauses p ON p.id = t.pause_id
             WHERE t.fired_at IS NULL AND t.due_at <= ?1 AND t.kind = ?2
             ORDER BY t.due_at LIMIT ?3",
        )?
        .query_map(params![now, kind, limit], |r| {
            Ok(Due {
                timer_id: r.get(0)?,
                pause_id: r.get(1)?,
                workspace_id: r.get(2)?,
                watch_id: r.get(3)?,
                pending: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Records that a timer fired.
pub fn fired(conn: &Connection, timer_id: i64, now: Millis) -> AppResult<()> {
    conn.prepare_cached("UPDATE pause_timers SET fired_at = ?1 WHERE id = ?2")?
        .execute(params![now, timer_id])?;
    Ok(())
}

/// Removes every timer of a pause that was just decided or cancelled (in that transaction), so
/// none lingers until its due time.
pub fn disarm_all(conn: &Connection, pause_id: PauseId) -> AppResult<()> {
    conn.prepare_cached("DELETE FROM pause_timers WHERE pause_id = ?1")?
        .execute([pause_id])?;
    Ok(())
}

/// Drops a timer that no longer applies (its pause left `pending` without going through
/// [`disarm_all`], e.g. a row written before timers were disarmed on decision).
pub fn drop_obsolete(conn: &Connection, timer_id: i64) -> AppResult<()> {
    conn.prepare_cached("DELETE FROM pause_timers WHERE id = ?1")?
        .execute([timer_id])?;
    Ok(())
}
