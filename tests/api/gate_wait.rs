//! `holdpoint wait` against a real server: the exit status is the decision (0, 1, 2), any error
//! is 3 (usage errors too), stdout is the final pause and stderr the page to decide on.

use serde_json::json;

use crate::gate_support::{approve, closed_port, read, reject, start, wait};
use crate::helpers::spawn_app;
use crate::policy::add_rule;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_exits_0_with_the_final_pause_on_stdout_and_its_page_on_stderr() {
    let app = spawn_app().await;
    let mut gate = wait(
        &app,
        &[
            "Deploy v2.4.1 to prod",
            "--context",
            r#"{"commit":"a3f9b2e"}"#,
            "--risk",
            "critical",
            "--tool",
            "deploy",
            "--agent",
            "ci",
            "--run",
            "run-7",
            "--timeout",
            "30m",
        ],
    );
    let id = gate.pending_watch_id().await;
    assert!(
        gate.err.contains(&format!("{}/pauses/{id}", app.address)),
        "{}",
        gate.err
    );
    let pending = read(&app, &id).await;
    assert_eq!(pending["context"], json!({"commit": "a3f9b2e"}));
    assert_eq!(
        (pending["risk"].as_str(), pending["tool"].as_str()),
        (Some("critical"), Some("deploy"))
    );
    assert_eq!(
        (pending["agent"].as_str(), pending["run"].as_str()),
        (Some("ci"), Some("run-7"))
    );
    assert_eq!(seconds_to_decide(&app), 1800);
    approve(&app, &id).await;
    let done = gate.done().await;
    assert_eq!(done.code, 0, "{}", done.err);
    let pause = done.json();
    assert_eq!(
        (pause["watchId"].as_str(), pause["status"].as_str()),
        (Some(id.as_str()), Some("approved"))
    );
    assert!(
        done.err.contains("approved by the API key decider"),
        "{}",
        done.err
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_exits_1_and_says_why() {
    let app = spawn_app().await;
    let mut gate = wait(&app, &["Drop the staging database"]);
    let id = gate.pending_watch_id().await;
    reject(&app, &id, "not during the freeze").await;
    let done = gate.done().await;
    assert_eq!(done.code, 1);
    assert_eq!(done.json()["reason"], "not during the freeze");
    assert!(
        done.err
            .contains("rejected by the API key decider: not during the freeze"),
        "{}",
        done.err
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deny_rule_rejects_at_once_and_exits_1() {
    let app = spawn_app().await;
    add_rule(
        &app,
        json!({"name": "no prod deploys", "effect": "deny", "note": "frozen",
                          "match": {"tool": "deploy"}}),
    )
    .await;
    let done = wait(&app, &["Deploy", "--tool", "deploy"]).done().await;
    assert_eq!(done.code, 1, "{}", done.err);
    assert_eq!(
        done.json()["decidedBy"],
        json!({"type": "policy", "name": "no prod deploys"})
    );
    assert!(done.err.contains("decided at once"), "{}", done.err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_rejection_exits_1_and_an_expiry_exits_2() {
    let app = spawn_app().await;
    for (on_timeout, status, code) in [("reject", "rejected", 1), ("expire", "expired", 2)] {
        let mut gate = wait(
            &app,
            &[
                "Rotate keys",
                "--timeout",
                "10s",
                "--on-timeout",
                on_timeout,
            ],
        );
        let id = gate.pending_watch_id().await;
        app.clock.advance_secs(11);
        app.sweep().await;
        let done = gate.done().await;
        assert_eq!(
            (done.code, done.json()["status"].as_str()),
            (code, Some(status)),
            "{}",
            done.err
        );
        assert_eq!(done.json()["watchId"], id.as_str());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_pause_exits_2_and_the_longest_timeout_is_taken() {
    let app = spawn_app().await;
    let mut gate = wait(&app, &["Migrate", "--timeout", "30d"]);
    let id = gate.pending_watch_id().await;
    assert_eq!(seconds_to_decide(&app), 2_592_000);
    assert_eq!(app.cancel_pause(&app.key, &id).await.status(), 200);
    let done = gate.done().await;
    assert_eq!(
        (done.code, done.json()["status"].as_str()),
        (2, Some("cancelled"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_prints_the_chosen_answer_alone() {
    let app = spawn_app().await;
    let mut gate = wait(
        &app,
        &[
            "--question",
            "Which region?",
            "--option",
            "eu-west",
            "--option",
            "us-east",
        ],
    );
    let id = gate.pending_watch_id().await;
    let pause = read(&app, &id).await;
    assert_eq!(
        (pause["kind"].as_str(), pause["action"].as_str()),
        (Some("question"), Some("Which region?"))
    );
    let res = app
        .api
        .post(app.url(&format!("/api/pause/{id}/answer")))
        .bearer_auth(crate::gate_support::decider(&app))
        .json(&json!({"answers": {"Which region?": "us-east"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let done = gate.done().await;
    assert_eq!(
        (done.code, done.out.as_str()),
        (0, "us-east\n"),
        "{}",
        done.err
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_3_and_help_exits_0() {
    let app = spawn_app().await;
    let cases: &[(&[&str], &str)] = &[
        (&[], "<ACTION>"),
        (&["x", "--timeout", "9s"], "from 10 s to 2592000 s"),
        (&["x", "--timeout", "2592001"], "from 10 s to 2592000 s"),
        (&["x", "--timeout", "31d"], "from 10 s"),
        (&["x", "--timeout", "5x"], "N (seconds), Ns, Nm, Nh or Nd"),
        (&["x", "--timeout", "1.5h"], "N (seconds), Ns, Nm, Nh or Nd"),
        (&["x", "--risk", "extreme"], "low, medium, high, critical"),
        (&["x", "--context", "{not json"], "not JSON"),
        (&["x", "--option", "A"], "--question"),
        (&["x", "--no-such-flag"], "--no-such-flag"),
    ];
    for (args, says) in cases {
        let done = wait(&app, args).done().await;
        assert_eq!(done.code, 3, "{args:?}: {}", done.err);
        assert!(done.err.contains(says), "{args:?}: {}", done.err);
        assert!(done.out.is_empty());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM pauses"), 0);
    let help = wait(&app, &["--help"]).done().await;
    assert_eq!(help.code, 0);
    assert!(help.out.contains("--timeout"));
    let keyless = start(&app.address, "", &["wait", "x"], "").done().await;
    assert_eq!(keyless.code, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_problem_from_the_api_exits_3_with_its_title_and_detail_and_no_key_shown() {
    let app = spawn_app().await;
    let done = wait(&app, &["x", "--tool", "not a tool name!"])
        .done()
        .await;
    assert_eq!(done.code, 3);
    assert!(done.err.contains("422 Invalid request"), "{}", done.err);
    assert!(done.err.contains("tool"), "{}", done.err);
    let wrong = start(&app.address, "hitl_live_wrong", &["wait", "x"], "")
        .done()
        .await;
    assert_eq!(wrong.code, 3);
    assert!(wrong.err.contains("401"), "{}", wrong.err);
    assert!(!wrong.err.contains("hitl_live_wrong") && !done.err.contains(&app.key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_exits_3_once_the_reconnect_time_is_over_and_flags_beat_the_environment(
) {
    let done = start(
        &closed_port(),
        "hitl_live_x",
        &["wait", "x", "--reconnect-for", "0s"],
        "",
    )
    .done()
    .await;
    assert_eq!(done.code, 3);
    assert!(
        done.err.contains("cannot connect to the server"),
        "{}",
        done.err
    );
}

/// The newest pause's time to decide, in seconds (the database keeps milliseconds).
fn seconds_to_decide(app: &crate::helpers::TestApp) -> i64 {
    app.count("SELECT (expires_at - created_at) / 1000 FROM pauses ORDER BY id DESC LIMIT 1")
}
