//! With `--password-login=false` people sign in only through the identity provider, so the
//! pages that would give someone a password (an invitation's sign-up, "forgot password") say
//! where to sign in instead of setting a password nobody could use. An invited person's account
//! is linked at their first single sign-on (by the invited email).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use super::layout::html_status;
use super::pages::ErrorPage;
use crate::error::PageError;
use crate::http::AppState;

/// The page to answer instead, when passwords are off; None when they are on.
pub fn refuse(state: &AppState) -> Option<Result<HttpResponse, PageError>> {
    if state.settings.password_login {
        return None;
    }
    let provider = state
        .settings
        .oidc
        .as_ref()
        .map_or("single sign-on", |o| o.name.as_str());
    let detail = format!(
        "This Holdpoint signs people in through your identity provider only: use “{provider}” on \
         the sign-in page (/login). An invitation is linked to your account at your first sign-in \
         there, by its email."
    );
    Some(html_status(
        StatusCode::FORBIDDEN,
        &ErrorPage {
            title: "Password sign-in is turned off",
            detail: &detail,
        },
    ))
}
