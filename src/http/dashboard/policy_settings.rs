//! The settings page's "Decision policy" section (owners and admins, like the rest of the
//! page): the autonomy dial 0–100 with what each band lets through, and its shadow mode. The
//! form posts to `/settings/policy` and goes through the same use case as
//! `PATCH /api/policy/settings`; a level that is not a whole number from 0 to 100 re-renders
//! the page with the problem next to the field (422) and writes nothing.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::db::sql::Connection;

use super::approval_settings::ApprovalsForm;
use super::forms::{post_only, ManagerForm};
use super::layout::{clear_flash, html_status, redirect_with};
use super::settings::current;
use super::step_up_settings::StepUpForm;
use crate::app;
use crate::domain::audit::Actor;
use crate::domain::identity::step_up;
use crate::domain::ids::WorkspaceId;
use crate::domain::policy::settings::{self, SettingsPatch};
use crate::domain::policy::{approvals, groups};
use crate::domain::policy::{Band, PolicySettings, MAX_LEVEL};
use crate::error::{AppError, AppResult, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(cfg, [("/settings/policy", web::post().to(save))]);
}

/// One band of the dial, as the section's table lists it.
pub struct BandRow {
    pub title: &'static str,
    pub levels: &'static str,
    pub meaning: &'static str,
    /// The saved level falls in it.
    pub current: bool,
}

const BANDS: [(Band, &str, &str); 4] = [
    (Band::Copilot, "0–19", "Everything waits for a person."),
    (
        Band::Supervised,
        "20–49",
        "Low- and medium-risk approvals are approved by policy; high and critical wait.",
    ),
    (
        Band::Autonomous,
        "50–79",
        "Only critical approvals wait; the rest are approved by policy.",
    ),
    (
        Band::FullAuto,
        "80–100",
        "Nothing waits. Owners and admins get an hourly digest email of what policy approved.",
    ),
];

/// The section as the template shows it.
pub struct PolicyForm {
    /// The level as typed (the saved one until a refused save).
    pub level: String,
    pub shadow: bool,
    /// The saved level's band, e.g. `Supervised`.
    pub band: &'static str,
    pub bands: Vec<BandRow>,
    pub error: Option<String>,
    /// Part 2's settings, a form of their own (`/settings/approvals`).
    pub approvals: ApprovalsForm,
    /// Step-up, a form of its own (`/settings/step-up`).
    pub step_up: StepUpForm,
}

impl PolicyForm {
    /// The section with the workspace's saved settings.
    pub fn load(conn: &Connection, ws: WorkspaceId) -> AppResult<PolicyForm> {
        let names = groups::list(conn, ws)?
            .into_iter()
            .map(|g| g.name)
            .collect();
        let approvals = ApprovalsForm::saved(&approvals::get(conn, ws)?, names);
        let step_up = StepUpForm::saved(&step_up::get(conn, ws)?);
        Ok(PolicyForm::saved(
            settings::get(conn, ws)?,
            approvals,
            step_up,
        ))
    }

    pub fn saved(s: PolicySettings, approvals: ApprovalsForm, step_up: StepUpForm) -> PolicyForm {
        let band = Band::of(s.autonomy_level);
        PolicyForm {
            level: s.autonomy_level.to_string(),
            shadow: s.autonomy_shadow,
            band: band.title(),
            bands: BANDS
                .iter()
                .map(|(b, levels, meaning)| BandRow {
                    title: b.title(),
                    levels,
                    meaning,
                    current: *b == band,
                })
                .collect(),
            error: None,
            approvals,
            step_up,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Form {
    autonomy_level: String,
    /// `on` when the box is ticked; absent otherwise.
    autonomy_shadow: String,
}

/// Reads the level: a whole number from 0 to 100, else a readable `Invalid`.
fn parse(f: &Form) -> Result<SettingsPatch, AppError> {
    let typed = f.autonomy_level.trim();
    let level = typed
        .parse::<i64>()
        .ok()
        .filter(|l| (0..=i64::from(MAX_LEVEL)).contains(l))
        .ok_or_else(|| {
            let got = match typed.is_empty() {
                true => "nothing was entered".to_string(),
                false => format!("got “{}”", typed.chars().take(20).collect::<String>()),
            };
            AppError::invalid(
                "autonomy_level",
                format!("The autonomy level is a whole number from 0 to {MAX_LEVEL} ({got}). Nothing was saved."),
            )
        })?;
    Ok(SettingsPatch {
        autonomy_level: Some(level),
        autonomy_shadow: Some(f.autonomy_shadow == "on"),
        ..SettingsPatch::default()
    })
}

pub async fn save(
    state: State,
    req: HttpRequest,
    ManagerForm { signed, form }: ManagerForm<Form>,
) -> Result<HttpResponse, PageError> {
    let user = signed.user();
    let saved = match parse(&form) {
        Ok(patch) => {
            let actor = Actor::User(user.id);
            app::policy_settings::update(&state.services, user.workspace_id, actor, patch).await
        }
        Err(e) => Err(e),
    };
    let detail = match saved {
        Ok(s) => {
            let text = notice(s);
            return Ok(redirect_with(&state, &signed, "/settings", "notice", &text));
        }
        Err(AppError::Invalid { detail, .. }) => detail,
        Err(e) => return Err(e.into()),
    };
    let mut page = current(&state, &req, &signed).await?;
    page.policy.level = form.autonomy_level.clone();
    page.policy.shadow = form.autonomy_shadow == "on";
    page.policy.error = Some(detail);
    Ok(clear_flash(
        &state,
        &page.layout,
        html_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?,
    ))
}

/// An autonomy cap typed in a form (a key's, an agent's): None when empty, else a whole number
/// from 0 to 100; `unchanged` ends the refusal, e.g. "no key was created".
pub fn parse_cap(field: &str, typed: &str, unchanged: &str) -> Result<Option<u8>, AppError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    typed
        .parse::<u8>()
        .ok()
        .filter(|l| *l <= MAX_LEVEL)
        .map(Some)
        .ok_or_else(|| {
            let shown: String = typed.chars().take(20).collect();
            AppError::invalid(
                field,
                format!(
                    "the autonomy cap is a whole number from 0 to {MAX_LEVEL}, or empty for \
                     none (got “{shown}”); {unchanged}"
                ),
            )
        })
}

fn notice(s: PolicySettings) -> String {
    let band = Band::of(s.autonomy_level).title();
    let level = s.autonomy_level;
    match s.autonomy_shadow {
        true => format!(
            "Decision policy saved: autonomy {level} ({band}) in shadow mode, so pauses are only marked with what it would decide."
        ),
        false => format!("Decision policy saved: autonomy {level} ({band})."),
    }
}
