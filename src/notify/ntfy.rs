//! Phone push through ntfy: JSON publishes (`POST <server>/`, the topic in the body) with
//! `Authorization: Bearer <token>` when the channel has a token. A topic's messages were rendered
//! when queued; a push to a person's own topic is rendered at send time in a writer job, with
//! the push link behind its buttons made in the same moment (no raw token in the outbox), and
//! is skipped when the pause no longer waits or the person can no longer decide it. Failures
//! are classified as webhook failures are, with the same guarded client.

use crate::domain::channels::{self, Channels};
use crate::domain::events::{render, NtfyNote};
use crate::domain::identity::step_up;
use crate::domain::kind::Kind;
use crate::domain::outbox::{AttemptResult, Message};
use crate::domain::pauses::{self, Pause, Status};
use crate::domain::policy::Risk;
use crate::domain::{push_links, users};
use crate::error::AppResult;
use crate::notify::webhook::{classify, guarded_url, send_error};
use crate::services::Services;

/// What a send needs: the body, and the token of the channel whose server it goes to.
struct Ready {
    body: String,
    bearer: Option<String>,
}

pub async fn deliver(
    services: &Services,
    client: &reqwest::Client,
    msg: &Message,
) -> AppResult<AttemptResult> {
    let ready = match msg.user_id {
        Some(_) => {
            let (now, base_url, m) = (services.now(), services.base_url(), msg.clone());
            let prepared = services
                .writer
                .run(move |ctx| personal(ctx.conn, now, &base_url, &m))
                .await?;
            match prepared {
                Ok(ready) => ready,
                Err(note) => return Ok(AttemptResult::Skipped { note }),
            }
        }
        None => {
            let m = msg.clone();
            let bearer = services.read_blocking(move |conn| bearer(conn, &m)).await?;
            Ready {
                body: msg.payload.clone(),
                bearer,
            }
        }
    };
    let allow = services.settings.webhook_allow_private;
    Ok(publish(client, allow, &msg.target, &ready).await)
}

async fn publish(
    client: &reqwest::Client,
    allow_private: bool,
    url: &str,
    ready: &Ready,
) -> AttemptResult {
    let parsed = match guarded_url(url, allow_private, "ntfy server URL") {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    let mut request = client
        .post(parsed)
        .header("content-type", "application/json")
        .body(ready.body.clone());
    if let Some(token) = &ready.bearer {
        request = request.bearer_auth(token);
    }
    match request.send().await {
        Ok(res) => classify(&res),
        Err(e) => send_error(e),
    }
}

/// The token of the channel on the server the message goes to: the pause's group's ntfy, or the
/// workspace's (a person's own topic is on the workspace's server).
fn bearer(conn: &crate::db::sql::Connection, msg: &Message) -> AppResult<Option<String>> {
    let group = match msg.pause_id {
        Some(id) => pauses::get_by_id(conn, id)?.and_then(|p| p.group_id),
        None => None,
    };
    let routed = channels::for_pause(conn, msg.workspace_id, group)?;
    let workspace = channels::workspace(conn, msg.workspace_id)?;
    Ok([routed.ntfy, workspace.ntfy]
        .into_iter()
        .flatten()
        .find(|n| n.url == msg.target)
        .and_then(|n| n.token))
}

/// A push to a person's own topic, or why it is not sent.
fn personal(
    conn: &crate::db::sql::Connection,
    now: i64,
    base_url: &str,
    msg: &Message,
) -> AppResult<Result<Ready, String>> {
    let (Some(pause_id), Some(user_id)) = (msg.pause_id, msg.user_id) else {
        return Ok(Err("a push without a pause or person".into()));
    };
    let Some(pause) = pauses::get_by_id(conn, pause_id)? else {
        return Ok(Err("not sent: the request no longer exists".into()));
    };
    if pause.status(now) != Status::Pending {
        return Ok(Err(format!(
            "not sent: the request is {}",
            pause.status(now)
        )));
    }
    let active = users::get(conn, user_id)?.filter(|u| !u.disabled);
    let topic = match active {
        Some(_) => crate::domain::notifications::user_topic(conn, user_id)?,
        None => None,
    };
    let Some(topic) = topic else {
        return Ok(Err(
            "not sent: the person is disabled or removed their topic".into(),
        ));
    };
    if pause.votes.iter().any(|v| v.user_id == Some(user_id)) {
        return Ok(Err("not sent: the person already voted".into()));
    }
    let chans = channels::for_pause(conn, pause.workspace_id, pause.group_id)?;
    // A pause that needs step-up gets only the link to its page: a button cannot step up.
    let buttons = buttons_allowed(&pause, &chans) && !step_up::pause_needs(conn, &pause)?;
    let token = match buttons {
        true => Some(push_links::create(conn, now, &pause, user_id)?),
        false => None,
    };
    let reject = !crate::domain::workspaces::get(conn, pause.workspace_id)?.reject_reason_required;
    let body = render(&NtfyNote::Created {
        topic: &topic,
        pause: &pause,
        base_url,
        buttons: token.as_deref().map(|t| (t, reject)),
    })?;
    let bearer = channels::workspace(conn, pause.workspace_id)?
        .ntfy
        .and_then(|n| n.token);
    Ok(Ok(Ready { body, bearer }))
}

/// Buttons only decide an approval (questions and plans need the page), and only below the
/// channel's risk limit; a pause from before risks counts as `medium`.
pub fn buttons_allowed(pause: &Pause, chans: &Channels) -> bool {
    let risk = pause.risk.unwrap_or(Risk::Medium);
    pause.kind == Kind::Approval && risk.rank() < chans.ntfy_buttons_max_risk.rank()
}
