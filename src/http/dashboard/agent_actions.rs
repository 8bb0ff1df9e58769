//! The Agents page's buttons: pause, resume, cancel and guide an agent, the emergency stop (a
//! confirmed form) and its undo, and for owners and admins pin and delete (confirmed). Each runs
//! the same command as the JSON API, as the signed-in person, on the agents of the session's
//! mode, and comes back to the page it was sent from with a notice.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::agents_page::fleet_of;
use super::forms::{form_result, post_only, write_as, CsrfForm, ManagerForm};
use super::layout::is_local_path;
use crate::app;
use crate::domain::agents::control::{self, Action, Controller};
use crate::domain::agents::{self, guidance, pin};
use crate::domain::audit::Actor;
use crate::domain::ids::ApiKeyId;
use crate::domain::users::User;
use crate::error::{AppError, PageError};
use crate::http::State;

type Page = Result<HttpResponse, PageError>;

/// Registered before `/agents/{agent}`, so the stop's paths are not read as an agent's name.
pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(
        cfg,
        [
            ("/agents/stop-all", web::post().to(stop_all)),
            ("/agents/resume-all", web::post().to(resume_all)),
            ("/agents/settings", web::post().to(settings)),
            ("/agents/{agent}/pause", web::post().to(pause)),
            ("/agents/{agent}/resume", web::post().to(resume)),
            ("/agents/{agent}/cancel", web::post().to(cancel)),
            ("/agents/{agent}/guide", web::post().to(guide)),
            ("/agents/{agent}/pin", web::post().to(set_pin)),
            ("/agents/{agent}/delete", web::post().to(delete)),
        ],
    );
}

fn who(user: &User) -> Controller {
    Controller {
        actor: Actor::User(user.id),
        label: user.email.clone(),
    }
}

#[derive(Deserialize)]
pub struct Back {
    /// The page the button is on (a local path); the fleet by default.
    #[serde(default)]
    next: Option<String>,
}

impl Back {
    fn to(&self) -> String {
        self.next
            .clone()
            .filter(|n| is_local_path(n))
            .unwrap_or_else(|| "/agents".into())
    }
}

async fn set(state: State, form: CsrfForm<Back>, path: web::Path<String>, action: Action) -> Page {
    let CsrfForm { signed, form } = form;
    let name = path.into_inner();
    let fleet = fleet_of(&signed);
    let done = write_as(&state, &signed, move |ctx, now, user| {
        let name = agents::validate_name("agent", &name).map_err(|_| agents::not_found(&name))?;
        control::set_control(ctx, now, fleet, &name, action, &who(user))
    })
    .await;
    let done = match done {
        Ok(c) => match c.to_cancel {
            Some(t) => app::agents::cancel_all(&state.services(), t, &who(signed.user()))
                .await
                .map(|_| c.agent),
            None => Ok(c.agent),
        },
        Err(e) => Err(e),
    };
    let done = done.map(|a| match action {
        Action::Pause => format!("Paused {}: it waits at its next checkpoint.", a.name),
        Action::Resume => format!("Resumed {}.", a.name),
        Action::Cancel => format!("Cancelled {}'s run and its pending pauses.", a.name),
    });
    form_result(&state, &signed, &form.to(), done)
}

pub async fn pause(state: State, form: CsrfForm<Back>, path: web::Path<String>) -> Page {
    set(state, form, path, Action::Pause).await
}

pub async fn resume(state: State, form: CsrfForm<Back>, path: web::Path<String>) -> Page {
    set(state, form, path, Action::Resume).await
}

pub async fn cancel(state: State, form: CsrfForm<Back>, path: web::Path<String>) -> Page {
    set(state, form, path, Action::Cancel).await
}

#[derive(Deserialize)]
pub struct GuideForm {
    #[serde(default)]
    message: String,
    #[serde(flatten)]
    back: Back,
}

pub async fn guide(state: State, form: CsrfForm<GuideForm>, path: web::Path<String>) -> Page {
    let CsrfForm { signed, form } = form;
    let name = path.into_inner();
    let to = form.back.to();
    let message = form.message;
    let fleet = fleet_of(&signed);
    let done = write_as(&state, &signed, move |ctx, now, user| {
        let name = agents::validate_name("agent", &name).map_err(|_| agents::not_found(&name))?;
        let message = guidance::validate_message(&message)?;
        control::guide(ctx, now, fleet, &name, &message, &who(user))
    })
    .await;
    let done = done.map(|(a, _)| format!("Guidance sent to {}.", a.name));
    form_result(&state, &signed, &to, done)
}

