//! TOTP enrolment and the code step in a real browser (e2e/two_factor.mjs): the inline QR code
//! under the strict CSP, axe on each page, screenshots for the tour.

use crate::browser::run_browser_script;
use crate::helpers::spawn_empty_app;

#[tokio::test]
async fn totp_is_set_up_from_the_account_page_and_asked_at_the_next_sign_in_in_a_real_browser() {
    let app = spawn_empty_app().await;
    if run_browser_script("two_factor.mjs", &app).await.is_none() {
        return;
    }
    let used = "SELECT count(*) FROM recovery_codes WHERE used_at IS NOT NULL";
    assert_eq!(
        app.count(used),
        2,
        "a step-up and a sign-in, each with a recovery code"
    );
    let enabled = "SELECT count(*) FROM audit_log WHERE event = 'user.two_factor_enabled'";
    assert_eq!(app.count(enabled), 1);
    let auth = "SELECT count(*) FROM pause_responses WHERE auth = 'signup+recovery_code'";
    assert_eq!(
        app.count(auth),
        1,
        "the critical pause was decided with a step-up (in the session first-run setup made)"
    );
}
