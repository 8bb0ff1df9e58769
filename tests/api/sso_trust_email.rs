//! `--oidc-trust-email`: Microsoft Entra ID sends no `email_verified` claim, so by default its
//! people could never be matched to an invitation; with the flag a missing claim counts as
//! verified, and an explicit `email_verified: false` is still refused.

use reqwest::StatusCode;

use crate::helpers::Browser;
use crate::sso_provider::{app_with, claims, invite, location, sign_on, Provider};

#[tokio::test]
async fn an_email_without_email_verified_is_refused_unless_the_provider_is_trusted() {
    let name = "an_email_without_email_verified_is_refused_unless_the_provider_is_trusted";
    let Some(op) = Provider::start(name) else {
        return;
    };
    let app = app_with(op.settings(), |_| {}).await;
    invite(&app, "ida@example.com");
    let absent = claims("ida-1", "ida@example.com", "email_verified=absent");
    let res = sign_on(&Browser::new(&app.address), &absent).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let mut trusted = op.settings();
    trusted.trust_email = true;
    let app = app_with(trusted, |_| {}).await;
    invite(&app, "ida@example.com");
    let res = sign_on(&Browser::new(&app.address), &absent).await;
    assert_eq!(location(&res).path(), "/");

    invite(&app, "jo@example.com");
    let unverified = claims("jo-1", "jo@example.com", "email_verified=false");
    let res = sign_on(&Browser::new(&app.address), &unverified).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
