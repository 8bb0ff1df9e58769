//! Configured secrets (e.g. the metrics token) that must never reach a log.

use std::fmt;

/// A configured secret (e.g. the metrics token): its `Debug` never shows the value, so printing
/// the settings cannot leak it into a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_graphic()) {
            return Err("use a non-empty token of visible ASCII characters".into());
        }
        Ok(Secret(s.to_string()))
    }
}
