//! The one path every pause event takes: its audit row and the messages it causes are written
//! in the same transaction as the change itself.

use super::audit::{self, Entry};
use super::event_type::EventType;
use super::kind::Kind;
use super::outbox::{self, Channel, NewMessage, Payload};
use super::pauses::Pause;
use super::{notifications, webhooks, Millis};
use crate::db::WriteCtx;
use crate::error::AppResult;

/// A pause event as a webhook receiver hears of it: which event, when, and the pause as it then
/// stands (its URLs made from `base_url`). Rendered by `crate::wire::events`.
pub struct PauseEvent<'a> {
    pub event: EventType,
    pub at: Millis,
    pub pause: &'a Pause,
    pub base_url: &'a str,
}

/// What a workspace's Slack channel hears of a pause: the request when it is created (with a
/// link to its page), one follow-up line for anything later. Rendered by `crate::wire::events`.
pub enum SlackNote<'a> {
    Created {
        pause: &'a Pause,
        base_url: &'a str,
    },
    FollowUp {
        pause: &'a Pause,
        at: Millis,
    },
    /// A reminder or an escalation: the action again, the tally and a button to the page.
    Nudged {
        pause: &'a Pause,
        at: Millis,
        event: EventType,
        base_url: &'a str,
    },
}

/// What an ntfy topic hears of a pause (rendered by `crate::wire::events`): the new pause, with
/// Approve and Reject buttons when `buttons` holds a push link's token (and whether Reject is
/// offered: not where a rejection needs a reason, which a button cannot give), or its decision.
pub enum NtfyNote<'a> {
    Created {
        topic: &'a str,
        pause: &'a Pause,
        base_url: &'a str,
        buttons: Option<(&'a str, bool)>,
    },
    Decided {
        topic: &'a str,
        pause: &'a Pause,
        base_url: &'a str,
        at: Millis,
    },
}

/// What a Teams or Discord channel hears of a pause (rendered by `crate::wire::events`): a
/// card for the new pause with a link to its page, or a line for its decision (`at`).
pub struct ChatNote<'a> {
    pub channel: super::outbox::Channel,
    pub pause: &'a Pause,
    pub base_url: &'a str,
    /// None: the pause was created; else when it was decided.
    pub decided_at: Option<Millis>,
}

pub fn render(description: &impl Payload) -> AppResult<String> {
    Ok(description.payload().map_err(anyhow::Error::from)?)
}

/// Records `entry` (whose `event` is e.g. `pause.approved`) for `pause`, as it now stands, and
/// queues its notifications: workspace endpoints that subscribe to the event, the pause's own
/// `callbackUrl` for decision events, for a new pause one email per active approver, and the
/// chat and push channels (see `channel_events`). A test pause reaches no human: no email, no Slack
/// (a test key is free, so its pauses must not become free notifications past the quota), and
/// of the workspace endpoints only those that opted in to test events.
pub fn pause_event(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    entry: Entry,
) -> AppResult<()> {
    let event = entry.event;
    audit::record(ctx.conn, now, entry)?;
    let mut targets: Vec<(String, Option<i64>)> = Vec::new();
    // The agent's own callback hears of decisions, not of its own creation or outcome report.
    if !matches!(
        event,
        EventType::PauseCreated | EventType::PauseOutcomeReported
    ) {
        if let Some(url) = &pause.callback_url {
            // Make sure the secret that will sign it exists before the message can be sent.
            webhooks::ensure_callback_secret(ctx.conn, pause.workspace_id)?;
            targets.push((url.clone(), None));
        }
    }
    for ep in webhooks::subscribed(ctx.conn, pause.workspace_id, event, pause.test)? {
        targets.push((ep.url, Some(ep.id)));
    }
    // Most pauses go to no endpoint: the payload is only rendered when someone will receive it.
    let body = if targets.is_empty() {
        String::new()
    } else {
        render(&PauseEvent {
            event,
            at: now,
            pause,
            base_url: ctx.base_url,
        })?
    };
    for (target, endpoint_id) in &targets {
        let message = NewMessage {
            workspace_id: pause.workspace_id,
            channel: Channel::Webhook,
            target,
            endpoint_id: *endpoint_id,
            user_id: None,
            pause_id: Some(pause.id),
            event,
            payload: &body,
        };
        outbox::enqueue(ctx, now, message)?;
    }
    if event == EventType::PauseCreated && !pause.policy_decided() {
        queue_reference_events(ctx, now, pause)?;
    }
    // Slack's thread is about the decision; what the agent then did is for the trail.
    // A pause a policy decided at creation asks and tells no person: webhooks only.
    if pause.test || event == EventType::PauseOutcomeReported || pause.policy_decided() {
        return Ok(());
    }
    if event == EventType::PauseCreated {
        queue_emails(ctx, now, pause)?;
    }
    super::channel_events::queue(ctx, now, pause, event)
}

/// The reference docs' names for a pause that starts waiting for a person, to the endpoints
/// subscribed to them: `approval.required` for an approval, `run.awaiting_input` for any kind
/// that names a run. Sent once, at creation: a pause waits from then until it is decided.
fn queue_reference_events(ctx: &mut WriteCtx<'_>, now: Millis, pause: &Pause) -> AppResult<()> {
    let events = [
        (pause.kind == Kind::Approval).then_some(EventType::ApprovalRequired),
        pause.run.is_some().then_some(EventType::RunAwaitingInput),
    ];
    for event in events.into_iter().flatten() {
        let endpoints = webhooks::subscribed(ctx.conn, pause.workspace_id, event, pause.test)?;
        if endpoints.is_empty() {
            continue;
        }
        let body = render(&PauseEvent {
            event,
            at: now,
            pause,
            base_url: ctx.base_url,
        })?;
        for ep in endpoints {
            let message = NewMessage {
                workspace_id: pause.workspace_id,
                channel: Channel::Webhook,
                target: &ep.url,
                endpoint_id: Some(ep.id),
                user_id: None,
                pause_id: Some(pause.id),
                event,
                payload: &body,
            };
            outbox::enqueue(ctx, now, message)?;
        }
    }
    Ok(())
}

/// One email per recipient (the routed group's members, when the pause is routed). The payload stays empty: the email is rendered at send time from
/// the pause as it then stands (and not sent at all if it was decided meanwhile), and its
/// one-click links are made then too, so no raw token ever sits in the outbox.
fn queue_emails(ctx: &mut WriteCtx<'_>, now: Millis, pause: &Pause) -> AppResult<()> {
    let recipients = notifications::pause_recipients(ctx.conn, pause.workspace_id, pause.group_id)?;
    for (user_id, email) in recipients {
        let to = (user_id, email.as_str());
        outbox::enqueue_pause_email(ctx, now, pause, to, EventType::PauseCreated)?;
    }
    Ok(())
}
