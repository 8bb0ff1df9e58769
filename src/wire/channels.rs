//! Channels as the API shows them: never a secret. URLs are shown as the logs show them
//! (`notify::redact`: no user-info, query or fragment) and the ntfy token as `"set"` or null.

use serde_json::{json, Value};

use crate::domain::channels::{Channels, UrlChannel};
use crate::notify::redact::loggable_url;

fn url_channel(c: &Option<UrlChannel>) -> Value {
    match c {
        Some(c) => json!({ "url": loggable_url(&c.url) }),
        None => Value::Null,
    }
}

pub fn view(c: &Channels) -> Value {
    let ntfy = c.ntfy.as_ref().map(|n| {
        json!({
            "url": loggable_url(&n.url),
            "topic": n.topic,
            "token": n.token.as_ref().map(|_| "set"),
        })
    });
    json!({
        "slack": url_channel(&c.slack),
        "ntfy": ntfy,
        "teams": url_channel(&c.teams),
        "discord": url_channel(&c.discord),
        "ntfyButtonsMaxRisk": c.ntfy_buttons_max_risk,
    })
}

// What follows documents, for the OpenAPI document, the JSON `view` builds and the PATCH reads.

use crate::domain::policy::Risk;

/// A Slack, Teams or Discord incoming webhook, its URL as the logs show it.
#[derive(utoipa::ToSchema)]
#[schema(as = UrlChannel)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UrlChannelDoc {
    url: String,
}

/// An ntfy server and topic; `token` is `"set"` when there is one, never the token.
#[derive(utoipa::ToSchema)]
#[schema(as = NtfyChannel)]
#[allow(dead_code)]
pub struct NtfyDoc {
    url: String,
    topic: String,
    token: Option<String>,
}

/// The channels of the workspace or of a group: null where none is set.
#[derive(utoipa::ToSchema)]
#[schema(as = Channels)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct ChannelsDoc {
    slack: Option<UrlChannelDoc>,
    ntfy: Option<NtfyDoc>,
    teams: Option<UrlChannelDoc>,
    discord: Option<UrlChannelDoc>,
    /// Pushes to a person's topic carry buttons only below this risk.
    ntfy_buttons_max_risk: Risk,
}

/// An ntfy channel as sent: `token` absent or `"set"` keeps the current one, null removes it.
#[derive(utoipa::ToSchema)]
#[schema(as = NtfyChannelPatch)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NtfyPatchDoc {
    /// The server (http or https).
    url: String,
    /// 1 to 64 of letters, digits, `_` and `-` (surrounding spaces are trimmed).
    #[schema(min_length = 1)]
    topic: String,
    #[schema(min_length = 1, max_length = 256)]
    token: Option<String>,
}

/// `PATCH` of channels: a member sent replaces its channel, null removes it, an absent one
/// stays.
#[derive(utoipa::ToSchema)]
#[schema(as = ChannelsPatch)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct ChannelsPatchDoc {
    /// An https URL.
    slack: Option<UrlChannelDoc>,
    ntfy: Option<NtfyPatchDoc>,
    /// An https URL.
    teams: Option<UrlChannelDoc>,
    /// An https URL.
    discord: Option<UrlChannelDoc>,
    #[schema(required = false)]
    ntfy_buttons_max_risk: Risk,
}
