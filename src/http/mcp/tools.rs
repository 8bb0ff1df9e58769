//! The five tools and their input schemas. The three that ask a human take the members of
//! `POST /api/pause` (the same parser checks them, so limits and errors match the API); the
//! schemas here describe the common ones.

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{json, Value};

use crate::domain::kind::Kind;

pub const REQUEST_APPROVAL: &str = "request_approval";
pub const ASK_HUMAN: &str = "ask_human";
pub const SUBMIT_PLAN: &str = "submit_plan";
pub const GET_PAUSE: &str = "get_pause";
pub const CHECK_IN: &str = "check_in";

/// The kind of pause a tool asks for, if it asks for one.
pub fn kind_of(tool: &str) -> Option<Kind> {
    match tool {
        REQUEST_APPROVAL => Some(Kind::Approval),
        ASK_HUMAN => Some(Kind::Question),
        SUBMIT_PLAN => Some(Kind::Plan),
        _ => None,
    }
}

const NAME: &str = "^(?!\\.+$)[A-Za-z0-9._:-]{1,100}$";

/// Members every asking tool takes (the rest of `POST /api/pause`'s are accepted too).
fn asking(required: &[&str], own: Value) -> Value {
    let mut properties = json!({
        "action": {"type": "string", "minLength": 1, "maxLength": 1000,
            "description": "What you want to do or know, for the person deciding."},
        "context": {"description": "Any JSON the person needs to decide (at most 64 KiB)."},
        "agent": {"type": "string", "pattern": NAME, "description": "Your agent's name."},
        "run": {"type": "string", "pattern": NAME, "description": "The run you work on."},
        "timeoutSeconds": {"type": "integer", "minimum": 10, "maximum": 2592000,
            "description": "When the pause expires without a decision."},
    });
    if let (Some(all), Value::Object(more)) = (properties.as_object_mut(), own) {
        all.extend(more);
    }
    json!({"type": "object", "properties": properties, "required": required})
}

fn schema(value: Value) -> Arc<JsonObject> {
    match value {
        Value::Object(map) => Arc::new(map),
        _ => Arc::new(JsonObject::new()),
    }
}

/// The tools as `tools/list` shows them.
pub fn all() -> Vec<Tool> {
    let question = json!({"type": "object", "required": ["question"], "properties": {
        "question": {"type": "string"}, "header": {"type": "string"},
        "options": {"type": "array", "items": {"type": "object", "required": ["label"],
            "properties": {"label": {"type": "string"}, "description": {"type": "string"}}}},
        "multiSelect": {"type": "boolean"}, "allowFreeText": {"type": "boolean"}}});
    vec![
        Tool::new(
            REQUEST_APPROVAL,
            "Ask a human to approve an action before you take it. Waits up to 55 s for the \
             decision (with the Tasks extension: answers with a task whose id is the watchId). \
             Go ahead only if the status is `approved`; `edits` holds changes to apply.",
            schema(asking(
                &["action"],
                json!({
                    "risk": {"type": "string", "enum": ["low", "medium", "high", "critical"]},
                    "tool": {"type": "string", "pattern": "^[A-Za-z0-9._:/-]{1,100}$",
                        "description": "The machine name of the action (for policies)."},
                    "editable": {"type": "array", "items": {"type": "string"},
                        "description": "Top-level keys of `context` the person may edit."},
                }),
            )),
        ),
        Tool::new(
            ASK_HUMAN,
            "Ask a human one to ten questions, with options or free text. Waits up to 55 s \
             for the answers (in `answers`).",
            schema(asking(
                &["action", "questions"],
                json!({
                    "questions": {"type": "array", "minItems": 1, "maxItems": 10, "items": question},
                }),
            )),
        ),
        Tool::new(
            SUBMIT_PLAN,
            "Submit a plan (Markdown) for a human to approve or send back with feedback \
             (`changes_requested`: revise it and submit again with `revises`).",
            schema(asking(
                &["action", "plan"],
                json!({
                    "plan": {"type": "string", "description": "The plan, in Markdown."},
                    "revises": {"type": "string", "description": "The watchId of the plan this revises."},
                }),
            )),
        ),
        Tool::new(
            GET_PAUSE,
            "Read a pause by its watchId, waiting up to 55 s while nobody has decided.",
            schema(json!({"type": "object", "required": ["watchId"],
                "properties": {"watchId": {"type": "string", "format": "uuid"}}})),
        )
        .with_annotations(ToolAnnotations::new().read_only(true)),
        Tool::new(
            CHECK_IN,
            "Report your state and read your control (`running`, `paused` or `cancelled`) and any \
             guidance from a human. Call it between steps; stop when told to.",
            schema(
                json!({"type": "object", "required": ["agent"], "properties": {
                    "agent": {"type": "string", "pattern": NAME},
                    "state": {"type": "string", "enum": ["idle", "thinking", "acting", "waiting", "complete", "error"]},
                    "tool": {"type": ["string", "null"], "maxLength": 200},
                    "progress": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
                    "run": {"type": "string", "pattern": NAME},
                    "after": {"type": ["string", "integer"],
                        "description": "The `cursor` of your last check-in: only newer guidance."},
                }}),
            ),
        ),
    ]
}
