//! How the domain's event descriptions read to their receivers: the domain says what happened
//! (`domain::events`), this renders the payload its outbox row carries. An `agent.*` event
//! renders the same way once its description moves into the domain (see `wire::agent`).

use crate::domain::events::{PauseEvent, SlackNote};
use crate::domain::outbox::Payload;

use super::{slack, EventBody};

/// The Standard Webhooks body: `{"type", "timestamp", "data": <the pause as agents see it>}`.
impl Payload for PauseEvent<'_> {
    fn payload(&self) -> serde_json::Result<String> {
        EventBody::render(self.base_url, self.at, self.pause, self.event)
    }
}

/// A Block Kit message for a new pause, a follow-up line for anything later.
impl Payload for SlackNote<'_> {
    fn payload(&self) -> serde_json::Result<String> {
        Ok(match self {
            SlackNote::Created { pause, base_url } => slack::pause_created(base_url, pause),
            SlackNote::FollowUp { pause, at } => slack::pause_decided(pause, *at),
        })
    }
}
