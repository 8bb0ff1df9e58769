//! A question pause in HTML: the questions and answer fields (shared by the pause page and the
//! email link's confirmation page, `templates/question_fields.html`) and the answers once given.
//! The fields are named by position (`q{i}`, `q{i}_text`); what a submitted form means is
//! [`crate::wire::answer_form`]'s, since the API's `/answer` reads the same form.

use serde_json::Value;

use super::format::{shown, Shown};
use crate::domain::questions::{self, Question};

pub struct QuestionsView {
    pub items: Vec<QuestionItem>,
    /// `(question, answer)` as shown once answered; multiSelect answers joined by commas.
    pub answered: Vec<(Shown, Shown)>,
}

pub struct QuestionItem {
    pub index: usize,
    pub question: Shown,
    pub header: Option<Shown>,
    pub options: Vec<OptionItem>,
    pub multi_select: bool,
    pub allow_free_text: bool,
}

pub struct OptionItem {
    /// Sent back verbatim as the field's value (askama escapes it in the attribute).
    pub value: String,
    /// The label as shown (bidi controls marked).
    pub label: Shown,
    pub description: Option<Shown>,
}

impl QuestionsView {
    /// The view of a question pause, or None for other kinds.
    pub fn of(request_json: Option<&str>, response_json: Option<&str>) -> Option<QuestionsView> {
        let asked = questions::questions_of(request_json)?;
        let answers = questions::answers_of(response_json);
        let answered = answers
            .as_ref()
            .and_then(Value::as_object)
            .map(|a| {
                a.iter()
                    .map(|(q, v)| (shown(q), shown(&joined(v))))
                    .collect()
            })
            .unwrap_or_default();
        Some(QuestionsView {
            items: asked.iter().enumerate().map(item).collect(),
            answered,
        })
    }
}

fn item((index, q): (usize, &Question)) -> QuestionItem {
    QuestionItem {
        index,
        question: shown(&q.question),
        header: q.header.as_deref().map(shown),
        options: q
            .options
            .iter()
            .map(|o| OptionItem {
                value: o.label.clone(),
                label: shown(&o.label),
                description: o.description.as_deref().map(shown),
            })
            .collect(),
        multi_select: q.multi_select,
        allow_free_text: q.allow_free_text,
    }
}

fn joined(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}
