//! Passkeys in a real browser: Chromium's virtual authenticator (DevTools `WebAuthn` domain)
//! enrols one, uses it as a step-up and as the whole sign-in (e2e/passkeys.mjs). Browsers give
//! passkeys only to a named host, so this server's public URL is `http://localhost:<port>`.

use std::sync::Arc;

use holdpoint::domain::clock::system_now;
use tempfile::TempDir;

use crate::browser::run_browser_script_with;
use crate::helpers::{spawn_app_configured, TestApp};

/// A server reached as `http://localhost:<port>` (the relying party `localhost`), with passkey
/// sign-in on. The port is picked first, since the public URL must name it.
pub async fn spawn_named_app() -> TestApp {
    spawn_named_app_with(|_| {}).await
}

/// [`spawn_named_app`] with more settings changed.
pub async fn spawn_named_app_with(
    configure: impl FnOnce(&mut holdpoint::config::Settings) + Send + 'static,
) -> TestApp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = Arc::new(TempDir::new().unwrap());
    let mut app = spawn_app_configured(dir, system_now(), move |s| {
        s.bind = format!("127.0.0.1:{port}").parse().unwrap();
        s.public_url = Some(format!("http://localhost:{port}").parse().unwrap());
        s.passkey_login = true;
        configure(s);
    })
    .await;
    app.address = format!("http://localhost:{port}");
    app
}

#[tokio::test]
async fn a_passkey_is_enrolled_used_for_step_up_and_signs_in_alone_in_a_real_browser() {
    let app = spawn_named_app().await;
    let Some(shots) = run_browser_script_with("passkeys.mjs", &app, Vec::new()).await else {
        return;
    };
    // What the browser did is in the database: one passkey, used; a step-up; a passkey sign-in.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM passkeys WHERE name = 'Work laptop' AND last_used_at IS NOT NULL"
        ),
        1
    );
    for event in ["user.passkey_added", "auth.stepped_up"] {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM audit_log WHERE event = '{event}'"
            )),
            1,
            "{event}"
        );
    }
    assert_eq!(
        app.count(
            "SELECT count(*) FROM sessions
             WHERE method = 'passkey' AND factor = 'passkey' AND pending IS NULL"
        ),
        1,
        "the passkey alone made a full session"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE event = 'auth.signed_in'
             AND details LIKE '%\"passkey+passkey\"%'"
        ),
        1
    );
    for shot in [
        "passkey-enrol-phone",
        "passkey-enrolled-desktop",
        "passkey-login-phone",
        "passkeys-desktop",
    ] {
        assert!(
            shots.join(format!("{shot}.png")).exists(),
            "{shot}.png was taken"
        );
    }
}
