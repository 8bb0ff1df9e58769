//! An agent's autonomy cap on its page: owners and admins set or clear it (audited as
//! `agent.autonomy_changed`), for the agent of the session's mode; everyone sees it. The cap
//! can only lower the workspace's level for the agent's pauses.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::agents_page::fleet_of;
use super::forms::{form_result, post_only, write_as, ManagerForm};
use super::policy_settings::parse_cap;
use crate::domain::agents;
use crate::domain::audit::Actor;
use crate::domain::policy::settings;
use crate::error::PageError;
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(cfg, [("/agents/{agent}/autonomy", web::post().to(set))]);
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CapForm {
    /// 0 to 100; empty clears the cap.
    level: String,
}

pub async fn set(
    state: State,
    form: ManagerForm<CapForm>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let ManagerForm { signed, form } = form;
    let name = path.into_inner();
    let back = format!(
        "/agents/{}",
        url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
    );
    let fleet = fleet_of(&signed);
    let done = match parse_cap("level", &form.level, "nothing was changed") {
        Err(e) => Err(e),
        Ok(level) => {
            let name = name.clone();
            write_as(&state, &signed, move |ctx, now, user| {
                let name =
                    agents::validate_name("agent", &name).map_err(|_| agents::not_found(&name))?;
                let actor = Actor::User(user.id);
                settings::set_agent_level(ctx, now, (fleet, &name), actor, level)?;
                Ok(level)
            })
            .await
        }
    };
    let done = done.map(|level| match level {
        Some(l) => format!("{name}'s autonomy is now capped at {l}."),
        None => format!("{name} has no autonomy cap now: the workspace's level applies."),
    });
    form_result(&state, &signed, &back, done)
}
