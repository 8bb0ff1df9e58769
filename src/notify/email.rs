//! The email channel: a new pause, rendered at send time from the pause as it then stands,
//! with one-click links made in the same moment (their raw tokens live only in the email).

use askama::Template;

use super::mailer::{compose, send_composed};
use crate::domain::decision_links::{self, Tokens};
use crate::domain::event_type::EventType;
use crate::domain::identity::step_up;
use crate::domain::ids::{PauseId, UserId};
use crate::domain::outbox::{AttemptResult, Message};
use crate::domain::pauses::{self, Pause, Status};
use crate::domain::text::mark_bidi;
use crate::domain::{human_time_rfc, notifications, plans, questions, rfc3339, users};
use crate::error::AppResult;
use crate::markdown;
use crate::services::Services;

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

/// Everything both bodies show, computed once. Agent text is escaped by the HTML template, and
/// its bidi controls are marked here for the subject and both bodies.
pub struct View {
    pub action: String,
    pub context: Option<String>,
    pub truncated: bool,
    pub expires_at: String,
    pub approve_url: String,
    pub reject_url: String,
    pub pause_url: String,
    pub base_url: String,
    /// A question pause's questions: the email then has one link to the answer page instead
    /// of Approve and Reject.
    pub questions: Option<Vec<String>>,
    pub answer_url: String,
    /// A plan's Markdown as sent (the text part) and rendered by [`markdown::to_html`] (the
    /// HTML part); None for other kinds.
    pub plan: Option<String>,
    pub plan_html: Option<String>,
    /// The pause needs step-up: one link to its page, which asks for the second factor, instead
    /// of Approve and Reject (a link never decides such a pause).
    pub step_up: bool,
    pub step_up_url: String,
}

