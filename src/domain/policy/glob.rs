//! Rule globs: `*` any run of characters (including `/`), `?` one character, `[...]` a class;
//! case-sensitive and matching the whole string. Compiled once when a rule is read, so
//! evaluating a hundred rules per create compiles nothing.

use globset::{GlobBuilder, GlobMatcher};

/// The longest glob a rule may hold, in characters.
pub const MAX_GLOB_CHARS: usize = 200;

/// A compiled glob that remembers its text (compared and shown by it).
#[derive(Clone)]
pub struct Pattern {
    text: String,
    matcher: GlobMatcher,
}

/// Why a glob was refused, for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(pub String);

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, PatternError> {
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_GLOB_CHARS {
            return Err(PatternError(format!(
                "a glob has 1 to {MAX_GLOB_CHARS} characters (got {chars})"
            )));
        }
        let glob = GlobBuilder::new(text)
            .literal_separator(false)
            .case_insensitive(false)
            .backslash_escape(true)
            .empty_alternates(false)
            .build()
            .map_err(|e| PatternError(format!("`{text}` is not a valid glob: {}", e.kind())))?;
        Ok(Pattern {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the whole of `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        self.matcher.is_match(value)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.text == other.text
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pattern({:?})", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(glob: &str, value: &str) -> bool {
        Pattern::new(glob).unwrap().matches(value)
    }

    #[test]
    fn a_star_crosses_slashes_and_the_whole_string_must_match() {
        assert!(m("git status*", "git status --short"));
        assert!(m("mcp__*", "mcp__github/create_issue"));
        assert!(m("*", "a/b/c"));
        assert!(!m("send", "send_email"));
        assert!(!m("email", "send_email"));
    }

    #[test]
    fn globs_are_case_sensitive_with_classes_and_single_characters() {
        assert!(!m("Send_*", "send_email"));
        assert!(m("send_?mail", "send_email"));
        assert!(!m("send_?mail", "send_mail"));
        assert!(m("v[0-9]", "v7"));
        assert!(!m("v[0-9]", "vx"));
        assert!(m(r"a\*", "a*"));
        assert!(!m(r"a\*", "ab"));
    }

    #[test]
    fn a_bad_or_empty_glob_is_refused_with_why() {
        assert!(Pattern::new("[a-").is_err());
        assert!(Pattern::new("{a,b").is_err());
        let too_long = "a".repeat(MAX_GLOB_CHARS + 1);
        assert!(Pattern::new(&too_long).unwrap_err().0.contains("1 to 200"));
        assert!(Pattern::new("").is_err());
    }
}
