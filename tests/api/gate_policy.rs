//! The policies' allow rules in front of the Claude Code hook: a rule on `tool` `Bash` and a
//! `context.command` glob lets harmless commands through at once, decided by the policy, while
//! anything else still waits for a person.

use serde_json::json;

use crate::gate_hook::payload;
use crate::gate_support::{approve, hook, read};
use crate::helpers::spawn_app;
use crate::policy::add_rule;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allow_rule_on_bash_commands_lets_ls_through_and_rm_waits_for_a_person() {
    let app = spawn_app().await;
    for (name, glob) in [("list files", "ls *"), ("git status", "git status*")] {
        add_rule(
            &app,
            json!({"name": name, "effect": "allow",
                              "match": {"tool": "Bash", "context": {"command": glob}}}),
        )
        .await;
    }
    for (command, rule) in [
        ("ls -la", "list files"),
        ("git status --short", "git status"),
    ] {
        let ls = payload("PreToolUse", "Bash", json!({"command": command}));
        let done = hook(&app, &["--risk", "Bash=high"], &ls).done().await;
        assert_eq!(done.code, 0);
        assert!(!done.err.contains("waiting for a decision"), "{}", done.err);
        let reason = format!("Approved by policy {rule} in Holdpoint");
        assert_eq!(
            done.json(),
            json!({"hookSpecificOutput": {"hookEventName": "PreToolUse",
            "permissionDecision": "allow", "permissionDecisionReason": reason}})
        );
    }
    let rm = payload("PreToolUse", "Bash", json!({"command": "rm -rf /"}));
    let mut gate = hook(&app, &["--risk", "Bash=high"], &rm);
    let id = gate.pending_watch_id().await;
    let pending = read(&app, &id).await;
    assert_eq!(
        (
            pending["status"].as_str(),
            pending["policy"]["result"].as_str()
        ),
        (Some("pending"), Some("wait"))
    );
    approve(&app, &id).await;
    let out = gate.done().await.json();
    assert_eq!(out["hookSpecificOutput"]["permissionDecision"], "allow");
    assert!(out["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap()
        .contains("decider"));
}
