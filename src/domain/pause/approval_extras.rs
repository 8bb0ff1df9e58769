//! Richer approvals: the keys of its context an approval lets a person edit before approving
//! (`editable`, answered with `edits`), and the named reasons it offers for a rejection
//! (`rejectOptions`, answered with `rejectOption`).
//!
//! What the agent declared lives in `pauses.request_json` and what the person answered in
//! `pauses.response_json`, as members of JSON objects that other kinds of pause share; this
//! module reads and writes only its own members.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::kind::Kind;
use super::pauses::Pause;
use super::respond::{RespondError, Response};
use crate::error::{AppError, AppResult};

/// At most this many editable keys: each becomes a field of the dashboard's form.
pub const MAX_EDITABLE: usize = 20;
/// At most this many reject options: each becomes a radio button.
pub const MAX_REJECT_OPTIONS: usize = 10;
/// A reject option's `name`: 1 to this many of `[a-z0-9_]`.
pub const MAX_OPTION_NAME: usize = 64;
/// A reject option's `title`.
pub const MAX_OPTION_TITLE: usize = 200;
/// A reject option's `description`.
pub const MAX_OPTION_DESCRIPTION: usize = 1000;
/// The edits' JSON text, like the context's limit: they replace parts of it.
pub const MAX_EDITS_BYTES: usize = 64 * 1024;
/// Nesting of the edits' values, like the context's limit.
pub const MAX_EDITS_DEPTH: usize = 64;

/// A named reason a person may pick to reject, for the agent to branch on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectOption {
    pub name: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `editable` and `rejectOptions`, each when given.
pub type Members = (Option<Vec<String>>, Option<Vec<RejectOption>>);

/// The create body's richer-approval members, checked: only on an approval, each by its rules.
pub fn validate_members(
    kind: Kind,
    editable: Option<Vec<String>>,
    reject_options: Option<Vec<RejectOption>>,
    context: Option<&str>,
) -> AppResult<Members> {
    for (given, field) in [
        (editable.is_some(), "editable"),
        (reject_options.is_some(), "rejectOptions"),
    ] {
        if given && kind != Kind::Approval {
            return Err(AppError::invalid(
                field,
                format!("`{field}` is only for kind `approval` (this pause is kind `{kind}`)"),
            ));
        }
    }
    Ok((
        editable
            .map(|keys| validate_editable(keys, context))
            .transpose()?,
        reject_options.map(validate_reject_options).transpose()?,
    ))
}

/// Checks `editable` against the context it names keys of: each a top-level key of the context
/// (which must then be an object), each once, at most [`MAX_EDITABLE`].
pub fn validate_editable(keys: Vec<String>, context: Option<&str>) -> AppResult<Vec<String>> {
    let bad = |detail: String| AppError::invalid("editable", detail);
    if keys.is_empty() || keys.len() > MAX_EDITABLE {
        return Err(bad(format!(
            "`editable` lists 1 to {MAX_EDITABLE} keys of `context` (got {})",
            keys.len()
        )));
    }
    let object: Option<Map<String, Value>> = context.and_then(|c| serde_json::from_str(c).ok());
    let Some(object) = object else {
        return Err(bad(
            "`editable` names keys of `context`, so `context` must be a JSON object".into(),
        ));
    };
    for (i, key) in keys.iter().enumerate() {
        if keys[..i].contains(key) {
            return Err(bad(format!("`editable` lists `{key}` twice")));
        }
        if !object.contains_key(key) {
            return Err(bad(format!(
                "`editable` names `{key}`, which is not a top-level key of `context`"
            )));
        }
    }
    Ok(keys)
}

/// Checks the options: 1 to [`MAX_REJECT_OPTIONS`], names unique slugs, titles not blank.
pub fn validate_reject_options(options: Vec<RejectOption>) -> AppResult<Vec<RejectOption>> {
    let bad = |detail: String| AppError::invalid("rejectOptions", detail);
    if options.is_empty() || options.len() > MAX_REJECT_OPTIONS {
        return Err(bad(format!(
            "`rejectOptions` has 1 to {MAX_REJECT_OPTIONS} options (got {})",
            options.len()
        )));
    }
    let mut out = Vec::with_capacity(options.len());
    for o in options {
        let name = &o.name;
        let slug = name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if name.is_empty() || name.len() > MAX_OPTION_NAME || !slug {
            return Err(bad(format!(
                "a reject option's `name` is 1 to {MAX_OPTION_NAME} of a-z, 0-9 and _ (got `{name}`)"
            )));
        }
        if out.iter().any(|p: &RejectOption| &p.name == name) {
            return Err(bad(format!("two reject options are named `{name}`")));
        }
        let title = o.title.trim().to_string();
        if title.is_empty() || title.chars().count() > MAX_OPTION_TITLE {
            return Err(bad(format!(
                "reject option `{name}` needs a `title` of 1 to {MAX_OPTION_TITLE} characters"
            )));
        }
        let description = o.description.map(|d| d.trim().to_string());
        if description
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_OPTION_DESCRIPTION)
        {
            return Err(bad(format!(
                "reject option `{name}`: `description` has at most {MAX_OPTION_DESCRIPTION} characters"
            )));
        }
        out.push(RejectOption {
            name: o.name,
            title,
            description: description.filter(|d| !d.is_empty()),
        });
    }
    Ok(out)
}

