//! The rules page's form (issue 18): refusals beside their field keeping what was typed, the
//! limits at and one past them, the key among the viewed mode's keys, the expiry day in the
//! reader's zone, editing, and deleting after a confirmation.

use reqwest::StatusCode;

use crate::helpers::spawn_app;
use crate::rules_page::{page, with, RULE};

#[tokio::test]
async fn a_duplicate_name_and_a_bad_glob_are_readable_errors_that_keep_what_was_typed() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    owner.post_form("/rules/new", &RULE).await;
    let res = owner
        .post_form("/rules/new", &with(&[("tool", "deploy"), ("note", "mine")]))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"field-error\""), "{html}");
    assert!(html.contains("already exists"));
    assert!(html.contains("value=\"deploy\"") && html.contains(">mine</textarea>"));
    let res = owner
        .post_form("/rules/new", &with(&[("name", "other"), ("tool", "[a-")]))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("is not a valid glob"), "{html}");
    assert!(html.contains("value=\"[a-\"") && html.contains("value=\"other\""));
    assert!(html.contains("id=\"rule-tool\" name=\"tool\" value=\"[a-\" required maxlength=\"200\" autocomplete=\"off\" aria-describedby=\"rule-tool-hint rule-error\" aria-invalid=\"true\""));
    let res = owner
        .post_form(
            "/rules/new",
            &with(&[("name", "x"), ("context", "command")]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Line 1: write it as name=value."));
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 1);
}

#[tokio::test]
async fn names_and_notes_are_accepted_at_their_limit_and_refused_one_past_it() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    let (name, note) = ("n".repeat(100), "w".repeat(500));
    let res = owner
        .post_form("/rules/new", &with(&[("name", &name), ("note", &note)]))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let long = "n".repeat(101);
    let res = owner
        .post_form("/rules/new", &with(&[("name", &long)]))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("1 to 100 characters") && html.contains(&long));
    let long = "w".repeat(501);
    let res = owner
        .post_form("/rules/new", &with(&[("name", "b"), ("note", &long)]))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("at most 500 characters") && html.contains(&long));
    let res = owner.post_form("/rules/new", &with(&[("name", "")])).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 1);
}

#[tokio::test]
async fn a_rule_is_edited_and_deleted_after_a_confirmation() {
    let app = spawn_app().await;
    let owner = app.sign_in(&app.owner_email).await;
    owner.post_form("/rules/new", &RULE).await;
    let form = page(&owner, "/rules/1/edit").await;
    assert!(form.contains("value=\"send_*\"") && form.contains(">team=ops</textarea>"));
    let res = owner
        .post_form(
            "/rules/1/edit",
            &with(&[("tool", "send_email"), ("expires", "2099-01-31")]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&owner, "/rules").await;
    assert!(html.contains("<code>send_email</code>") && html.contains("2099-02-01"));
    let confirm = page(&owner, "/rules?delete=1").await;
    assert!(confirm.contains("Delete rule “weekly reports”?"));
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 1);
    let res = owner.post_form("/rules/1/delete", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 0);
    let events: Vec<String> = app
        .audit_events("rule 1")
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(events, ["rule.created", "rule.changed", "rule.deleted"]);
    assert_eq!(
        owner.get("/rules?delete=1").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_key_is_chosen_among_the_mode_s_keys_and_the_expiry_day_ends_in_the_reader_s_zone() {
    let app = spawn_app().await;
    app.with_db(|c| Ok(c.execute("UPDATE users SET time_zone = 'Asia/Tokyo'", [])?))
        .unwrap();
    let test_key = app.create_key(1, true);
    let owner = app.sign_in(&app.owner_email).await;
    let form = page(&owner, "/rules/new").await;
    let prefix = |key: &str| key[..16].to_string();
    assert!(form.contains(&prefix(&app.key)), "{form}");
    assert!(
        !form.contains(&prefix(&test_key)),
        "a test key is not offered in live mode"
    );
    let test_id = app.count("SELECT max(id) FROM api_keys").to_string();
    let res = owner
        .post_form("/rules/new", &with(&[("key", &test_id)]))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Choose one of the listed keys, or any key."));
    let live_id = app.count("SELECT min(id) FROM api_keys").to_string();
    let fields = with(&[("key", &live_id), ("expires", "2099-01-31")]);
    let res = owner.post_form("/rules/new", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (key_id, expires): (i64, i64) = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT json_extract(match_json, '$.keyId'), expires_at FROM policy_rules",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    assert_eq!(key_id.to_string(), live_id);
    // The end of 31 January 2099 in Tokyo (UTC+9) is 15:00 UTC that day.
    assert_eq!(expires, 4_073_554_800_000);
    let form = page(&owner, "/rules/1/edit").await;
    assert!(
        form.contains("value=\"2099-01-31\""),
        "the edit form shows the same day"
    );
    assert!(form.contains(&format!("<option value=\"{live_id}\" selected>")));
}
