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
