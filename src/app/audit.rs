//! The audit log's filter and rows, shared by the audit page, its exports and `GET /api/audit`:
//! the same filter fields select the same rows, and the API's items are the export's rows.

use serde::Serialize;

use crate::domain::audit::{self, ActorNames, AuditRow, Filter};
use crate::domain::ids::WorkspaceId;
use crate::domain::{rfc3339, Millis};
use crate::error::{AppError, AppResult};

/// Where a `YYYY-MM-DD` day starts and ends: in the reader's zone on the page, UTC on the API.
pub trait Days {
    fn day_start(&self, date: &str) -> Option<Millis>;
    /// The start of the next day (the filter's `to` is inclusive).
    fn day_end(&self, date: &str) -> Option<Millis>;
}

/// Days in UTC: the API has no reader's zone.
pub struct Utc;

impl Days for Utc {
    fn day_start(&self, date: &str) -> Option<Millis> {
        let day: jiff::civil::Date = date.trim().parse().ok()?;
        Some(
            day.to_zoned(jiff::tz::TimeZone::UTC)
                .ok()?
                .timestamp()
                .as_millisecond(),
        )
    }

    fn day_end(&self, date: &str) -> Option<Millis> {
        let day: jiff::civil::Date = date.trim().parse().ok()?;
        let next = day
            .tomorrow()
            .ok()?
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()?;
        Some(next.timestamp().as_millisecond())
    }
}

/// The filter as typed, echoed back into the form and into the pagination and export links.
#[derive(Default, Serialize)]
pub struct FilterForm {
    pub event: String,
    pub actor: String,
    pub from: String,
    pub to: String,
}

impl FilterForm {
    /// The four fields from a query string's `get` (absent: empty), trimmed.
    pub fn read<'q>(get: impl Fn(&str) -> AppResult<Option<&'q str>>) -> AppResult<FilterForm> {
        let get = |name: &str| Ok::<_, AppError>(get(name)?.unwrap_or("").trim().to_string());
        Ok(FilterForm {
            event: get("event")?,
            actor: get("actor")?,
            from: get("from")?,
            to: get("to")?,
        })
    }

    /// The query string for this filter (without empty fields) and an optional page.
    pub fn query(&self, page: Option<i64>) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("event", &self.event),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect();
        if let Some(p) = page {
            pairs.push(("page", p.to_string()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// Turns the typed filter into a domain filter. An email actor must be a user of this
/// workspace (`names` holds only those), so the filter cannot probe other workspaces. Dates are
/// days in the reader's zone, so the page and its exports select the same rows.
pub fn to_filter(names: &ActorNames, f: &FilterForm, zone: &impl Days) -> AppResult<Filter> {
    let mut filter = Filter {
        event: (!f.event.is_empty()).then(|| f.event.clone()),
        ..Filter::default()
    };
    if !f.actor.is_empty() {
        let (kind, id) = match Filter::parse_actor(&f.actor) {
            Some(actor) => actor,
            None if f.actor.contains('@') => {
                let id = names
                    .users
                    .iter()
                    .find(|(_, e)| e.eq_ignore_ascii_case(&f.actor))
                    .map(|(id, _)| *id);
                let id = id.ok_or_else(|| {
                    AppError::invalid("actor", format!("no user `{}` in this workspace", f.actor))
                })?;
                ("user".to_string(), Some(id))
            }
            None => {
                return Err(AppError::invalid(
                    "actor",
                    "an actor is user:<id>, key:<id>, system, cli, or a user's email",
                ))
            }
        };
        (filter.actor_type, filter.actor_id) = (Some(kind), id);
    }
    filter.from = parse_day(&f.from, "from", |d| zone.day_start(d))?;
    filter.until = parse_day(&f.to, "to", |d| zone.day_end(d))?;
    if let (Some(from), Some(until)) = (filter.from, filter.until) {
        if from >= until {
            return Err(AppError::invalid(
                "to",
                "the “to” date is before the “from” date",
            ));
        }
    }
    Ok(filter)
}

/// A `YYYY-MM-DD` day's bound (`at`: its start, or the end for an inclusive `to`).
pub fn parse_day(
    text: &str,
    field: &str,
    at: impl Fn(&str) -> Option<Millis>,
) -> AppResult<Option<Millis>> {
    if text.is_empty() {
        return Ok(None);
    }
    at(text).map(Some).ok_or_else(|| {
        AppError::invalid(
            field,
            format!("the “{field}” date must look like 2026-11-15"),
        )
    })
}

/// One exported row: the stored columns plus the actor's readable name.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AuditEntry)]
pub struct ExportRow {
    pub id: i64,
    #[schema(format = DateTime)]
    pub at: String,
    pub actor_type: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub event: String,
    pub subject: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

pub fn export_row(names: &ActorNames, r: AuditRow) -> ExportRow {
    ExportRow {
        id: r.id,
        at: rfc3339(r.at),
        actor: names.label(&r.actor_type, r.actor_id),
        actor_type: r.actor_type,
        actor_id: r.actor_id,
        event: r.event,
        subject: r.subject,
        details: r
            .details
            .map(|d| serde_json::from_str(&d).unwrap_or(serde_json::Value::String(d))),
    }
}

/// One page of the rows `filter` matches, newest first, and how many match in all.
pub fn page(
    conn: &crate::db::sql::Connection,
    ws: WorkspaceId,
    filter: &Filter,
    (limit, offset): (i64, i64),
) -> AppResult<(Vec<ExportRow>, i64)> {
    let names = ActorNames::load(conn, ws)?;
    let total = audit::count(conn, ws, filter)?;
    let rows = audit::search(conn, ws, filter, limit, offset)?;
    let items = rows.into_iter().map(|r| export_row(&names, r)).collect();
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_days_start_at_midnight_and_end_at_the_next() {
        assert_eq!(Utc.day_start("2026-11-15"), Some(1_794_700_800_000));
        assert_eq!(
            Utc.day_end("2026-11-15"),
            Some(1_794_700_800_000 + 86_400_000)
        );
        assert_eq!(Utc.day_start("15/11/2026"), None);
    }
}
