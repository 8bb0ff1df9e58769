//! The "expired without a decision" email: when a pause of a named agent expires, each approver
//! who was emailed about it gets one message saying so, with a link to the agent (which the
//! workspace may have paused meanwhile, see `domain::agent_expiry`). Like the approval email it
//! is rendered at send time; it carries no decision links (there is nothing left to decide).

use askama::Template;

use super::mailer::{compose, send_composed};
use crate::domain::agents::{self, Control};
use crate::domain::outbox::{AttemptResult, Message};
use crate::domain::pauses::Pause;
use crate::domain::text::mark_bidi;
use crate::domain::{human_time_rfc, rfc3339};
use crate::error::AppError;
use crate::services::Services;

#[derive(Template)]
#[template(path = "email/expired.html")]
struct HtmlBody<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "email/expired.txt")]
struct TextBody<'a> {
    v: &'a View,
}

/// What both bodies show. Agent text is escaped by the HTML template, bidi controls marked here.
pub struct View {
    pub action: String,
    pub agent: String,
    pub expired_at: String,
    /// Whether the agent reads as paused now (by this expiry, a person or the stop).
    pub agent_paused: bool,
    pub agent_url: String,
    pub pause_url: String,
    pub base_url: String,
}

impl View {
    pub fn subject(&self) -> String {
        let one_line: String = self
            .action
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(100)
            .collect();
        format!("Expired without a decision: {}", one_line.trim())
    }
}

/// Sends the email about `pause`, read when the message was prepared.
pub async fn send(services: &Services, msg: &Message, pause: &Pause) -> AttemptResult {
    let base_url = services.base_url();
    let agent = pause.agent.clone().unwrap_or_default();
    let (fleet, name) = (
        agents::Fleet::new(pause.workspace_id, pause.test),
        agent.clone(),
    );
    // Any failure to read reads as not paused.
    let paused = services
        .read_blocking(move |conn| {
            let Some(a) = agents::get(conn, fleet, &name)? else {
                return Ok(None);
            };
            let stopped = agents::stopped_at(conn, fleet)?.is_some();
            Ok::<_, AppError>(Some(a.effective(stopped) == Control::Paused))
        })
        .await
        .ok()
        .flatten();
    let view = View {
        action: mark_bidi(&pause.action).into_owned(),
        agent_url: format!("{base_url}/agents/{agent}"),
        agent,
        expired_at: human_time_rfc(&rfc3339(pause.expires_at)),
        agent_paused: paused.unwrap_or(false),
        pause_url: format!("{base_url}/pauses/{}", pause.watch_id),
        base_url,
    };
    let html = HtmlBody { v: &view };
    let text = TextBody { v: &view };
    let email = compose(&services.mailer, msg, &view.subject(), &html, &text);
    send_composed(&services.mailer, email).await
}
