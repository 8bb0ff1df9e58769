//! The pause page's edit fields are typed by the context's value: a string is plain text (what
//! is typed is the string, no quotes), a number a number input, a boolean a yes/no select, and
//! objects, arrays and null stay JSON text. The API's `edits` are unchanged.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Browser, TestApp};

fn context() -> Value {
    json!({
        "note": "Hi Ann",
        "letter": "Dear Ann,\nyour refund is on its way.",
        "amount": 1240,
        "rate": 0.25,
        "urgent": false,
        "to": { "name": "Ann", "email": "ann@example.com" },
        "tags": ["refund"],
        "cc": null,
    })
}

async fn typed_pause(app: &TestApp) -> (String, Browser) {
    let editable: Vec<&str> = vec![
        "note", "letter", "amount", "rate", "urgent", "to", "tags", "cc",
    ];
    let body = json!({ "action": "Refund", "context": context(), "editable": editable });
    let id = app.create_watch_id(body).await;
    (id, app.sign_in(&app.owner_email).await)
}

/// Approves from the page's form with `edits` as fields; the status of the answer.
async fn approve(b: &Browser, id: &str, edits: &[(&str, &str)]) -> u16 {
    let next = format!("/pauses/{id}");
    let mut fields = vec![("approved", "true"), ("next", next.as_str())];
    fields.extend_from_slice(edits);
    let path = format!("/api/pause/{id}/approve");
    b.post_html_form(&path, &fields).await.status().as_u16()
}

async fn read(app: &TestApp, id: &str) -> Value {
    app.get_pause(id).await.json().await.unwrap()
}

#[tokio::test]
async fn each_editable_value_gets_a_field_of_its_type_prefilled_with_it() {
    let app = spawn_app().await;
    let (id, b) = typed_pause(&app).await;
    let page = b.get(&format!("/pauses/{id}")).await.text().await.unwrap();
    for field in [
        "<input type=\"text\" id=\"edit_text.note\" name=\"edit_text.note\" value=\"Hi Ann\"",
        "<textarea id=\"edit_text.letter\" name=\"edit_text.letter\" rows=\"3\" class=\"edit-text\">\nDear Ann,\nyour refund",
        "<input type=\"number\" step=\"any\" id=\"edit_number.amount\" name=\"edit_number.amount\" value=\"1240\"",
        "name=\"edit_number.rate\" value=\"0.25\"",
        "<select id=\"edit_bool.urgent\" name=\"edit_bool.urgent\"",
        "<option value=\"false\" selected>No (false)</option>",
        "name=\"edit.to\"",
        "name=\"edit.tags\"",
        "name=\"edit.cc\" rows=\"3\" spellcheck=\"false\" class=\"mono json-edit\">null</textarea>",
    ] {
        assert!(page.contains(field), "{field}\n{page}");
    }
}

#[tokio::test]
async fn a_string_field_keeps_the_text_as_typed_even_when_it_looks_like_json_or_a_number() {
    let app = spawn_app().await;
    let (id, b) = typed_pause(&app).await;
    let edits = [
        ("edit_text.note", "42"),
        ("edit_text.letter", "\"quoted\"\r\n{\"a\": 1}"),
    ];
    assert_eq!(approve(&b, &id, &edits).await, 303);
    let pause = read(&app, &id).await;
    assert_eq!(pause["status"], "approved");
    assert_eq!(
        pause["edits"],
        json!({ "note": "42", "letter": "\"quoted\"\n{\"a\": 1}" })
    );
}

#[tokio::test]
async fn numbers_booleans_and_objects_keep_their_types() {
    let app = spawn_app().await;
    let (id, b) = typed_pause(&app).await;
    let edits = [
        ("edit_text.note", "Hi Ann"),
        ("edit_number.amount", "1300"),
        ("edit_number.rate", "0.5"),
        ("edit_bool.urgent", "true"),
        ("edit.to", "{\"name\": \"Bo\"}"),
        ("edit.tags", "[\"refund\"]"),
        ("edit.cc", "null"),
    ];
    assert_eq!(approve(&b, &id, &edits).await, 303);
    let pause = read(&app, &id).await;
    assert_eq!(pause["status"], "approved");
    // Unchanged values are no edits; 1300 is an integer, not 1300.0.
    assert_eq!(
        pause["edits"],
        json!({ "amount": 1300, "rate": 0.5, "urgent": true, "to": { "name": "Bo" } })
    );
    assert!(pause["edits"]["amount"].is_u64());
}

#[tokio::test]
async fn a_bad_number_or_bad_json_is_a_readable_error_and_nothing_is_decided() {
    let app = spawn_app().await;
    let (id, b) = typed_pause(&app).await;
    let next = format!("/pauses/{id}");
    for (field, typed, says) in [
        (
            "edit_number.amount",
            "12,40",
            "The edited “amount” is not a number (got “12,40”)",
        ),
        ("edit.to", "Ann", "The edited “to” is not valid JSON"),
        (
            "edit_bool.urgent",
            "maybe",
            "The edited “urgent” is yes or no",
        ),
    ] {
        assert_eq!(approve(&b, &id, &[(field, typed)]).await, 303);
        let page = b.get(&next).await.text().await.unwrap();
        assert!(page.contains(says), "{says}\n{page}");
        assert!(page.contains("nothing was decided"), "{page}");
        assert_eq!(app.stored_status(&id), "pending");
    }
}

#[tokio::test]
async fn a_string_with_a_bidi_control_is_shown_as_escaped_json_and_comes_back_unchanged() {
    let app = spawn_app().await;
    let body = json!({ "action": "Rename", "context": { "file": "report\u{202E}txt.exe" },
        "editable": ["file"] });
    let id = app.create_watch_id(body).await;
    let b = app.sign_in(&app.owner_email).await;
    let page = b.get(&format!("/pauses/{id}")).await.text().await.unwrap();
    assert!(page.contains("name=\"edit.file\""), "{page}");
    assert!(page.contains("report\\u202etxt.exe"), "{page}");
    assert!(
        !page.contains('\u{202E}'),
        "the control itself never reaches the page"
    );
    assert_eq!(
        approve(&b, &id, &[("edit.file", "\"report\\u202etxt.exe\"")]).await,
        303
    );
    let pause = read(&app, &id).await;
    assert_eq!(pause["status"], "approved");
    assert!(
        pause.get("edits").is_none(),
        "the same value is no edit: {pause}"
    );
}
