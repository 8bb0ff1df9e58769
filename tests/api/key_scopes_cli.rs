//! `holdpoint key create --scope …` and `holdpoint key list`.

use serde_json::json;

use crate::cli::holdpoint;
use crate::helpers::spawn_app;
use crate::key_scopes::assert_insufficient;

#[tokio::test]
async fn the_cli_creates_a_key_with_repeated_scopes_and_lists_them() {
    let app = spawn_app().await;
    let dir = app.dir.path();
    let (ok, key, err) = holdpoint(
        dir,
        &[
            "key",
            "create",
            "--workspace",
            "1",
            "--name",
            "backend",
            "--scope",
            "decide",
            "--scope",
            "pauses",
        ],
        None,
    );
    assert!(ok, "{err}");
    let key = key.trim();
    let res = app.post_pause_with(key, &json!({ "action": "x" })).await;
    assert_eq!(res.status(), 201, "pauses");
    let (ok, decide_only, _) = holdpoint(
        dir,
        &[
            "key",
            "create",
            "--workspace",
            "1",
            "--name",
            "d",
            "--scope",
            "decide",
        ],
        None,
    );
    assert!(ok);
    let res = app
        .post_pause_with(decide_only.trim(), &json!({ "action": "x" }))
        .await;
    assert_insufficient(res, "pauses").await;

    let (ok, list, _) = holdpoint(dir, &["key", "list", "--workspace", "1"], None);
    assert!(ok);
    assert!(list.lines().next().unwrap().contains("SCOPES"), "{list}");
    let row = |name: &str| {
        list.lines()
            .find(|l| l.ends_with(&format!(" {name}")))
            .unwrap_or_else(|| panic!("{name} in {list}"))
            .to_string()
    };
    assert!(row("backend").contains(" pauses,decide "), "{list}");
    assert!(row("d").contains(" decide "), "{list}");
    assert!(row("test key").contains(" pauses "), "the default: {list}");
}

#[tokio::test]
async fn an_unknown_scope_is_a_readable_cli_error_and_no_key_is_made() {
    let app = spawn_app().await;
    let before = app.count("SELECT count(*) FROM api_keys");
    let (ok, out, err) = holdpoint(
        app.dir.path(),
        &["key", "create", "--workspace", "1", "--scope", "superuser"],
        None,
    );
    assert!(!ok);
    assert!(out.is_empty());
    assert!(
        err.contains("unknown scope `superuser`; use one of pauses, decide, agents, admin"),
        "{err}"
    );
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), before);
}

#[tokio::test]
async fn a_test_key_cannot_have_the_admin_scope_from_the_cli_or_the_keys_page() {
    let app = spawn_app().await;
    let before = app.count("SELECT count(*) FROM api_keys");
    let (ok, out, err) = holdpoint(
        app.dir.path(),
        &[
            "key",
            "create",
            "--workspace",
            "1",
            "--test",
            "--scope",
            "admin",
        ],
        None,
    );
    assert!(!ok && out.is_empty(), "{out}");
    assert!(
        err.contains("a test key cannot have the `admin` scope"),
        "{err}"
    );
    let browser = app.sign_in(&app.owner_email).await;
    let fields = [("name", "t"), ("kind", "test"), ("scope_admin", "on")];
    let res = browser.post_form("/keys", &fields).await;
    assert_eq!(res.status(), 303);
    let page = browser.get("/keys").await.text().await.unwrap();
    assert!(
        page.contains("test key cannot have the `admin` scope"),
        "{page}"
    );
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), before);
    // The live one is made.
    let (ok, _, err) = holdpoint(
        app.dir.path(),
        &["key", "create", "--workspace", "1", "--scope", "admin"],
        None,
    );
    assert!(ok, "{err}");
}

#[tokio::test]
async fn a_test_key_is_refused_workspace_configuration_with_live_key_required() {
    let app = spawn_app().await;
    // A test key with `admin` from before the rule (made behind the domain's back).
    let (id, key) = crate::key_scopes::key_with(
        &app,
        "old",
        true,
        &[holdpoint::domain::scopes::KeyScope::Agents],
    );
    app.with_db(|c| {
        c.execute(
            "UPDATE api_keys SET scopes = 'agents admin' WHERE id = ?1",
            [id],
        )?;
        Ok(())
    })
    .unwrap();
    let res = app
        .api
        .delete(app.url("/api/agents/a"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let body = crate::helpers::assert_problem(res, 403).await;
    assert_eq!(body["type"], "/problems/live-key-required", "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("needs a live key"),
        "{body}"
    );
}
