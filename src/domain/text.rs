//! Text from agents shown to people, and reasons typed by people.
//!
//! Unicode bidirectional controls reorder what a reader sees without changing what is stored:
//! an action `Delete ` + U+202E + `txt.exe` reads as `Delete exe.txt`, so an approver could
//! approve something other than what they read. Every place that shows agent text to a person (the
//! dashboard, email, Slack) passes it through [`mark_bidi`], which replaces each control with
//! a visible marker instead of silently dropping it: the approver should see that the agent
//! tried to hide something.

use std::borrow::Cow;

/// U+061C (Arabic letter mark), U+200E–U+200F (left-to-right and right-to-left marks),
/// U+202A–U+202E (embeddings, overrides, pop) and U+2066–U+2069 (isolates).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// `s` with every bidi control replaced by a visible `[U+202E]`-style marker (plain ASCII, so
/// it needs no escaping in HTML, Slack mrkdwn or an email subject).
pub fn mark_bidi(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_bidi_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_bidi_control(c) {
            out.push_str(&format!("[U+{:04X}]", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Characters that show nothing: whitespace and the zero-width ones (U+200B–U+200D, U+2060,
/// U+FEFF), which `str::trim` keeps.
fn is_invisible(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// A decision's reason as stored: trimmed of invisible characters at both ends, and `None` when
/// nothing visible is left, so a reason of only spaces or zero-width characters does not
/// satisfy "a reason is required" and an approval with one stores no reason.
pub fn reason(raw: Option<&str>) -> Option<String> {
    let trimmed = raw?.trim_matches(is_invisible);
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// `s` for HTML text or a quoted attribute, with bidi controls made visible (see above).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_bidi_control(c) => out.push_str(&mark_bidi(&c.to_string())),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bidi_control_is_marked_and_other_text_kept() {
        assert_eq!(mark_bidi("plain"), Cow::Borrowed("plain"));
        assert_eq!(mark_bidi("a\u{202E}b"), "a[U+202E]b");
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            assert_eq!(mark_bidi(&c.to_string()), format!("[U+{:04X}]", c as u32));
        }
        assert_eq!(mark_bidi("\u{2029}\u{206A}é"), "\u{2029}\u{206A}é");
    }

    #[test]
    fn a_reason_of_only_whitespace_or_zero_width_characters_is_none() {
        assert_eq!(reason(None), None);
        assert_eq!(
            reason(Some(
                " \t\n\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}\u{3000}"
            )),
            None
        );
        assert_eq!(
            reason(Some("\u{200B} too risky \u{FEFF}")).as_deref(),
            Some("too risky")
        );
        assert_eq!(reason(Some("a\u{200B}b")).as_deref(), Some("a\u{200B}b"));
    }
}
