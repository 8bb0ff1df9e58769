//! Where a person deciding sees the policy (issue 18): the pause pane's risk, tool and verdict
//! (explanation, rule, band, shadow), "Decided by policy" for a pause the policy decided, and the
//! inbox rows' risk and shadow badges. Rule names are people's text: bidi controls are marked.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Browser, TestApp};
use crate::policy::{add_rule, create, set_level};

/// As askama escapes text, to find the verdict's sentence in a page.
pub fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

pub async fn pane(browser: &Browser, pause: &Value) -> String {
    let path = format!("/pauses/{}", pause["watchId"].as_str().unwrap());
    let res = browser.get(&path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

async fn owner(app: &TestApp) -> Browser {
    app.set_billing_plan(1, "pro");
    app.sign_in(&app.owner_email).await
}

/// The inbox row of `pause`, from its `<li>` to the next.
fn row<'a>(inbox: &'a str, pause: &Value) -> &'a str {
    let id = format!("id=\"p-{}\"", pause["watchId"].as_str().unwrap());
    let start = inbox.find(&id).unwrap_or_else(|| panic!("no row {id}"));
    let end = inbox[start..].find("</li>").unwrap() + start;
    &inbox[start..end]
}

#[tokio::test]
async fn the_pane_shows_the_risk_tool_explanation_and_shadow_verdict_of_a_waiting_pause() {
    let app = spawn_app().await;
    let browser = owner(&app).await;
    add_rule(
        &app,
        json!({"name": "sends", "effect": "allow", "shadow": true,
        "match": {"tool": "send_*"}}),
    )
    .await;
    let p = create(
        &app,
        json!({"action": "Email Bob", "tool": "send_email",
        "agent": "mailer", "risk": "medium"}),
    )
    .await;
    assert_eq!(p["status"], "pending");
    let page = pane(&browser, &p).await;
    let explanation = p["policy"]["explanation"].as_str().unwrap();
    assert!(page.contains(&html(explanation)), "{explanation}\n{page}");
    assert!(
        page.contains("<dt>Tool</dt><dd><code>send_email</code>"),
        "{page}"
    );
    assert!(page.contains("<span class=\"badge risk risk-medium\">medium</span>"));
    assert!(page.contains("waits for a person") && page.contains("(autonomy 0)"));
    assert!(page.contains("In shadow: rule “sends” would have approved this."));
    assert!(
        !page.contains("Decided by policy"),
        "a waiting pause is nobody's yet"
    );
}

#[tokio::test]
async fn a_pause_decided_by_a_rule_or_the_band_names_its_policy_instead_of_a_person() {
    let app = spawn_app().await;
    let browser = owner(&app).await;
    add_rule(
        &app,
        json!({"name": "small refunds", "effect": "allow", "maxRisk": "medium",
        "match": {"tool": "refund_*"}}),
    )
    .await;
    let by_rule = create(
        &app,
        json!({"action": "Refund $5", "tool": "refund_card",
        "risk": "low"}),
    )
    .await;
    assert_eq!(by_rule["status"], "approved");
    let page = pane(&browser, &by_rule).await;
    assert!(
        page.contains("<a href=\"/rules\">small refunds</a>"),
        "{page}"
    );
    assert!(page.contains("Decided by policy: small refunds"));
    assert!(
        page.contains("Approved. Decided by policy: small refunds"),
        "timeline"
    );
    assert!(!page.contains("by policy small refunds"), "not as a person");
    set_level(&app, 80, false).await;
    let by_band = create(&app, json!({"action": "Deploy", "risk": "critical"})).await;
    assert_eq!(by_band["status"], "approved");
    let page = pane(&browser, &by_band).await;
    assert!(
        page.contains("Decided by policy: autonomy:full_auto"),
        "{page}"
    );
    assert!(page.contains("Full auto <span class=\"ago\">(autonomy 80)</span>"));
}

