//! Renders an agent's JSON as collapsible, syntax-highlighted HTML. Agent text is never trusted:
//! every string and key is escaped here (bidi controls marked), and the result is the only
//! thing templates mark safe.

use std::fmt::Write;

use serde_json::Value;

use crate::domain::text;

/// Deeper levels are shown as raw JSON text rather than nested boxes.
const MAX_DEPTH: usize = 32;
/// Objects and arrays with more entries start collapsed.
const OPEN_UP_TO: usize = 20;

pub use crate::domain::text::escape_html as escape;

/// HTML for `json` (the agent's raw JSON text); invalid JSON is shown as escaped text.
pub fn render(json: &str) -> String {
    match serde_json::from_str::<Value>(json) {
        Ok(v) => {
            let mut out = String::from("<div class=\"json\">");
            node(&mut out, &v, 0);
            out.push_str("</div>");
            out
        }
        Err(_) => format!("<pre class=\"json\">{}</pre>", escape(json)),
    }
}

fn node(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::Null => out.push_str("<span class=\"j-null\">null</span>"),
        Value::Bool(b) => {
            let _ = write!(out, "<span class=\"j-bool\">{b}</span>");
        }
        Value::Number(n) => {
            let _ = write!(out, "<span class=\"j-num\">{n}</span>");
        }
        Value::String(s) => {
            let _ = write!(out, "<span class=\"j-str\">\"{}\"</span>", escape(s));
        }
        Value::Array(items) if depth >= MAX_DEPTH || items.is_empty() => raw(out, v),
        Value::Object(map) if depth >= MAX_DEPTH || map.is_empty() => raw(out, v),
        Value::Array(items) => {
            open(
                out,
                "[",
                items.len(),
                if items.len() == 1 { "item" } else { "items" },
            );
            for (i, item) in items.iter().enumerate() {
                let _ = write!(out, "<li><span class=\"j-idx\">{i}</span> ");
                node(out, item, depth + 1);
                out.push_str("</li>");
            }
            out.push_str("</ul>]</details>");
        }
        Value::Object(map) => {
            open(
                out,
                "{",
                map.len(),
                if map.len() == 1 { "key" } else { "keys" },
            );
            for (k, item) in map {
                let _ = write!(out, "<li><span class=\"j-key\">\"{}\"</span>: ", escape(k));
                node(out, item, depth + 1);
                out.push_str("</li>");
            }
            out.push_str("</ul>}</details>");
        }
    }
}

fn open(out: &mut String, bracket: &str, n: usize, noun: &str) {
    let open = if n <= OPEN_UP_TO { " open" } else { "" };
    let _ = write!(
        out,
        "<details{open}><summary>{bracket} <span class=\"j-count\">{n} {noun}</span></summary><ul>"
    );
}

fn raw(out: &mut String, v: &Value) {
    let _ = write!(
        out,
        "<span class=\"j-raw\">{}</span>",
        escape(&v.to_string())
    );
}

/// One line of context for the queue: compact JSON, cut at `max` characters.
pub fn preview(json: Option<&str>, max: usize) -> String {
    let Some(json) = json else {
        return String::new();
    };
    let compact = serde_json::from_str::<Value>(json)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| json.to_string());
    if compact.chars().count() <= max {
        return text::mark_bidi(&compact).into_owned();
    }
    let cut: String = compact.chars().take(max).collect();
    format!("{}…", text::mark_bidi(&cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_text_is_escaped_in_keys_and_values() {
        let html = render(r#"{"<img src=x onerror=alert(1)>": "<script>alert('x')</script>"}"#);
        assert!(!html.contains("<script>") && !html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn nesting_becomes_collapsible_details_and_keeps_key_order() {
        let html = render(r#"{"z": [1, true, null], "a": {"b": 1.5}}"#);
        assert_eq!(html.matches("<details").count(), 3);
        assert!(
            html.find("&quot;z&quot;").is_none(),
            "keys are quoted with literal quotes inside a span"
        );
        assert!(html.find("\"z\"").unwrap() < html.find("\"a\"").unwrap());
        assert!(
            html.contains("<span class=\"j-bool\">true</span>")
                && html.contains("<span class=\"j-null\">null</span>")
        );
    }

    #[test]
    fn previews_are_one_compact_line_cut_at_the_limit() {
        assert_eq!(preview(Some("{\n  \"a\": 1\n}"), 80), "{\"a\":1}");
        assert_eq!(preview(Some("\"abcdefghij\""), 5), "\"abcd…");
        assert_eq!(preview(None, 5), "");
    }
}
