//! `/settings`: the workspace's name, default pause timeout, whether a rejection needs a
//! reason, the Slack incoming webhook new pauses are announced on, and how long the contexts
//! of decided pauses are kept; its decision policy section is
//! [`policy_settings`](super::policy_settings). Invalid input
//! re-renders the form with what was typed and writes nothing.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::channels_form::ChannelsView;
use super::format::{capitalise, human_duration};
use super::forms::{form_page, write_as, ManagerForm};
use super::layout::{clear_flash, html, html_status, redirect_with, Layout};
use super::policy_settings::PolicyForm;
use super::session::{ManagerSession, SignedIn};
use super::two_factor_admin::RequireView;
use crate::domain::audit::Actor;
use crate::domain::retention;
use crate::domain::workspaces::{self, SettingsChange, MAX_TIMEOUT_SECS, MIN_TIMEOUT_SECS};
use crate::error::{AppError, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(form_page(
        "/settings",
        web::get().to(form),
        web::post().to(save),
    ));
}

#[derive(Template)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub name: String,
    /// As typed: empty means the server's default.
    pub timeout: String,
    /// The current default in words, e.g. "15m 0s".
    pub timeout_words: String,
    pub reason_required: bool,
    /// As typed; empty means no Slack notifications.
    pub slack_webhook_url: String,
    /// As typed; empty means contexts are kept.
    pub retention_days: String,
    pub server_default: u64,
    pub min: i64,
    pub max: i64,
    pub retention_max: i64,
    pub error: Option<String>,
    /// The form field the error is about, for `aria-invalid`.
    pub error_field: &'static str,
    /// The "Decision policy" section, a form of its own (`/settings/policy`).
    pub policy: PolicyForm,
    /// The "Channels" section, a form of its own (`/settings/channels`).
    pub channels: ChannelsView,
    /// "Require two-factor sign-in", a form of its own (`/settings/two-factor`, owners only).
    pub two_factor: RequireView,
}

impl SettingsPage {
    fn new(layout: Layout, server_default: u64, policy: PolicyForm) -> SettingsPage {
        SettingsPage {
            layout,
            name: String::new(),
            timeout: String::new(),
            timeout_words: String::new(),
            reason_required: false,
            slack_webhook_url: String::new(),
            retention_days: String::new(),
            server_default,
            min: MIN_TIMEOUT_SECS,
            max: MAX_TIMEOUT_SECS,
            retention_max: retention::MAX_DAYS,
            error: None,
            error_field: "",
            policy,
            channels: ChannelsView::of("ws", "/settings/channels", false, &Default::default()),
            two_factor: RequireView::default(),
        }
    }
}

