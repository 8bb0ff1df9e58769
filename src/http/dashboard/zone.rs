//! How a page shows a time: in the reader's time zone (their account setting, else the zone
//! their browser reported in the `tz` cookie), else in UTC and saying so. One format everywhere,
//! `2026-12-07 09:14 CET`, the exact UTC instant on hover. Exports and the API stay UTC.
//!
//! Zones come from the tz database bundled into the binary (`jiff`), so the server needs no
//! `/usr/share/zoneinfo` and never computes an offset by hand.

use jiff::tz::TimeZone;
use jiff::{civil, Timestamp};

use crate::domain::display::known_zone;
use crate::domain::Millis;

/// The cookie app.js sets from `Intl.DateTimeFormat().resolvedOptions().timeZone`.
pub const TZ_COOKIE: &str = "tz";

/// The zone a page's times are shown in. Templates call [`Zone::show`] for the text and
/// [`Zone::exact`] for the `title` of a `<time datetime=…>` element.
#[derive(Debug, Clone)]
pub struct Zone {
    /// The IANA name (`Europe/Paris`); `None` is UTC because nothing told us better.
    name: Option<String>,
    tz: TimeZone,
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::utc()
    }
}

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            name: None,
            tz: TimeZone::UTC,
        }
    }

    /// The account's setting wins, then the browser's cookie; a name the tz database does not
    /// know is ignored (a cookie is whatever the client sent).
    pub fn pick(setting: Option<&str>, cookie: Option<&str>) -> Zone {
        setting
            .and_then(Zone::named)
            .or_else(|| cookie.and_then(Zone::named))
            .unwrap_or_else(Zone::utc)
    }

    /// The zone of an IANA name, if the bundled database knows it.
    pub fn named(name: &str) -> Option<Zone> {
        let name = known_zone(name)?;
        let tz = jiff::tz::db().get(&name).ok()?;
        Some(Zone {
            name: Some(name),
            tz,
        })
    }

    /// The zone's name as a page says it: `Europe/Paris`, or `UTC`.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or("UTC")
    }

    /// Whether times are shown in UTC because no zone was known (pages then say so).
    pub fn is_fallback(&self) -> bool {
        self.name.is_none()
    }

    /// `2026-12-07 09:14 CET` from an RFC 3339 string: the reader's wall clock and the zone's
    /// abbreviation (or its UTC offset where the zone has none, e.g. `-03`). Text that is not a
    /// time is shown as it came.
    pub fn show(&self, rfc3339: &str) -> String {
        match rfc3339.parse::<Timestamp>() {
            Ok(t) => t
                .to_zoned(self.tz.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string(),
            Err(_) => rfc3339.to_string(),
        }
    }

    /// [`Zone::show`] for milliseconds since the epoch.
    pub fn show_ms(&self, ms: Millis) -> String {
        self.show(&crate::domain::rfc3339(ms))
    }

    /// The exact instant in UTC, for a `title` attribute: `2026-11-22 07:44:45 UTC`.
    pub fn exact(&self, rfc3339: &str) -> String {
        match rfc3339.parse::<Timestamp>() {
            Ok(t) => t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
            Err(_) => rfc3339.to_string(),
        }
    }

    /// `2026-11-22` read as a day in this zone: the first millisecond of it. A day that starts
    /// in a DST gap starts at the first instant that exists.
    pub fn day_start(&self, date: &str) -> Option<Millis> {
        let day: civil::Date = date.trim().parse().ok()?;
        let start = day.to_zoned(self.tz.clone()).ok()?;
        Some(start.timestamp().as_millisecond())
    }

    /// The first millisecond after the day `date` in this zone (23, 24 or 25 hours later).
    pub fn day_end(&self, date: &str) -> Option<Millis> {
        let day: civil::Date = date.trim().parse().ok()?;
        let next = day.tomorrow().ok()?.to_zoned(self.tz.clone()).ok()?;
        Some(next.timestamp().as_millisecond())
    }
}

/// The audit filter's days are the reader's.
impl crate::app::audit::Days for Zone {
    fn day_start(&self, date: &str) -> Option<Millis> {
        Zone::day_start(self, date)
    }

    fn day_end(&self, date: &str) -> Option<Millis> {
        Zone::day_end(self, date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_zone_times_are_utc_and_say_so() {
        let z = Zone::pick(None, None);
        assert!(z.is_fallback());
        assert_eq!(z.label(), "UTC");
        assert_eq!(z.show("2026-11-22T07:44:45.123Z"), "2026-11-22 07:44 UTC");
        assert_eq!(
            z.exact("2026-11-22T07:44:45.123Z"),
            "2026-11-22 07:44:45 UTC"
        );
    }

    #[test]
    fn the_setting_wins_over_the_cookie_and_an_unknown_name_is_ignored() {
        assert_eq!(
            Zone::pick(Some("Asia/Tokyo"), Some("Europe/Paris")).label(),
            "Asia/Tokyo"
        );
        assert_eq!(
            Zone::pick(None, Some("Europe/Paris")).label(),
            "Europe/Paris"
        );
        let z = Zone::pick(Some("Nowhere/Land"), Some("Mars/Base"));
        assert_eq!(z.label(), "UTC");
        assert!(z.is_fallback());
    }

    #[test]
    fn a_time_is_shown_on_the_readers_wall_clock_with_the_zone_abbreviation() {
        let paris = Zone::named("Europe/Paris").unwrap();
        assert_eq!(paris.show("2026-12-07T08:14:00Z"), "2026-12-07 09:14 CET");
        assert_eq!(paris.show("2026-07-07T08:14:00Z"), "2026-07-07 10:14 CEST");
        // The hover text stays the exact UTC instant.
        assert_eq!(
            paris.exact("2026-12-07T08:14:00Z"),
            "2026-12-07 08:14:00 UTC"
        );
    }

    #[test]
    fn the_offset_changes_exactly_at_the_dst_boundary() {
        // Europe/Paris springs forward at 01:00 UTC on 2026-03-29.
        let paris = Zone::named("Europe/Paris").unwrap();
        assert_eq!(paris.show("2026-03-29T00:59:00Z"), "2026-03-29 01:59 CET");
        assert_eq!(paris.show("2026-03-29T01:00:00Z"), "2026-03-29 03:00 CEST");
        // New York falls back at 06:00 UTC on 2026-11-01: 01:30 happens twice.
        let ny = Zone::named("America/New_York").unwrap();
        assert_eq!(ny.show("2026-11-01T05:30:00Z"), "2026-11-01 01:30 EDT");
        assert_eq!(ny.show("2026-11-01T06:30:00Z"), "2026-11-01 01:30 EST");
    }

    #[test]
    fn a_day_is_read_in_the_zone_and_a_dst_day_is_23_hours_long() {
        let paris = Zone::named("Europe/Paris").unwrap();
        let start = paris.day_start("2026-03-29").unwrap();
        assert_eq!(crate::domain::rfc3339(start), "2026-03-28T23:00:00.000Z");
        let end = paris.day_end("2026-03-29").unwrap();
        assert_eq!(end - start, 23 * 3_600_000);
        let utc = Zone::utc();
        assert_eq!(
            crate::domain::rfc3339(utc.day_start("2026-03-29").unwrap()),
            "2026-03-29T00:00:00.000Z"
        );
        assert_eq!(paris.day_start("2026-02-30"), None);
        assert_eq!(paris.day_start("yesterday"), None);
    }

    #[test]
    fn text_that_is_not_a_time_is_shown_as_it_came() {
        assert_eq!(Zone::utc().show("never"), "never");
        assert_eq!(Zone::utc().exact("never"), "never");
    }
}
