//! The "set a new password" email of the sign-in page's "Forgot password?". The link's token is
//! made when the email is prepared (see `domain::password_resets::token_for_email`), so the raw
//! token lives only in the email, as one-click decision tokens do.

use askama::Template;

use super::mailer::{compose, send_composed};
use crate::domain::outbox::{AttemptResult, Message};
use crate::domain::password_resets::{self, EMAIL_TTL_MS};
use crate::domain::{human_time_rfc, rfc3339, Millis};
use crate::error::AppResult;
use crate::services::Services;

#[derive(Template)]
#[template(path = "email/reset.html")]
struct HtmlBody<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "email/reset.txt")]
struct TextBody<'a> {
    v: &'a View,
}

struct View {
    email: String,
    reset_url: String,
    expires_at: String,
    base_url: String,
}

/// A link ready to send: its raw token and when the request (hence the link) expires.
pub struct Ready {
    token: String,
    expires_at: Millis,
}

/// Makes the link's token, or None when the link can no longer be used (the email is skipped).
pub fn prepare(
    conn: &crate::db::sql::Connection,
    now: Millis,
    payload: &str,
) -> AppResult<Option<Ready>> {
    let reset_id = serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v["reset_id"].as_i64());
    let Some(reset_id) = reset_id else {
        return Ok(None);
    };
    let expires_at: Option<Millis> = conn
        .query_row(
            "SELECT expires_at FROM password_resets WHERE id = ?1",
            [reset_id],
            |r| r.get(0),
        )
        .ok();
    let token = password_resets::token_for_email(conn, now, reset_id)?;
    Ok(token.map(|token| Ready {
        token,
        expires_at: expires_at.unwrap_or(now + EMAIL_TTL_MS),
    }))
}

pub async fn send(services: &Services, msg: &Message, ready: &Ready) -> AttemptResult {
    let base_url = services.base_url();
    let view = View {
        email: msg.target.clone(),
        reset_url: format!("{base_url}/reset-password/{}", ready.token),
        expires_at: human_time_rfc(&rfc3339(ready.expires_at)),
        base_url,
    };
    let html = HtmlBody { v: &view };
    let text = TextBody { v: &view };
    let email = compose(
        &services.mailer,
        msg,
        "Set a new password for Holdpoint",
        &html,
        &text,
    );
    send_composed(&services.mailer, email).await
}
