//! The settings page's "Approvers" form, inside the "Decision policy" section: part 2's
//! settings (the group each risk is routed to, the approvals each risk needs, no
//! self-approval, when to remind and escalate and to whom, what a timeout means). It posts to
//! `/settings/approvals` and goes through the same use case as `PATCH /api/policy/settings`, so
//! the domain checks every value; the page only reads what was typed (percents into fractions)
//! and words the refusal for this form. A refusal re-renders the page (422), saving nothing.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use super::format::sentence;
use super::forms::{post_only, ManagerForm};
use super::layout::{clear_flash, html_status, redirect_with};
use super::settings::current;
use crate::app;
use crate::domain::audit::Actor;
use crate::domain::policy::approvals::{ApprovalSettings, OnTimeout, MAX_AT, MIN_AT};
use crate::domain::policy::settings::SettingsPatch;
use crate::domain::policy::Risk;
use crate::error::{AppError, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(cfg, [("/settings/approvals", web::post().to(save))]);
}

/// What each `onTimeout` means, as the form's choices say it.
pub const TIMEOUTS: [(&str, &str); 3] = [
    (
        "expire",
        "Expire — the pause expires and the agent gets no approval (as before).",
    ),
    (
        "reject",
        "Reject — the pause reads as rejected, with the reason “timed out”.",
    ),
    (
        "wait",
        "Wait — the pause stays pending, marked overdue, and reminders go on.",
    ),
];

/// One risk's row: its route (a group's name, or empty for anyone) and its approvals.
pub struct RiskRow {
    pub risk: &'static str,
    pub route: String,
    pub min: String,
}

/// The form as the template shows it: the saved values, or what was typed after a refusal.
pub struct ApprovalsForm {
    pub risks: Vec<RiskRow>,
    /// The workspace's groups, for the selects.
    pub groups: Vec<String>,
    pub no_self_approval: bool,
    /// Percents of the timeout, as typed.
    pub remind_at: String,
    pub escalate_at: String,
    /// A group's name, or empty for the owners and admins.
    pub escalate_to: String,
    pub on_timeout: String,
    /// Seconds, as typed.
    pub receipt_ttl_seconds: String,
    pub error: Option<String>,
    /// The input the error is about (its `name`), for `aria-invalid`.
    pub error_field: &'static str,
}

fn percent(fraction: f64) -> String {
    let p = (fraction * 10_000.0).round() / 100.0;
    format!("{p}")
}

impl ApprovalsForm {
    pub fn saved(s: &ApprovalSettings, groups: Vec<String>) -> ApprovalsForm {
        ApprovalsForm {
            risks: Risk::ALL
                .iter()
                .map(|r| RiskRow {
                    risk: r.as_str(),
                    route: s.route_to.get(r).cloned().flatten().unwrap_or_default(),
                    min: s.min_approvals.get(r).copied().unwrap_or(1).to_string(),
                })
                .collect(),
            groups,
            no_self_approval: s.no_self_approval,
            remind_at: percent(s.remind_at),
            escalate_at: percent(s.escalate_at),
            escalate_to: s.escalate_to.clone().unwrap_or_default(),
            on_timeout: s.on_timeout.as_str().into(),
            receipt_ttl_seconds: s.receipt_ttl_seconds.to_string(),
            error: None,
            error_field: "",
        }
    }

    fn typed(f: &Form, groups: Vec<String>) -> ApprovalsForm {
        ApprovalsForm {
            risks: Risk::ALL
                .iter()
                .map(|r| RiskRow {
                    risk: r.as_str(),
                    route: f.route(*r).to_string(),
                    min: f.min(*r).to_string(),
                })
                .collect(),
            groups,
            no_self_approval: f.no_self_approval == "on",
            remind_at: f.remind_at.clone(),
            escalate_at: f.escalate_at.clone(),
            escalate_to: f.escalate_to.clone(),
            on_timeout: f.on_timeout.clone(),
            receipt_ttl_seconds: f.receipt_ttl_seconds.clone(),
            error: None,
            error_field: "",
        }
    }

