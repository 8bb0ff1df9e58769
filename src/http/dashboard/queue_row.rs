//! One pending pause as a row of the inbox's dense list: a kind icon, the action (a link that
//! opens it in the right pane, keeping the filters), the agent, age, expiry, and one line of
//! what is asked (a plan's words, a question and its options, or the context).

use std::collections::HashMap;

use super::format::{human_duration, requested_by, shown, Shown};
use super::json_view;
use super::queue_filter::QueueQuery;
use super::zone::Zone;
use crate::domain::ids::ApiKeyId;
use crate::domain::pauses::Pause;
use crate::domain::{plans, questions, rfc3339, Millis};
use crate::markdown;

/// A mark beside the action: a critical risk, a shadow policy's would-be verdict, a quorum's
/// tally, the routed group, overdue. An empty list renders nothing at all.
pub struct RowBadge {
    /// A CSS class (`risk-high`, `overdue`, …).
    pub class: &'static str,
    pub text: Shown,
}

/// A question's first question and its options, inline in the row.
pub struct QuestionPreview {
    pub question: Shown,
    pub options: Vec<Shown>,
    /// How many more questions the pause asks.
    pub more: usize,
}

pub struct QueueItem {
    pub watch_id: String,
    pub action: Shown,
    /// `/?pause=<id>` with the list's filters.
    pub href: String,
    /// The pause shown in the right pane.
    pub selected: bool,
    pub requested_by: Shown,
    pub context_preview: String,
    pub created_at: String,
    /// Created, in the reader's zone, with the exact UTC instant for the hover title.
    pub created_shown: String,
    pub created_exact: String,
    pub age: String,
    pub expires_at: String,
    /// Expires, in the reader's zone (the countdown's hover title).
    pub expires_shown: String,
    pub expires_at_ms: Millis,
    pub expires_in: String,
    /// `approval`, `question` or `plan`.
    pub kind: &'static str,
    /// A plan's first words as plain text (the Markdown rendered, then its text).
    pub plan_preview: Option<Shown>,
    pub question: Option<QuestionPreview>,
    /// The agent that asked, when the pause names one.
    pub agent: Option<Shown>,
    /// Risk and shadow-policy marks ([`super::pause_policy::row_badges`]), then the quorum's
    /// tally, the routed group and "overdue" ([`super::pause_votes::row_badges`]).
    pub badges: Vec<RowBadge>,
}

impl QueueItem {
    /// The kind as an icon (hidden from screen readers, which read [`QueueItem::kind_label`]).
    pub fn kind_icon(&self) -> &'static str {
        match self.kind {
            "question" => "?",
            "plan" => "☰",
            _ => "✓",
        }
    }

    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            "question" => "Question",
            "plan" => "Plan",
            _ => "Approval",
        }
    }
}

/// The first `chars` characters of `text` on one line, with an ellipsis when cut.
pub fn preview(text: &str, chars: usize) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(chars) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}

fn question_preview(p: &Pause) -> Option<QuestionPreview> {
    let asked = questions::questions_of(p.request_json.as_deref())?;
    let first = asked.first()?;
    Some(QuestionPreview {
        question: shown(&preview(&first.question, 120)),
        options: first
            .options
            .iter()
            .take(6)
            .map(|o| shown(&preview(&o.label, 40)))
            .collect(),
        more: asked.len() - 1,
    })
}

pub fn item(
    p: &Pause,
    keys: &HashMap<ApiKeyId, String>,
    query: &QueueQuery,
    selected: Option<&str>,
    (zone, now): (&Zone, Millis),
) -> QueueItem {
    let watch_id = p.watch_id.to_string();
    let created_at = rfc3339(p.created_at);
    let expires_at = rfc3339(p.expires_at);
    let mut badges = super::pause_policy::row_badges(p);
    badges.extend(super::pause_votes::row_badges(p, now));
    QueueItem {
        href: query.link(Some(&watch_id)),
        selected: selected == Some(watch_id.as_str()),
        watch_id,
        action: shown(&p.action),
        requested_by: requested_by(p, keys),
        context_preview: json_view::preview(p.context.as_deref(), 140),
        created_shown: zone.show(&created_at),
        created_exact: zone.exact(&created_at),
        created_at,
        age: human_duration(now - p.created_at),
        expires_shown: zone.show(&expires_at),
        expires_at,
        expires_at_ms: p.expires_at,
        expires_in: human_duration(p.expires_at - now),
        kind: p.kind.as_str(),
        plan_preview: plans::text(p).map(|t| shown(&preview(&markdown::to_text(&t), 140))),
        question: question_preview(p),
        agent: p.agent.as_deref().map(shown),
        badges,
    }
}
