//! The dashboard decision form's extras for richer approvals: one `edit.<key>` field per
//! editable key of the context, holding JSON text, and a `reject_option` radio button. The
//! form carries all of them whichever button is pressed, so edits count only for Approve and
//! the option only for Reject.

use serde_json::{Map, Value};

use crate::error::{AppError, AppResult};

/// The prefix of an edit field's name: `edit.body` edits the context's `body`.
pub const EDIT_PREFIX: &str = "edit.";

/// Edits and reject option as the form sent them, for the button that was pressed.
#[derive(Debug, Default)]
pub struct FormExtras {
    pub edits: Option<Map<String, Value>>,
    pub reject_option: Option<String>,
}

/// Reads the extras from a urlencoded body; a field that is not JSON is refused with a message
/// a person can act on (the page shows it).
pub fn from_form(body: &[u8], approved: bool) -> AppResult<FormExtras> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|e| AppError::BadRequest(format!("malformed form body: {e}")))?;
    let mut extras = FormExtras::default();
    for (name, value) in fields {
        if let Some(key) = name.strip_prefix(EDIT_PREFIX).filter(|_| approved) {
            let parsed: Value = serde_json::from_str(&value).map_err(|e| {
                AppError::invalid(
                    format!("edits.{key}"),
                    format!(
                        "the edited “{key}” is not valid JSON ({e}); nothing was decided. \
                         Text needs double quotes, like \"hello\"."
                    ),
                )
            })?;
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
}