    /// Whether the error is about the input named `field`.
    pub fn invalid(&self, field: &str) -> bool {
        self.error.is_some() && self.error_field == field
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Form {
    route_low: String,
    route_medium: String,
    route_high: String,
    route_critical: String,
    min_low: String,
    min_medium: String,
    min_high: String,
    min_critical: String,
    /// `on` when ticked.
    no_self_approval: String,
    remind_at: String,
    escalate_at: String,
    escalate_to: String,
    on_timeout: String,
    /// Empty (a form from before receipts): left as it is.
    receipt_ttl_seconds: String,
}

impl Form {
    fn route(&self, r: Risk) -> &str {
        match r {
            Risk::Low => &self.route_low,
            Risk::Medium => &self.route_medium,
            Risk::High => &self.route_high,
            Risk::Critical => &self.route_critical,
        }
    }

    fn min(&self, r: Risk) -> &str {
        match r {
            Risk::Low => &self.min_low,
            Risk::Medium => &self.min_medium,
            Risk::High => &self.min_high,
            Risk::Critical => &self.min_critical,
        }
    }
}

fn typed_percent(field: &'static str, what: &str, typed: &str) -> Result<f64, AppError> {
    let typed = typed.trim();
    typed
        .parse::<f64>()
        .ok()
        .filter(|p| p.is_finite())
        .map(|p| p / 100.0)
        .ok_or_else(|| {
            let got: String = typed.chars().take(20).collect();
            AppError::invalid(
                field,
                format!("{what} is a percent of the timeout (got “{got}”)"),
            )
        })
}

/// What was typed, as the API's patch; only what the form cannot read is refused here.
fn parse(f: &Form) -> Result<SettingsPatch, AppError> {
    let mut route_to = std::collections::BTreeMap::new();
    let mut min_approvals = std::collections::BTreeMap::new();
    for r in Risk::ALL.iter().copied() {
        let group = f.route(r).trim();
        if !group.is_empty() {
            route_to.insert(r, Some(group.to_string()));
        }
        let field = ["min_low", "min_medium", "min_high", "min_critical"][usize::from(r.rank())];
        let n = f.min(r).trim().parse::<u8>().map_err(|_| {
            AppError::invalid(
                field,
                format!("choose how many approvals {r}-risk pauses need"),
            )
        })?;
        min_approvals.insert(r, n);
    }
    let on_timeout = OnTimeout::from_name(f.on_timeout.trim()).ok_or_else(|| {
        AppError::invalid(
            "on_timeout",
            "choose what a timeout means: expire, reject or wait",
        )
    })?;
    let receipt_ttl_seconds = match f.receipt_ttl_seconds.trim() {
        "" => None,
        typed => Some(typed.parse::<i64>().map_err(|_| {
            AppError::invalid(
                "receipt_ttl_seconds",
                "“Receipts valid for” is a whole number of seconds, 60 to 86400",
            )
        })?),
    };
    let escalate_to = match f.escalate_to.trim() {
        "" => Value::Null,
        g => Value::String(g.to_string()),
    };
    Ok(SettingsPatch {
        route_to: Some(route_to),
        min_approvals: Some(min_approvals),
        no_self_approval: Some(f.no_self_approval == "on"),
        remind_at: Some(typed_percent("remind_at", "“Remind at”", &f.remind_at)?),
        escalate_at: Some(typed_percent(
            "escalate_at",
            "“Escalate at”",
            &f.escalate_at,
        )?),
        escalate_to: Some(escalate_to),
        on_timeout: Some(on_timeout),
        receipt_ttl_seconds,
        ..SettingsPatch::default()
    })
}

/// The inputs, by risk: the route select and the approvals select.
fn inputs(risk: &str) -> (&'static str, &'static str) {
    match risk {
        "low" => ("route_low", "min_low"),
        "medium" => ("route_medium", "min_medium"),
        "high" => ("route_high", "min_high"),
        _ => ("route_critical", "min_critical"),
    }
}

/// The refusal, worded for this form: (the input it is about, the message). The domain names
/// its members as the API does (`remindAt`, `routeTo.high`); the page's own refusals already
/// name the input.
fn worded(field: &str, detail: &str) -> (&'static str, String) {
    let (min, max) = (percent(MIN_AT), percent(MAX_AT));
    let risk_in = |d: &str| Risk::ALL.iter().find(|r| d.contains(&format!(".{r}`")));
    let (input, text) = match field {
        "remindAt" if detail.contains("before") => (
            "remind_at",
            "“Remind at” comes before “Escalate at”: remind first, then escalate".to_string(),
        ),
        "remindAt" => (
            "remind_at",
            format!("“Remind at” is {min} to {max} percent of the timeout"),
        ),
        "escalateAt" => (
            "escalate_at",
            format!("“Escalate at” is {min} to {max} percent of the timeout"),
        ),
        "escalateTo" => ("escalate_to", format!("escalate to: {detail}")),
        f if f.starts_with("routeTo.") => {
            let risk = f.trim_start_matches("routeTo.");
            (inputs(risk).0, format!("route for {risk} risk: {detail}"))
        }
        "minApprovals" => {
            let risk = risk_in(detail).map_or("critical", |r| r.as_str());
            (
                inputs(risk).1,
                format!("approvals for {risk} risk: {detail}"),
            )
        }
        "remind_at" => ("remind_at", detail.to_string()),
        "escalate_at" => ("escalate_at", detail.to_string()),
        "on_timeout" => ("on_timeout", detail.to_string()),
        "receiptTtlSeconds" => (
            "receipt_ttl_seconds",
            "“Receipts valid for” is 60 to 86400 seconds".to_string(),
        ),
        "receipt_ttl_seconds" => ("receipt_ttl_seconds", detail.to_string()),
        f if f.starts_with("min_") => (inputs(f.trim_start_matches("min_")).1, detail.to_string()),
        _ => ("", detail.to_string()),
    };
    (input, format!("{} Nothing was saved.", sentence(&text)))
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
    let (field, detail) = match saved {
        Ok(_) => {
            let text =
                "Approver settings saved: routes, approvals, reminders, timeouts and receipts.";
            return Ok(redirect_with(&state, &signed, "/settings", "notice", text));
        }
        Err(AppError::Invalid { field, detail }) => (field, detail),
        Err(e) => return Err(e.into()),
    };
    let mut page = current(&state, &req, &signed).await?;
    let groups = std::mem::take(&mut page.policy.approvals.groups);
    let mut shown = ApprovalsForm::typed(&form, groups);
    let (input, message) = worded(&field, &detail);
    shown.error = Some(message);
    shown.error_field = input;
    page.policy.approvals = shown;
    Ok(clear_flash(
        &state,
        &page.layout,
        html_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?,
    ))
}
