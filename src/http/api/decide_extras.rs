//! The dashboard decision form's extras for richer approvals: one field per editable key of
//! the context, typed by the value the agent sent (see [`EditKind`]), and a `reject_option`
//! radio button. The form carries all of them whichever button is pressed, so edits count only
//! for Approve and the option only for Reject.

use serde_json::{Map, Number, Value};

use crate::error::{AppError, AppResult};

/// The prefix of a JSON field's name: `edit.body` edits the context's `body` with JSON text.
pub const EDIT_PREFIX: &str = "edit.";

/// How an edit field's text becomes the value the agent gets: each kind of field has its own
/// name prefix, so the form says how to read it and the pause need not be loaded to parse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    /// Objects, arrays and null: JSON text, as it was for every field before.
    Json,
    /// A string: the text as typed, no quotes (a browser's CRLF line breaks become LF).
    Text,
    /// A number: an integer stays an integer.
    Number,
    /// `true` or `false`, from a yes/no select (an unticked checkbox would send nothing).
    Boolean,
}

impl EditKind {
    const ALL: [EditKind; 4] = [
        EditKind::Json,
        EditKind::Text,
        EditKind::Number,
        EditKind::Boolean,
    ];

    /// The field for a value of the context, by its JSON type.
    pub fn for_value(v: &Value) -> EditKind {
        match v {
            Value::String(_) => EditKind::Text,
            Value::Number(_) => EditKind::Number,
            Value::Bool(_) => EditKind::Boolean,
            Value::Null | Value::Array(_) | Value::Object(_) => EditKind::Json,
        }
    }

    /// The start of the field's name; the key follows.
    pub fn prefix(self) -> &'static str {
        match self {
            EditKind::Json => EDIT_PREFIX,
            EditKind::Text => "edit_text.",
            EditKind::Number => "edit_number.",
            EditKind::Boolean => "edit_bool.",
        }
    }

    /// The field's name for `key`.
    pub fn name(self, key: &str) -> String {
        format!("{}{key}", self.prefix())
    }

    /// The field and key a form field's name stands for, when it is an edit.
    fn of_name(name: &str) -> Option<(EditKind, &str)> {
        Self::ALL
            .iter()
            .find_map(|f| name.strip_prefix(f.prefix()).map(|key| (*f, key)))
    }

    /// The value a person submitted, or a message they can act on.
    fn parse(self, key: &str, text: &str) -> AppResult<Value> {
        let refuse = |why: String| {
            AppError::invalid(
                format!("edits.{key}"),
                format!("The edited “{key}” {why}; nothing was decided."),
            )
        };
        match self {
            EditKind::Json => {
                serde_json::from_str(text).map_err(|e| refuse(format!("is not valid JSON ({e})")))
            }
            EditKind::Text => Ok(Value::String(text.replace("\r\n", "\n"))),
            EditKind::Number if text.trim().is_empty() => Err(refuse("needs a number".into())),
            EditKind::Number => number(text.trim())
                .map(Value::Number)
                .ok_or_else(|| refuse(format!("is not a number (got “{}”)", clip(text)))),
            EditKind::Boolean => match text.trim() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(refuse(format!("is yes or no (got “{}”)", clip(text)))),
            },
        }
    }
}

/// An integer when the text is one (`42`, `-7`, `007`), else a finite decimal (`2.5`, `1e3`).
fn number(text: &str) -> Option<Number> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(i.into());
    }
    if let Ok(u) = text.parse::<u64>() {
        return Some(u.into());
    }
    // Rust also reads `inf`, `NaN` and `infinity`, which JSON has no number for.
    let decimal = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b".+-eE".contains(&b));
    text.parse::<f64>()
        .ok()
        .filter(|_| decimal)
        .and_then(Number::from_f64)
}

/// The start of what was typed, for a message.
fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Edits and reject option as the form sent them, for the button that was pressed.
#[derive(Debug, Default)]
pub struct FormExtras {
    pub edits: Option<Map<String, Value>>,
    pub reject_option: Option<String>,
}

