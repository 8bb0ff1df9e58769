use serde_json::json;

use super::*;

fn questions() -> Vec<Question> {
    serde_json::from_value(json!([
        {"question": "Which region?", "options": [{"label": "eu"}, {"label": "us"}]},
        {"question": "Which days?", "options": [{"label": "Mon"}, {"label": "Tue"}],
         "multiSelect": true, "allowFreeText": true},
        {"question": "Anything else?", "allowFreeText": true}
    ]))
    .unwrap()
}

fn check(answers: serde_json::Value) -> Result<Map<String, Value>, AnswerError> {
    check_answers(&questions(), answers.as_object().unwrap())
}

#[test]
fn valid_answers_come_back_trimmed_in_the_questions_order() {
    let ok = check(json!({
        "Anything else?": "  no ",
        "Which days?": ["Tue", "Wed evening"],
        "Which region?": "eu"
    }))
    .unwrap();
    assert_eq!(
        Value::Object(ok),
        json!({"Which region?": "eu", "Which days?": ["Tue", "Wed evening"], "Anything else?": "no"})
    );
}

#[test]
fn each_invalid_answer_names_its_question() {
    let base = json!({"Which region?": "eu", "Which days?": ["Mon"], "Anything else?": "x"});
    let cases = [
        ("Which region?", json!("mars"), "is not one of its options"),
        (
            "Which region?",
            json!(["eu"]),
            "a list is only for multiSelect",
        ),
        ("Which days?", json!("Mon"), "answer with a list"),
        ("Which days?", json!([]), "choose at least one"),
        ("Which days?", json!(["Mon", "Mon"]), "twice"),
        (
            "Which days?",
            json!(["a", "b"]),
            "at most one free-text entry",
        ),
        ("Anything else?", json!("   "), "empty"),
        ("Anything else?", json!(3), "with a string"),
        ("Anything else?", Value::Null, "is not answered"),
    ];
    for (q, v, why) in cases {
        let mut answers = base.clone();
        answers[q] = v;
        let err = check(answers).unwrap_err();
        assert_eq!(err.field, format!("answers.{q}"));
        assert!(err.detail.contains(why), "{q}: {}", err.detail);
    }
}

#[test]
fn free_text_is_limited_to_two_thousand_characters() {
    let at = "x".repeat(MAX_FREE_TEXT_CHARS);
    let past = "x".repeat(MAX_FREE_TEXT_CHARS + 1);
    let answers =
        |t: &str| json!({"Which region?": "eu", "Which days?": ["Mon"], "Anything else?": t});
    assert!(check(answers(&at)).is_ok());
    assert!(check(answers(&past))
        .unwrap_err()
        .detail
        .contains("at most 2000"));
}