pub async fn form(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let page = current(&state, &req, &signed).await?;
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

/// The page with the saved settings (the policy section's form answers with it too).
pub async fn current(
    state: &State,
    req: &HttpRequest,
    signed: &SignedIn,
) -> Result<SettingsPage, PageError> {
    let viewer = signed.user().clone();
    let (ws, policy, channels, two_factor) = state
        .read_blocking(move |conn| {
            let ws = workspaces::get(conn, viewer.workspace_id)?;
            let policy = PolicyForm::load(conn, ws.id)?;
            let channels = channels_view(conn, ws.id)?;
            Ok::<_, PageError>((ws, policy, channels, RequireView::load(conn, &viewer)?))
        })
        .await?;
    let server_default = state.settings.default_timeout_secs;
    let effective = ws.default_timeout_secs.unwrap_or(server_default as i64);
    Ok(SettingsPage {
        name: ws.name,
        timeout: ws
            .default_timeout_secs
            .map(|t| t.to_string())
            .unwrap_or_default(),
        timeout_words: human_duration(effective * 1000),
        reason_required: ws.reject_reason_required,
        slack_webhook_url: ws.slack_webhook_url.unwrap_or_default(),
        retention_days: ws
            .context_retention_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        channels,
        two_factor,
        ..SettingsPage::new(Layout::new(req, signed, "settings"), server_default, policy)
    })
}

fn channels_view(
    conn: &crate::db::sql::Connection,
    ws: crate::domain::ids::WorkspaceId,
) -> Result<ChannelsView, PageError> {
    let saved = crate::domain::channels::workspace(conn, ws)?;
    Ok(ChannelsView::of("ws", "/settings/channels", false, &saved))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    name: String,
    default_timeout_secs: String,
    reject_reason_required: String,
    slack_webhook_url: String,
    context_retention_days: String,
}

pub async fn save(
    state: State,
    req: HttpRequest,
    ManagerForm { signed, form: f }: ManagerForm<SettingsForm>,
) -> Result<HttpResponse, PageError> {
    let change = match parse(&f) {
        Ok(change) => change,
        Err(e) => return invalid(&state, &req, &signed, &f, e).await,
    };
    let saved = write_as(&state, &signed, move |ctx, now, user| {
        let actor = Actor::User(user.id);
        workspaces::update_settings(ctx.conn, now, actor, user.workspace_id, change)
    })
    .await;
    match saved {
        Ok(changed) => {
            let text = if changed {
                "Settings saved."
            } else {
                "Nothing changed."
            };
            Ok(redirect_with(&state, &signed, "/settings", "notice", text))
        }
        Err(e @ AppError::Invalid { .. }) => invalid(&state, &req, &signed, &f, e).await,
        Err(e) => Err(e.into()),
    }
}

/// Reads the form; a bad number or a yes/no that is neither is a readable `Invalid`.
fn parse(f: &SettingsForm) -> Result<SettingsChange, AppError> {
    let timeout = f.default_timeout_secs.trim();
    let default_timeout_secs = if timeout.is_empty() {
        None
    } else {
        Some(timeout.parse::<i64>().map_err(|_| {
            AppError::invalid(
                "default_timeout_secs",
                format!(
                    "the default timeout is a whole number of seconds from {MIN_TIMEOUT_SECS} to \
                     {MAX_TIMEOUT_SECS}, or empty for the server's default"
                ),
            )
        })?)
    };
    let reject_reason_required = match f.reject_reason_required.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::invalid(
                "reject_reason_required",
                "choose whether a rejection needs a reason",
            ))
        }
    };
    Ok(SettingsChange {
        name: f.name.clone(),
        default_timeout_secs,
        reject_reason_required,
        slack_webhook_url: Some(f.slack_webhook_url.clone()),
        context_retention_days: retention::parse_days(&f.context_retention_days)?,
    })
}

/// The form again, as typed, with the problem named next to the field (422).
async fn invalid(
    state: &State,
    req: &HttpRequest,
    signed: &SignedIn,
    f: &SettingsForm,
    e: AppError,
) -> Result<HttpResponse, PageError> {
    let AppError::Invalid { field, detail } = e else {
        return Err(e.into());
    };
    let error_field = match field.as_str() {
        "name" => "name",
        "default_timeout_secs" => "default_timeout_secs",
        "slack_webhook_url" => "slack_webhook_url",
        "context_retention_days" => "context_retention_days",
        _ => "reject_reason_required",
    };
    let viewer = signed.user().clone();
    let (saved, channels, two_factor) = state
        .read_blocking(move |conn| {
            let saved = PolicyForm::load(conn, viewer.workspace_id)?;
            let channels = channels_view(conn, viewer.workspace_id)?;
            Ok::<_, PageError>((saved, channels, RequireView::load(conn, &viewer)?))
        })
        .await?;
    let page = SettingsPage {
        channels,
        two_factor,
        name: f.name.clone(),
        timeout: f.default_timeout_secs.clone(),
        reason_required: f.reject_reason_required == "yes",
        slack_webhook_url: f.slack_webhook_url.clone(),
        retention_days: f.context_retention_days.clone(),
        error: Some(capitalise(&detail)),
        error_field,
        ..SettingsPage::new(
            Layout::new(req, signed, "settings"),
            state.settings.default_timeout_secs,
            saved,
        )
    };
    Ok(clear_flash(
        state,
        &page.layout,
        html_status(StatusCode::UNPROCESSABLE_ENTITY, &page)?,
    ))
}
