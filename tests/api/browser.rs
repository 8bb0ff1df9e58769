//! The dashboard in a real browser: Debian's chromium driven by playwright-core (e2e/), against
//! the real server started on port 0. `./test` installs both.

use std::path::{Path, PathBuf};

use crate::helpers::{spawn_app, spawn_empty_app};

/// Runs `e2e/<script>` with node against `app` (base URL, key, screenshot directory) and
/// returns where the screenshots went, or `None` when HOLDPOINT_SKIP_BROWSER is set.
pub(crate) async fn run_browser_script(
    script: &str,
    app: &crate::helpers::TestApp,
) -> Option<PathBuf> {
    run_browser_script_with(script, app, Vec::new()).await
}

/// [`run_browser_script`] with extra environment variables for the script.
pub(crate) async fn run_browser_script_with(
    script: &str,
    app: &crate::helpers::TestApp,
    env: Vec<(&'static str, String)>,
) -> Option<PathBuf> {
    if std::env::var_os("HOLDPOINT_SKIP_BROWSER").is_some() {
        let name = format!("browser:{script}");
        crate::skips::skip_or_fail(&name, "HOLDPOINT_SKIP_BROWSER is set");
        return None;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "the browser test needs Chromium at {chromium}: `apt-get install chromium` (./test does it), \
         or set HOLDPOINT_SKIP_BROWSER=1 to skip it"
    );
    assert!(
        root.join("e2e/node_modules/playwright-core").exists(),
        "the browser test needs playwright-core: `npm ci --prefix e2e` (./test does it)"
    );
    let shots = root.join("target/screenshots");
    let args = [
        root.join("e2e").join(script).display().to_string(),
        app.address.clone(),
        app.key.clone(),
        shots.display().to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .args(args)
            .envs(env)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs (install Node.js 18 or newer)");
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the browser run of {script} failed:\n{log}"
    );
    // Measurements the scripts report (density, navigation height) go to the test's output.
    for line in log.lines().filter(|l| l.starts_with("MEASURED")) {
        println!("{script}: {line}");
    }
    Some(shots)
}

#[tokio::test]
async fn the_dashboard_works_end_to_end_in_a_real_browser() {
    let app = spawn_empty_app().await;
    let Some(shots) = run_browser_script("dashboard.mjs", &app).await else {
        return;
    };
    // What the browser did is really in the database.
    let approved: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT reason FROM pauses WHERE status = 'approved'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(approved, "Checked the migration, ship it");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'pause.rejected'"),
        1
    );
    for shot in [
        "queue-phone",
        "queue-desktop",
        "pause-phone",
        "pause-desktop",
        "history-phone",
        "audit-desktop",
        "webhooks-desktop",
        "settings-desktop",
    ] {
        assert!(
            shots.join(format!("{shot}.png")).exists(),
            "{shot}.png was taken"
        );
    }
}

#[tokio::test]
async fn questions_plans_and_edits_work_end_to_end_in_a_real_browser() {
    let app = spawn_empty_app().await;
    let Some(shots) = run_browser_script("kinds.mjs", &app).await else {
        return;
    };
    // What the browser did is really in the database.
    assert_eq!(
        app.count("SELECT count(*) FROM pause_responses WHERE kind = 'request_changes'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM pause_responses WHERE kind = 'answer'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE event = 'pause.approved' AND details LIKE '%before%'"),
        1
    );
    for shot in [
        "plan-phone",
        "plan-desktop",
        "question-phone",
        "question-desktop",
        "edit-phone",
        "edit-desktop",
    ] {
        assert!(
            shots.join(format!("{shot}.png")).exists(),
            "{shot}.png was taken"
        );
    }
}

#[tokio::test]
async fn agents_are_paused_guided_resumed_and_stopped_from_the_agents_page_in_a_real_browser() {
    let app = spawn_empty_app().await;
    let Some(shots) = run_browser_script("agents.mjs", &app).await else {
        return;
    };
    // Pause, guide, resume, stop, lift, cancel: each audited as the signed-in owner.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE event LIKE 'agent%' AND actor_type = 'user'"
        ),
        6
    );
    for shot in [
        "agents-phone",
        "agents-desktop",
        "agent-phone",
        "agents-stopped-desktop",
    ] {
        assert!(
            shots.join(format!("{shot}.png")).exists(),
            "{shot}.png was taken"
        );
    }
}

#[tokio::test]
async fn every_page_fits_a_phone_in_both_themes_and_the_phone_navigation_is_at_most_64_px() {
    let app = spawn_empty_app().await;
    let Some(shots) = run_browser_script("visual.mjs", &app).await else {
        return;
    };
    // The script checks sizes, themes and the tz cookie (and prints the navigation's height);
    // the owner's choice was saved.
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE theme = 'dark'"),
        1
    );
    for shot in [
        "visual-history-phone-dark",
        "visual-agents-desktop-light",
        "visual-menu-phone",
    ] {
        assert!(
            shots.join(format!("{shot}.png")).exists(),
            "{shot}.png was taken"
        );
    }
}

