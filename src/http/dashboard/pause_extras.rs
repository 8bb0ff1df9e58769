//! What richer approvals add to a pause's page: a field per editable key and the reject options
//! in the decision form; once decided, the edits, the picked option and the agent's outcome
//! ("approved by Ann → executed by key “billing-bot-7” at …"). Agent text is escaped by askama
//! and by [`json_view::render`].

use serde_json::{Map, Value};

use super::format::{capitalise, shown, Shown};
use super::json_view;
use crate::domain::approval_extras;
use crate::domain::pauses::Pause;
use crate::domain::{rfc3339, Millis};
use crate::http::api::decide_extras::EDIT_PREFIX;

/// One editable key of the context, as a form field prefilled with its JSON.
pub struct EditField {
    /// The field's `name` (`edit.<key>`); askama escapes it in the attribute.
    pub name: String,
    pub label: Shown,
    pub value: String,
    pub rows: usize,
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
            .map(|key| {
                let current = context.get(&key).cloned().unwrap_or(Value::Null);
                let value = serde_json::to_string_pretty(&current).unwrap_or_default();
                EditField {
                    name: format!("{EDIT_PREFIX}{key}"),
                    label: shown(&key),
                    rows: value.lines().count().clamp(3, 12),
                    value,
                }
            })
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
        Some(d) => format!(
            "{} by {d}",
            capitalise(&p.status(now).as_str().replace('_', " "))
        ),
        None => capitalise(&p.status(now).as_str().replace('_', " ")),
    };
    Some(OutcomeLine {
        text: format!("{decided} → {} by {key}", o.status),
        at: rfc3339(o.at),
        detail: o.detail.as_deref().map(shown),
    })
}
