//! The email that tells an owner a key expires within 7 days (see `domain::key_expiry`). The key
//! is read again when the email is prepared: a key revoked in between, or a recipient no longer
//! an active owner, is not emailed. The key's name is escaped by the HTML template and its bidi
//! controls are marked here (it is typed by people and by keys with `admin`).

use askama::Template;

use super::mailer::{compose, send_composed};
use crate::domain::ids::UserId;
use crate::domain::outbox::{AttemptResult, Message};
use crate::domain::text::mark_bidi;
use crate::domain::users::{self, Role};
use crate::domain::{human_time_rfc, key_expiry, rfc3339, Millis};
use crate::error::AppResult;
use crate::services::Services;

#[derive(Template)]
#[template(path = "email/key_expiry.html")]
struct HtmlBody<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "email/key_expiry.txt")]
struct TextBody<'a> {
    v: &'a View,
}

/// A warning still worth sending: the key as it will be named.
pub struct Ready {
    name: String,
    prefix: String,
    expires_at: Millis,
}

struct View {
    name: String,
    prefix: String,
    expires_at: String,
    keys_url: String,
    base_url: String,
}

/// The warning's key and recipient, read now; `Err` with the reason to skip it otherwise.
pub fn prepare(
    conn: &crate::db::sql::Connection,
    user_id: Option<UserId>,
    payload: &str,
) -> AppResult<Result<Ready, String>> {
    let Some((key_id, name, prefix, expires_at)) = key_expiry::read_payload(payload) else {
        return Ok(Err("not sent: the warning names no key".into()));
    };
    let user = match user_id {
        Some(id) => users::get(conn, id)?,
        None => None,
    };
    let revoked: Option<Option<Millis>> = conn
        .query_row(
            "SELECT revoked_at FROM api_keys WHERE id = ?1",
            [key_id],
            |r| r.get(0),
        )
        .ok();
    Ok(match (user, revoked) {
        (_, None | Some(Some(_))) => Err("not sent: the key was revoked".into()),
        (None, _) => Err("not sent: the user no longer exists".into()),
        (Some(u), _) if u.disabled => Err("not sent: the user was disabled".into()),
        (Some(u), _) if u.role != Role::Owner => {
            Err("not sent: the user is no longer an owner".into())
        }
        _ => Ok(Ready {
            name,
            prefix,
            expires_at,
        }),
    })
}

impl View {
    fn subject(&self) -> String {
        let name: String = (self.name.chars())
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(80)
            .collect();
        format!(
            "Holdpoint: API key “{}” expires {}",
            name.trim(),
            self.expires_at
        )
    }
}

pub async fn send(services: &Services, msg: &Message, ready: &Ready) -> AttemptResult {
    let base_url = services.base_url();
    let view = View {
        name: mark_bidi(&ready.name).into_owned(),
        prefix: ready.prefix.clone(),
        expires_at: human_time_rfc(&rfc3339(ready.expires_at)),
        keys_url: format!("{base_url}/keys"),
        base_url,
    };
    let (html, text) = (HtmlBody { v: &view }, TextBody { v: &view });
    let email = compose(&services.mailer, msg, &view.subject(), &html, &text);
    send_composed(&services.mailer, email).await
}
