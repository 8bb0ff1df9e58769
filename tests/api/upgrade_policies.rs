//! The upgrade from the policies release (`tests/fixtures/release-0022-policies.db`, made by that
//! release's binary through its real interfaces, `make-release-policies-db`) to approver groups
//! and quorum (migration 0023, which also rebuilds `policy_rules`): every pause, rule and
//! setting reads back as the release answered it, each pause needs one approval and expires at
//! its deadline as before, and its one decision is its one vote.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Map, Value};
use tempfile::TempDir;

use crate::helpers::{spawn_app_configured, Browser, TestApp};

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(fixture_path("release-0022-policies.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn upgraded(fx: &Value) -> TestApp {
    let dir = Arc::new(TempDir::new().unwrap());
    std::fs::copy(
        fixture_path("release-0022-policies.db"),
        dir.path().join("holdpoint.db"),
    )
    .unwrap();
    let public_url = fx["publicUrl"].as_str().unwrap().parse().unwrap();
    let now = fx["readAtMs"].as_i64().unwrap();
    spawn_app_configured(dir, now, |s| s.public_url = Some(public_url)).await
}

fn key<'a>(fx: &'a Value, kind: &str) -> &'a str {
    fx["keys"][kind].as_str().unwrap()
}

fn watch<'a>(fx: &'a Value, label: &str) -> &'a str {
    fx["pauses"][label]["watchId"].as_str().unwrap()
}

async fn call(app: &TestApp, key: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let mut req = app
        .api
        .request(method.parse().unwrap(), app.url(path))
        .bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    json!({ "status": status, "body": body })
}

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    call(app, key, "POST", path, Some(body)).await
}

async fn get(app: &TestApp, key: &str, path: &str) -> Value {
    let answer = call(app, key, "GET", path, None).await;
    assert_eq!(answer["status"], 200, "{path}: {answer}");
    answer["body"].clone()
}

/// The members this version added to a pause, taken out of it.
#[rustfmt::skip]
const NEW_MEMBERS: [&str; 7] =
    ["group", "requiredApprovals", "approvalsNeeded", "votes", "onTimeout", "overdue", "receipt"];

fn split_new(mut pause: Value) -> (Value, Map<String, Value>) {
    let o = pause.as_object_mut().unwrap();
    let added = NEW_MEMBERS
        .iter()
        .filter_map(|m| o.remove(*m).map(|v| (m.to_string(), v)))
        .collect();
    (pause, added)
}

/// What the new members must say of a pause the release answered `old`: one approval, expire,
/// unrouted, the release's one decision (approve or reject) as its one vote, and no receipt
/// (nothing signed decisions before receipts).
fn expected_new_members(old: &Value) -> Value {
    let status = old["status"].as_str().unwrap();
    let votes = match status {
        "approved" | "rejected" => json!([{
            "by": old["decidedBy"],
            "approved": status == "approved",
            "reason": old["reason"],
            "at": old["decidedAt"],
        }]),
        _ => json!([]),
    };
    json!({
        "group": null,
        "requiredApprovals": 1,
        "approvalsNeeded": if status == "pending" { 1 } else { 0 },
        "votes": votes,
        "onTimeout": "expire",
        "receipt": null,
    })
}

#[tokio::test]
async fn every_pause_of_the_policies_release_reads_back_as_it_answered_with_one_approval_and_its_vote(
) {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let live = key(&fx, "live");
    let pauses = fx["pauses"].as_object().unwrap();
    assert_eq!(pauses.len(), 14, "the fixture's pauses");
    for (label, entry) in pauses {
        let now = get(&app, live, &format!("/api/pause/{}", watch(&fx, label))).await;
        let (now, added) = split_new(now);
        assert_eq!(now, entry["read"], "{label}: as the release answered");
        let want = expected_new_members(&entry["read"]);
        assert_eq!(Value::Object(added), want, "{label}: the new members");
    }
    let by_policy = &pauses["rule_rejected"]["read"];
    assert_eq!(by_policy["decidedBy"]["type"], "policy", "{by_policy}");

    let list = get(&app, live, "/api/pause?limit=200").await;
    let mut items = list["items"].as_array().unwrap().clone();
    for item in items.iter_mut() {
        let (old, added) = split_new(item.take());
        assert_eq!(Value::Object(added), expected_new_members(&old), "{old}");
        *item = old;
    }
    let page = |v: &Value| (v["total"].clone(), v["limit"].clone(), v["offset"].clone());
    assert_eq!(page(&list), page(&fx["list"]));
    assert_eq!(&Value::Array(items), &fx["list"]["items"]);
}

