//! `/audit/export.csv` and `/audit/export.jsonl`: every row the audit page's filter matches
//! (not just one page), for auditors' own tools. Every CSV cell is quoted (a spreadsheet that
//! splits on `;` or tabs must not cut a cell into pieces, one of which could be a formula) and
//! cells that a spreadsheet would run as a formula are defused; JSON Lines keeps values exactly
//! as logged.

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use super::audit::{to_filter, FilterForm};
use super::session::ManagerSession;
use crate::domain::audit::{self, ActorNames};
use crate::domain::rfc3339;
use crate::error::{AppError, PageError};
use crate::http::query::Query;
use crate::http::State;

/// One exported row: the stored columns plus the actor's readable name.
#[derive(Serialize)]
pub struct ExportRow {
    pub id: i64,
    pub at: String,
    pub actor_type: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub event: String,
    pub subject: Option<String>,
    pub details: Option<serde_json::Value>,
}

/// Every row the page's filter matches (all pages), newest first. A bad filter is a 400 page.
fn export_rows(state: &State, req: &HttpRequest, ws: i64) -> Result<Vec<ExportRow>, PageError> {
    let q = Query::parse(req.query_string())?;
    let conn = state.read()?;
    let names = ActorNames::load(&conn, ws)?;
    let filter = to_filter(&names, &FilterForm::read(&q)?)?;
    let rows = audit::search(&conn, ws, &filter, -1, 0)?;
    Ok(rows
        .into_iter()
        .map(|r| ExportRow {
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
        })
        .collect())
}

fn download(state: &State, content_type: &str, ext: &str, body: Vec<u8>) -> HttpResponse {
    let day = rfc3339(state.now()).get(..10).unwrap_or("").to_string();
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"holdpoint-audit-{day}.{ext}\""),
        ))
        .insert_header(("cache-control", "no-store"))
        .body(body)
}

pub async fn export_jsonl(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let rows = export_rows(&state, &req, session.0.user().workspace_id)?;
    let mut body = Vec::new();
    for row in &rows {
        serde_json::to_writer(&mut body, row).map_err(|e| AppError::Internal(e.into()))?;
        body.push(b'\n');
    }
    Ok(download(&state, "application/x-ndjson", "jsonl", body))
}

pub async fn export_csv(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let rows = export_rows(&state, &req, session.0.user().workspace_id)?;
    let body = to_csv(&rows).map_err(AppError::Internal)?;
    Ok(download(&state, "text/csv; charset=utf-8", "csv", body))
}

pub fn to_csv(rows: &[ExportRow]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    w.write_record([
        "id",
        "at",
        "actor_type",
        "actor_id",
        "actor",
        "event",
        "subject",
        "details",
    ])?;
    for r in rows {
        let details = r
            .details
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_default();
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record(
            [
                r.id.to_string(),
                r.at.clone(),
                r.actor_type.clone(),
                r.actor_id.map(|i| i.to_string()).unwrap_or_default(),
                r.actor.clone(),
                r.event.clone(),
                opt(&r.subject),
                details,
            ]
            .iter()
            .map(|c| defuse(c).into_owned()),
        )?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

/// A spreadsheet runs a cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return
/// before one) as a formula; a leading `'` makes it text. Agents and users write these values.
pub fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_others_kept() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("+1"), "'+1");
        assert_eq!(defuse("-2"), "'-2");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("\t=1"), "'\t=1");
        assert_eq!(defuse("deploy = yes"), "deploy = yes");
        assert_eq!(defuse(""), "");
    }
}
