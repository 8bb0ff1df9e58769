//! The settings page's "Step-up" form, inside the "Decision policy" section: `stepUp` (a recent
//! second factor to decide a critical pause or one that takes two approvals or more) and
//! `keysMayDecideCritical`. It posts to `/settings/step-up` and goes through the same use case
//! as `PATCH /api/policy/settings`, audited with the rest of the policy settings.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::forms::{post_only, ManagerForm};
use super::layout::redirect_with;
use crate::app;
use crate::domain::audit::Actor;
use crate::domain::identity::step_up::{StepUpSettings, FRESH_MINUTES};
use crate::domain::policy::settings::SettingsPatch;
use crate::error::PageError;
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(cfg, [("/settings/step-up", web::post().to(save))]);
}

/// The form as the template shows it.
pub struct StepUpForm {
    /// Whether step-up applies now.
    pub on: bool,
    /// Not set yet: it follows "require two-factor".
    pub follows_two_factor: bool,
    pub keys_may_decide_critical: bool,
    pub minutes: i64,
}

impl StepUpForm {
    pub fn saved(s: &StepUpSettings) -> StepUpForm {
        StepUpForm {
            on: s.on(),
            follows_two_factor: s.step_up.is_none(),
            keys_may_decide_critical: s.keys_may_decide_critical,
            minutes: FRESH_MINUTES,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Form {
    /// `on` when ticked; absent otherwise.
    step_up: String,
    keys_may_decide_critical: String,
}

pub async fn save(
    state: State,
    ManagerForm { signed, form }: ManagerForm<Form>,
) -> Result<HttpResponse, PageError> {
    let user = signed.user();
    let (on, keys) = (form.step_up == "on", form.keys_may_decide_critical == "on");
    let patch = SettingsPatch {
        step_up: Some(on),
        keys_may_decide_critical: Some(keys),
        ..SettingsPatch::default()
    };
    let actor = Actor::User(user.id);
    app::policy_settings::update(&state.services, user.workspace_id, actor, patch).await?;
    let text = match (on, keys) {
        (false, _) => "Step-up saved: off, so no decision asks for a second factor.",
        (true, true) => "Step-up saved: critical and quorum pauses need a recent second factor; keys with decide still decide them.",
        (true, false) => "Step-up saved: critical and quorum pauses need a recent second factor, and keys may not decide them.",
    };
    Ok(redirect_with(&state, &signed, "/settings", "notice", text))
}
