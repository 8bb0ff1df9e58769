//! The Agents page's buttons: pause, resume, cancel and guide an agent, and the emergency stop
//! (a confirmed form) and its undo. Each runs the same domain command as the JSON API, as the
//! signed-in person, and comes back to the page it was sent from with a notice.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::forms::{form_result, post_only, write_as, CsrfForm, ManagerForm};
use super::layout::is_local_path;
use crate::domain::agent_control::{self, Action, Who};
use crate::domain::audit::Actor;
use crate::domain::users::User;
use crate::domain::{agent_expiry, agents, guidance};
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
        ],
    );
}

fn who(user: &User) -> Who {
    Who {
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
    let done = write_as(&state, &signed, move |ctx, now, user| {
        let name = agents::validate_name("agent", &name).map_err(|_| agents::not_found(&name))?;
        agent_control::set_control(ctx, now, user.workspace_id, &name, action, &who(user))
    })
    .await;
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
    let done = write_as(&state, &signed, move |ctx, now, user| {
        let name = agents::validate_name("agent", &name).map_err(|_| agents::not_found(&name))?;
        let message = guidance::validate_message(&message)?;
        agent_control::guide(ctx, now, user.workspace_id, &name, &message, &who(user))
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
    let done = write_as(&state, &signed, |ctx, now, user| {
        agent_control::set_stop(ctx, now, user.workspace_id, true, &who(user))
    })
    .await;
    let done = done.map(|_| "Emergency stop: every agent is paused at its next checkpoint.");
    form_result(&state, &signed, "/agents", done)
}

pub async fn resume_all(state: State, form: CsrfForm<super::forms::NoFields>) -> Page {
    let signed = form.signed;
    let done = write_as(&state, &signed, |ctx, now, user| {
        agent_control::set_stop(ctx, now, user.workspace_id, false, &who(user))
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
        agent_expiry::set(ctx, now, user.workspace_id, on, Actor::User(user.id))
    })
    .await;
    let done = done.map(|()| match on {
        true => "An agent is now paused when one of its pauses expires without a decision.",
        false => "An agent now goes on when one of its pauses expires without a decision.",
    });
    form_result(&state, &signed, "/agents", done)
}