#[derive(Deserialize)]
pub struct StopForm {
    /// The confirmation box: `yes` when ticked.
    #[serde(default)]
    confirm: String,
}

pub async fn stop_all(state: State, form: CsrfForm<StopForm>) -> Page {
    let CsrfForm { signed, form } = form;
    if form.confirm != "yes" {
        let why = AppError::invalid("confirm", "tick the box to confirm the emergency stop");
        return form_result::<&str>(&state, &signed, "/agents", Err(why));
    }
    let fleet = fleet_of(&signed);
    let done = write_as(&state, &signed, move |ctx, now, user| {
        control::set_stop(ctx, now, fleet, true, &who(user))
    })
    .await;
    let done = done.map(|_| match fleet.test {
        true => "Emergency stop: every test agent is paused at its next checkpoint.",
        false => "Emergency stop: every agent is paused at its next checkpoint.",
    });
    form_result(&state, &signed, "/agents", done)
}

pub async fn resume_all(state: State, form: CsrfForm<super::forms::NoFields>) -> Page {
    let signed = form.signed;
    let fleet = fleet_of(&signed);
    let done = write_as(&state, &signed, move |ctx, now, user| {
        control::set_stop(ctx, now, fleet, false, &who(user))
    })
    .await;
    let done = done.map(|_| "Emergency stop lifted; agents paused one by one stay paused.");
    form_result(&state, &signed, "/agents", done)
}

#[derive(Deserialize)]
pub struct SettingsForm {
    /// `on` pauses an agent whose pause expires without a decision; anything else does not.
    #[serde(default)]
    pause_on_expiry: String,
}

/// The workspace's choice, for owners and admins.
pub async fn settings(state: State, form: ManagerForm<SettingsForm>) -> Page {
    let ManagerForm { signed, form } = form;
    let on = form.pause_on_expiry == "on";
    let done = write_as(&state, &signed, move |ctx, now, user| {
        agents::expiry::set(ctx, now, user.workspace_id, on, Actor::User(user.id))
    })
    .await;
    let done = done.map(|()| match on {
        true => "An agent is now paused when one of its pauses expires without a decision.",
        false => "An agent now goes on when one of its pauses expires without a decision.",
    });
    form_result(&state, &signed, "/agents", done)
}

#[derive(Deserialize)]
pub struct PinForm {
    /// A key's id, or empty to unpin.
    #[serde(default)]
    key: String,
}

/// Pins the agent to one key, or unpins it (owners and admins).
pub async fn set_pin(state: State, form: ManagerForm<PinForm>, path: web::Path<String>) -> Page {
    let ManagerForm { signed, form } = form;
    let name = path.into_inner();
    let back = format!("/agents/{}", urlencode(&name));
    let key = match form.key.trim() {
        "" => Ok(None),
        id => id
            .parse::<i64>()
            .map(|id| Some(ApiKeyId(id)))
            .map_err(|_| AppError::invalid("key", "choose a key from the list")),
    };
    let fleet = fleet_of(&signed);
    let done = match key {
        Err(e) => Err(e),
        Ok(key) => {
            write_as(&state, &signed, move |ctx, now, user| {
                let name =
                    agents::validate_name("agent", &name).map_err(|_| agents::not_found(&name))?;
                pin::set_pin(ctx, now, fleet, &name, key, Actor::User(user.id))
            })
            .await
        }
    };
    let done = done.map(|a| match a.pinned_key_id {
        Some(_) => format!("Pinned {}: only that key may now report as it.", a.name),
        None => format!(
            "Unpinned {}: any key with `pauses` may report as it.",
            a.name
        ),
    });
    form_result(&state, &signed, &back, done)
}

/// Deletes the agent after its confirmation box was ticked (owners and admins).
pub async fn delete(state: State, form: ManagerForm<StopForm>, path: web::Path<String>) -> Page {
    let ManagerForm { signed, form } = form;
    let name = path.into_inner();
    if form.confirm != "yes" {
        let why = AppError::invalid("confirm", "tick the box to confirm deleting the agent");
        let back = format!("/agents/{}", urlencode(&name));
        return form_result::<&str>(&state, &signed, &back, Err(why));
    }
    let fleet = fleet_of(&signed);
    let done = match agents::validate_name("agent", &name) {
        Err(_) => Err(agents::not_found(&name)),
        Ok(n) => app::agents::delete(&state.services(), fleet, &n, &who(signed.user())).await,
    };
    let done = done.map(|()| format!("Deleted {name}, its history and its guidance."));
    form_result(&state, &signed, "/agents", done)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
