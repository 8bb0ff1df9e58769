//! Route rules on the rules page (issue 19): the form makes a rule of the effect `route` with
//! its `routeTo` group, the list shows "→ group", an edit changes or clears the group, and the
//! domain's refusals (deny with a group, route without one, an unknown group) come back beside
//! the field, writing nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, Browser, TestApp};
use crate::rules_page::{page, with};

async fn owner_with_sre(app: &TestApp) -> Browser {
    app.set_billing_plan(1, "pro");
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner
        .post_form(
            "/groups/new",
            &[("name", "sre"), ("members", &app.owner_email)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    owner
}

fn route_of(app: &TestApp) -> Option<String> {
    app.with_db(|c| Ok(c.query_row("SELECT route_to FROM policy_rules", [], |r| r.get(0))?))
        .unwrap()
}

#[tokio::test]
async fn a_route_rule_made_on_the_rules_page_routes_its_pauses_and_lists_its_group() {
    let app = spawn_app().await;
    let owner = owner_with_sre(&app).await;
    let form = page(&owner, "/rules/new").await;
    assert!(form.contains("name=\"effect\" value=\"route\""), "{form}");
    assert!(form.contains("<option value=\"sre\">sre</option>"));
    let fields = with(&[("effect", "route"), ("route_to", "sre"), ("tool", "deploy")]);
    let res = owner.post_form("/rules/new", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(route_of(&app).as_deref(), Some("sre"));
    let list = page(&owner, "/rules").await;
    assert!(list.contains("badge effect-route\">route</span>"), "{list}");
    assert!(list.contains("→ <a href=\"/groups#group-sre\">sre</a>"));

    let body = json!({"action": "Deploy", "tool": "deploy", "agent": "reporter",
                      "metadata": {"team": "ops"}});
    assert_eq!(app.post_pause_with(&app.key, &body).await.status(), 201);
    let routed = "SELECT count(*) FROM pauses WHERE group_name = 'sre'";
    assert_eq!(app.count(routed), 1, "the rule routed the pause");

    let edit = page(&owner, "/rules/1/edit").await;
    assert!(
        edit.contains("<option value=\"sre\" selected>sre</option>"),
        "{edit}"
    );
    let allow = with(&[
        ("effect", "allow"),
        ("route_to", "sre"),
        ("max_risk", "low"),
    ]);
    let res = owner.post_form("/rules/1/edit", &allow).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        route_of(&app).as_deref(),
        Some("sre"),
        "an allow rule may route"
    );
    let res = owner
        .post_form("/rules/1/edit", &with(&[("route_to", "")]))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        route_of(&app),
        None,
        "the form's empty choice clears the route"
    );
}

#[tokio::test]
async fn a_refused_route_shows_why_beside_the_group_and_writes_nothing() {
    let app = spawn_app().await;
    let owner = owner_with_sre(&app).await;
    for (fields, says) in [
        (
            vec![("effect", "deny"), ("route_to", "sre")],
            "A deny rule rejects what it matches: it routes nothing.",
        ),
        (
            vec![("effect", "route")],
            "A route rule needs `routeTo`, the approver group it sends pauses to.",
        ),
        (
            vec![("effect", "route"), ("route_to", "ghost")],
            "There is no approver group `ghost`",
        ),
    ] {
        let res = owner.post_form("/rules/new", &with(&fields)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        let html = res.text().await.unwrap();
        assert!(html.contains(says), "{fields:?}: {html}");
        assert!(
            html.contains("aria-describedby=\"rule-route-hint rule-error\" aria-invalid=\"true\""),
            "{fields:?}: {html}"
        );
        assert!(
            html.contains("name=\"effect\" value=\"route\"") && html.contains("weekly reports")
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 0);
}
