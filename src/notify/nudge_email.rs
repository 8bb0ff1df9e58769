//! The reminder and escalation emails (`pause.reminded`, `pause.escalated`): a request still
//! waits, here is where it stands (its group, the approvals so far and who gave them), with the
//! same one-click links as the approval email. Rendered at send time from the pause as it then
//! stands, so the tally is current; a pause decided meanwhile is not emailed (see
//! [`super::email::prepare`]). A waiting pause past its deadline gets no one-click links (they
//! lapse at the deadline): its email links to the pause's page.

use askama::Template;

use super::email::View as RequestView;
use super::mailer::{compose, send_composed};
use crate::domain::decision_links::Tokens;
use crate::domain::event_type::EventType;
use crate::domain::outbox::{AttemptResult, Message};
use crate::domain::pauses::Pause;
use crate::domain::text::mark_bidi;
use crate::domain::votes::{self, Vote};
use crate::services::Services;

#[derive(Template)]
#[template(path = "email/nudge.html")]
struct HtmlBody<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "email/nudge.txt")]
struct TextBody<'a> {
    v: &'a View,
}

/// Whether this module renders the email of `event`.
pub fn handles(event: EventType) -> bool {
    matches!(event, EventType::PauseReminded | EventType::PauseEscalated)
}

/// What both bodies show: the request (as the approval email shows it, links included) and
/// where its vote stands. Agent text is escaped by the HTML template, bidi controls marked.
pub struct View {
    pub request: RequestView,
    pub escalated: bool,
    pub overdue: bool,
    pub group: Option<String>,
    /// "1 of 2 approvals so far".
    pub tally: String,
    /// Who approved so far, oldest first.
    pub approved_by: Vec<String>,
}

impl View {
    pub fn new(
        (pause, votes): (&Pause, &[Vote]),
        event: EventType,
        now: i64,
        request: RequestView,
    ) -> View {
        let approved_by: Vec<String> = votes
            .iter()
            .filter(|v| v.approved)
            .map(|v| mark_bidi(&v.by.full_label()).into_owned())
            .collect();
        let noun = match pause.required_approvals {
            1 => "approval",
            _ => "approvals",
        };
        View {
            tally: format!(
                "{} of {} {noun} so far",
                approved_by.len(),
                pause.required_approvals
            ),
            approved_by,
            escalated: event == EventType::PauseEscalated,
            overdue: pause.overdue(now),
            group: pause.group.as_deref().map(|g| mark_bidi(g).into_owned()),
            request,
        }
    }

    /// "Reminder: <action>" or "Escalated: <action>", the action on one line and cut as the
    /// approval email's subject is.
    pub fn subject(&self) -> String {
        let asked = self.request.subject();
        let action = asked.split_once(": ").map_or(asked.as_str(), |(_, a)| a);
        let what = if self.escalated {
            "Escalated"
        } else {
            "Reminder"
        };
        format!("{what}: {action}")
    }
}

/// Sends one prepared reminder or escalation email.
pub async fn send(
    services: &Services,
    msg: &Message,
    pause: &Pause,
    tokens: &Tokens,
    step_up: bool,
) -> AttemptResult {
    let request = RequestView::new(pause, &services.base_url(), tokens, step_up);
    // Read now, for the tally as it stands when the email leaves.
    let id = pause.id;
    let votes = match services.read_blocking(move |c| votes::list(c, id)).await {
        Ok(votes) => votes,
        Err(e) => {
            return AttemptResult::Unknown {
                error: e.to_string(),
            }
        }
    };
    if msg.user_id.is_some() && votes.iter().any(|v| v.user_id == msg.user_id) {
        return AttemptResult::Skipped {
            note: "not sent: the user voted after it was queued".into(),
        };
    }
    let view = View::new((pause, &votes), msg.event, services.now(), request);
    let (html, text) = (HtmlBody { v: &view }, TextBody { v: &view });
    let email = compose(&services.mailer, msg, &view.subject(), &html, &text);
    send_composed(&services.mailer, email).await
}
