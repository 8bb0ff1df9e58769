//! Keys given approver groups on the keys page (issue 19): an unrevoked key holding `decide`
//! gets groups (audited as `key.groups_changed`, once per change), `GET /api/groups` lists it
//! by name and prefix; a key without `decide`, a revoked key and an unknown group are refused
//! with a readable message, writing nothing, and an approver is refused.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Browser, TestApp};
use crate::manage_keys::approver;
use crate::policy::admin_key;
use holdpoint::domain::api_keys;
use holdpoint::domain::audit::Actor;
use holdpoint::domain::ids::{ApiKeyId, WorkspaceId};
use holdpoint::domain::scopes::{KeyScope, Scopes};

fn key_with(app: &TestApp, name: &str, scopes: &[KeyScope]) -> ApiKeyId {
    let now = app.now();
    let scopes = Scopes::of(scopes);
    app.with_db(|c| {
        api_keys::create_with_scopes(c, now, Actor::Cli, WorkspaceId(1), name, false, scopes)
    })
    .unwrap()
    .0
}

async fn owner_with_groups(app: &TestApp) -> Browser {
    app.set_billing_plan(1, "pro");
    let owner = app.sign_in(&app.owner_email).await;
    for name in ["sre", "finance"] {
        let res = owner.post_form("/groups/new", &[("name", name)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    owner
}

async fn give(b: &Browser, key: ApiKeyId, groups: &[&str]) -> String {
    let fields: Vec<(&str, &str)> = groups.iter().map(|g| ("group", *g)).collect();
    let res = b.post_form(&format!("/keys/{key}/groups"), &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    b.get("/keys").await.text().await.unwrap()
}

fn audits(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM audit_log WHERE event = 'key.groups_changed'")
}

#[tokio::test]
async fn an_owner_gives_a_deciding_key_groups_and_the_groups_api_lists_it() {
    let app = spawn_app().await;
    let owner = owner_with_groups(&app).await;
    let bot = key_with(&app, "approver bot", &[KeyScope::Decide]);
    let page = owner.get("/keys").await.text().await.unwrap();
    assert!(
        page.contains(&format!("action=\"/keys/{bot}/groups\"")),
        "{page}"
    );
    assert_eq!(
        page.matches("class=\"key-groups-form\"").count(),
        1,
        "only the deciding key"
    );
    let page = give(&owner, bot, &["sre", "finance", "sre"]).await;
    assert!(
        page.contains("votes on pauses routed to: finance, sre."),
        "{page}"
    );
    assert!(page.contains("<td data-label=\"Groups\" class=\"key-groups\">finance, sre</td>"));
    assert!(page.contains("name=\"group\" value=\"sre\" checked"));
    assert_eq!(app.count("SELECT count(*) FROM approver_group_keys"), 2);
    assert_eq!(audits(&app), 1);
    give(&owner, bot, &["finance", "sre"]).await;
    assert_eq!(audits(&app), 1, "the same groups record nothing");

    let admin = admin_key(&app, false);
    let res = app
        .api
        .request(Method::GET, app.url("/api/groups/sre"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let sre: Value = res.json().await.unwrap();
    let prefix = app.with_db(move |c| {
        Ok(
            c.query_row("SELECT prefix FROM api_keys WHERE id = ?1", [bot], |r| {
                r.get::<_, String>(0)
            })?,
        )
    });
    assert_eq!(
        sre["keys"],
        json!([{"name": "approver bot", "prefix": prefix.unwrap()}])
    );
    let page = give(&owner, bot, &[]).await;
    assert!(
        page.contains("The key is now in no approver group."),
        "{page}"
    );
    assert_eq!(app.count("SELECT count(*) FROM approver_group_keys"), 0);
    assert_eq!(audits(&app), 2);
}

#[tokio::test]
async fn keys_that_cannot_decide_and_unknown_groups_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let owner = owner_with_groups(&app).await;
    let creator = key_with(&app, "creator", &[KeyScope::Pauses]);
    let revoked = key_with(&app, "old bot", &[KeyScope::Decide]);
    let bot = key_with(&app, "bot", &[KeyScope::Decide]);
    let now = app.now();
    app.with_db(move |c| api_keys::revoke(c, now, Actor::Cli, revoked, Some(WorkspaceId(1))))
        .unwrap();
    for (key, groups, says) in [
        (creator, vec!["sre"], "“creator” does not hold `decide`"),
        (revoked, vec!["sre"], "“old bot” is revoked"),
        (bot, vec!["sre", "ghost"], "no approver group named `ghost`"),
    ] {
        let page = give(&owner, key, &groups).await;
        assert!(page.contains(says), "{says}: {page}");
    }
    let res = owner
        .post_form("/keys/9999/groups", &[("group", "sre")])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let approver = approver(&app).await;
    let res = approver
        .post_form(&format!("/keys/{bot}/groups"), &[("group", "sre")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM approver_group_keys"), 0);
    assert_eq!(audits(&app), 0);
}
