//! The pause page's "Who was told": each message about the new pause, as a line a person reads
//! (`Email to Ann Lee: delivered`, `ntfy topic ops-alerts: failed (…)`). Error texts were
//! stored without URLs (`notify::redact`), so they can be shown.

use crate::db::sql::Connection;

use super::format::{shown, Shown};
use crate::domain::ids::PauseId;
use crate::domain::outbox::{Channel, DeliveryState};
use crate::domain::told::{self, Told};
use crate::error::AppResult;

pub struct ToldRow {
    pub text: Shown,
    /// `delivered`, `pending`, `failed` or `skipped` (a status word for the badge's tone).
    pub state: &'static str,
}

fn whom(t: &Told) -> String {
    let person = t.person.as_deref().unwrap_or("someone");
    match (t.channel, t.person.is_some()) {
        (Channel::Email, _) => format!("Email to {person}"),
        (Channel::Ntfy, true) => format!("Phone push (ntfy) to {person}'s own topic"),
        (Channel::Ntfy, false) => format!(
            "Phone push (ntfy) to topic {}",
            t.topic.as_deref().unwrap_or("?")
        ),
        (Channel::Slack, _) => "Slack channel".into(),
        (Channel::Teams, _) => "Microsoft Teams channel".into(),
        (Channel::Discord, _) => "Discord channel".into(),
        (Channel::Webhook, _) => "Webhook".into(),
    }
}

fn row(t: &Told) -> ToldRow {
    let (state, how) = match (t.state, &t.note) {
        (DeliveryState::Delivered, Some(note)) => ("skipped", format!("not sent ({note})")),
        (DeliveryState::Delivered, None) => ("delivered", "delivered".to_string()),
        (DeliveryState::Pending, _) => ("pending", "queued".to_string()),
        (DeliveryState::Failed, note) => (
            "failed",
            format!("failed ({})", note.as_deref().unwrap_or("no answer")),
        ),
    };
    ToldRow {
        text: shown(&format!("{}: {how}", whom(t))),
        state,
    }
}

pub fn load(conn: &Connection, pause_id: PauseId) -> AppResult<Vec<ToldRow>> {
    Ok(told::of_pause(conn, pause_id)?.iter().map(row).collect())
}
