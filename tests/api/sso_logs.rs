//! Single sign-on logs no authorization code, `state`, token or client secret: the real binary
//! at `HOLDPOINT_LOG=trace`, a sign-on that works and one the ID token's check refuses.

use reqwest::StatusCode;

use crate::helpers::Browser;
use crate::logged_server::LoggedServer;
use crate::sso_provider::{
    at_provider, begin, claims, get, location, param, with_param, Provider, CLIENT_ID,
    CLIENT_SECRET,
};

#[tokio::test]
async fn single_sign_on_logs_no_code_state_or_client_secret_even_at_trace() {
    let name = "single_sign_on_logs_no_code_state_or_client_secret_even_at_trace";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    let secret = dir.path().join("oidc-client-secret");
    std::fs::write(&secret, format!("{CLIENT_SECRET}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let server = LoggedServer::start(
        dir.path(),
        false,
        &[
            ("HOLDPOINT_OIDC_ISSUER", op.issuer.as_str()),
            ("HOLDPOINT_OIDC_CLIENT_ID", CLIENT_ID),
            (
                "HOLDPOINT_OIDC_CLIENT_SECRET_FILE",
                secret.to_str().unwrap(),
            ),
            ("HOLDPOINT_OIDC_ALLOWED_DOMAINS", "example.com"),
        ],
    );
    let browser = Browser::new(&server.base);
    let who = claims("zed-1", "zed@example.com", "amr=pwd,mfa");
    let good = at_provider(&browser, begin(&browser, "/auth/oidc/start").await, &who).await;
    let res = get(&browser, good.clone()).await;
    assert_eq!(location(&res).path(), "/");

    let authorize = with_param(
        &begin(&browser, "/auth/oidc/start").await,
        "nonce",
        "forged",
    );
    let bad = at_provider(&browser, authorize, &who).await;
    assert_eq!(
        get(&browser, bad.clone()).await.status(),
        StatusCode::BAD_GATEWAY
    );

    let log = server.stop();
    assert!(
        log.contains("single sign-on refused"),
        "the capture holds the refusal"
    );
    for (what, secret) in [
        ("authorization code", param(&good, "code")),
        ("authorization code", param(&bad, "code")),
        ("state", param(&good, "state")),
        ("state", param(&bad, "state")),
        ("client secret", CLIENT_SECRET.to_string()),
        ("a JWT", "eyJ".to_string()),
    ] {
        assert!(!log.contains(&secret), "the log holds the {what}");
    }
}
