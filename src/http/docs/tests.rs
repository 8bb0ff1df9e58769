use askama::Template;
use serde_json::json;

use super::DocsPage;

fn hostile_doc() -> serde_json::Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "T<script>", "version": "1", "description": "**bold** <script>alert(1)</script>"},
        "tags": [{"name": "pauses", "description": "<img src=x onerror=alert(2)>"}],
        "paths": {
            "/api/x/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "post": {
                    "tags": ["pauses"],
                    "summary": "<script>s</script>",
                    "description": "Raw <script>alert(3)</script> here",
                    "security": [{"apiKey": ["pauses"]}, {"session": []}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/B<script>"}}}},
                    "responses": {"422": {"$ref": "#/components/responses/Bad"}}
                },
                "get": {"responses": {"200": {"description": "ok"}}}
            }
        },
        "components": {
            "responses": {"Bad": {"description": "`invalid-request`", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}},
            "schemas": {
                "B<script>": {"type": "object", "required": ["a"], "properties": {
                    "a": {"type": "string", "enum": ["x<script>"], "description": "<script>p</script>"},
                    "b": {"type": ["integer", "null"]}
                }}
            }
        }
    })
}

#[test]
fn raw_html_in_any_part_of_the_document_is_shown_as_text() {
    let html = DocsPage::from_document(&hostile_doc()).render().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("Raw &lt;script&gt;alert(3)&lt;/script&gt; here"),
        "{html}"
    );
    assert!(
        html.contains("<strong>bold</strong>"),
        "markdown is rendered: {html}"
    );
}

#[test]
fn operations_are_grouped_by_tag_with_their_parts_followed() {
    let page = DocsPage::from_document(&hostile_doc());
    let names: Vec<&str> = page.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["pauses", "other"]);
    let post = &page.tags[0].operations[0];
    assert_eq!(
        (post.method.as_str(), post.path.as_str()),
        ("POST", "/api/x/{id}")
    );
    assert_eq!(post.security, ["apiKey (pauses)", "session"]);
    assert_eq!(
        post.params[0].name, "id",
        "path-level parameters are listed"
    );
    assert!(
        post.responses[0].description.contains("invalid-request"),
        "a $ref response is followed"
    );
    assert_eq!(page.tags[1].operations[0].security, ["none"]);
    let schema = &page.schemas[0];
    assert_eq!(schema.anchor, "schema-B-script");
    assert!(schema.properties[0].required && !schema.properties[0].nullable);
    assert!(!schema.properties[1].required && schema.properties[1].nullable);
}

#[test]
fn the_served_document_renders_with_every_operation_and_schema() {
    let doc = serde_json::to_value(crate::http::api::openapi::document()).unwrap();
    let page = DocsPage::from_document(&doc);
    let html = page.render().unwrap();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().unwrap().keys() {
            let id = format!("op-{method}-{}", super::types::slug(path));
            assert!(html.contains(&format!("id=\"{id}\"")), "{method} {path}");
        }
    }
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(html.contains(&super::types::schema_anchor(name)), "{name}");
    }
}
