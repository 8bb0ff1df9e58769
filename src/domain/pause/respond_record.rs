//! What a recorded response writes besides the pause: its audit row (with a question's
//! answers) and its `pause_responses` row, which uses up an email link that carried it.

use crate::db::sql::{params, Connection};
use serde_json::json;

use super::{ActiveResponder, Pause, Responder, Response};
use crate::domain::audit::Entry;
use crate::domain::{decision_links, questions, Millis};
use crate::error::AppResult;

/// The decision's audit row: how it arrived, the reason, and a question's answers.
pub(super) fn audit_entry(
    who: &ActiveResponder,
    responder: Responder,
    pause: &Pause,
    response: &Response,
    (reason, response_json): (&Option<String>, &Option<String>),
) -> Entry {
    let mut details = json!({ "reason": reason, "via": responder.via().as_str() });
    if let Some(auth) = auth_label(responder) {
        details["auth"] = auth.into();
    }
    if let Some(answers) = questions::answers_of(response_json.as_deref()) {
        details["answers"] = answers;
    }
    Entry {
        workspace_id: Some(who.workspace_id),
        actor: who.actor(),
        event: response.event(),
        subject: Some(pause.watch_id.to_string()),
        details: Some(details),
    }
}

/// How a person deciding authenticated (`password+totp`…); none for keys, links and policy.
fn auth_label(responder: Responder) -> Option<String> {
    match responder {
        Responder::User { auth, .. } => Some(auth.label()),
        _ => None,
    }
}

/// What one `pause_responses` row says besides who and when.
pub(super) struct Recorded {
    pub kind: &'static str,
    pub reason: Option<String>,
    pub response_json: Option<String>,
}

pub(super) fn record(
    conn: &Connection,
    now: Millis,
    pause: &Pause,
    who: &ActiveResponder,
    responder: Responder,
    r: Recorded,
) -> AppResult<i64> {
    let inserted_id: i64 = conn.prepare_cached(
        "INSERT INTO pause_responses (pause_id, responder_type, user_id, api_key_id, kind, reason,
                                      via, response_json, created_at, auth)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
    )?
    .query_row(params![
        pause.id,
        match (responder, who.key) {
            (Responder::Policy { .. }, _) => "policy",
            (_, Some(_)) => "key",
            (_, None) => "user",
        },
        who.user_id,
        who.key.map(|k| k.id),
        r.kind,
        r.reason,
        responder.via().as_str(),
        r.response_json,
        now,
        auth_label(responder)
    ], |r| r.get::<_, i64>(0))?;
    let id = inserted_id;
    match responder {
        Responder::EmailLink { link_id, .. } => {
            decision_links::mark_used(conn, now, link_id)?;
        }
        Responder::PushLink { link_id, .. } => {
            crate::domain::push_links::mark_used(conn, now, link_id)?;
        }
        _ => {}
    }
    Ok(id)
}
