//! Delivering the outbox: the dispatcher and one sender per channel.

pub mod chat;
pub mod digest_email;
pub mod dispatcher;
pub mod email;
pub mod expired_email;
pub mod explain;
pub mod key_expiry_email;
pub mod mailer;
pub mod ntfy;
pub mod nudge_email;
pub mod redact;
pub mod reset_email;
pub mod slack;
pub mod slots;
pub mod smtp_url;
pub mod webhook;
