//! The channels form: the workspace's on the settings page (`/settings/channels`; its Slack URL
//! stays with the other settings) and each group's on the groups page
//! (`/groups/:name/channels`, with a Slack URL of its own). Both go through
//! `app::channels::update`, as `PATCH /api/channels` does; a refusal comes back as the page's
//! error naming the field, with nothing written. The ntfy token is never shown: left empty it is
//! kept, and a box removes it.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::forms::{form_result, post_only, ManagerForm};
use crate::app;
use crate::domain::audit::Actor;
use crate::domain::channels::{Channels, Scope};
use crate::domain::policy::Risk;
use crate::error::{AppError, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    post_only(
        cfg,
        [
            ("/settings/channels", web::post().to(save_workspace)),
            ("/groups/{name}/channels", web::post().to(save_group)),
        ],
    );
}

/// The form's fields as saved, for the template (`channels_fields.html`).
pub struct ChannelsView {
    /// Makes the fields' ids unique on a page with several forms (`ws`, `g-finance`).
    pub prefix: String,
    pub action: String,
    /// Groups have their own Slack URL here; the workspace's is in the settings form.
    pub show_slack: bool,
    pub slack: String,
    pub ntfy_url: String,
    pub ntfy_topic: String,
    pub token_set: bool,
    pub teams: String,
    pub discord: String,
    pub max_risk: &'static str,
    pub risks: Vec<&'static str>,
}

impl ChannelsView {
    pub fn of(prefix: &str, action: &str, show_slack: bool, c: &Channels) -> ChannelsView {
        let url = |u: &Option<crate::domain::channels::UrlChannel>| {
            u.as_ref().map(|u| u.url.clone()).unwrap_or_default()
        };
        ChannelsView {
            prefix: prefix.to_string(),
            action: action.to_string(),
            show_slack,
            slack: url(&c.slack),
            ntfy_url: c.ntfy.as_ref().map(|n| n.url.clone()).unwrap_or_default(),
            ntfy_topic: c.ntfy.as_ref().map(|n| n.topic.clone()).unwrap_or_default(),
            token_set: c.ntfy.as_ref().is_some_and(|n| n.token.is_some()),
            teams: url(&c.teams),
            discord: url(&c.discord),
            max_risk: c.ntfy_buttons_max_risk.as_str(),
            risks: Risk::ALL.iter().map(|r| r.as_str()).collect(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChannelsFields {
    slack_url: String,
    ntfy_url: String,
    ntfy_topic: String,
    ntfy_token: String,
    /// `on` when "remove the token" is ticked.
    ntfy_token_clear: String,
    teams_url: String,
    discord_url: String,
    max_risk: String,
}

/// The form as a channels change: an empty URL removes its channel.
fn patch(f: &ChannelsFields, with_slack: bool) -> Value {
    let url = |u: &str| match u.trim() {
        "" => Value::Null,
        u => json!({ "url": u }),
    };
    let mut out = Map::new();
    if with_slack {
        out.insert("slack".into(), url(&f.slack_url));
    }
    let ntfy = match (f.ntfy_url.trim(), f.ntfy_topic.trim()) {
        ("", "") => Value::Null,
        (u, t) => {
            let mut n = json!({ "url": u, "topic": t });
            if f.ntfy_token_clear == "on" {
                n["token"] = Value::Null;
            } else if !f.ntfy_token.trim().is_empty() {
                n["token"] = json!(f.ntfy_token.trim());
            }
            n
        }
    };
    out.insert("ntfy".into(), ntfy);
    out.insert("teams".into(), url(&f.teams_url));
    out.insert("discord".into(), url(&f.discord_url));
    out.insert("ntfyButtonsMaxRisk".into(), json!(f.max_risk));
    Value::Object(out)
}

/// A refusal names the field as the form labels it.
fn labelled(e: AppError) -> AppError {
    let AppError::Invalid { field, detail } = e else {
        return e;
    };
    let label = match field.as_str() {
        "slack.url" => "Slack URL",
        "ntfy.url" => "ntfy server URL",
        "ntfy.topic" => "ntfy topic",
        "ntfy.token" => "ntfy access token",
        "teams.url" => "Teams workflow URL",
        "discord.url" => "Discord webhook URL",
        "ntfyButtonsMaxRisk" => "Buttons up to risk",
        _ => "Channels",
    };
    AppError::invalid(field, format!("{label}: {detail}. Nothing was saved"))
}

async fn save(
    state: &State,
    signed: &super::session::SignedIn,
    scope: Scope,
    f: &ChannelsFields,
) -> crate::error::AppResult<String> {
    let user = signed.user();
    let changes = patch(f, matches!(scope, Scope::Group(_)));
    let what = match &scope {
        Scope::Workspace => "the workspace".to_string(),
        Scope::Group(name) => format!("group “{name}”"),
    };
    app::channels::update(
        &state.services,
        user.workspace_id,
        Actor::User(user.id),
        scope,
        changes,
    )
    .await
    .map_err(labelled)?;
    Ok(format!("Channels saved for {what}."))
}

pub async fn save_workspace(
    state: State,
    ManagerForm { signed, form }: ManagerForm<ChannelsFields>,
) -> Result<HttpResponse, PageError> {
    let done = save(&state, &signed, Scope::Workspace, &form).await;
    form_result(&state, &signed, "/settings", done)
}

pub async fn save_group(
    state: State,
    ManagerForm { signed, form }: ManagerForm<ChannelsFields>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let done = save(&state, &signed, Scope::Group(path.into_inner()), &form).await;
    form_result(&state, &signed, "/groups", done)
}
