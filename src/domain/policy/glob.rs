//! Rule globs: `*` any run of characters (including `/`), `?` one character, `[...]` a class;
//! case-sensitive and matching the whole string. Compiled once when a rule is read, so
//! evaluating a hundred rules per create compiles nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use globset::{GlobBuilder, GlobMatcher};

/// The longest glob a rule may hold, in characters.
pub const MAX_GLOB_CHARS: usize = 200;

/// A compiled glob that remembers its text (compared and shown by it). Shared, not copied:
/// a copy of the matcher would start with empty match caches, which cost more to fill than
/// the match itself.
#[derive(Clone)]
pub struct Pattern(Arc<Compiled>);

struct Compiled {
    text: String,
    matcher: GlobMatcher,
}

/// Why a glob was refused, for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(pub String);

/// Compiled globs by their text, so the rules read on every create are not compiled again
/// (compiling one costs far more than matching it). A glob's text alone decides what it
/// compiles to, so the cache is right for every database in the process; it is emptied when it
/// reaches [`CACHED`] globs rather than grown without bound.
static COMPILED: Mutex<Option<HashMap<String, Pattern>>> = Mutex::new(None);
const CACHED: usize = 10_000;

impl Pattern {
    /// As [`Pattern::compile`], from the cache when the same text was compiled before.
    pub fn new(text: &str) -> Result<Pattern, PatternError> {
        let cached = |c: &mut Option<HashMap<String, Pattern>>| {
            c.as_ref().and_then(|m| m.get(text).cloned())
        };
        if let Some(p) = cached(&mut COMPILED.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(p);
        }
        let p = Pattern::compile(text)?;
        let mut guard = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() >= CACHED {
            map.clear();
        }
        map.insert(text.to_string(), p.clone());
        Ok(p)
    }

    fn compile(text: &str) -> Result<Pattern, PatternError> {
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
        Ok(Pattern(Arc::new(Compiled {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })))
    }

    pub fn as_str(&self) -> &str {
        &self.0.text
    }

    /// Whether the whole of `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        self.0.matcher.is_match(value)
    }

    /// As [`Pattern::matches`], on a value prepared once for many globs.
    pub fn matches_prepared(&self, value: &Prepared<'_>) -> bool {
        self.0.matcher.is_match_candidate(&value.0)
    }
}

/// A value prepared once to be matched against many globs. globset otherwise prepares it (as a
/// file path) again for every glob: with 100 rules that was more than half of what matching
/// cost a create (callgrind, bench/results.md).
pub struct Prepared<'a>(globset::Candidate<'a>);

impl<'a> Prepared<'a> {
    pub fn new(value: &'a str) -> Prepared<'a> {
        Prepared(globset::Candidate::new(value))
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.0.text == other.0.text
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pattern({:?})", self.0.text)
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
    fn a_cached_glob_matches_as_a_fresh_one() {
        let first = Pattern::new("cache-me-*").unwrap();
        let again = Pattern::new("cache-me-*").unwrap();
        assert_eq!(first, again);
        assert!(again.matches("cache-me-now") && !again.matches("cache-you"));
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
