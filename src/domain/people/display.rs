//! Each user's display preferences: the colour theme and the time zone their pages show times
//! in. Only how pages look; exports, emails and the API stay UTC whatever is chosen here.

use crate::db::sql::{params, Connection};

use super::sql_enum::sql_enum;
use super::users::User;
use crate::error::{AppError, AppResult};

sql_enum! {
    /// The colour theme: `system` follows the browser's `prefers-color-scheme`.
    pub enum Theme {
        System => "system",
        Light => "light",
        Dark => "dark",
    }
}

/// A user's preferences as stored on their row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Display {
    pub theme: Theme,
    /// An IANA name (`Europe/Paris`); `None` lets the browser's reported zone decide.
    pub time_zone: Option<String>,
}

impl Default for Display {
    fn default() -> Display {
        Display {
            theme: Theme::System,
            time_zone: None,
        }
    }
}

/// Longer than any IANA name; a bound before the lookup.
const MAX_ZONE: usize = 64;

/// The canonical spelling of a zone the bundled tz database knows, by its IANA name. `UTC` and
/// `Etc/…` names count; an offset or abbreviation (`+01:00`, `CET` as typed) is looked up like
/// any name and usually refused.
pub fn known_zone(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_ZONE {
        return None;
    }
    jiff::tz::db()
        .get(name)
        .ok()
        .map(|tz| tz.iana_name().unwrap_or(name).to_string())
}

/// Reads the account form's theme: one of the three words.
pub fn parse_theme(text: &str) -> AppResult<Theme> {
    Theme::from_name(text.trim())
        .ok_or_else(|| AppError::invalid("theme", "choose a theme: system, light or dark"))
}

/// Reads the account form's time zone: empty means "as the browser says", else an IANA name.
pub fn parse_zone(text: &str) -> AppResult<Option<String>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    known_zone(text).map(Some).ok_or_else(|| {
        let shown: String = text.trim().chars().take(MAX_ZONE).collect();
        AppError::invalid(
            "time_zone",
            format!(
                "\u{201c}{shown}\u{201d} is not a time zone this server knows; use an IANA name such as Europe/Paris or America/New_York, or leave it empty"
            ),
        )
    })
}

/// Saves both preferences; returns whether anything changed.
pub fn set(conn: &Connection, user: &User, display: &Display) -> AppResult<bool> {
    if &user.display == display {
        return Ok(false);
    }
    conn.execute(
        "UPDATE users SET theme = ?1, time_zone = ?2 WHERE id = ?3",
        params![display.theme, display.time_zone, user.id],
    )?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iana_name_is_known_and_kept_in_its_canonical_spelling() {
        assert_eq!(known_zone("Europe/Paris").as_deref(), Some("Europe/Paris"));
        assert_eq!(known_zone(" UTC ").as_deref(), Some("UTC"));
    }

    #[test]
    fn a_made_up_or_oversized_name_is_not_a_zone() {
        assert_eq!(known_zone("Mars/Olympus_Mons"), None);
        assert_eq!(known_zone(""), None);
        assert_eq!(known_zone(&"A".repeat(200)), None);
        assert!(parse_zone("Mars/Olympus_Mons").is_err());
        assert_eq!(parse_zone("  ").unwrap(), None);
    }

    #[test]
    fn a_theme_is_one_of_three_words() {
        assert_eq!(parse_theme("dark").unwrap(), Theme::Dark);
        assert!(parse_theme("purple").is_err());
    }
}