/// This module's members of `request_json`, added to `members`.
pub fn add_request_members(
    members: &mut Map<String, Value>,
    editable: Option<Vec<String>>,
    reject_options: Option<Vec<RejectOption>>,
) {
    if let Some(e) = editable {
        members.insert("editable".into(), json!(e));
    }
    if let Some(r) = reject_options {
        members.insert("rejectOptions".into(), json!(r));
    }
}

fn member(json: Option<&str>, name: &str) -> Option<Value> {
    let mut object: Map<String, Value> = serde_json::from_str(json?).ok()?;
    object.remove(name)
}

/// The keys of the context the agent lets a person edit (empty when none).
pub fn editable(p: &Pause) -> Vec<String> {
    member(p.request_json.as_deref(), "editable")
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// The named reasons the agent offers for a rejection (empty when none).
pub fn reject_options(p: &Pause) -> Vec<RejectOption> {
    member(p.request_json.as_deref(), "rejectOptions")
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// What the approver changed, by key (None when approved as sent).
pub fn edits(p: &Pause) -> Option<Map<String, Value>> {
    member(p.response_json.as_deref(), "edits").and_then(|v| serde_json::from_value(v).ok())
}

/// The reject option the person picked.
pub fn reject_option(p: &Pause) -> Option<String> {
    member(p.response_json.as_deref(), "rejectOption").and_then(|v| v.as_str().map(String::from))
}

/// A response checked against what the pause declared: its members of `response_json`, and
/// what its audit row adds.
#[derive(Debug, Default)]
pub struct Checked {
    pub response_json: Option<String>,
    pub audit: Map<String, Value>,
}

fn invalid(field: &'static str, detail: String) -> RespondError {
    RespondError::Invalid { field, detail }
}

/// Edits only of declared keys, within the context's limits; a reject option only one the
/// pause offers. The audit row keeps each edited key's value before and after.
pub fn check(p: &Pause, response: &Response) -> Result<Checked, RespondError> {
    match response {
        Response::Approve {
            edits: Some(edits), ..
        } => check_edits(p, edits),
        Response::Reject {
            option: Some(option),
            ..
        } => {
            let offered = reject_options(p);
            if !offered.iter().any(|o| &o.name == option) {
                let names: Vec<&str> = offered.iter().map(|o| o.name.as_str()).collect();
                return Err(invalid(
                    "rejectOption",
                    match names.is_empty() {
                        true => "this pause offers no reject options".into(),
                        false => format!(
                            "`{option}` is not one of this pause's reject options ({})",
                            names.join(", ")
                        ),
                    },
                ));
            }
            let members = json!({ "rejectOption": option });
            Ok(Checked {
                response_json: Some(members.to_string()),
                audit: Map::from_iter([("rejectOption".into(), json!(option))]),
            })
        }
        _ => Ok(Checked::default()),
    }
}

fn check_edits(p: &Pause, edits: &Map<String, Value>) -> Result<Checked, RespondError> {
    let declared = editable(p);
    if let Some(key) = edits.keys().find(|k| !declared.contains(k)) {
        return Err(invalid(
            "edits",
            match declared.is_empty() {
                true => {
                    format!("this pause declares no editable keys, so `{key}` cannot be edited")
                }
                false => format!(
                    "`{key}` is not editable on this pause (editable: {})",
                    declared.join(", ")
                ),
            },
        ));
    }
    let text = Value::Object(edits.clone()).to_string();
    if text.len() > MAX_EDITS_BYTES || depth(&Value::Object(edits.clone())) > MAX_EDITS_DEPTH {
        return Err(invalid(
            "edits",
            format!(
                "`edits` is limited like `context`: {} KiB and {MAX_EDITS_DEPTH} levels of nesting",
                MAX_EDITS_BYTES / 1024
            ),
        ));
    }
    let before: Map<String, Value> = p
        .context
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    // Only real changes: the dashboard's form sends every editable key, changed or not.
    let edits: Map<String, Value> = edits
        .iter()
        .filter(|(k, after)| before.get(*k) != Some(after))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if edits.is_empty() {
        return Ok(Checked::default());
    }
    let changes: Map<String, Value> = edits
        .iter()
        .map(|(k, after)| {
            let was = before.get(k).cloned().unwrap_or(Value::Null);
            (k.clone(), json!({ "before": was, "after": after }))
        })
        .collect();
    Ok(Checked {
        response_json: Some(json!({ "edits": edits }).to_string()),
        audit: Map::from_iter([("edits".into(), Value::Object(changes))]),
    })
}

/// The deepest nesting of arrays and objects in `v` (a scalar is 0).
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
#[path = "approval_extras_tests.rs"]
mod tests;
