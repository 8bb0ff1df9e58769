//! A dashboard session ends 12 hours after sign-in however active it is (the idle timeout of
//! 30 minutes is tested in sign_in.rs): checked a minute before the end and exactly at it.

use crate::helpers::{spawn_app, Browser, TestApp};
use crate::settle::flush_writer;

/// A request every 25 minutes (inside the 30-minute idle timeout) for `minutes`, each one's
/// activity committed before the clock moves on.
async fn stay_active(app: &TestApp, browser: &Browser, minutes: i64) {
    let mut left = minutes;
    while left > 0 {
        let step = left.min(25);
        app.clock.advance_secs(step * 60);
        left -= step;
        let res = browser.get("/").await;
        assert_eq!(res.status(), 200, "{left} minutes before the planned end");
        flush_writer(app).await;
    }
}

#[tokio::test]
async fn an_active_session_lasts_until_12_hours_after_sign_in_and_ends_exactly_then() {
    let app = spawn_app().await;
    let browser = app.sign_in(&app.owner_email).await;
    stay_active(&app, &browser, 12 * 60 - 1).await;
    assert_eq!(
        browser.get("/settings").await.status(),
        200,
        "still signed in at 11 h 59 min"
    );
    app.clock.advance_secs(60);
    let res = browser.get("/").await;
    assert_eq!(res.status(), 303, "signed out at 12 h");
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
}
