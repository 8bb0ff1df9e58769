//! The answer form's fields as `answers`: the pause page and the email link's page post it
//! (to `/api/pause/:watchId/answer` and the one-click page), so it is part of the wire format,
//! read by the API and the pages alike.
//!
//! Fields are named by position, never by the agent's text: `q{i}` carries the chosen label
//! (a radio button, or one checkbox per label for multiSelect) and `q{i}_text` the free text.
//! Free text, when typed, is the answer to a single-choice question (it replaces the choice)
//! and one more entry in a multiSelect list.

use serde_json::{Map, Value};

use crate::domain::questions::Question;

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
