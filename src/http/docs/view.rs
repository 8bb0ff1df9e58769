//! The OpenAPI document, read as JSON, turned into what the reference page shows: operations
//! grouped by tag, schemas with their properties, problem types and webhooks. Descriptions are
//! Markdown rendered with raw HTML shown as text ([`crate::markdown`]); the template escapes the
//! rest, and the only HTML built here is from escaped parts ([`super::types`]).

use serde_json::Value;

use super::types::{shape, slug};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub struct Operation {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub deprecated: bool,
    pub security: Vec<String>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub responses: Vec<Response>,
}

pub struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub ty: String,
    pub description: String,
}

pub struct Body {
    pub required: bool,
    pub description: String,
    pub content: Vec<Media>,
}

pub struct Media {
    pub media_type: String,
    pub schema: String,
}

pub struct Response {
    pub status: String,
    pub description: String,
    pub content: Vec<Media>,
}

pub struct Tag {
    pub name: String,
    pub anchor: String,
    pub description: String,
    pub operations: Vec<Operation>,
}

/// Markdown from the document as safe HTML.
pub fn md(text: Option<&Value>) -> String {
    text.and_then(Value::as_str)
        .map(crate::markdown::to_html)
        .unwrap_or_default()
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

pub(super) fn entries(value: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    value.and_then(Value::as_object).into_iter().flatten()
}

/// Every operation of a `paths` (or `webhooks`) object, in the document's order.
pub fn operations(paths: Option<&Value>, doc: &Value) -> Vec<(Option<String>, Operation)> {
    let mut out = Vec::new();
    for (path, item) in entries(paths) {
        let shared = item.get("parameters");
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let tag = op
                .get("tags")
                .and_then(|t| t.get(0))
                .and_then(Value::as_str)
                .map(str::to_string);
            out.push((tag, operation(method, path, op, shared, doc)));
        }
    }
    out
}

fn operation(
    method: &str,
    path: &str,
    op: &Value,
    shared: Option<&Value>,
    doc: &Value,
) -> Operation {
    let params = shared
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .map(|p| param(resolve(p, doc)))
        .collect();
    Operation {
        anchor: format!("op-{method}-{}", slug(path)),
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        summary: md(op.get("summary")),
        description: md(op.get("description")),
        deprecated: op.get("deprecated").and_then(Value::as_bool) == Some(true),
        security: security(op.get("security").or_else(|| doc.get("security"))),
        params,
        body: op.get("requestBody").map(|b| {
            let b = resolve(b, doc);
            Body {
                required: b.get("required").and_then(Value::as_bool) == Some(true),
                description: md(b.get("description")),
                content: content(b.get("content")),
            }
        }),
        responses: entries(op.get("responses"))
            .map(|(status, r)| {
                let r = resolve(r, doc);
                Response {
                    status: status.clone(),
                    description: md(r.get("description")),
                    content: content(r.get("content")),
                }
            })
            .collect(),
    }
}

/// A `$ref` to a parameter, body or response in `components`, followed once.
fn resolve<'a>(value: &'a Value, doc: &'a Value) -> &'a Value {
    let Some(target) = value.get("$ref").and_then(Value::as_str) else {
        return value;
    };
    let pointer = target.strip_prefix('#').unwrap_or(target);
    doc.pointer(pointer).unwrap_or(value)
}

fn param(p: &Value) -> Param {
    Param {
        name: text(p.get("name")),
        location: text(p.get("in")),
        required: p.get("required").and_then(Value::as_bool) == Some(true),
        ty: p.get("schema").map(|s| shape(s).html).unwrap_or_default(),
        description: md(p.get("description")),
    }
}

fn content(value: Option<&Value>) -> Vec<Media> {
    entries(value)
        .map(|(media_type, m)| Media {
            media_type: media_type.clone(),
            schema: m.get("schema").map(|s| shape(s).html).unwrap_or_default(),
        })
        .collect()
}

/// "apiKey (pauses, agents)", "session"; "none" for a requirement without schemes (public).
fn security(value: Option<&Value>) -> Vec<String> {
    let Some(alternatives) = value.and_then(Value::as_array) else {
        return vec!["none".into()];
    };
    alternatives
        .iter()
        .filter_map(Value::as_object)
        .map(|req| {
            let parts: Vec<String> = req
                .iter()
                .map(|(scheme, scopes)| {
                    let scopes: Vec<&str> = scopes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    if scopes.is_empty() {
                        scheme.clone()
                    } else {
                        format!("{scheme} ({})", scopes.join(", "))
                    }
                })
                .collect();
            if parts.is_empty() {
                "none".into()
            } else {
                parts.join(" + ")
            }
        })
        .collect()
}

/// Operations grouped by their first tag: the document's tags first, in its order, then any
/// other tag as met; an operation without a tag goes under "other".
pub fn tags(doc: &Value) -> Vec<Tag> {
    let mut tags: Vec<Tag> = doc
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| new_tag(&text(t.get("name")), md(t.get("description"))))
        .collect();
    for (tag, op) in operations(doc.get("paths"), doc) {
        let name = tag.unwrap_or_else(|| "other".into());
        let at = match tags.iter().position(|t| t.name == name) {
            Some(at) => at,
            None => {
                tags.push(new_tag(&name, String::new()));
                tags.len() - 1
            }
        };
        tags[at].operations.push(op);
    }
    tags.retain(|t| !t.operations.is_empty());
    tags
}

fn new_tag(name: &str, description: String) -> Tag {
    Tag {
        name: name.to_string(),
        anchor: format!("tag-{}", slug(name)),
        description,
        operations: Vec::new(),
    }
}
