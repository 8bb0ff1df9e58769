//! The code step's limits: 5 wrong codes in 15 minutes lock it for 15 minutes (a right code is
//! not even checked meanwhile), and the per-IP budget the sign-in form has.

use std::sync::Arc;

use tempfile::TempDir;

use crate::helpers::{spawn_app, spawn_app_configured};
use crate::two_factor_support::*;

#[tokio::test]
async fn five_wrong_codes_each_get_401_and_then_the_step_answers_429_for_fifteen_minutes() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let (secret, codes) = enrol(&app, &browser).await;
    next_step(&app);
    let pending = password_only(&app, &app.owner_email).await;
    for i in 1..=5 {
        let res = submit_code(&pending, "123456").await;
        assert_eq!(res.status(), 401, "wrong code {i} of 5 is still checked");
    }
    let right = code_now(&app, &secret);
    let res = submit_code(&pending, &right).await;
    assert_eq!(res.status(), 429, "one past the limit, even a right code");
    assert_eq!(res.headers()["retry-after"], "900");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Too many wrong codes. Try again in 15 minutes."),
        "{html}"
    );
    // A recovery code offered while locked is not used up.
    assert_eq!(submit_code(&pending, &codes[0]).await.status(), 429);
    assert_eq!(pending.get("/").await.status(), 303, "still not signed in");

    app.clock.advance_secs(14 * 60 + 59);
    let again = password_only(&app, &app.owner_email).await;
    let res = submit_code(&again, &code_now(&app, &secret)).await;
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("Try again in 1 minute."));

    app.clock.advance_secs(1);
    let after = password_only(&app, &app.owner_email).await;
    let res = submit_code(&after, &codes[0]).await;
    assert_eq!(
        res.status(),
        303,
        "unlocked after 15 minutes; the code was never used"
    );
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn four_wrong_codes_leave_the_step_open_and_a_right_code_clears_the_count() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    let (secret, _) = enrol(&app, &browser).await;
    next_step(&app);
    let pending = password_only(&app, &app.owner_email).await;
    for _ in 0..4 {
        assert_eq!(submit_code(&pending, "654321").await.status(), 401);
    }
    assert_eq!(
        submit_code(&pending, &code_now(&app, &secret))
            .await
            .status(),
        303
    );
    next_step(&app);
    let later = password_only(&app, &app.owner_email).await;
    for _ in 0..4 {
        assert_eq!(
            submit_code(&later, "654321").await.status(),
            401,
            "counted anew"
        );
    }
    let failed = "SELECT count(*) FROM audit_log WHERE event = 'auth.second_factor_failed'";
    assert_eq!(app.count(failed), 8, "every wrong code is audited");
}

#[tokio::test]
async fn codes_past_the_per_ip_budget_get_a_429_page_naming_sign_in_codes() {
    let app = spawn_app_configured(
        Arc::new(TempDir::new().unwrap()),
        holdpoint::domain::clock::system_now(),
        |s| s.limits.ip_per_minute = 3,
    )
    .await;
    let browser = app.sign_in(&app.owner_email).await;
    let (secret, _) = enrol(&app, &browser).await;
    next_step(&app);
    let pending = password_only(&app, &app.owner_email).await;
    for _ in 0..3 {
        assert_eq!(
            submit_code(&pending, "111111").await.status(),
            401,
            "within the budget"
        );
    }
    let res = submit_code(&pending, &code_now(&app, &secret)).await;
    assert_eq!(res.status(), 429);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Too many sign-in codes from your network"),
        "{html}"
    );
}