/// Reads the extras from a urlencoded body; a field that cannot be read as its kind is refused
/// with a message a person can act on (the page shows it).
pub fn from_form(body: &[u8], approved: bool) -> AppResult<FormExtras> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|e| AppError::BadRequest(format!("malformed form body: {e}")))?;
    let mut extras = FormExtras::default();
    for (name, value) in fields {
        if let Some((field, key)) = EditKind::of_name(&name).filter(|_| approved) {
            let parsed = field.parse(key, &value)?;
            extras
                .edits
                .get_or_insert_with(Map::new)
                .insert(key.to_string(), parsed);
        } else if name == "reject_option" && !approved && !value.is_empty() {
            extras.reject_option = Some(value);
        }
    }
    Ok(extras)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_count_for_approve_and_the_option_for_reject() {
        let body = b"edit.to=%22b%40x%22&reject_option=wrong&approved=true";
        let approve = from_form(body, true).unwrap();
        assert_eq!(approve.edits.unwrap()["to"], "b@x");
        assert_eq!(approve.reject_option, None);
        let reject = from_form(body, false).unwrap();
        assert!(reject.edits.is_none());
        assert_eq!(reject.reject_option.as_deref(), Some("wrong"));
    }

    #[test]
    fn a_field_that_is_not_json_is_refused_with_its_key() {
        let err = from_form(b"edit.body=hello", true).unwrap_err();
        assert!(err.detail().contains("“body” is not valid JSON"), "{err}");
    }

    #[test]
    fn a_text_field_is_the_string_as_typed_even_when_it_looks_like_json_or_a_number() {
        let body = b"edit_text.a=42&edit_text.b=%22q%22&edit_text.c=%7B%7D&edit_text.d=+x%0D%0Ay+";
        let edits = from_form(body, true).unwrap().edits.unwrap();
        assert_eq!(edits["a"], "42");
        assert_eq!(edits["b"], "\"q\"");
        assert_eq!(edits["c"], "{}");
        assert_eq!(edits["d"], " x\ny ");
    }

    #[test]
    fn a_number_field_keeps_integers_whole_and_reads_decimals() {
        let body = b"edit_number.a=42&edit_number.b=-2.5&edit_number.c=+007+&edit_number.d=1e3";
        let edits = from_form(body, true).unwrap().edits.unwrap();
        assert!(edits["a"].is_i64() && edits["a"] == 42);
        assert!(edits["b"].is_f64() && edits["b"] == -2.5);
        assert!(edits["c"].is_i64() && edits["c"] == 7);
        assert!(edits["d"].is_f64() && edits["d"] == 1000.0);
        assert!(from_form(b"edit_number.a=18446744073709551615", true)
            .unwrap()
            .edits
            .unwrap()["a"]
            .is_u64());
    }

    #[test]
    fn a_number_field_that_is_no_number_is_refused_with_its_key() {
        let err = from_form(b"edit_number.amount=+", true).unwrap_err();
        assert!(err.detail().contains("“amount” needs a number"), "{err}");
        for bad in ["abc", "1,5", "inf", "NaN", "1e999", "0x10"] {
            let body = format!("edit_number.amount={}", bad);
            let err = from_form(body.as_bytes(), true).unwrap_err();
            assert!(
                err.detail().contains("“amount” is not a number"),
                "{bad}: {err}"
            );
            assert!(err.detail().contains("nothing was decided"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_yes_no_field_is_true_or_false_and_nothing_else() {
        let edits = from_form(b"edit_bool.a=true&edit_bool.b=false", true)
            .unwrap()
            .edits
            .unwrap();
        assert_eq!(edits["a"], true);
        assert_eq!(edits["b"], false);
        let err = from_form(b"edit_bool.a=on", true).unwrap_err();
        assert!(err.detail().contains("“a” is yes or no"), "{err}");
    }

    #[test]
    fn each_value_gets_the_field_of_its_type() {
        use serde_json::json;
        assert_eq!(EditKind::for_value(&json!("x")).name("k"), "edit_text.k");
        assert_eq!(EditKind::for_value(&json!(1.5)).name("k"), "edit_number.k");
        assert_eq!(EditKind::for_value(&json!(false)).name("k"), "edit_bool.k");
        for v in [json!(null), json!([1]), json!({"a": 1})] {
            assert_eq!(EditKind::for_value(&v).name("k"), "edit.k");
        }
    }
}
