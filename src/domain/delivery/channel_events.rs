//! What the chat and push channels hear of a pause (see [`channels`](super::channels)): Slack,
//! Teams, Discord, ntfy topics and people's own ntfy topics, each from the routed group's channel of its kind
//! when the group has one, else the workspace's. Queued by [`events::pause_event`](super::events)
//! for pauses that wait for a person.

use crate::db::sql::{params, Connection};

use super::channels::{self, Channels};
use super::event_type::EventType;
use super::events::{render, ChatNote, NtfyNote, SlackNote};
use super::outbox::{self, Channel, NewMessage};
use super::pauses::Pause;
use super::Millis;
use crate::db::WriteCtx;
use crate::domain::ids::UserId;
use crate::error::AppResult;

/// Queues what `event` on `pause` means for its channels.
pub fn queue(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    event: EventType,
) -> AppResult<()> {
    let chans = channels::for_pause(ctx.conn, pause.workspace_id, pause.group_id)?;
    if let Some(slack) = &chans.slack {
        queue_slack(ctx, now, pause, event, &slack.url)?;
    }
    queue_chat(ctx, now, pause, event, &chans)?;
    queue_ntfy(ctx, now, pause, event, &chans)
}

/// Teams and Discord: a card for a new pause, a line for its decision.
fn queue_chat(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    event: EventType,
    chans: &Channels,
) -> AppResult<()> {
    let decided_at = match event {
        EventType::PauseCreated => None,
        e if decides(e) => Some(now),
        _ => return Ok(()),
    };
    let targets = [
        (Channel::Teams, &chans.teams),
        (Channel::Discord, &chans.discord),
    ];
    for (channel, target) in targets {
        let Some(target) = target else { continue };
        let note = ChatNote {
            channel,
            pause,
            base_url: ctx.base_url,
            decided_at,
        };
        let payload = render(&note)?;
        outbox::enqueue(
            ctx,
            now,
            message(pause, channel, &target.url, event, &payload),
        )?;
    }
    Ok(())
}

fn message<'a>(
    pause: &Pause,
    channel: Channel,
    target: &'a str,
    event: EventType,
    payload: &'a str,
) -> NewMessage<'a> {
    NewMessage {
        workspace_id: pause.workspace_id,
        channel,
        target,
        endpoint_id: None,
        user_id: None,
        pause_id: Some(pause.id),
        event,
        payload,
    }
}

/// A Block Kit message for a new pause, a reminder or an escalation; a follow-up line for the rest.
fn queue_slack(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    event: EventType,
    url: &str,
) -> AppResult<()> {
    let payload = render(&match event {
        EventType::PauseCreated => SlackNote::Created {
            pause,
            base_url: ctx.base_url,
        },
        EventType::PauseReminded | EventType::PauseEscalated => SlackNote::Nudged {
            pause,
            at: now,
            event,
            base_url: ctx.base_url,
        },
        _ => SlackNote::FollowUp { pause, at: now },
    })?;
    outbox::enqueue(
        ctx,
        now,
        message(pause, Channel::Slack, url, event, &payload),
    )
}

/// Whether `event` ends the pause's wait (a follow-up tells the topic).
pub fn decides(event: EventType) -> bool {
    matches!(
        event,
        EventType::PauseApproved
            | EventType::PauseRejected
            | EventType::PauseAnswered
            | EventType::PauseChangesRequested
            | EventType::PauseExpired
            | EventType::PauseCancelled
    )
}

/// The topic hears of a new pause and of its decision; each person with an own topic who may
/// decide hears of a new pause (that message is made at send time: it may carry buttons).
fn queue_ntfy(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    event: EventType,
    chans: &Channels,
) -> AppResult<()> {
    let new = event == EventType::PauseCreated;
    if !new && !decides(event) {
        return Ok(());
    }
    if let Some(ntfy) = &chans.ntfy {
        let payload = render(&match new {
            true => NtfyNote::Created {
                topic: &ntfy.topic,
                pause,
                base_url: ctx.base_url,
                buttons: None,
            },
            false => NtfyNote::Decided {
                topic: &ntfy.topic,
                pause,
                base_url: ctx.base_url,
                at: now,
            },
        })?;
        outbox::enqueue(
            ctx,
            now,
            message(pause, Channel::Ntfy, &ntfy.url, event, &payload),
        )?;
    }
    if !new {
        return Ok(());
    }
    // People's topics live on the workspace's server.
    let server = channels::workspace(ctx.conn, pause.workspace_id)?.ntfy;
    let Some(server) = server.map(|n| n.url) else {
        return Ok(());
    };
    for user_id in push_recipients(ctx.conn, pause)? {
        let m = NewMessage {
            user_id: Some(user_id),
            ..message(pause, Channel::Ntfy, &server, event, "{}")
        };
        outbox::enqueue(ctx, now, m)?;
    }
    Ok(())
}

/// Active, signed-up people with an own topic who may decide `pause`: the routed group's
/// members, or everyone when it is not routed.
fn push_recipients(conn: &Connection, pause: &Pause) -> AppResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id FROM users u
         WHERE u.workspace_id = ?1 AND u.state = 'active'
           AND u.ntfy_topic IS NOT NULL
           AND (CAST(?2 AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM approver_group_members m
                                      WHERE m.group_id = ?2 AND m.user_id = u.id))
         ORDER BY u.id",
    )?;
    let rows = stmt
        .query_map(params![pause.workspace_id, pause.group_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
