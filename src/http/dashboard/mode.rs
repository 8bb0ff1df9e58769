//! The "Test data" switch in every page's header: a session sees either live pauses or test
//! pauses (those made with `hitl_test_` keys), like a payment provider's test mode, never both
//! mixed. The mode is kept with the session (see [`sessions::set_test_mode`]).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::forms::{post_only, CsrfForm};
use super::layout::{is_local_path, redirect_with};
use crate::domain::sessions;
use crate::error::{AppError, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(cfg, [("/mode", web::post().to(switch))]);
}

#[derive(Deserialize)]
pub struct SwitchForm {
    /// `on` (test data) or `off` (live data). Defaulted so a form without it is refused for
    /// its CSRF token first, like every other form.
    #[serde(default)]
    test: String,
    /// The page to go back to; anything but a local path goes to the queue.
    #[serde(default)]
    back: String,
}

pub async fn switch(
    state: State,
    CsrfForm { signed, form }: CsrfForm<SwitchForm>,
) -> Result<HttpResponse, PageError> {
    let on = match form.test.as_str() {
        "on" => true,
        "off" => false,
        other => {
            let detail = format!("the Test data switch is `on` or `off`, not `{other}`");
            return Err(AppError::BadRequest(detail).into());
        }
    };
    let hash = signed.session.token_hash;
    state
        .writer
        .run(move |ctx| Ok(sessions::set_test_mode(ctx.conn, &hash, on)?))
        .await?;
    let back = match is_local_path(&form.back) {
        true => form.back.as_str(),
        false => "/",
    };
    let text = match on {
        true => "Test data is on: you now see only test pauses.",
        false => "Test data is off: you now see only live pauses.",
    };
    Ok(redirect_with(&state, &signed, back, "notice", text))
}
