//! The page behind an email's one-click link: a confirmation form, who decided, or why the link
//! no longer works. Agent text is escaped by askama and by [`json_view::render`].

use askama::Template;

use super::answer_form::QuestionsView;
use super::format::{shown, Shown};
use super::json_view;
use super::pause_extras::RejectChoice;
use super::pause_pane::RememberOffer;
use crate::domain::approval_extras;
use crate::domain::decision_links::Link;
use crate::domain::identity::step_up;
use crate::domain::kind::Kind;
use crate::domain::pauses::{Pause, Status};
use crate::domain::plans;
use crate::domain::users::User;
use crate::domain::{human_time_rfc, rfc3339, Millis};
use crate::markdown;

pub struct FormView {
    pub approver: String,
    pub expires_at: String,
    pub csrf_token: String,
    pub intent: String,
    pub reason_required: bool,
    pub error: Option<String>,
    /// What the person typed, kept when the form is shown again with an error.
    pub reason: String,
    /// The pause's named reasons to reject, offered as radio buttons (titles shown safely).
    pub reject_options: Vec<RejectChoice>,
    /// A plan: "Approve plan" or "Request changes", with feedback required.
    pub is_plan: bool,
    /// "Always allow `<tool>` for `<agent>`" beside Approve.
    pub remember: Option<RememberOffer>,
}

impl FormView {
    pub fn new(
        link: &Link,
        pause: &Pause,
        user: &User,
        csrf_token: String,
        reason_required: bool,
        error: Option<&str>,
        reason: &str,
    ) -> FormView {
        FormView {
            approver: user.email.clone(),
            expires_at: rfc3339(pause.expires_at),
            csrf_token,
            intent: link.intent.clone(),
            reason_required,
            error: error.map(str::to_string),
            reason: reason.to_string(),
            reject_options: approval_extras::reject_options(pause)
                .into_iter()
                .map(RejectChoice::of)
                .collect(),
            is_plan: pause.kind == Kind::Plan,
            remember: RememberOffer::of(pause),
        }
    }
}

#[derive(Template)]
#[template(path = "one_click.html")]
pub struct Page {
    heading: String,
    message: Option<String>,
    action: Option<Shown>,
    decided: Option<String>,
    reason: Option<String>,
    form: Option<FormView>,
    context_html: Option<String>,
    /// A question pause: its fields in the form, or the answers once given.
    questions: Option<QuestionsView>,
    /// A plan's Markdown, rendered by [`markdown::to_html`].
    plan_html: Option<String>,
    /// A pause that needs step-up: the link to its page, which asks for the second factor.
    open_pause: Option<String>,
}

impl Page {
    pub fn form(pause: &Pause, form: FormView) -> Page {
        let plan = plans::text(pause);
        let questions = QuestionsView::of(pause.request_json.as_deref(), None);
        let (heading, message) = match (&plan, &questions) {
            (Some(_), _) => (
                "Plan review requested",
                "Nothing is decided until you press Approve plan or Request changes below.",
            ),
            (_, Some(_)) => (
                "Your answer is requested",
                "Nothing is sent until you press Send answers below.",
            ),
            (None, None) => (
                "Approval requested",
                "Nothing is decided until you press Approve or Reject below.",
            ),
        };
        Page {
            heading: heading.into(),
            message: Some(message.into()),
            action: Some(shown(&pause.action)),
            decided: None,
            reason: None,
            form: Some(form),
            context_html: pause.context.as_deref().map(json_view::render),
            plan_html: plan.map(|p| markdown::to_html(shown(&p).as_str())),
            questions,
            open_pause: None,
        }
    }

    /// A pause that needs step-up: this link never decides it; its page does, with a second
    /// factor.
    pub fn step_up(pause: &Pause) -> Page {
        Page {
            heading: "Open the pause to decide".into(),
            message: Some("This decision needs a second factor: open the pause.".into()),
            action: Some(shown(&pause.action)),
            decided: None,
            reason: None,
            form: None,
            context_html: None,
            questions: None,
            plan_html: None,
            open_pause: Some(step_up::step_up_path(&pause.watch_id)),
        }
    }

    pub fn decided(pause: &Pause, now: Millis) -> Page {
        let heading = match pause.status(now) {
            Status::Approved => "Approved",
            Status::Rejected => "Rejected",
            Status::Answered => "Answered",
            Status::ChangesRequested => "Changes requested",
            Status::Cancelled => "Cancelled",
            _ => "Already decided",
        };
        Page {
            heading: heading.into(),
            message: None,
            action: Some(shown(&pause.action)),
            decided: Some(decided_line(pause, now)),
            reason: pause.reason.clone(),
            form: None,
            context_html: None,
            questions: QuestionsView::of(
                pause.request_json.as_deref(),
                pause.response_json.as_deref(),
            ),
            plan_html: None,
            open_pause: None,
        }
    }

    /// A link that cannot be used; `pause`, when given, adds what became of the request.
    pub fn explain(title: &str, text: String, pause: Option<&Pause>, now: Millis) -> Page {
        Page {
            heading: title.into(),
            message: Some(text),
            action: pause.map(|p| shown(&p.action)),
            decided: pause.map(|p| decided_line(p, now)),
            reason: pause.and_then(|p| p.reason.clone()),
            form: None,
            context_html: None,
            questions: None,
            plan_html: None,
            open_pause: None,
        }
    }

    pub fn render_page(&self) -> askama::Result<String> {
        self.render()
    }
}

/// "Approved by Ann <ann@example.com> at 2026-11-22 07:44 UTC."
pub fn decided_line(p: &Pause, now: Millis) -> String {
    let status = p.status(now);
    let mut s = match status {
        Status::Approved => "Approved".to_string(),
        Status::Rejected => "Rejected".to_string(),
        Status::Answered => "Answered".to_string(),
        Status::ChangesRequested => "Changes requested".to_string(),
        Status::Cancelled => "Cancelled by the agent".to_string(),
        Status::Expired => {
            return format!(
                "Expired at {} without a decision.",
                human_time_rfc(&rfc3339(p.expires_at))
            )
        }
        Status::Pending => return "Still waiting for a decision.".into(),
    };
    if let Some(d) = &p.decided_by {
        s.push_str(&format!(" by {}", d.full_label()));
    }
    if let Some(at) = p.decided_at {
        s.push_str(&format!(" at {}", human_time_rfc(&rfc3339(at))));
    }
    s.push('.');
    s
}
