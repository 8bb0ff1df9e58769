//! Pauses: creating one, the kinds (approval, question, plan), the one `respond` command that decides them, their history, queue, timeline, usage and retention.
//!
//! The modules are re-exported by [`crate::domain`] under their old names
//! (`domain::pauses`, …), so callers need not know the folder; `use super::*` below lets a
//! module here reach its neighbours in `domain` as `super::audit`, `super::Millis`, as before.

#[allow(unused_imports)]
use super::*;

pub mod approval_extras;
pub mod decided_by;
pub mod expiry;
pub mod history;
pub mod idempotency;
pub mod kind;
pub mod outcomes;
pub mod pause_create;
pub mod pauses;
pub mod plans;
pub mod questions;
pub mod queue;
pub mod quotas;
pub mod reminder_fire;
pub mod reminders;
pub mod respond;
pub mod response;
pub mod retention;
pub mod status;
pub mod timeline;
pub mod transition;
pub mod usage;
pub mod votes;
