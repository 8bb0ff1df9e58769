//! The email channel: a new pause, rendered at send time from the pause as it then stands,
//! with one-click links made in the same moment (their raw tokens live only in the email).

use askama::Template;
use lettre::message::MultiPart;
use lettre::Message as Email;

use super::mailer::{classify, Mailer};
use crate::domain::decision_links::{self, Tokens};
use crate::domain::outbox::{Message, Outcome};
use crate::domain::pauses::{self, Pause, Status};
use crate::domain::{human_time_rfc, notifications, rfc3339, users};
use crate::error::AppResult;
use crate::http::AppState;

/// Subject lines longer than this are cut (clients truncate them anyway).
const SUBJECT_CHARS: usize = 100;
/// The context shown in the email; the rest is a click away on the pause page.
const CONTEXT_CHARS: usize = 2000;

#[derive(Template)]
#[template(path = "email/pause.html")]
struct HtmlBody<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "email/pause.txt")]
struct TextBody<'a> {
    v: &'a View,
}

/// Everything both bodies show, computed once. Agent text is escaped by the HTML template.
pub struct View {
    pub action: String,
    pub context: Option<String>,
    pub truncated: bool,
    pub expires_at: String,
    pub approve_url: String,
    pub reject_url: String,
    pub pause_url: String,
    pub base_url: String,
}

impl View {
    pub fn new(pause: &Pause, base_url: &str, tokens: &Tokens) -> View {
        let pretty = pause.context.as_deref().map(|c| {
            serde_json::from_str::<serde_json::Value>(c)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or_else(|_| c.to_string())
        });
        let truncated = pretty
            .as_ref()
            .is_some_and(|c| c.chars().count() > CONTEXT_CHARS);
        View {
            action: pause.action.clone(),
            context: pretty.map(|c| c.chars().take(CONTEXT_CHARS).collect()),
            truncated,
            expires_at: human_time_rfc(&rfc3339(pause.expires_at)),
            approve_url: format!("{base_url}/d/{}", tokens.approve),
            reject_url: format!("{base_url}/d/{}", tokens.reject),
            pause_url: format!("{base_url}/pauses/{}", pause.watch_id),
            base_url: base_url.to_string(),
        }
    }

    /// "Approval needed: <action>", on one line and at most [`SUBJECT_CHARS`] of the action.
    pub fn subject(&self) -> String {
        let one_line: String = self
            .action
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut action: String = one_line.chars().take(SUBJECT_CHARS).collect();
        if one_line.chars().count() > SUBJECT_CHARS {
            action.push('…');
        }
        format!("Approval needed: {}", action.trim())
    }
}

/// Builds the multipart/alternative email. `msg_id` becomes the Message-ID, so a resend after
/// an unknown outcome can be recognised as the same message by the recipient's mail system.
pub fn build(mailer: &Mailer, to: &str, msg_id: &str, view: &View) -> Result<Email, String> {
    let to = to
        .parse()
        .map_err(|e| format!("`{to}` is not a valid recipient: {e}"))?;
    let html = HtmlBody { v: view }.render().map_err(|e| e.to_string())?;
    let text = TextBody { v: view }.render().map_err(|e| e.to_string())?;
    Email::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(view.subject())
        .message_id(Some(format!("<{msg_id}@holdpoint>")))
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| e.to_string())
}

/// Why a queued email is no longer worth sending, if it is not.
fn stale(pause: &Pause, now: i64, user: Option<&users::User>, wants: bool) -> Option<String> {
    let status = pause.status(now);
    if status != Status::Pending {
        return Some(format!(
            "not sent: the request was already {}",
            status.as_str()
        ));
    }
    match user {
        Some(u) if !u.disabled && wants => None,
        Some(u) if u.disabled => Some("not sent: the user was disabled".into()),
        Some(_) => Some("not sent: the user turned email notifications off".into()),
        None => Some("not sent: the user no longer exists".into()),
    }
}

/// Sends one queued email. A request decided (or a user disabled or opted out) before its turn
/// came is not emailed: the attempt is recorded as [`Outcome::Skipped`] with the reason.
pub async fn deliver(state: &AppState, msg: &Message) -> AppResult<Outcome> {
    let (Some(pause_id), Some(user_id)) = (msg.pause_id, msg.user_id) else {
        return Ok(permanent("an email message without a pause or user".into()));
    };
    let now = state.now();
    let to = msg.target.clone();
    let found = state
        .writer
        .run(move |ctx| {
            let Some(pause) = pauses::get_by_id(ctx.conn, pause_id)? else {
                return Ok(Err("not sent: the request no longer exists".to_string()));
            };
            let user = users::get(ctx.conn, user_id)?;
            let wants = notifications::email_enabled(ctx.conn, user_id).unwrap_or(false);
            if let Some(why) = stale(&pause, now, user.as_ref(), wants) {
                return Ok(Err(why));
            }
            let tokens = decision_links::create(ctx.conn, now, &pause, user_id)?;
            Ok(Ok((pause, tokens)))
        })
        .await?;
    let (pause, tokens) = match found {
        Ok(found) => found,
        Err(note) => return Ok(Outcome::Skipped { note }),
    };
    let view = View::new(&pause, &state.base_url(), &tokens);
    let email = match build(&state.mailer, &to, &msg.msg_id, &view) {
        Ok(e) => e,
        Err(e) => return Ok(permanent(e)),
    };
    Ok(match state.mailer.send(email).await {
        Ok(()) => Outcome::Delivered { status: None },
        Err(e) => classify(&e),
    })
}

fn permanent(error: String) -> Outcome {
    Outcome::Failed {
        status: None,
        error,
        retry_after: None,
        permanent: true,
    }
}
