//! A change to channels, as the API's PATCH and the pages' forms send it: a JSON merge where a
//! present key replaces its channel (`null` removes it) and an absent key keeps it. Every URL
//! passes the same checks as a Slack or webhook URL, plus the private-address guard, and a
//! refusal names its field (`ntfy.url`).

use serde_json::{Map, Value};

use super::{Channels, Ntfy, UrlChannel};
use crate::domain::policy::Risk;
use crate::domain::webhook_admin::validate_url;
use crate::domain::webhooks::ensure_deliverable;
use crate::error::{AppError, AppResult};

/// The longest ntfy topic (ntfy's own limit is 64).
pub const MAX_TOPIC_CHARS: usize = 64;
/// The longest ntfy access token accepted.
pub const MAX_TOKEN_CHARS: usize = 256;

/// An ntfy topic: 1 to [`MAX_TOPIC_CHARS`] of letters, digits, `_` and `-`.
pub fn check_topic(field: &str, topic: &str) -> AppResult<()> {
    let ok = (1..=MAX_TOPIC_CHARS).contains(&topic.len())
        && topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match ok {
        true => Ok(()),
        false => Err(AppError::invalid(
            field,
            format!(
                "an ntfy topic has 1 to {MAX_TOPIC_CHARS} of letters, digits, `_` and `-`; pick \
                 one that is hard to guess, as anyone who knows it can read it"
            ),
        )),
    }
}

/// `current` with `changes` applied and checked.
pub fn apply(current: &Channels, changes: &Value, allow_private: bool) -> AppResult<Channels> {
    let Value::Object(changes) = changes else {
        return Err(AppError::invalid(
            "body",
            "send a JSON object with any of `slack`, `ntfy`, `teams`, `discord` and \
             `ntfyButtonsMaxRisk`",
        ));
    };
    let mut next = current.clone();
    for (key, value) in changes {
        match key.as_str() {
            "slack" => next.slack = url_channel("slack", value, allow_private)?,
            "teams" => next.teams = url_channel("teams", value, allow_private)?,
            "discord" => next.discord = url_channel("discord", value, allow_private)?,
            "ntfy" => next.ntfy = ntfy(current.ntfy.as_ref(), value, allow_private)?,
            "ntfyButtonsMaxRisk" => next.ntfy_buttons_max_risk = risk(value)?,
            other => {
                return Err(AppError::invalid(
                    other,
                    "unknown channel; known: slack, ntfy, teams, discord, ntfyButtonsMaxRisk",
                ))
            }
        }
    }
    Ok(next)
}

fn object<'a>(name: &str, value: &'a Value, keys: &[&str]) -> AppResult<&'a Map<String, Value>> {
    let Value::Object(map) = value else {
        return Err(AppError::invalid(
            name,
            format!(
                "`{name}` is an object ({}) or null to remove it",
                keys.join(", ")
            ),
        ));
    };
    if let Some(k) = map.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(AppError::invalid(
            format!("{name}.{k}"),
            format!("unknown member; `{name}` has {}", keys.join(", ")),
        ));
    }
    Ok(map)
}

/// A URL a delivery can go to: well-formed, and not plainly private unless allowed.
fn checked_url(
    field: &str,
    value: Option<&Value>,
    https_only: bool,
    allow_private: bool,
) -> AppResult<String> {
    let raw = value.and_then(Value::as_str).unwrap_or("");
    let url = validate_url(field, raw, https_only)?;
    ensure_deliverable(field, &url, allow_private)?;
    Ok(url)
}

fn url_channel(name: &str, value: &Value, allow_private: bool) -> AppResult<Option<UrlChannel>> {
    if value.is_null() {
        return Ok(None);
    }
    let map = object(name, value, &["url"])?;
    let url = checked_url(&format!("{name}.url"), map.get("url"), true, allow_private)?;
    Ok(Some(UrlChannel { url }))
}

/// ntfy's `token`: absent or `"set"` keeps the current one, `null` removes it.
fn ntfy(current: Option<&Ntfy>, value: &Value, allow_private: bool) -> AppResult<Option<Ntfy>> {
    if value.is_null() {
        return Ok(None);
    }
    let map = object("ntfy", value, &["url", "topic", "token"])?;
    // A self-hosted ntfy server is often plain http on the local network.
    let url = checked_url("ntfy.url", map.get("url"), false, allow_private)?;
    let topic = map
        .get("topic")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    check_topic("ntfy.topic", topic)?;
    let kept = || current.and_then(|n| n.token.clone());
    let token = match map.get("token") {
        None => kept(),
        Some(Value::Null) => None,
        Some(Value::String(t)) if t == "set" => kept(),
        Some(Value::String(t)) if valid_token(t) => Some(t.clone()),
        Some(_) => {
            return Err(AppError::invalid(
                "ntfy.token",
                format!(
                    "an ntfy access token has 1 to {MAX_TOKEN_CHARS} visible characters; null \
                     removes it"
                ),
            ))
        }
    };
    Ok(Some(Ntfy {
        url,
        topic: topic.to_string(),
        token,
    }))
}

fn valid_token(t: &str) -> bool {
    (1..=MAX_TOKEN_CHARS).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_graphic())
}

fn risk(value: &Value) -> AppResult<Risk> {
    value.as_str().and_then(Risk::from_name).ok_or_else(|| {
        AppError::invalid(
            "ntfyButtonsMaxRisk",
            "one of low, medium, high, critical: pushes to a person's topic carry buttons only \
             for risks below it",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn topics_are_limited_to_64_safe_characters() {
        assert!(check_topic("t", &"a".repeat(64)).is_ok());
        assert!(check_topic("t", &"a".repeat(65)).is_err());
        assert!(check_topic("t", "").is_err());
        assert!(check_topic("t", "has space").is_err());
        assert!(check_topic("t", "ok_Topic-1").is_ok());
    }

    #[test]
    fn an_absent_token_is_kept_and_null_removes_it() {
        let current = Channels {
            ntfy: Some(Ntfy {
                url: "https://ntfy.sh".into(),
                topic: "a".into(),
                token: Some("tk_1".into()),
            }),
            ..Channels::default()
        };
        let kept = apply(
            &current,
            &json!({"ntfy": {"url": "https://ntfy.sh", "topic": "b"}}),
            false,
        )
        .unwrap();
        assert_eq!(kept.ntfy.unwrap().token.as_deref(), Some("tk_1"));
        let removed = apply(
            &current,
            &json!({"ntfy": {"url": "https://ntfy.sh", "topic": "b", "token": null}}),
            false,
        )
        .unwrap();
        assert_eq!(removed.ntfy.unwrap().token, None);
    }

    #[test]
    fn a_refused_url_names_its_field() {
        let err = apply(
            &Channels::default(),
            &json!({"discord": {"url": "https://127.0.0.1/x"}}),
            false,
        )
        .unwrap_err();
        assert!(matches!(err, AppError::Invalid { ref field, .. } if field == "discord.url"));
    }
}