#[tokio::test]
async fn the_rules_and_settings_of_the_policies_release_read_back_as_it_answered() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let admin = key(&fx, "admin");
    let rules = get(&app, admin, "/api/rules").await;
    let items = rules["items"].as_array().unwrap();
    assert_eq!(items.len(), 7, "{rules}");
    for (now, then) in items.iter().zip(fx["rules"]["items"].as_array().unwrap()) {
        let mut now = now.clone();
        let route = now.as_object_mut().unwrap().remove("routeTo");
        assert!(matches!(route, None | Some(Value::Null)), "{now}: no route");
        assert_eq!(&now, then, "as the release answered");
        let one = get(&app, admin, &format!("/api/rules/{}", then["id"])).await;
        assert_eq!(one["name"], then["name"]);
    }

    let mut want = fx["settings"].clone();
    let defaults = json!({"routeTo": {}, "minApprovals": {}, "noSelfApproval": false,
        "remindAt": 0.5, "escalateAt": 0.8, "escalateTo": null, "onTimeout": "expire",
        "receiptTtlSeconds": 900, "stepUp": false, "keysMayDecideCritical": true});
    want.as_object_mut()
        .unwrap()
        .extend(defaults.as_object().unwrap().clone());
    assert_eq!(get(&app, admin, "/api/policy/settings").await, want);
}

/// A new live pause's status and who decided it ("" for nobody).
async fn verdict(app: &TestApp, fx: &Value, body: Value) -> (String, String) {
    let made = post(app, key(fx, "live"), "/api/pause", body).await;
    assert_eq!(made["status"], 201, "{made}");
    let p = &made["body"];
    let by = p["decidedBy"]["name"].as_str().unwrap_or("");
    (p["status"].as_str().unwrap().into(), by.into())
}

#[tokio::test]
async fn the_rules_of_the_policies_release_still_decide_after_the_rebuild_and_count_their_hits() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let refund = json!({"action": "Refund", "tool": "refund", "risk": "high",
                        "metadata": {"customer": "cust_123"}});
    let delete = json!({"action": "Delete", "tool": "delete_user"});
    // The expired rule and the disabled one do not act: the dial (35) decides.
    let export = json!({"action": "Export", "tool": "export_csv", "risk": "high"});
    let drop = json!({"action": "Drop", "tool": "drop_x", "agent": "db-bot", "risk": "low"});
    let want = [
        (refund, "approved", "refunds for cust_123"),
        (delete, "rejected", "no deletes"),
        (export, "pending", ""),
        (drop, "approved", "autonomy:supervised"),
    ];
    for (body, status, by) in want {
        let got = verdict(&app, &fx, body.clone()).await;
        assert_eq!(got, (status.to_string(), by.to_string()), "{body}");
    }
    let rules = get(&app, key(&fx, "admin"), "/api/rules").await;
    let hits: Vec<&Value> = rules["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["hits"])
        .collect();
    assert_eq!(
        hits,
        [2, 2, 0, 1, 0, 0, 1]
            .map(|h| json!(h))
            .iter()
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_pending_pause_of_the_policies_release_is_decided_by_one_approval() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let approver = Browser::new(&app.address);
    let res = approver
        .login("approver@fixture.example", "approver-fixture-password")
        .await;
    assert_eq!(res.status(), 303, "the release's approver signs in");
    let w = watch(&fx, "pending");
    let res = approver.decide(w, true, Some("one is enough")).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let p = get(&app, key(&fx, "live"), &format!("/api/pause/{w}")).await;
    assert_eq!(p["status"], "approved", "{p}");
    assert_eq!(p["approvalsNeeded"], 0);
    assert_eq!(p["decidedBy"]["email"], "approver@fixture.example");
    assert_eq!(p["votes"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["votes"][0]["reason"], "one is enough");

    // The release's decide key decides the other one alone too; a second vote is too late.
    let other = watch(&fx, "pending_unnamed");
    let path = format!("/api/pause/{other}/approve");
    let decide = key(&fx, "decide");
    let first = post(&app, decide, &path, json!({"approved": false})).await;
    assert_eq!(first["status"], 200, "{first}");
    assert_eq!(first["body"]["status"], "rejected", "{first}");
    let res = approver.decide(other, true, None).await;
    assert_eq!(res.status(), 409, "decided already");
}

#[tokio::test]
async fn pauses_of_the_policies_release_expire_at_their_deadline_as_before() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let live = key(&fx, "live");
    let expired = watch(&fx, "expired");
    app.sweep().await;
    let p = get(&app, live, &format!("/api/pause/{expired}")).await;
    assert_eq!(p["status"], "expired", "{p}");
    let list = get(&app, live, "/api/pause?status=expired").await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["watchId"], expired);
    let path = format!("/api/pause/{expired}/approve");
    let late = post(&app, key(&fx, "decide"), &path, json!({"approved": true})).await;
    assert_eq!(late["status"], 409, "{late}");

    // The pending one, past its 30 days, reads expired (not rejected, not overdue).
    let pending = watch(&fx, "pending");
    app.clock.advance_secs(2_592_001);
    let p = get(&app, live, &format!("/api/pause/{pending}")).await;
    assert_eq!(
        (&p["status"], &p["overdue"], &p["decidedBy"]),
        (&json!("expired"), &Value::Null, &Value::Null),
        "{p}"
    );
    app.sweep().await;
    assert_eq!(app.stored_status(pending), "expired");
}

