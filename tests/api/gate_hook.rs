//! `holdpoint hook claude-code` with Claude Code's payloads: the pause it makes, and exactly the
//! JSON Claude Code reads for each event (PreToolUse, PermissionRequest), exit 0 every time;
//! `--on-error` decides when no person did or Holdpoint could not be asked.

use serde_json::{json, Value};

use crate::gate_support::{approve, closed_port, decide, decider, hook, read, reject, start};
use crate::helpers::spawn_app;

pub fn payload(event: &str, tool: &str, input: Value) -> Value {
    json!({
        "session_id": "0f6d2c9e-5b7a-4c3e-9d1a-2b8f7e6a5c4d",
        "transcript_path": "/home/dev/.claude/projects/repo/0f6d.jsonl",
        "cwd": "/home/dev/repo",
        "hook_event_name": event,
        "tool_name": tool,
        "tool_input": input,
        "tool_use_id": "toolu_01ABC",
    })
}

fn bash(event: &str, command: &str) -> Value {
    payload(
        event,
        "Bash",
        json!({"command": command, "description": "clean"}),
    )
}

fn pre_tool_use(decision: &str, reason: &str) -> Value {
    json!({"hookSpecificOutput": {"hookEventName": "PreToolUse",
        "permissionDecision": decision, "permissionDecisionReason": reason}})
}

