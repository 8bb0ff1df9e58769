//! The document's component schemas as the reference shows them: each with its properties
//! (type, required, nullable, description, allowed values).

use serde_json::Value;

use super::types::{enum_values, schema_anchor, shape};
use super::view::{entries, md};

pub struct Schema {
    pub name: String,
    pub anchor: String,
    pub ty: String,
    pub description: String,
    pub enum_values: Vec<String>,
    pub properties: Vec<Property>,
}

pub struct Property {
    pub name: String,
    pub ty: String,
    pub required: bool,
    pub nullable: bool,
    pub description: String,
    pub enum_values: Vec<String>,
}

/// The component schemas, in the document's order.
pub fn schemas(doc: &Value) -> Vec<Schema> {
    entries(doc.pointer("/components/schemas"))
        .map(|(name, s)| Schema {
            name: name.clone(),
            anchor: schema_anchor(name),
            ty: shape(s).html,
            description: md(s.get("description")),
            enum_values: enum_values(s),
            properties: properties(s),
        })
        .collect()
}

fn properties(schema: &Value) -> Vec<Property> {
    // `#[serde(flatten)]` comes out as an `allOf` of a reference and an inline object.
    let mut out = own_properties(schema);
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(own_properties(part));
    }
    out
}

fn own_properties(schema: &Value) -> Vec<Property> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    entries(schema.get("properties"))
        .map(|(name, p)| {
            let s = shape(p);
            Property {
                name: name.clone(),
                ty: s.html,
                required: required.contains(&name.as_str()),
                nullable: s.nullable,
                description: md(p.get("description")),
                enum_values: enum_values(p),
            }
        })
        .collect()
}
