//! Delivering the outbox: the dispatcher and one sender per channel.

pub mod dispatcher;
pub mod slack;
pub mod webhook;