fn permission_request(behavior: &str, message: &str) -> Value {
    json!({"hookSpecificOutput": {"hookEventName": "PermissionRequest",
        "decision": {"behavior": behavior, "message": message}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_tool_use_asks_with_the_tool_its_input_and_the_session_and_allows_once_approved() {
    let app = spawn_app().await;
    let mut gate = hook(
        &app,
        &["--risk", "Bash=critical", "--risk", "Read=low"],
        &bash("PreToolUse", "rm -rf build"),
    );
    let id = gate.pending_watch_id().await;
    let pause = read(&app, &id).await;
    assert_eq!(pause["action"], "Bash: rm -rf build");
    assert_eq!(pause["tool"], "Bash");
    assert_eq!(
        pause["context"],
        json!({"command": "rm -rf build", "description": "clean", "cwd": "/home/dev/repo"})
    );
    assert_eq!(pause["agent"], "claude-code");
    assert_eq!(pause["run"], "0f6d2c9e-5b7a-4c3e-9d1a-2b8f7e6a5c4d");
    assert_eq!(pause["risk"], "critical");
    approve(&app, &id).await;
    let done = gate.done().await;
    assert_eq!(done.code, 0, "{}", done.err);
    assert_eq!(
        done.json(),
        pre_tool_use("allow", "Approved by the API key decider in Holdpoint")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_denies_with_the_approvers_reason_in_both_formats() {
    let app = spawn_app().await;
    let mut gate = hook(&app, &[], &bash("PreToolUse", "git push --force"));
    let id = gate.pending_watch_id().await;
    reject(&app, &id, "never force-push main").await;
    let done = gate.done().await;
    let why = "Rejected by the API key decider in Holdpoint: never force-push main";
    assert_eq!((done.code, done.json()), (0, pre_tool_use("deny", why)));

    let mut gate = hook(&app, &[], &bash("PermissionRequest", "git push --force"));
    let id = gate.pending_watch_id().await;
    reject(&app, &id, "never force-push main").await;
    let done = gate.done().await;
    assert_eq!(
        (done.code, done.json()),
        (0, permission_request("deny", why))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_request_allows_once_approved_and_unknown_tools_are_high_risk() {
    let app = spawn_app().await;
    let write = payload(
        "PermissionRequest",
        "Write",
        json!({"file_path": "src/lib.rs", "content": "x"}),
    );
    let mut gate = start(
        &app.address,
        &app.key,
        &["hook", "claude-code", "--agent", "coder"],
        &write.to_string(),
    );
    let id = gate.pending_watch_id().await;
    let pause = read(&app, &id).await;
    assert_eq!(
        (pause["risk"].as_str(), pause["agent"].as_str()),
        (Some("high"), Some("coder"))
    );
    assert_eq!(pause["action"], "Write: src/lib.rs");
    approve(&app, &id).await;
    let done = gate.done().await;
    assert_eq!(
        done.json(),
        permission_request("allow", "Approved by the API key decider in Holdpoint")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_risk_comes_from_the_environment_unless_a_flag_names_the_tool() {
    let app = spawn_app().await;
    for (flags, tool, risk) in [
        (&[][..], "Read", "low"),
        (&["--risk", "Read=medium"][..], "Read", "medium"),
        (&[][..], "Glob", "critical"),
    ] {
        let mut cmd = vec!["hook", "claude-code"];
        cmd.extend_from_slice(flags);
        let body = payload("PreToolUse", tool, json!({"file_path": "a"})).to_string();
        let mut gate = start_with_env(
            &app.address,
            &app.key,
            &cmd,
            &body,
            ("HOLDPOINT_HOOK_RISK", "Read=low,*=critical"),
        );
        let id = gate.pending_watch_id().await;
        assert_eq!(read(&app, &id).await["risk"], risk, "{flags:?} {tool}");
        approve(&app, &id).await;
        assert_eq!(gate.done().await.code, 0);
    }
}

/// `start` with one more variable in the child's environment.
fn start_with_env(
    url: &str,
    key: &str,
    args: &[&str],
    stdin: &str,
    var: (&str, &str),
) -> crate::gate_support::Gate {
    crate::gate_support::start_env(url, key, args, stdin, &[var])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_and_cancellation_answer_what_on_error_says() {
    let app = spawn_app().await;
    let cases = [
        ("PreToolUse", "deny", Some(pre_tool_use("deny", "nobody decided in Holdpoint before the request expired (holdpoint hook --on-error deny)"))),
        ("PreToolUse", "ask", Some(pre_tool_use("ask", "nobody decided in Holdpoint before the request expired (holdpoint hook --on-error ask)"))),
        ("PermissionRequest", "deny", Some(permission_request("deny", "nobody decided in Holdpoint before the request expired (holdpoint hook --on-error deny)"))),
        // PermissionRequest has no "ask": nothing on stdout leaves Claude Code's own dialog.
        ("PermissionRequest", "ask", None),
    ];
    for (event, on_error, expected) in cases {
        let mut gate = hook(
            &app,
            &["--timeout", "10s", "--on-error", on_error],
            &bash(event, "make deploy"),
        );
        let id = gate.pending_watch_id().await;
        app.clock.advance_secs(11);
        app.sweep().await;
        let done = gate.done().await;
        assert_eq!(done.code, 0, "{}", done.err);
        match expected {
            Some(json) => assert_eq!(done.json(), json, "{event} {on_error}"),
            None => assert_eq!(done.out, "", "{event} {on_error}"),
        }
        assert_eq!(read(&app, &id).await["status"], "expired");
    }
    let mut gate = hook(&app, &[], &bash("PreToolUse", "make deploy"));
    let id = gate.pending_watch_id().await;
    assert_eq!(app.cancel_pause(&app.key, &id).await.status(), 200);
    let done = gate.done().await;
    let why = "the request was cancelled in Holdpoint (holdpoint hook --on-error deny)";
    assert_eq!(done.json(), pre_tool_use("deny", why));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_or_a_bad_payload_answers_what_on_error_says() {
    let url = closed_port();
    for (event, on_error) in [
        ("PreToolUse", "deny"),
        ("PreToolUse", "ask"),
        ("PermissionRequest", "deny"),
        ("PermissionRequest", "ask"),
    ] {
        let args = [
            "hook",
            "claude-code",
            "--reconnect-for",
            "0s",
            "--on-error",
            on_error,
        ];
        let done = start(&url, "hitl_live_x", &args, &bash(event, "ls").to_string())
            .done()
            .await;
        assert_eq!(done.code, 0, "{}", done.err);
        if event == "PermissionRequest" && on_error == "ask" {
            assert_eq!(done.out, "");
            continue;
        }
        let out = done.json();
        let (decision, reason) = match event {
            "PreToolUse" => (
                &out["hookSpecificOutput"]["permissionDecision"],
                &out["hookSpecificOutput"]["permissionDecisionReason"],
            ),
            _ => (
                &out["hookSpecificOutput"]["decision"]["behavior"],
                &out["hookSpecificOutput"]["decision"]["message"],
            ),
        };
        assert_eq!(decision, on_error, "{out}");
        let reason = reason.as_str().unwrap();
        assert!(
            reason.starts_with("Holdpoint could not be asked: cannot connect to the server"),
            "{reason}"
        );
        assert_eq!(out["hookSpecificOutput"]["hookEventName"], event);
    }
    for garbage in ["", "not json", r#"{"hook_event_name":"PermissionRequest"}"#] {
        let done = start(&url, "hitl_live_x", &["hook", "claude-code"], garbage)
            .done()
            .await;
        assert_eq!(done.code, 0);
        let out = done.json();
        let specific = &out["hookSpecificOutput"];
        let decision = specific["permissionDecision"]
            .as_str()
            .or(specific["decision"]["behavior"].as_str());
        assert_eq!(decision, Some("deny"), "{garbage}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mistyped_hook_command_exits_2_which_claude_code_reads_as_block() {
    let app = spawn_app().await;
    for args in [
        &["--risk", "Bash"][..],
        &["--on-error", "allow"][..],
        &["--timeout", "5s"][..],
    ] {
        let done = hook(&app, args, &bash("PreToolUse", "ls")).done().await;
        assert_eq!(done.code, 2, "{args:?}");
        assert!(done.err.contains("error:"), "{}", done.err);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM pauses"), 0);
    assert_eq!(hook(&app, &["--help"], &json!({})).done().await.code, 0);
    let no_agent_named = start(&app.address, &app.key, &["hook"], "{}").done().await;
    assert_eq!(no_agent_named.code, 2, "{}", no_agent_named.err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_allow_edits_the_approvers_edit_becomes_updated_input() {
    let app = spawn_app().await;
    let mut gate = hook(&app, &["--allow-edits"], &bash("PreToolUse", "rm -rf /"));
    let id = gate.pending_watch_id().await;
    assert_eq!(
        read(&app, &id).await["editable"],
        json!(["command", "description"])
    );
    let body = json!({"approved": true, "edits": {"command": "rm -rf ./build"}});
    decide(&app, &decider(&app), &id, body).await;
    let out = gate.done().await.json();
    assert_eq!(out["hookSpecificOutput"]["permissionDecision"], "allow");
    assert_eq!(
        out["hookSpecificOutput"]["updatedInput"],
        json!({"command": "rm -rf ./build", "description": "clean"})
    );
}
