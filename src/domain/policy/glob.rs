//! Rule globs: `*` any run of characters (including `/`), `?` one character, `[...]` a class;
//! case-sensitive and matching the whole string. Compiled once when a rule is read, so
//! evaluating a hundred rules per create compiles nothing.

use std::sync::{Arc, Mutex};

use std::cell::OnceCell;

use globset::{Candidate, GlobBuilder, GlobMatcher};

use super::bounded::Bounded;

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
    shape: Shape,
}

/// The shapes most rule globs have, matched without the regex: a literal name (`send_email`),
/// a prefix (`git status*`), a suffix (`*_read`) or a part (`*invoice*`). A glob with any other
/// metacharacter (`?`, `[`, `{`, `\`, an inner `*`) is `Regex`. The property test below checks
/// every shape against globset itself.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Part(String),
    Regex,
}

impl Shape {
    fn of(text: &str) -> Shape {
        let head = text.strip_prefix('*');
        let inner = head.unwrap_or(text);
        let tail = inner.strip_suffix('*');
        let inner = tail.unwrap_or(inner);
        if inner.is_empty() || inner.contains(['*', '?', '[', ']', '{', '}', '\\']) {
            return Shape::Regex;
        }
        let inner = inner.to_string();
        match (head.is_some(), tail.is_some()) {
            (false, false) => Shape::Exact(inner),
            (false, true) => Shape::Prefix(inner),
            (true, false) => Shape::Suffix(inner),
            (true, true) => Shape::Part(inner),
        }
    }

    /// Whether `value` matches, or `None` when only the regex can say.
    fn matches(&self, value: &str) -> Option<bool> {
        Some(match self {
            Shape::Exact(s) => value == s,
            Shape::Prefix(s) => value.starts_with(s.as_str()),
            Shape::Suffix(s) => value.ends_with(s.as_str()),
            Shape::Part(s) => value.contains(s.as_str()),
            Shape::Regex => return None,
        })
    }
}

/// Why a glob was refused, for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(pub String);

/// Compiled globs by their text, so the rules read on every create are not compiled again
/// (compiling one costs far more than matching it). A glob's text alone decides what it
/// compiles to, so the cache is right for every database in the process; it is emptied when it
/// reaches [`CACHED`] globs rather than grown without bound.
static COMPILED: Mutex<Option<Bounded<String, Pattern>>> = Mutex::new(None);
const CACHED: usize = 10_000;

impl Pattern {
    /// As [`Pattern::compile`], from the cache when the same text was compiled before.
    pub fn new(text: &str) -> Result<Pattern, PatternError> {
        let lock = || COMPILED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = lock().as_ref().and_then(|m| m.get(text)) {
            return Ok(p);
        }
        let p = Pattern::compile(text)?;
        lock()
            .get_or_insert_with(|| Bounded::new(CACHED))
            .keep(text.to_string(), p.clone());
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
            shape: Shape::of(text),
        })))
    }

    pub fn as_str(&self) -> &str {
        &self.0.text
    }

    /// Whether the whole of `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        self.0
            .shape
            .matches(value)
            .unwrap_or_else(|| self.0.matcher.is_match(value))
    }

    /// As [`Pattern::matches`], on a value prepared once for many globs.
    pub fn matches_prepared(&self, value: &Prepared<'_>) -> bool {
        self.0.shape.matches(value.text).unwrap_or_else(|| {
            let candidate = value.candidate.get_or_init(|| Candidate::new(value.text));
            self.0.matcher.is_match_candidate(candidate)
        })
    }
}

/// A value prepared once to be matched against many globs: globset would otherwise prepare it
/// (as a file path) again for every glob, which with 100 rules was more than half of what
/// matching cost a create (callgrind, bench/results.md). Made on the first glob that needs it.
pub struct Prepared<'a> {
    text: &'a str,
    candidate: OnceCell<Candidate<'a>>,
}

impl<'a> Prepared<'a> {
    pub fn new(text: &'a str) -> Prepared<'a> {
        Prepared {
            text,
            candidate: OnceCell::new(),
        }
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
        assert_eq!(again.as_str(), "cache-me-*");
        assert_ne!(again, Pattern::new("cache-you-*").unwrap());
        assert!(again.matches("cache-me-now") && !again.matches("cache-you"));
    }

    #[test]
    fn the_common_shapes_are_told_apart_and_the_rest_left_to_the_regex() {
        let shape = |t: &str| Shape::of(t);
        assert_eq!(shape("send_email"), Shape::Exact("send_email".into()));
        assert_eq!(shape("git status*"), Shape::Prefix("git status".into()));
        assert_eq!(shape("*_read"), Shape::Suffix("_read".into()));
        assert_eq!(shape("*invoice*"), Shape::Part("invoice".into()));
        for regex in [
            "*", "**", "a*b", "a?", "[ab]", "{a,b}", r"a\*", "**x", "x**", "*a*b*",
        ] {
            assert_eq!(shape(regex), Shape::Regex, "{regex}");
        }
    }

    proptest::proptest! {
        /// Every shape's shortcut answers as globset does, on globs and values from a small
        /// alphabet (so they often match) with every metacharacter in it.
        #[test]
        fn shortcuts_match_exactly_as_globset_does(
            glob in "[ab/*?\\[\\]{},\\\\]{1,6}",
            value in "[ab/*?]{0,6}",
        ) {
            if let Ok(p) = Pattern::compile(&glob) {
                let by_regex = p.0.matcher.is_match(value.as_str());
                proptest::prop_assert_eq!(p.matches(&value), by_regex, "{} on {}", glob, value);
                let prepared = Prepared::new(&value);
                proptest::prop_assert_eq!(p.matches_prepared(&prepared), by_regex);
            }
        }
    }

    #[test]
    fn a_bad_or_empty_glob_is_refused_with_why() {
        assert!(Pattern::new("[a-").is_err());
        assert!(Pattern::new("{a,b").is_err());
        assert!(Pattern::new(&"a".repeat(MAX_GLOB_CHARS)).is_ok());
        let too_long = "a".repeat(MAX_GLOB_CHARS + 1);
        assert!(Pattern::new(&too_long).unwrap_err().0.contains("1 to 200"));
        assert!(Pattern::new("").is_err());
    }
}
