//! `holdpoint doctor` with single sign-on configured: one more line, saying whether the
//! provider answers discovery from this machine (a wrong issuer is the usual first mistake).

use std::os::unix::fs::PermissionsExt;

use crate::doctor::{closed_port, doctor, migrated};
use crate::sso_provider::{Provider, CLIENT_ID, CLIENT_SECRET};

fn sso_line(issuer: &str) -> (bool, String) {
    let dir = migrated();
    let secret = dir.path().join("oidc-secret");
    std::fs::write(&secret, CLIENT_SECRET).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let args = [
        "--oidc-issuer",
        issuer,
        "--oidc-client-id",
        CLIENT_ID,
        "--oidc-client-secret-file",
        secret.to_str().unwrap(),
    ];
    let (ok, lines, stderr) = doctor(dir.path(), &args);
    let line = lines
        .iter()
        .find(|l| l.contains("single sign-on"))
        .unwrap_or_else(|| panic!("no single sign-on line: {lines:?} {stderr}"))
        .clone();
    (ok, line)
}

#[tokio::test]
async fn doctor_says_the_identity_provider_answers_discovery() {
    let Some(op) = Provider::start("doctor_says_the_identity_provider_answers_discovery") else {
        return;
    };
    let (_, line) = sso_line(&op.issuer);
    assert!(
        line.starts_with(&format!(
            "ok single sign-on: {} answers discovery",
            op.issuer
        )),
        "{line}"
    );
}

#[tokio::test]
async fn doctor_says_what_to_fix_when_the_identity_provider_cannot_be_reached() {
    let issuer = format!("http://{}/realms/acme", closed_port());
    let (ok, line) = sso_line(&issuer);
    assert!(!ok);
    assert!(
        line.starts_with("FIX: single sign-on: discovery at"),
        "{line}"
    );
    assert!(line.contains("check --oidc-issuer"), "{line}");
}