#[tokio::test]
async fn the_upgraded_policies_database_passes_the_integrity_and_foreign_key_checks() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let check =
        app.with_db(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))?));
    assert_eq!(check.unwrap(), "ok");
    let broken = app.count("SELECT count(*) FROM pragma_foreign_key_check");
    assert_eq!(broken, 0, "no dangling reference");
    let version = app.count("PRAGMA user_version");
    assert!(version > 21, "0023 ran (user_version {version})");
    assert_eq!(app.count("SELECT count(*) FROM policy_rules"), 7);
    let kept =
        "SELECT count(*) FROM policy_rules WHERE route_to IS NULL AND hits + shadow_hits > 0";
    assert_eq!(
        app.count(kept),
        5,
        "every rule's counters kept, none routed"
    );
    assert_eq!(app.count("SELECT count(*) FROM pause_responses"), 10);
    let one = "SELECT count(*) FROM pauses WHERE required_approvals = 1 AND on_timeout = 'expire'
               AND group_id IS NULL AND escalated_at IS NULL";
    assert_eq!(app.count(one), 14);
}

#[tokio::test]
async fn after_the_upgrade_a_route_rule_fits_the_rebuilt_rules_table_and_routes_a_new_pause() {
    let fx = fixture();
    let app = upgraded(&fx).await;
    let admin = key(&fx, "admin");
    let group = json!({"name": "finance", "members": ["approver@fixture.example"]});
    let made = post(&app, admin, "/api/groups", group).await;
    assert_eq!(made["status"], 201, "{made}");
    let rule = json!({"name": "wires to finance", "effect": "route", "routeTo": "finance",
                      "match": {"tool": "wire_*"}});
    let made = post(&app, admin, "/api/rules", rule).await;
    assert_eq!(made["status"], 201, "{made}");
    assert_eq!(made["body"]["id"], 8, "after the release's seven: {made}");
    let pause = json!({"action": "Wire EUR 5000", "tool": "wire_transfer", "risk": "high"});
    let made = post(&app, key(&fx, "live"), "/api/pause", pause).await;
    assert_eq!(made["status"], 201, "{made}");
    assert_eq!(
        (&made["body"]["status"], &made["body"]["group"]),
        (&json!("pending"), &json!("finance")),
        "{made}"
    );
    let stored =
        "SELECT count(*) FROM policy_rules WHERE effect = 'route' AND route_to = 'finance'";
    assert_eq!(app.count(stored), 1);
}
