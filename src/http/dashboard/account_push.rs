//! The account page's "Phone push" section: a person's own ntfy topic on the workspace's ntfy
//! server (`/account/push`). Its pushes carry Approve and Reject buttons for what the person may
//! decide (see `notify::ntfy`). Blank clears it; a topic that is not 1–64 of letters, digits,
//! `_` and `-` comes back as the page's error, with nothing written.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::forms::{form_result, post_only, CsrfForm};
use crate::app;
use crate::domain::channels;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::error::{AppError, AppResult, PageError};
use crate::http::State;
use crate::notify::redact::loggable_url;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(cfg, [("/account/push", web::post().to(save))]);
}

/// The section as the template shows it: the topic, and the server it is on (None: the
/// workspace has no ntfy server yet, so a topic would get nothing).
pub struct PushSection {
    pub topic: String,
    pub server: Option<String>,
}

pub fn load(
    conn: &crate::db::sql::Connection,
    ws: WorkspaceId,
    user: UserId,
) -> AppResult<PushSection> {
    Ok(PushSection {
        topic: crate::domain::notifications::user_topic(conn, user)?.unwrap_or_default(),
        server: channels::workspace(conn, ws)?
            .ntfy
            .map(|n| loggable_url(&n.url)),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PushForm {
    topic: String,
}

pub async fn save(
    state: State,
    CsrfForm { signed, form }: CsrfForm<PushForm>,
) -> Result<HttpResponse, PageError> {
    let topic = form.topic.trim().to_string();
    let cleared = topic.is_empty();
    let done = app::channels::set_push_topic(&state.services, signed.user().id, topic)
        .await
        .map_err(|e| match e {
            AppError::Invalid { field, detail } => {
                AppError::invalid(field, format!("{detail}. Nothing was saved"))
            }
            e => e,
        })
        .map(|changed| match (changed, cleared) {
            (false, _) => "Your push topic is unchanged.",
            (true, true) => "Your push topic was removed: no more pushes.",
            (true, false) => "Your push topic was saved.",
        });
    form_result(&state, &signed, "/account", done)
}