impl View {
    pub fn new(pause: &Pause, base_url: &str, tokens: &Tokens, step_up: bool) -> View {
        let pretty = pause.context.as_deref().map(|c| {
            serde_json::from_str::<serde_json::Value>(c)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or_else(|_| c.to_string())
        });
        let plan = plans::text(pause).map(|p| mark_bidi(&p).into_owned());
        let truncated = pretty
            .as_ref()
            .is_some_and(|c| c.chars().count() > CONTEXT_CHARS);
        View {
            action: mark_bidi(&pause.action).into_owned(),
            context: pretty.map(|c| {
                mark_bidi(&c.chars().take(CONTEXT_CHARS).collect::<String>()).into_owned()
            }),
            truncated,
            expires_at: human_time_rfc(&rfc3339(pause.expires_at)),
            approve_url: format!("{base_url}{}", tokens.approve_path()),
            reject_url: format!("{base_url}{}", tokens.reject_path()),
            pause_url: format!("{base_url}/pauses/{}", pause.watch_id),
            base_url: base_url.to_string(),
            questions: questions::questions_of(pause.request_json.as_deref()).map(|qs| {
                qs.iter()
                    .map(|q| mark_bidi(&q.question).into_owned())
                    .collect()
            }),
            answer_url: format!("{base_url}{}", tokens.answer_path()),
            plan_html: plan.as_deref().map(markdown::to_html),
            plan,
            step_up,
            step_up_url: format!("{base_url}{}", step_up::step_up_path(&pause.watch_id)),
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
        let what = match (&self.plan, &self.questions) {
            (Some(_), _) => "Plan review needed",
            (_, Some(_)) => "Answer needed",
            (None, None) => "Approval needed",
        };
        format!("{what}: {}", action.trim())
    }
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
    unwanted(user, wants)
}

/// Why the recipient should not get an email (gone, disabled or opted out), if so.
fn unwanted(user: Option<&users::User>, wants: bool) -> Option<String> {
    match user {
        Some(u) if !u.disabled && wants => None,
        Some(u) if u.disabled => Some("not sent: the user was disabled".into()),
        Some(_) => Some("not sent: the user turned email notifications off".into()),
        None => Some("not sent: the user no longer exists".into()),
    }
}

/// What became of a queued email at preparation: ready to send (with fresh one-click links),
/// or already settled with this outcome.
pub enum Prepared {
    /// The pause, its links, and whether it needs step-up.
    Ready(Box<(Pause, Tokens, bool)>),
    /// An "expired without a decision" email (see `expired_email`): no links to make.
    Expired(Box<Pause>),
    /// A "set a new password" email (see `reset_email`), its link made.
    Reset(Box<super::reset_email::Ready>),
    /// The hourly digest of policy approvals (see `digest_email`).
    Digest(Box<super::digest_email::Ready>),
    /// The warning that an API key expires within 7 days (see `key_expiry_email`).
    KeyExpiry(Box<super::key_expiry_email::Ready>),
    Settled(AttemptResult),
}

/// Prepares a batch of queued emails in ONE writer job: reads each pause and user and makes the
/// links of those still worth sending. A request decided (or a user disabled or opted out)
/// before its turn came is not emailed: it is settled as [`AttemptResult::Skipped`] with the reason.
/// One job per batch rather than per email keeps notifications off the writer's critical path.
pub async fn prepare(services: &Services, msgs: &[Message]) -> AppResult<Vec<Prepared>> {
    let now = services.now();
    let wanted: Vec<(Option<PauseId>, Option<UserId>, EventType, String)> = msgs
        .iter()
        .map(|m| (m.pause_id, m.user_id, m.event, m.payload.clone()))
        .collect();
    services
        .writer
        .run(move |ctx| {
            wanted
                .into_iter()
                .map(|(pause, user, event, payload)| match event {
                    EventType::UserPasswordResetRequested => prepare_reset(ctx.conn, now, &payload),
                    EventType::PolicyDigest => prepare_digest(ctx.conn, user, &payload),
                    EventType::KeyExpiryWarned => prepare_key_expiry(ctx.conn, user, &payload),
                    _ => prepare_one(ctx.conn, now, (pause, user, event)),
                })
                .collect()
        })
        .await
}

fn prepare_reset(
    conn: &crate::db::sql::Connection,
    now: i64,
    payload: &str,
) -> AppResult<Prepared> {
    Ok(match super::reset_email::prepare(conn, now, payload)? {
        Some(ready) => Prepared::Reset(Box::new(ready)),
        None => Prepared::Settled(AttemptResult::Skipped {
            note: "not sent: the link was replaced, used or expired, or the user disabled".into(),
        }),
    })
}

fn prepare_digest(
    conn: &crate::db::sql::Connection,
    user: Option<UserId>,
    payload: &str,
) -> AppResult<Prepared> {
    Ok(match super::digest_email::prepare(conn, user, payload)? {
        Ok(ready) => Prepared::Digest(Box::new(ready)),
        Err(note) => Prepared::Settled(AttemptResult::Skipped { note }),
    })
}

fn prepare_key_expiry(
    conn: &crate::db::sql::Connection,
    user: Option<UserId>,
    payload: &str,
) -> AppResult<Prepared> {
    Ok(
        match super::key_expiry_email::prepare(conn, user, payload)? {
            Ok(ready) => Prepared::KeyExpiry(Box::new(ready)),
            Err(note) => Prepared::Settled(AttemptResult::Skipped { note }),
        },
    )
}

fn prepare_one(
    conn: &crate::db::sql::Connection,
    now: i64,
    ids: (Option<PauseId>, Option<UserId>, EventType),
) -> AppResult<Prepared> {
    let (Some(pause_id), Some(user_id), event) = ids else {
        return Ok(Prepared::Settled(permanent(
            "an email message without a pause or user".into(),
        )));
    };
    let skipped = |note: String| Ok(Prepared::Settled(AttemptResult::Skipped { note }));
    let Some(pause) = pauses::get_by_id(conn, pause_id)? else {
        return skipped("not sent: the request no longer exists".into());
    };
    let user = users::get(conn, user_id)?;
    let wants = notifications::email_enabled(conn, user_id).unwrap_or(false);
    if event == EventType::PauseExpired {
        // Its news is the expiry itself: only the recipient must still want it.
        return match unwanted(user.as_ref(), wants) {
            Some(why) => skipped(why),
            None => Ok(Prepared::Expired(Box::new(pause))),
        };
    }
    if let Some(why) = stale(&pause, now, user.as_ref(), wants) {
        return skipped(why);
    }
    let tokens = decision_links::create(conn, now, &pause, user_id)?;
    let step_up = step_up::pause_needs(conn, &pause)?;
    Ok(Prepared::Ready(Box::new((pause, tokens, step_up))))
}

/// Sends one prepared email.
pub async fn send(
    services: &Services,
    msg: &Message,
    pause: &Pause,
    tokens: &Tokens,
    step_up: bool,
) -> AttemptResult {
    let view = View::new(pause, &services.base_url(), tokens, step_up);
    let (html, text) = (HtmlBody { v: &view }, TextBody { v: &view });
    let email = compose(&services.mailer, msg, &view.subject(), &html, &text);
    send_composed(&services.mailer, email).await
}

fn permanent(error: String) -> AttemptResult {
    AttemptResult::Failed {
        status: None,
        error,
        retry_after: None,
        permanent: true,
    }
}
