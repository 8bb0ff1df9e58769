//! Question pauses: what an agent asks (stored as the `questions` member of
//! `pauses.request_json`) and what a person answers (the `answers` member of
//! `pauses.response_json`), in the shape of the reference run API:
//! `{"<question text>": "<label or free text>" | ["label", ...]}`.
//!
//! The create body's limits are checked in `http::api::create_questions`; the answers are
//! checked here, against the questions read in the transaction that records them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The longest free-text answer, in characters (as long as a reason).
pub const MAX_FREE_TEXT_CHARS: usize = 2000;

/// One question, as stored and shown (defaults filled in: a question without options allows
/// free text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub question: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    #[serde(default)]
    pub options: Vec<QuestionOption>,
    #[serde(default)]
    pub multi_select: bool,
    #[serde(default)]
    pub allow_free_text: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuestionOption {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Question {
    pub fn is_label(&self, text: &str) -> bool {
        self.options.iter().any(|o| o.label == text)
    }
}

/// A refused answer: the field it is about (`answers.<question>`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    pub field: String,
    pub detail: String,
}

/// The `request_json` of a question pause: `{"questions": [...]}`.
pub fn request_json(questions: &[Question]) -> String {
    serde_json::json!({ "questions": questions }).to_string()
}

/// The questions of a pause, from its `request_json` (None for other kinds).
pub fn questions_of(request_json: Option<&str>) -> Option<Vec<Question>> {
    member(request_json, "questions").and_then(|v| serde_json::from_value(v).ok())
}

/// The answers of an answered pause, from its `response_json`, in the order they were checked.
pub fn answers_of(response_json: Option<&str>) -> Option<Value> {
    member(response_json, "answers")
}

/// The `response_json` that records `answers`.
pub fn response_json(answers: &Map<String, Value>) -> String {
    serde_json::json!({ "answers": answers }).to_string()
}

fn member(json: Option<&str>, name: &str) -> Option<Value> {
    let mut v: Value = serde_json::from_str(json?).ok()?;
    v.get_mut(name).map(Value::take)
}

/// Checks `answers` against `questions`: every question answered, no unknown question, a label
/// among the options unless free text is allowed, a list exactly for multiSelect (with at most
/// one free-text entry in it when free text is allowed). Returns the answers trimmed, in the
/// questions' order.
pub fn check_answers(
    questions: &[Question],
    answers: &Map<String, Value>,
) -> Result<Map<String, Value>, AnswerError> {
    if let Some(unknown) = answers
        .keys()
        .find(|k| !questions.iter().any(|q| &q.question == *k))
    {
        return Err(AnswerError {
            field: format!("answers.{unknown}"),
            detail: format!("“{unknown}” is not one of this pause's questions"),
        });
    }
    let mut checked = Map::new();
    for q in questions {
        let value = match answers.get(&q.question) {
            None | Some(Value::Null) => return Err(refuse(&q.question, "is not answered")),
            Some(v) => check_one(q, v)?,
        };
        checked.insert(q.question.clone(), value);
    }
    Ok(checked)
}

fn check_one(q: &Question, v: &Value) -> Result<Value, AnswerError> {
    match (v, q.multi_select) {
        (Value::String(s), false) => choice(q, s).map(Value::String),
        (Value::Array(items), true) => check_list(q, items),
        (Value::Array(_), false) => Err(refuse(
            &q.question,
            "takes one answer (a string); a list is only for multiSelect questions",
        )),
        (_, true) => Err(refuse(
            &q.question,
            "is multiSelect: answer with a list of labels",
        )),
        (_, false) => Err(refuse(&q.question, "must be answered with a string")),
    }
}

fn check_list(q: &Question, items: &[Value]) -> Result<Value, AnswerError> {
    let mut chosen: Vec<Value> = Vec::new();
    let mut free_texts = 0;
    for item in items {
        let Value::String(s) = item else {
            return Err(refuse(&q.question, "must be a list of strings"));
        };
        let s = choice(q, s)?;
        if chosen.iter().any(|c| c.as_str() == Some(s.as_str())) {
            return Err(refuse(&q.question, format!("lists “{s}” twice")));
        }
        if !q.is_label(&s) {
            free_texts += 1;
            if free_texts > 1 {
                return Err(refuse(
                    &q.question,
                    "may hold at most one free-text entry besides its labels",
                ));
            }
        }
        chosen.push(Value::String(s));
    }
    if chosen.is_empty() {
        return Err(refuse(&q.question, "is not answered: choose at least one"));
    }
    Ok(Value::Array(chosen))
}

/// One label, or free text where allowed; trimmed.
fn choice(q: &Question, raw: &str) -> Result<String, AnswerError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(refuse(&q.question, "is not answered (empty)"));
    }
    if q.is_label(s) {
        return Ok(s.to_string());
    }
    if !q.allow_free_text {
        let labels: Vec<&str> = q.options.iter().map(|o| o.label.as_str()).collect();
        return Err(refuse(
            &q.question,
            format!(
                "is “{s}”, which is not one of its options ({})",
                labels.join(", ")
            ),
        ));
    }
    let chars = s.chars().count();
    if chars > MAX_FREE_TEXT_CHARS {
        return Err(refuse(
            &q.question,
            format!("free text has at most {MAX_FREE_TEXT_CHARS} characters (got {chars})"),
        ));
    }
    Ok(s.to_string())
}

fn refuse(question: &str, why: impl std::fmt::Display) -> AnswerError {
    AnswerError {
        field: format!("answers.{question}"),
        detail: format!("the answer to “{question}” {why}"),
    }
}

#[cfg(test)]
#[path = "questions_tests.rs"]
mod tests;
