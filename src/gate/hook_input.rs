//! What Claude Code sends a hook, and the pause made of it: a one-line action a person can read
//! at a glance, the tool's input as context, a risk per tool.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::one_line;

/// Longest `action` the gate makes (the API takes 1000; the full input is in `context`).
const ACTION_CHARS: usize = 200;
/// Context the API takes is 64 KiB; past this the gate shortens long strings.
const CONTEXT_BYTES: usize = 60 * 1024;
/// A string kept whole when the context must shrink.
const SHORTENED_CHARS: usize = 2000;

#[derive(Debug, Deserialize)]
pub struct HookInput {
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    pub hook_event_name: Option<String>,
    pub tool_name: String,
    #[serde(default)]
    pub tool_input: Value,
}

/// Which of Claude Code's answer shapes to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    PreToolUse,
    PermissionRequest,
}

impl HookInput {
    pub fn event(&self) -> Event {
        match self.hook_event_name.as_deref() {
            Some("PermissionRequest") => Event::PermissionRequest,
            _ => Event::PreToolUse,
        }
    }

    /// "Bash: rm -rf build", "Write: src/main.rs", "WebFetch: https://…".
    pub fn action(&self) -> String {
        let input = &self.tool_input;
        let field = [
            "command",
            "file_path",
            "notebook_path",
            "url",
            "query",
            "pattern",
            "description",
            "prompt",
        ]
        .iter()
        .find_map(|k| input[*k].as_str());
        let detail = match field {
            Some(text) => text.to_string(),
            None if input.is_null() => String::new(),
            None => input.to_string(),
        };
        let text = if detail.trim().is_empty() {
            self.tool_name.clone()
        } else {
            format!("{}: {detail}", self.tool_name)
        };
        one_line(&text, ACTION_CHARS)
    }

    /// The tool's input with `cwd` added (an input's own `cwd` wins), shortened to fit.
    pub fn context(&self) -> Value {
        let mut map = match &self.tool_input {
            Value::Object(m) => m.clone(),
            Value::Null => Map::new(),
            other => Map::from_iter([("input".to_string(), other.clone())]),
        };
        if let Some(cwd) = &self.cwd {
            map.entry("cwd").or_insert_with(|| json!(cwd));
        }
        let mut context = Value::Object(map);
        if context.to_string().len() > CONTEXT_BYTES {
            shorten(&mut context);
        }
        context
    }

    /// `session_id` as the pause's `run` when it is a valid run name (a UUID is).
    pub fn run(&self) -> Option<&str> {
        self.session_id.as_deref().filter(|s| {
            (1..=100).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
                && !s.bytes().all(|b| b == b'.')
        })
    }
}

/// Cuts every long string so that a big `Write` still reaches the approver, marked as cut.
fn shorten(value: &mut Value) {
    match value {
        Value::String(s) if s.chars().count() > SHORTENED_CHARS => {
            let total = s.len();
            let mut cut: String = s.chars().take(SHORTENED_CHARS).collect();
            cut.push_str(&format!("… [shortened by holdpoint: {total} bytes in all]"));
            *s = cut;
        }
        Value::Array(items) => items.iter_mut().for_each(shorten),
        Value::Object(map) => map.values_mut().for_each(shorten),
        _ => {}
    }
}

/// `Bash=high,Read=low` pairs; `*` sets the risk of tools not named.
pub fn parse_risks(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(parse_risk)
        .collect()
}

/// One `Tool=level`.
pub fn parse_risk(pair: &str) -> Result<(String, String), String> {
    let (tool, level) = pair
        .split_once('=')
        .ok_or_else(|| format!("`{pair}` is not TOOL=LEVEL, e.g. Bash=high"))?;
    let level = level.trim();
    if !["low", "medium", "high", "critical"].contains(&level) {
        return Err(format!(
            "`{level}` in `{pair}` is no risk: low, medium, high or critical"
        ));
    }
    Ok((tool.trim().to_string(), level.to_string()))
}

/// The risk of `tool`: the flags over the environment, `*` for the rest, else high.
pub fn risk_for(tool: &str, env: &[(String, String)], flags: &[(String, String)]) -> String {
    let map: HashMap<&str, &str> = env
        .iter()
        .chain(flags)
        .map(|(t, l)| (t.as_str(), l.as_str()))
        .collect();
    map.get(tool)
        .or_else(|| map.get("*"))
        .unwrap_or(&"high")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(tool: &str, tool_input: Value) -> HookInput {
        HookInput {
            session_id: Some("abc-123".into()),
            cwd: Some("/repo".into()),
            hook_event_name: Some("PreToolUse".into()),
            tool_name: tool.into(),
            tool_input,
        }
    }

    #[test]
    fn the_action_is_one_readable_bounded_line() {
        assert_eq!(
            input("Bash", json!({"command": "rm -rf build"})).action(),
            "Bash: rm -rf build"
        );
        assert_eq!(
            input("Write", json!({"file_path": "a.rs", "content": "x"})).action(),
            "Write: a.rs"
        );
        assert_eq!(
            input("Bash", json!({"command": "a\n\tb"})).action(),
            "Bash: a b"
        );
        let long = input("Bash", json!({"command": "x".repeat(5000)})).action();
        assert_eq!(long.chars().count(), ACTION_CHARS);
        assert!(long.ends_with('…'));
        assert_eq!(
            input("mcp__db__query", json!({"sql": 1})).action(),
            "mcp__db__query: {\"sql\":1}"
        );
    }

    #[test]
    fn the_context_is_the_input_plus_cwd_and_fits_the_api() {
        let c = input("Bash", json!({"command": "ls"})).context();
        assert_eq!(c, json!({"command": "ls", "cwd": "/repo"}));
        let big = input(
            "Write",
            json!({"file_path": "a", "content": "y".repeat(200_000)}),
        )
        .context();
        assert!(big.to_string().len() < 64 * 1024);
        assert!(big["content"]
            .as_str()
            .unwrap()
            .ends_with("200000 bytes in all]"));
    }

    #[test]
    fn flags_beat_the_environment_and_unknown_tools_are_high() {
        let env = parse_risks("Bash=medium, Read=low").unwrap();
        let flags = vec![parse_risk("Bash=critical").unwrap()];
        assert_eq!(risk_for("Bash", &env, &flags), "critical");
        assert_eq!(risk_for("Read", &env, &flags), "low");
        assert_eq!(risk_for("Write", &env, &flags), "high");
        let star = vec![parse_risk("*=medium").unwrap()];
        assert_eq!(risk_for("Write", &env, &star), "medium");
        assert!(parse_risk("Bash").is_err());
        assert!(parse_risk("Bash=extreme")
            .unwrap_err()
            .contains("low, medium, high or critical"));
    }
}
