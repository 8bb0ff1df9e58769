//! The settings page's approver settings (issue 19): an owner saves each of part 2's policy
//! settings with the form, through the same use case as `PATCH /api/policy/settings`; a value
//! the domain refuses comes back as a readable message beside the form, saving nothing; an
//! approver is refused.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Browser, TestApp};
use holdpoint::domain::users::Role;

/// The form as a person who changed nothing would send it, with `changes` applied.
async fn save(browser: &Browser, changes: &[(&str, &str)]) -> reqwest::Response {
    let mut fields: Vec<(&str, &str)> = vec![
        ("route_low", ""),
        ("route_medium", ""),
        ("route_high", ""),
        ("route_critical", ""),
        ("min_low", "1"),
        ("min_medium", "1"),
        ("min_high", "1"),
        ("min_critical", "1"),
        ("remind_at", "50"),
        ("escalate_at", "80"),
        ("escalate_to", ""),
        ("on_timeout", "expire"),
    ];
    for (name, value) in changes {
        fields.retain(|(n, _)| n != name);
        fields.push((name, value));
    }
    browser.post_form("/settings/approvals", &fields).await
}

fn stored(app: &TestApp) -> Value {
    let text: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT approval_settings FROM workspaces WHERE id = 1",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn audits(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM audit_log WHERE event = 'policy.settings_changed'")
}

async fn with_group(app: &TestApp, name: &str) -> Browser {
    app.set_billing_plan(1, "pro");
    let owner = app.sign_in(&app.owner_email).await;
    let res = owner
        .post_form(
            "/groups/new",
            &[("name", name), ("members", &app.owner_email)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    owner
}

#[tokio::test]
async fn an_owner_saves_each_approver_setting_on_the_settings_page() {
    let app = spawn_app().await;
    let owner = with_group(&app, "sre").await;
    let page = owner.get("/settings").await.text().await.unwrap();
    assert!(page.contains("action=\"/settings/approvals\""), "{page}");
    assert!(page.contains("<option value=\"sre\">sre</option>"));
    let res = save(
        &owner,
        &[
            ("route_critical", "sre"),
            ("min_high", "2"),
            ("min_critical", "5"),
            ("no_self_approval", "on"),
            ("remind_at", "5"),
            ("escalate_at", "95"),
            ("escalate_to", "sre"),
            ("on_timeout", "reject"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/settings");
    let s = stored(&app);
    assert_eq!(s["routeTo"], json!({"critical": "sre"}));
    assert_eq!(
        s["minApprovals"],
        json!({"low": 1, "medium": 1, "high": 2, "critical": 5})
    );
    assert_eq!(
        (&s["noSelfApproval"], &s["remindAt"], &s["escalateAt"]),
        (&json!(true), &json!(0.05), &json!(0.95))
    );
    assert_eq!(
        (&s["escalateTo"], &s["onTimeout"]),
        (&json!("sre"), &json!("reject"))
    );
    assert_eq!(audits(&app), 1);
    let page = owner.get("/settings").await.text().await.unwrap();
    assert!(page.contains("Approver settings saved"), "{page}");
    assert!(page.contains("<option value=\"sre\" selected>sre</option>"));
    assert!(page.contains("name=\"remind_at\" value=\"5\""));
    assert!(page.contains("value=\"reject\" checked"));

    let res = save(&owner, &[("remind_at", "30"), ("on_timeout", "wait")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let s = stored(&app);
    assert_eq!(
        (&s["noSelfApproval"], &s["escalateTo"], &s["onTimeout"]),
        (&json!(false), &Value::Null, &json!("wait"))
    );
    assert_eq!((&s["remindAt"], &s["routeTo"]), (&json!(0.3), &json!({})));
    assert_eq!(audits(&app), 2);
}

#[tokio::test]
async fn a_refused_approver_setting_shows_why_beside_the_form_and_saves_nothing() {
    let app = spawn_app().await;
    let owner = with_group(&app, "sre").await;
    let before = stored(&app);
    for (changes, says) in [
        (
            vec![("remind_at", "80"), ("escalate_at", "70")],
            "“Remind at” comes before “Escalate at”",
        ),
        (vec![("remind_at", "4")], "“Remind at” is 5 to 95 percent"),
        (
            vec![("escalate_at", "96")],
            "“Escalate at” is 5 to 95 percent",
        ),
        (vec![("remind_at", "soon")], "is a percent of the timeout"),
        (
            vec![("route_high", "ghost")],
            "Route for high risk: there is no approver group named `ghost`",
        ),
        (
            vec![("escalate_to", "ghost")],
            "no approver group named `ghost`",
        ),
        (
            vec![("min_high", "6")],
            "`minApprovals.high` is 1 to 5 (got 6)",
        ),
        (
            vec![("min_low", "0")],
            "`minApprovals.low` is 1 to 5 (got 0)",
        ),
        (vec![("on_timeout", "never")], "expire, reject or wait"),
    ] {
        let res = save(&owner, &changes).await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{changes:?}"
        );
        let page = res.text().await.unwrap();
        assert!(page.contains(says), "{changes:?}: {page}");
        assert!(page.contains("Nothing was saved."));
        assert!(page.contains("id=\"approvals-error\""));
        assert!(page.contains("aria-invalid=\"true\""), "{changes:?}");
    }
    assert_eq!(stored(&app), before, "a refusal writes nothing");
    assert_eq!(audits(&app), 0);
}

#[tokio::test]
async fn an_approver_cannot_save_the_approver_settings() {
    let app = spawn_app().await;
    with_group(&app, "sre").await;
    app.add_user(1, "ann@example.com", Role::Approver);
    let approver = app.sign_in("ann@example.com").await;
    let res = save(&approver, &[("route_critical", "sre")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&app), json!({}));
    assert_eq!(audits(&app), 0);
}
