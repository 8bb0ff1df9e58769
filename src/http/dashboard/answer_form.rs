//! A question pause in HTML: the questions and answer fields (shared by the pause page and the
//! email link's confirmation page, `templates/question_fields.html`), the answers once given,
//! and the form's fields turned back into `answers`.
//!
//! Fields are named by position, never by the agent's text: `q{i}` carries the chosen label
//! (a radio button, or one checkbox per label for multiSelect) and `q{i}_text` the free text.
//! Free text, when typed, is the answer to a single-choice question (it replaces the choice)
//! and one more entry in a multiSelect list.

use serde_json::{Map, Value};

use super::format::shown;
use crate::domain::questions::{self, Question};

pub struct QuestionsView {
    pub items: Vec<QuestionItem>,
    /// `(question, answer)` as shown once answered; multiSelect answers joined by commas.
    pub answered: Vec<(String, String)>,
}

pub struct QuestionItem {
    pub index: usize,
    pub question: String,
    pub header: Option<String>,
    pub options: Vec<OptionItem>,
    pub multi_select: bool,
    pub allow_free_text: bool,
}

pub struct OptionItem {
    /// Sent back verbatim as the field's value (askama escapes it in the attribute).
    pub value: String,
    /// The label as shown (bidi controls marked).
    pub label: String,
    pub description: Option<String>,
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

/// The `answers` a submitted form means. An unanswered question is left out, so that `respond`
/// names it; everything else is checked there too.
pub fn answers_from_form(asked: &[Question], pairs: &[(String, String)]) -> Map<String, Value> {
    let mut answers = Map::new();
    for (i, q) in asked.iter().enumerate() {
        let (choice, text) = (format!("q{i}"), format!("q{i}_text"));
        let chosen: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| *k == choice)
            .map(|(_, v)| v.as_str())
            .collect();
        let typed = pairs
            .iter()
            .find(|(k, v)| *k == text && !v.trim().is_empty())
            .map(|(_, v)| v.as_str());
        let value = if q.multi_select {
            let list: Vec<Value> = chosen.into_iter().chain(typed).map(Value::from).collect();
            (!list.is_empty()).then_some(Value::Array(list))
        } else {
            typed.or(chosen.first().copied()).map(Value::from)
        };
        if let Some(v) = value {
            answers.insert(q.question.clone(), v);
        }
    }
    answers
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_text_replaces_a_single_choice_and_joins_a_multi_select_list() {
        let asked: Vec<Question> = serde_json::from_value(json!([
            {"question": "One?", "options": [{"label": "a"}], "allowFreeText": true},
            {"question": "Many?", "options": [{"label": "x"}, {"label": "y"}],
             "multiSelect": true, "allowFreeText": true},
            {"question": "Skipped?", "options": [{"label": "z"}]}
        ]))
        .unwrap();
        let pairs: Vec<(String, String)> = [
            ("q0", "a"),
            ("q0_text", "mine"),
            ("q1", "x"),
            ("q1", "y"),
            ("q1_text", "w"),
            ("q2_text", "  "),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            Value::Object(answers_from_form(&asked, &pairs)),
            json!({"One?": "mine", "Many?": ["x", "y", "w"]})
        );
    }
}
