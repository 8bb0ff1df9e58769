//! How a page shows a time: in the reader's time zone (their account setting, else the zone
//! their browser reported in the `tz` cookie), else in UTC and saying so. One format everywhere,
//! the exact UTC instant on hover. Exports and the API stay UTC.

/// The zone a page's times are shown in. Templates call [`Zone::show`] for the text and
/// [`Zone::exact`] for the `title` of a `<time datetime=…>` element.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    /// The IANA name (`Europe/Paris`); `None` is UTC.
    name: Option<String>,
}

impl Zone {
    pub fn utc() -> Zone {
        Zone { name: None }
    }

    /// The zone's name as a page says it: `Europe/Paris`, or `UTC`.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or("UTC")
    }

    /// `2026-11-22 07:44 UTC` (in the reader's zone once it is known) from an RFC 3339 string.
    pub fn show(&self, rfc3339: &str) -> String {
        crate::domain::human_time_rfc(rfc3339)
    }

    /// The exact instant in UTC, for a `title` attribute: `2026-11-22 07:44:45 UTC`.
    pub fn exact(&self, rfc3339: &str) -> String {
        if rfc3339.len() >= 19 {
            format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..19])
        } else {
            rfc3339.to_string()
        }
    }
}
