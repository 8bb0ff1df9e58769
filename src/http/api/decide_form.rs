//! The dashboard's decision form as `/approve` reads it: the fields a plain HTML form posts
//! (the edits and reject option are [`super::decide_extras`]'s) and its "Always allow" box.

use serde::Deserialize;

use crate::domain::policy::remember::{self, Remember};
use crate::error::{AppError, AppResult};

/// The pause page's form (with `edit.*` and `reject_option` fields for edits and a reason).
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = DecisionForm)]
pub(super) struct FormDecision {
    #[serde(default)]
    #[schema(pattern = "^(true|false|1|0|yes|no|on|off|approve|approved|reject|rejected)$")]
    pub approved: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub csrf_token: Option<String>,
    /// Where to send the browser afterwards (a local path).
    #[serde(default)]
    pub next: Option<String>,
    /// The "Always allow" box: present (`on`) when ticked.
    #[serde(default)]
    pub remember: Option<String>,
    /// "for N days" beside it; blank for no expiry.
    #[serde(default)]
    pub remember_days: Option<String>,
    /// The pause page's second-factor field, on a pause that needs step-up.
    #[serde(default)]
    pub step_up_code: Option<String>,
}

/// The form's "Always allow" box and its days. A number that is not one is the form's to fix;
/// its range is the domain's ([`crate::domain::policy::remember::check`]).
pub(super) fn form_remember(f: &FormDecision) -> AppResult<Option<Remember>> {
    if f.remember.as_deref().is_none_or(str::is_empty) {
        return Ok(None);
    }
    let days = remember::days_typed(f.remember_days.as_deref().unwrap_or("")).map_err(|why| {
        AppError::invalid(
            "remember.expiresInDays",
            format!("{why}; nothing was decided"),
        )
    })?;
    Ok(Some(Remember {
        expires_in_days: days,
    }))
}

pub(super) fn parse_bool(v: &str) -> AppResult<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "approve" | "approved" => Ok(true),
        "false" | "0" | "no" | "off" | "reject" | "rejected" => Ok(false),
        _ => Err(AppError::invalid(
            "approved",
            "`approved` must be true or false",
        )),
    }
}
