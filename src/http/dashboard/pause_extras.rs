//! What richer approvals add to a pause's page: a field per editable key and the reject options
//! in the decision form; once decided, the edits, the picked option and the agent's outcome
//! ("approved by Ann → executed by key “billing-bot-7” at …"). Agent text is escaped by askama
//! and by [`json_view::render`].

use serde_json::{Map, Value};

use super::format::{capitalise, shown, words, Shown};
use super::json_view;
use crate::domain::approval_extras;
use crate::domain::pauses::Pause;
use crate::domain::{rfc3339, text, Millis};
use crate::http::api::decide_extras::EditKind;

/// One editable key of the context, as a form field of its value's type (see [`EditKind`]):
/// a string is plain text, a number a number input, a boolean a yes/no select, anything else
/// JSON text.
pub struct EditField {
    /// The field's `name` (`edit_text.<key>`, ...); askama escapes it in the attribute.
    pub name: String,
    pub label: Shown,
    /// `line` (a short string), `text` (a long or multi-line one), `number`, `boolean`, `json`.
    pub input: &'static str,
    /// The current value as the field shows it: the string itself, the number, `true` or
    /// `false`, or pretty JSON.
    pub value: String,
    pub rows: usize,
}

/// A string up to this long, on one line, gets a one-line input; a longer one a text area.
const LINE_CHARS: usize = 80;

/// Whether a text field shows and sends back `s` exactly: no bidi control (it would reorder
/// what the approver reads), no control character but tab and newline (a browser sends a
/// carriage return as part of its CRLF line breaks, and a NUL not at all).
fn plain(s: &str) -> bool {
    !s.chars()
        .any(|c| text::is_bidi_control(c) || (c.is_control() && c != '\n' && c != '\t'))
}

/// Pretty JSON with each bidi control written as its `\uXXXX` escape: the same JSON, and the
/// approver sees the control instead of text it reordered.
fn json_text(v: &Value) -> String {
    let pretty = serde_json::to_string_pretty(v).unwrap_or_default();
    if !pretty.chars().any(text::is_bidi_control) {
        return pretty;
    }
    pretty
        .chars()
        .map(|c| match text::is_bidi_control(c) {
            true => format!("\\u{:04x}", c as u32),
            false => c.to_string(),
        })
        .collect()
}

impl EditField {
    fn of(key: &str, current: &Value) -> EditField {
        let (kind, input, value) = match current {
            Value::String(s) if !plain(s) => (EditKind::Json, "json", json_text(current)),
            Value::String(s) if s.contains('\n') || s.chars().count() > LINE_CHARS => {
                (EditKind::Text, "text", s.clone())
            }
            Value::String(s) => (EditKind::Text, "line", s.clone()),
            Value::Number(n) => (EditKind::Number, "number", n.to_string()),
            Value::Bool(b) => (EditKind::Boolean, "boolean", b.to_string()),
            other => (EditKind::for_value(other), "json", json_text(other)),
        };
        let lines = value.lines().count() + value.chars().count() / LINE_CHARS;
        EditField {
            name: kind.name(key),
            label: shown(key),
            input,
            rows: lines.clamp(3, 12),
            value,
        }
    }
}

pub struct OutcomeLine {
    /// "Approved by Ann <ann@example.com> → executed by key “billing-bot-7”".
    pub text: String,
    pub at: String,
    pub detail: Option<Shown>,
}

/// A structured rejection the agent offered, as a page shows it.
pub struct RejectChoice {
    pub name: String,
    pub title: Shown,
    pub description: Option<Shown>,
}

impl RejectChoice {
    pub fn of(o: approval_extras::RejectOption) -> RejectChoice {
        RejectChoice {
            title: shown(&o.title),
            description: o.description.as_deref().map(shown),
            name: o.name,
        }
    }
}

/// Everything richer approvals show on the page; empty for a plain approval.
#[derive(Default)]
pub struct PauseExtras {
    pub edit_fields: Vec<EditField>,
    pub reject_options: Vec<RejectChoice>,
    /// The approver's edits as a JSON tree (escaped by `json_view`).
    pub edits_html: Option<String>,
    /// The title of the picked reject option, and its name.
    pub reject_option: Option<(Shown, String)>,
    pub outcome: Option<OutcomeLine>,
}

impl PauseExtras {
    pub fn new(p: &Pause, decider: Option<&str>, now: Millis) -> PauseExtras {
        let context: Map<String, Value> = p
            .context
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let edit_fields = approval_extras::editable(p)
            .into_iter()
            .map(|key| EditField::of(&key, context.get(&key).unwrap_or(&Value::Null)))
            .collect();
        let reject_options = approval_extras::reject_options(p)
            .into_iter()
            .map(RejectChoice::of)
            .collect::<Vec<_>>();
        let reject_option = approval_extras::reject_option(p).map(|name| {
            let title = reject_options
                .iter()
                .find(|o| o.name == name)
                .map_or_else(|| shown(&name), |o| o.title.clone());
            (title, name)
        });
        PauseExtras {
            edit_fields,
            edits_html: approval_extras::edits(p)
                .map(|e| json_view::render(&Value::Object(e).to_string())),
            reject_option,
            reject_options,
            outcome: outcome_line(p, decider, now),
        }
    }
}

fn outcome_line(p: &Pause, decider: Option<&str>, now: Millis) -> Option<OutcomeLine> {
    let o = p.outcome.as_ref()?;
    let key = match o.by.name.is_empty() {
        true => format!("key {}…", o.by.prefix),
        false => format!("key “{}”", shown(&o.by.name)),
    };
    let decided = match decider {
        Some(d) => format!("{} by {d}", capitalise(&words(p.status(now).as_str()))),
        None => capitalise(&words(p.status(now).as_str())),
    };
    Some(OutcomeLine {
        text: format!("{decided} → {} by {key}", o.status),
        at: rfc3339(o.at),
        detail: o.detail.as_deref().map(shown),
    })
}
