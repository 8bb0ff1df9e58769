//! Rules as code and key caps from the command line (issue 18).

use serde_json::{json, Value};

use crate::cli::holdpoint;
use crate::helpers::spawn_app;
use crate::policy::{add_rule, set_level};

#[tokio::test]
async fn rules_exported_then_imported_elsewhere_decide_the_same_and_a_bad_file_changes_nothing() {
    let app = spawn_app().await;
    let dir = app.dir.path();
    add_rule(
        &app,
        json!({"name": "refunds", "effect": "allow", "maxRisk": "medium",
        "note": "small refunds", "match": {"tool": "refund_*", "metadata": {"customer": "c1"}}}),
    )
    .await;
    add_rule(
        &app,
        json!({"name": "no-drop", "effect": "deny", "shadow": true,
        "match": {"tool": "drop_*", "context": {"table": "users*"}}}),
    )
    .await;
    let (ok, exported, err) = holdpoint(dir, &["rules", "export", "-"], None);
    assert!(ok, "{err}");
    let file: Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(file["rules"].as_array().unwrap().len(), 2);
    let (ok, ws, _) = holdpoint(dir, &["workspace", "create", "Copy"], None);
    assert!(ok);
    let ws = ws.trim();
    let (ok, _, err) = holdpoint(
        dir,
        &["rules", "import", "--workspace", ws, "-"],
        Some(&exported),
    );
    assert!(ok, "{err}");
    let (ok, again, _) = holdpoint(dir, &["rules", "export", "--workspace", ws, "-"], None);
    assert!(ok);
    let again: Value = serde_json::from_str(&again).unwrap();
    let specs = |v: &Value| -> Vec<Value> {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut r = r.clone();
                for k in [
                    "id",
                    "createdAt",
                    "updatedAt",
                    "createdBy",
                    "hits",
                    "lastHitAt",
                    "shadowHits",
                ] {
                    r.as_object_mut().unwrap().remove(k);
                }
                r
            })
            .collect()
    };
    assert_eq!(specs(&again), specs(&file));
    let mut broken = file.clone();
    broken["rules"][1]["match"]["tool"] = json!("[oops");
    broken["rules"][0]["note"] = json!("changed");
    let (ok, _, err) = holdpoint(
        dir,
        &["rules", "import", "--workspace", ws, "-"],
        Some(&broken.to_string()),
    );
    assert!(!ok && err.contains("rules[1].match.tool"), "{err}");
    let (_, after, _) = holdpoint(dir, &["rules", "export", "--workspace", ws, "-"], None);
    let after: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(specs(&after), specs(&file), "all or nothing");
    let imported = app.count("SELECT count(*) FROM audit_log WHERE event = 'rules.imported'");
    assert_eq!(imported, 1);
}

#[tokio::test]
async fn a_key_created_with_an_autonomy_cap_only_lowers_the_level() {
    let app = spawn_app().await;
    set_level(&app, 60, false).await;
    let (ok, key, err) = holdpoint(app.dir.path(), &["key", "create", "--autonomy", "10"], None);
    assert!(ok, "{err}");
    let res = app
        .post_pause_with(key.trim(), &json!({"action": "a", "risk": "low"}))
        .await;
    let p: Value = res.json().await.unwrap();
    assert_eq!(
        (&p["status"], &p["policy"]["autonomyLevel"]),
        (&json!("pending"), &json!(10))
    );
    let (ok, _, _) = holdpoint(
        app.dir.path(),
        &["key", "create", "--autonomy", "101"],
        None,
    );
    assert!(!ok);
}