#[tokio::test]
async fn a_pause_made_before_policies_shows_no_verdict_risk_or_tool() {
    let app = spawn_app().await;
    let browser = owner(&app).await;
    let p = create(&app, json!({"action": "Old", "tool": "t", "risk": "low"})).await;
    let fresh = pane(&browser, &p).await;
    assert!(fresh.contains("id=\"policy-verdict\"") && fresh.contains("<dt>Risk</dt>"));
    app.with_db(|c| {
        Ok(c.execute(
            "UPDATE pauses SET policy_json = NULL, risk = NULL, tool = NULL",
            [],
        )?)
    })
    .unwrap();
    let read: Value = app
        .get_pause(p["watchId"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["policy"], Value::Null);
    let page = pane(&browser, &p).await;
    for absent in [
        "policy-verdict",
        "<dt>Risk</dt>",
        "<dt>Tool</dt>",
        "In shadow",
    ] {
        assert!(!page.contains(absent), "{absent}");
    }
}

#[tokio::test]
async fn inbox_rows_mark_critical_risk_and_shadow_verdicts() {
    let app = spawn_app().await;
    let browser = owner(&app).await;
    add_rule(
        &app,
        json!({"name": "sends", "effect": "allow", "shadow": true,
        "match": {"tool": "send_*"}}),
    )
    .await;
    add_rule(
        &app,
        json!({"name": "no wipes", "effect": "deny", "shadow": true,
        "match": {"tool": "wipe_*"}}),
    )
    .await;
    let critical = create(&app, json!({"action": "Drop table", "risk": "critical"})).await;
    let high = create(&app, json!({"action": "Default risk"})).await;
    let low = create(&app, json!({"action": "Read a file", "risk": "low"})).await;
    let would_approve = create(
        &app,
        json!({"action": "Send", "tool": "send_sms", "risk": "low"}),
    )
    .await;
    let would_reject = create(
        &app,
        json!({"action": "Wipe", "tool": "wipe_disk", "risk": "medium"}),
    )
    .await;
    let inbox = browser.get("/").await.text().await.unwrap();
    let badge = |class: &str, text: &str| format!("<span class=\"badge {class}\">{text}</span>");
    assert!(row(&inbox, &critical).contains(&badge("risk risk-critical tone-bad", "critical risk")));
    assert!(
        !row(&inbox, &high).contains("class=\"badge"),
        "high (the default risk): no mark, or nearly every row would carry one"
    );
    assert!(
        !row(&inbox, &low).contains("class=\"badge"),
        "low risk: no mark"
    );
    let approve = row(&inbox, &would_approve);
    assert!(
        approve.contains(&badge("shadow", "shadow: would approve")),
        "{approve}"
    );
    assert!(!approve.contains("risk-"));
    let reject = row(&inbox, &would_reject);
    assert!(
        reject.contains(&badge("shadow", "shadow: would reject")),
        "{reject}"
    );
}

#[tokio::test]
async fn rule_names_with_bidi_controls_are_marked_in_the_pane() {
    let app = spawn_app().await;
    let browser = owner(&app).await;
    let name = "refunds \u{202E}exe.txt";
    add_rule(
        &app,
        json!({"name": name, "effect": "allow", "match": {"tool": "refund"}}),
    )
    .await;
    add_rule(
        &app,
        json!({"name": "shadow \u{2067}x", "effect": "deny", "shadow": true,
        "match": {"tool": "refund"}}),
    )
    .await;
    let p = create(
        &app,
        json!({"action": "Refund", "tool": "refund", "risk": "low"}),
    )
    .await;
    assert_eq!(p["status"], "approved");
    let page = pane(&browser, &p).await;
    assert!(!page.contains('\u{202E}') && !page.contains('\u{2067}'));
    assert!(
        page.contains("<a href=\"/rules\">refunds [U+202E]exe.txt</a>"),
        "{page}"
    );
    assert!(page.contains("Decided by policy: refunds [U+202E]exe.txt"));
    assert!(page.contains("In shadow: rule “shadow [U+2067]x” would have rejected this."));
}
