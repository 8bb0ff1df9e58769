//! How the domain's event descriptions read to their receivers: the domain says what happened
//! (`domain::events`, `domain::agents::control`), this renders the payload its outbox row
//! carries.

use crate::domain::agents::control::AgentEvent;
use crate::domain::agents::guidance::Guidance;
use crate::domain::events::{ChatNote, NtfyNote, PauseEvent, SlackNote};
use crate::domain::outbox::Channel;
use crate::domain::outbox::Payload;

use super::agent::{AgentEventBody, AgentEventData};
use super::pause::ReferenceEventBody;
use super::{slack, slack_nudge, EventBody};

/// `{"type", "timestamp", "data": <the agent, with who acted and what the event carried>}`.
impl Payload for AgentEvent<'_> {
    fn payload(&self) -> serde_json::Result<String> {
        let data = AgentEventData {
            agent: self.agent.view(self.stopped, self.pending_pauses),
            by: self.by,
            guidance: self.guidance.map(Guidance::view),
            cancelled_pauses: self.cancelled_pauses.clone(),
            agent_id: self
                .event
                .is_reference()
                .then_some(self.agent.name.as_str()),
        };
        Ok(AgentEventBody::render(self.event, self.at, data))
    }
}

/// The Standard Webhooks body: `{"type", "timestamp", "data": <the pause as agents see it>}`.
impl Payload for PauseEvent<'_> {
    fn payload(&self) -> serde_json::Result<String> {
        match self.event.is_reference() {
            true => ReferenceEventBody::render(self.base_url, self.at, self.pause, self.event),
            false => EventBody::render(self.base_url, self.at, self.pause, self.event),
        }
    }
}

/// A Teams Adaptive Card or a Discord embed (see `wire::chat`).
impl Payload for ChatNote<'_> {
    fn payload(&self) -> serde_json::Result<String> {
        let (p, base) = (self.pause, self.base_url);
        Ok(match (self.channel, self.decided_at) {
            (Channel::Teams, None) => super::chat::teams_created(base, p),
            (Channel::Teams, Some(at)) => super::chat::teams_decided(base, p, at),
            (_, None) => super::chat::discord_created(base, p),
            (_, Some(at)) => super::chat::discord_decided(base, p, at),
        })
    }
}

/// ntfy's JSON publish body (see `wire::ntfy`).
impl Payload for NtfyNote<'_> {
    fn payload(&self) -> serde_json::Result<String> {
        Ok(match self {
            NtfyNote::Created {
                topic,
                pause,
                base_url,
                buttons,
            } => super::ntfy::pause_created(topic, base_url, pause, *buttons),
            NtfyNote::Decided {
                topic,
                pause,
                base_url,
                at,
            } => super::ntfy::pause_decided(topic, base_url, pause, *at),
        })
    }
}

/// A Block Kit message for a new pause, a reminder or an escalation; a line for anything later.
impl Payload for SlackNote<'_> {
    fn payload(&self) -> serde_json::Result<String> {
        Ok(match self {
            SlackNote::Created { pause, base_url } => slack::pause_created(base_url, pause),
            SlackNote::FollowUp { pause, at } => slack::follow_up(pause, *at),
            SlackNote::Nudged {
                pause,
                at,
                event,
                base_url,
            } => slack_nudge::pause_nudged(base_url, pause, *event, *at),
        })
    }
}
