//! The hourly digest of policy approvals (see `domain::policy::digest`), rendered at send time
//! from the pauses of its hour: those are decided, so the rows cannot change in between. Agent
//! text is escaped by the HTML template and its bidi controls are marked here, as in the
//! approval email.

use askama::Template;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::mailer::{compose, send_composed};
use crate::domain::ids::WorkspaceId;
use crate::domain::outbox::{AttemptResult, Message};
use crate::domain::policy::digest::{self, Approval, HOUR_MS};
use crate::domain::text::mark_bidi;
use crate::domain::users::{self, User};
use crate::domain::{notifications, rfc3339, Millis};
use crate::error::AppResult;
use crate::services::Services;

/// The action shown per row; the rest is on the pause's page.
const ACTION_CHARS: usize = 200;

#[derive(Template)]
#[template(path = "email/digest.html")]
struct HtmlBody<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "email/digest.txt")]
struct TextBody<'a> {
    v: &'a View,
}

/// A digest worth sending: its hour and the zone the recipient's History page reads days in.
pub struct Ready {
    hour: Millis,
    zone: Option<String>,
}

/// Whether the digest still goes to its recipient: an owner or admin, enabled, emails on.
/// `Err` with the reason (the email is skipped) otherwise.
pub fn prepare(
    conn: &crate::db::sql::Connection,
    user_id: Option<crate::domain::ids::UserId>,
    payload: &str,
) -> AppResult<Result<Ready, String>> {
    let Some(hour) = digest::hour_of(payload) else {
        return Ok(Err("not sent: the digest names no hour".into()));
    };
    let user = match user_id {
        Some(id) => users::get(conn, id)?,
        None => None,
    };
    let wants = match &user {
        Some(u) => notifications::email_enabled(conn, u.id)?,
        None => false,
    };
    Ok(match user {
        None => Err("not sent: the user no longer exists".into()),
        Some(u) if u.disabled => Err("not sent: the user was disabled".into()),
        Some(_) if !wants => Err("not sent: the user turned email notifications off".into()),
        Some(u) if !u.role.can_manage() => {
            Err("not sent: the user is no longer an owner or admin".into())
        }
        Some(User { display, .. }) => Ok(Ready {
            hour,
            zone: display.time_zone,
        }),
    })
}

/// One listed approval, its agent-supplied text marked.
pub struct Row {
    pub time: String,
    pub agent: String,
    pub action: String,
    pub tool: String,
    pub risk: String,
    pub decided_by: String,
}

pub struct View {
    pub hour: String,
    pub total: i64,
    pub rows: Vec<Row>,
    pub more: i64,
    pub history_url: String,
    pub base_url: String,
}

impl View {
    pub fn new(base_url: &str, ready: &Ready, total: i64, approvals: Vec<Approval>) -> View {
        let rows: Vec<Row> = approvals.into_iter().map(row).collect();
        let (from, to) = history_days(ready.hour, ready.zone.as_deref());
        View {
            hour: hour_range(ready.hour),
            total,
            more: total - rows.len() as i64,
            rows,
            history_url: format!("{base_url}/history?decided=policy&from={from}&to={to}"),
            base_url: base_url.to_string(),
        }
    }

    /// "Holdpoint: 37 actions approved by policy, 14:00–15:00 UTC".
    pub fn subject(&self) -> String {
        let what = if self.total == 1 { "action" } else { "actions" };
        format!(
            "Holdpoint: {} {what} approved by policy, {}",
            self.total, self.hour
        )
    }
}

fn row(a: Approval) -> Row {
    let shown = |s: &str| mark_bidi(s).into_owned();
    // One line, so that each row of the text part is one line.
    let mut action: String = (a.action.chars())
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(ACTION_CHARS)
        .collect();
    if a.action.chars().count() > ACTION_CHARS {
        action.push('…');
    }
    Row {
        time: rfc3339(a.decided_at)[11..19].to_string(),
        agent: a.agent.as_deref().map(shown).unwrap_or_else(|| "—".into()),
        action: shown(&action),
        tool: a.tool.as_deref().map(shown).unwrap_or_else(|| "—".into()),
        risk: a.risk.unwrap_or_else(|| "—".into()),
        decided_by: shown(&a.decided_by),
    }
}

/// "14:00–15:00 UTC".
fn hour_range(hour: Millis) -> String {
    let at = |ms: Millis| rfc3339(ms)[11..16].to_string();
    format!("{}–{} UTC", at(hour), at(hour + HOUR_MS))
}

/// The History page's `from` and `to` days covering the hour. Its days are the reader's: the
/// account's zone when set; otherwise the page follows the browser, which the server cannot
/// know here, so the days are widened to cover the hour in every zone (UTC−12 to UTC+14).
pub fn history_days(hour: Millis, zone: Option<&str>) -> (String, String) {
    let tz = zone.and_then(|z| jiff::tz::db().get(z).ok());
    let (start, end, tz) = match tz {
        Some(tz) => (hour, hour + HOUR_MS - 1, tz),
        None => (hour - 12 * HOUR_MS, hour + 15 * HOUR_MS - 1, TimeZone::UTC),
    };
    let day = |ms: Millis| {
        Timestamp::from_millisecond(ms)
            .map(|t| t.to_zoned(tz.clone()).date().to_string())
            .unwrap_or_default()
    };
    (day(start), day(end))
}

/// Sends the digest of `workspace`'s hour, read now.
pub async fn send(services: &Services, msg: &Message, ready: &Ready) -> AttemptResult {
    let (ws, hour): (WorkspaceId, Millis) = (msg.workspace_id, ready.hour);
    let read = services
        .read_blocking(move |conn| {
            Ok::<_, crate::error::AppError>((
                digest::count(conn, ws, hour)?,
                digest::approvals(conn, ws, hour)?,
            ))
        })
        .await;
    let (total, approvals) = match read {
        Ok(r) => r,
        Err(e) => {
            return AttemptResult::Unknown {
                error: e.to_string(),
            }
        }
    };
    let view = View::new(&services.base_url(), ready, total, approvals);
    let (html, text) = (HtmlBody { v: &view }, TextBody { v: &view });
    let email = compose(&services.mailer, msg, &view.subject(), &html, &text);
    send_composed(&services.mailer, email).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Millis = 1_796_652_000_000; // 2026-12-07T14:00:00Z

    #[test]
    fn the_hour_reads_as_a_utc_range() {
        assert_eq!(hour_range(HOUR), "14:00–15:00 UTC");
    }

    #[test]
    fn the_history_days_are_the_readers_or_cover_every_zone() {
        let utc = Some("UTC");
        assert_eq!(
            history_days(HOUR, utc),
            ("2026-12-07".into(), "2026-12-07".into())
        );
        let tokyo = Some("Asia/Tokyo");
        let next = HOUR + HOUR_MS; // 00:00 in Tokyo
        assert_eq!(
            history_days(next, tokyo),
            ("2026-12-08".into(), "2026-12-08".into())
        );
        assert_eq!(
            history_days(HOUR, None),
            ("2026-12-07".into(), "2026-12-08".into())
        );
        let late = HOUR + 9 * HOUR_MS; // 23:00
        assert_eq!(
            history_days(late, utc),
            ("2026-12-07".into(), "2026-12-07".into())
        );
    }
}
