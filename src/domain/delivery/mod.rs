//! Delivery: the event names, events and the outbox that carries them to email, Slack and webhooks, notification settings and one-click decision links.
//!
//! The modules are re-exported by [`crate::domain`] under their old names
//! (`domain::pauses`, …), so callers need not know the folder; `use super::*` below lets a
//! module here reach its neighbours in `domain` as `super::audit`, `super::Millis`, as before.

#[allow(unused_imports)]
use super::*;

pub mod channel_events;
pub mod channels;
pub mod decision_links;
pub mod event_type;
pub mod events;
pub mod notifications;
pub mod outbox;
pub mod push_links;
pub mod told;
pub mod webhook_admin;
pub mod webhook_edit;
pub mod webhooks;