#[tokio::test]
async fn the_inbox_is_driven_by_the_keyboard_at_both_widths_in_a_real_browser() {
    let app = spawn_empty_app().await;
    let Some(shots) = run_browser_script("inbox.mjs", &app).await else {
        return;
    };
    // What the keys and the plain forms did is really in the database.
    let decided = |status: &str, reason: &str| {
        app.count(&format!(
            "SELECT count(*) FROM pauses WHERE status = '{status}' AND reason = '{reason}'"
        ))
    };
    assert_eq!(decided("approved", "Checked, ship it"), 1);
    assert_eq!(decided("rejected", "Not on a Friday"), 1);
    assert_eq!(decided("approved", "Plain form"), 1);
    assert_eq!(decided("approved", "Batch ship"), 3);
    // Pending pauses fully in view with 10 pending, at 1280×800 and 390×844.
    let density = std::fs::read_to_string(shots.join("density.txt")).unwrap();
    println!("{}", density.trim());
    let desktop: usize = density
        .split_whitespace()
        .find_map(|w| w.strip_prefix("desktop="))
        .and_then(|n| n.parse().ok())
        .expect("the script measured the desktop density");
    assert!(desktop >= 8, "{density}");
    for shot in [
        "inbox-desktop",
        "inbox-phone",
        "inbox-pause-phone",
        "inbox-batch-desktop",
    ] {
        assert!(
            shots.join(format!("{shot}.png")).exists(),
            "{shot}.png was taken"
        );
    }
}

#[tokio::test]
async fn every_dashboard_page_passes_axe_in_both_themes_at_desktop_and_phone_widths() {
    let app = spawn_empty_app().await;
    // The rules page is scanned with a suggestion on it.
    let decider = crate::rules_page::decide_key(&app);
    crate::rules_page::seed_approvals(&app, &decider, "send_report", "reporter", 20).await;
    let mail = app.dir.path().join("mail").display().to_string();
    run_browser_script_with("a11y.mjs", &app, vec![("HOLDPOINT_MAIL_DIR", mail)]).await;
}

#[tokio::test]
async fn a_suggested_rule_is_created_in_shadow_mode_and_turned_on_in_a_real_browser() {
    let app = spawn_empty_app().await;
    let decider = crate::rules_page::decide_key(&app);
    crate::rules_page::seed_approvals(&app, &decider, "send_report", "reporter", 20).await;
    let Some(shots) = run_browser_script("rules.mjs", &app).await else {
        return;
    };
    // What the browser did is really in the database: one rule, on, one shadow hit, one hit,
    // created and turned on by the signed-in owner.
    let rule: (bool, bool, i64, i64) = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT enabled, shadow, shadow_hits, hits FROM policy_rules
                 WHERE name = 'suggested:send_report:reporter'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?)
        })
        .unwrap();
    assert_eq!(rule, (true, false, 1, 1));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE event IN ('rule.created', 'rule.changed')
             AND actor_type = 'user'"
        ),
        2
    );
    for shot in ["rules-phone", "rules-desktop", "rule-form-phone"] {
        assert!(
            shots.join(format!("{shot}.png")).exists(),
            "{shot}.png was taken"
        );
    }
}

#[tokio::test]
async fn two_people_approve_a_pause_needing_two_and_it_resolves_on_the_second_in_a_real_browser() {
    let app = spawn_app().await;
    app.set_billing_plan(1, "pro");
    app.add_user(
        1,
        "ann@example.com",
        holdpoint::domain::users::Role::Approver,
    );
    let Some(shots) = run_browser_script("votes.mjs", &app).await else {
        return;
    };
    // Two votes, each a response of its own person, and the second decided it.
    let votes = "SELECT count(DISTINCT user_id) FROM pause_responses WHERE kind = 'approve'";
    assert_eq!(app.count(votes), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM pauses WHERE status = 'approved'"),
        1
    );
    assert!(shots.join("votes-recorded-desktop.png").exists());
}

#[tokio::test]
async fn a_person_sets_their_push_topic_on_the_account_page_in_a_real_browser() {
    let app = spawn_empty_app().await;
    if run_browser_script("push.mjs", &app).await.is_none() {
        return;
    }
    let topic: Option<String> = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT ntfy_topic FROM users WHERE email = 'owner@example.com'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(topic.as_deref(), Some("olivia-phone-7Qx2"));
    let audited = app.count(
        "SELECT count(*) FROM audit_log WHERE event = 'user.notifications_changed'
         AND json_extract(details, '$.ntfyTopic') = 1",
    );
    assert_eq!(audited, 1);
}
