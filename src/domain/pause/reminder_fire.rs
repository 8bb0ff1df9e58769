//! Firing reminders and escalations (see [`super::reminders`]): the reminder sweep takes due
//! timers in bounded batches on the writer, as the expiry sweep does. A timer whose pause no
//! longer reads as pending (decided, cancelled, or past a deadline that ends it) is dropped.
//! Each firing is one `pause.reminded` or `pause.escalated` event (audit row, webhooks and the
//! workspace's Slack line, through `events::pause_event`) and one email per person to tell,
//! rendered at send time like the approval email.

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::audit::{Actor, Entry};
use super::event_type::EventType;
use super::pauses::{get_by_id, Pause, Status};
use super::policy::approvals;
use super::timers::{self, TimerKind};
use super::{events, outbox, reminders, votes, Millis};
use crate::db::WriteCtx;
use crate::domain::ids::UserId;
use crate::error::AppResult;
use crate::waiters::Topic;

/// What one batch of the reminder sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fired {
    /// Due timers handled (fired or dropped): a full batch means there may be more.
    pub timers: usize,
    /// Reminders and escalations sent.
    pub sent: usize,
}

/// Handles up to `limit` due timers of `kind` (a reminder or an escalation) as of `now`.
pub fn fire_due(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    kind: TimerKind,
    limit: i64,
) -> AppResult<Fired> {
    let due = timers::due(ctx.conn, kind, now, limit)?;
    let mut sent = 0;
    for t in &due {
        let pause = get_by_id(ctx.conn, t.pause_id)?;
        let Some(pause) = pause.filter(|p| p.status(now) == Status::Pending) else {
            timers::drop_obsolete(ctx.conn, t.timer_id)?;
            continue;
        };
        timers::fired(ctx.conn, t.timer_id, now)?;
        match kind {
            TimerKind::Escalation => escalate(ctx, now, pause)?,
            _ => remind(ctx, now, &pause)?,
        }
        sent += 1;
    }
    Ok(Fired {
        timers: due.len(),
        sent,
    })
}

/// Reminds the approvers who may vote and have not, and arms the next reminder of a pause
/// that waits past its deadline.
fn remind(ctx: &mut WriteCtx<'_>, now: Millis, pause: &Pause) -> AppResult<()> {
    let to = unvoted(ctx.conn, pause, approvers(ctx.conn, pause)?)?;
    let next = reminders::rearm(ctx.conn, now, pause)?;
    let details = json!({
        "emailed": emailed(pause, &to),
        "overdue": pause.overdue(now),
        "nextReminderAt": next.map(super::rfc3339),
    });
    record(ctx, now, pause, EventType::PauseReminded, details)?;
    queue_emails(ctx, now, pause, &to, EventType::PauseReminded)
}

/// Marks the pause escalated (the escalation group may vote from now on) and tells that group.
fn escalate(ctx: &mut WriteCtx<'_>, now: Millis, pause: Pause) -> AppResult<()> {
    // The version moves so that a reader's ETag changes with `escalatedAt`.
    ctx.conn
        .prepare_cached(
            "UPDATE pauses SET escalated_at = ?1, version = version + 1
             WHERE id = ?2 AND escalated_at IS NULL",
        )?
        .execute(params![now, pause.id])?;
    let pause = Pause {
        escalated_at: Some(now),
        version: pause.version + 1,
        ..pause
    };
    let group = approvals::get(ctx.conn, pause.workspace_id)?.escalate_to;
    let to = unvoted(
        ctx.conn,
        &pause,
        escalation_group(ctx.conn, &pause, group.as_deref())?,
    )?;
    let details = json!({ "escalateTo": group, "emailed": emailed(&pause, &to) });
    record(ctx, now, &pause, EventType::PauseEscalated, details)?;
    queue_emails(ctx, now, &pause, &to, EventType::PauseEscalated)?;
    ctx.wake(Topic::Pause(pause.id));
    Ok(())
}

/// How many people the event emails (a test pause emails no one).
fn emailed(pause: &Pause, to: &[(UserId, String)]) -> usize {
    if pause.test {
        0
    } else {
        to.len()
    }
}

fn record(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    event: EventType,
    details: serde_json::Value,
) -> AppResult<()> {
    let entry = Entry {
        workspace_id: Some(pause.workspace_id),
        actor: Actor::System,
        event,
        subject: Some(pause.watch_id.to_string()),
        details: Some(details),
    };
    events::pause_event(ctx, now, pause, entry)
}

/// One email per recipient, rendered at send time (and skipped if the pause was decided by
/// then). A test pause reaches no human, as with every other pause email.
fn queue_emails(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    to: &[(UserId, String)],
    event: EventType,
) -> AppResult<()> {
    if pause.test {
        return Ok(());
    }
    for (user_id, email) in to {
        outbox::enqueue_pause_email(ctx, now, pause, (*user_id, email.as_str()), event)?;
    }
    Ok(())
}

/// Those of `people` who have not voted on the pause.
fn unvoted(
    conn: &Connection,
    pause: &Pause,
    people: Vec<(UserId, String)>,
) -> AppResult<Vec<(UserId, String)>> {
    let votes = votes::list(conn, pause.id)?;
    Ok(people
        .into_iter()
        .filter(|(id, _)| !votes.iter().any(|v| v.user_id == Some(*id)))
        .collect())
}

/// Who gets a person's emails: active, signed up, not opted out.
const REACHABLE: &str = "u.state = 'active'
                         AND u.email_notifications = 1";

/// The people who may vote on the pause: the routed group's members, or every user of the
/// workspace when it is not routed. (id, email), reachable by email.
fn approvers(conn: &Connection, pause: &Pause) -> AppResult<Vec<(UserId, String)>> {
    match pause.group_id {
        Some(group) => group_members(conn, pause, group),
        None => people(
            conn,
            &format!("SELECT u.id, u.email FROM users u WHERE u.workspace_id = ?1 AND {REACHABLE} ORDER BY u.id"),
            params![pause.workspace_id],
        ),
    }
}

fn group_members(conn: &Connection, pause: &Pause, group: i64) -> AppResult<Vec<(UserId, String)>> {
    people(
        conn,
        &format!(
            "SELECT u.id, u.email FROM users u
             JOIN approver_group_members m ON m.user_id = u.id
             WHERE u.workspace_id = ?1 AND m.group_id = ?2 AND {REACHABLE} ORDER BY u.id"
        ),
        params![pause.workspace_id, group],
    )
}

/// The escalation group's members (the settings' `escalateTo`, as it is now), or the
/// workspace's owners and admins when there is none (or it no longer exists).
fn escalation_group(
    conn: &Connection,
    pause: &Pause,
    name: Option<&str>,
) -> AppResult<Vec<(UserId, String)>> {
    let group: Option<i64> = match name {
        Some(name) => conn
            .prepare_cached("SELECT id FROM approver_groups WHERE workspace_id = ?1 AND name = ?2")?
            .query_map(params![pause.workspace_id, name], |r| r.get(0))?
            .next()
            .transpose()?,
        None => None,
    };
    match group {
        Some(group) => group_members(conn, pause, group),
        None => people(
            conn,
            &format!(
                "SELECT u.id, u.email FROM users u WHERE u.workspace_id = ?1
                 AND u.role IN ('owner', 'admin') AND {REACHABLE} ORDER BY u.id"
            ),
            params![pause.workspace_id],
        ),
    }
}

fn people(
    conn: &Connection,
    sql: &str,
    args: impl crate::db::sql::Params,
) -> AppResult<Vec<(UserId, String)>> {
    let rows = conn
        .prepare_cached(sql)?
        .query_map(args, |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
