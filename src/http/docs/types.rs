//! A JSON Schema as the few words a reader needs ("array of [Pause]", "string (date-time)"),
//! as HTML: every name from the document is escaped, and `$ref`s link to the schema's section.

use serde_json::Value;

use crate::domain::text::escape_html as escape;

/// A schema's type in words, and whether it admits `null`.
pub struct Shape {
    pub html: String,
    pub nullable: bool,
}

/// The anchor of a component schema's section on the page.
pub fn schema_anchor(name: &str) -> String {
    format!("schema-{}", slug(name))
}

/// Letters, digits and `-` only: safe as an `id` and a fragment.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The component name a `$ref` points to (`#/components/schemas/Pause` → `Pause`).
pub fn ref_name(schema: &Value) -> Option<&str> {
    let target = schema.get("$ref")?.as_str()?;
    Some(target.rsplit('/').next().unwrap_or(target))
}

pub fn shape(schema: &Value) -> Shape {
    let mut nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    let html = words(schema, &mut nullable);
    Shape { html, nullable }
}

fn words(schema: &Value, nullable: &mut bool) -> String {
    if let Some(name) = ref_name(schema) {
        return format!("<a href=\"#{}\">{}</a>", schema_anchor(name), escape(name));
    }
    for (key, join) in [("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")] {
        if let Some(parts) = schema.get(key).and_then(Value::as_array) {
            *nullable |= parts.iter().any(is_null);
            let parts: Vec<String> = parts
                .iter()
                .filter(|part| !is_null(part))
                .map(|part| words(part, nullable))
                .collect();
            return parts.join(join);
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    *nullable |= types.contains(&"null");
    let named: Vec<String> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| one_type(t, schema))
        .collect();
    if named.is_empty() {
        return if schema.get("const").is_some() {
            "constant".into()
        } else {
            "any".into()
        };
    }
    named.join(" or ")
}

fn one_type(ty: &str, schema: &Value) -> String {
    match ty {
        "array" => match schema.get("items") {
            Some(items) => format!("array of {}", words(items, &mut false)),
            None => "array".into(),
        },
        "object" => match schema.get("additionalProperties") {
            Some(values @ Value::Object(_)) => {
                format!("map of string to {}", words(values, &mut false))
            }
            _ => "object".into(),
        },
        _ => match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("{} ({})", escape(ty), escape(format)),
            None => escape(ty).to_string(),
        },
    }
}

fn is_null(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// The values an `enum` (or a `const`) allows, as JSON text: `"approved"`, `3`.
pub fn enum_values(schema: &Value) -> Vec<String> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .filter(|v| !v.is_null())
            .map(Value::to_string)
            .collect();
    }
    schema
        .get("const")
        .map(|v| vec![v.to_string()])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_reference_links_to_its_schema_and_escapes_its_name() {
        let s = shape(&json!({"$ref": "#/components/schemas/A<b>"}));
        assert_eq!(s.html, "<a href=\"#schema-A-b\">A&lt;b&gt;</a>");
        assert!(!s.nullable);
    }

    #[test]
    fn null_in_a_type_list_or_a_one_of_makes_a_field_nullable() {
        let s = shape(&json!({"type": ["string", "null"], "format": "date-time"}));
        assert_eq!(s.html, "string (date-time)");
        assert!(s.nullable);
        let s = shape(&json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/P"}]}));
        assert_eq!(s.html, "<a href=\"#schema-P\">P</a>");
        assert!(s.nullable);
    }

    #[test]
    fn arrays_and_maps_name_what_they_hold() {
        let s = shape(&json!({"type": "array", "items": {"type": "integer", "format": "int64"}}));
        assert_eq!(s.html, "array of integer (int64)");
        let s = shape(&json!({"type": "object", "additionalProperties": {"type": "string"}}));
        assert_eq!(s.html, "map of string to string");
        assert_eq!(shape(&json!({})).html, "any");
    }

    #[test]
    fn enum_values_are_shown_as_json() {
        let values = enum_values(&json!({"enum": ["approved", 3, null]}));
        assert_eq!(values, ["\"approved\"", "3"]);
    }
}
