//! `/audit/export.csv` and `/audit/export.jsonl`: every row the audit page's filter matches
//! (not just one page), for auditors' own tools. Every CSV cell is quoted (a spreadsheet that
//! splits on `;` or tabs must not cut a cell into pieces, one of which could be a formula) and
//! cells that a spreadsheet would run as a formula are defused; JSON Lines keeps values exactly
//! as logged.

use std::io;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use tokio::sync::mpsc;

use super::session::ManagerSession;
use crate::app::audit::{export_row, to_filter, ExportRow, FilterForm};
use crate::db::Pool;
use crate::domain::audit::{self, ActorNames, AuditRow, Filter};
use crate::domain::ids::WorkspaceId;
use crate::domain::rfc3339;
use crate::error::{AppError, PageError};
use crate::http::query::Query;
use crate::http::State;

/// Rows per read: each is a short query on a pooled connection, released before the rows are
/// sent, so a slow download holds neither a connection nor an old snapshot of the database.
const BATCH: i64 = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Jsonl,
}

pub async fn export_jsonl(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    export(state, session, req, Format::Jsonl).await
}

pub async fn export_csv(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    export(state, session, req, Format::Csv).await
}

/// Every row the page's filter matches (all pages), newest first, streamed: a blocking thread
/// reads and encodes batches and hands them to the response through a small channel, so the
/// export never sits whole in memory nor runs its queries on an actix worker. A bad filter is
/// a 400 page before anything is sent.
async fn export(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
    format: Format,
) -> Result<HttpResponse, PageError> {
    let ws = session.0.user().workspace_id;
    let zone = super::layout::reader_zone(&req, &session.0);
    let q = Query::parse(req.query_string())?;
    let form = FilterForm::read(|name| q.get(name))?;
    let names = state
        .services()
        .read_blocking(move |conn| Ok::<_, AppError>(ActorNames::load(conn, ws)?))
        .await?;
    let filter = to_filter(&names, &form, &zone)?;
    let (tx, rx) = mpsc::channel(2);
    let pool = state.pool.clone();
    tokio::task::spawn_blocking(move || produce(&pool, ws, &filter, &names, format, &tx));
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let (content_type, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Jsonl => ("application/x-ndjson", "jsonl"),
    };
    let day = rfc3339(state.now()).get(..10).unwrap_or("").to_string();
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"holdpoint-audit-{day}.{ext}\""),
        ))
        .insert_header(("cache-control", "no-store"))
        .streaming(body))
}

/// Reads and encodes the export batch by batch into `tx`. Stops when the client has gone
/// (the channel is closed); a failure mid-way is logged and cuts the download short, which
/// the client sees as an incomplete transfer.
fn produce(
    pool: &Pool,
    ws: WorkspaceId,
    filter: &Filter,
    names: &ActorNames,
    format: Format,
    tx: &mpsc::Sender<io::Result<Bytes>>,
) {
    let mut after = None;
    let mut header = format == Format::Csv;
    loop {
        let rows = match read_batch(pool, ws, filter, after) {
            Ok(rows) => rows,
            Err(e) => return fail(tx, e),
        };
        let done = (rows.len() as i64) < BATCH;
        after = rows.last().map(|r| (r.at, r.id));
        let mut chunk = Vec::new();
        if let Err(e) = encode(format, names, rows, header, &mut chunk) {
            return fail(tx, AppError::Internal(e));
        }
        header = false;
        if !chunk.is_empty() && tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
            return;
        }
        if done {
            return;
        }
    }
}

fn read_batch(
    pool: &Pool,
    ws: WorkspaceId,
    filter: &Filter,
    after: Option<(i64, i64)>,
) -> Result<Vec<AuditRow>, AppError> {
    let conn = pool.get()?;
    Ok(audit::search_after(&conn, ws, filter, after, BATCH)?)
}

fn fail(tx: &mpsc::Sender<io::Result<Bytes>>, e: AppError) {
    tracing::warn!(error = %e, "the audit export failed part-way");
    let _ = tx.blocking_send(Err(io::Error::other("the audit export failed")));
}

const CSV_HEADER: [&str; 8] = [
    "id",
    "at",
    "actor_type",
    "actor_id",
    "actor",
    "event",
    "subject",
    "details",
];

/// Appends `rows` to `out`: one JSON object per line, or CSV records (after the header when
/// `header`) with every cell quoted and defused.
fn encode(
    format: Format,
    names: &ActorNames,
    rows: Vec<AuditRow>,
    header: bool,
    out: &mut Vec<u8>,
) -> anyhow::Result<()> {
    if format == Format::Jsonl {
        for r in rows {
            serde_json::to_writer(&mut *out, &export_row(names, r))?;
            out.push(b'\n');
        }
        return Ok(());
    }
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(&mut *out);
    if header {
        w.write_record(CSV_HEADER)?;
    }
    for r in rows {
        w.write_record(
            csv_cells(&export_row(names, r))
                .iter()
                .map(|c| defuse(c).into_owned()),
        )?;
    }
    w.flush()?;
    Ok(())
}

fn csv_cells(r: &ExportRow) -> [String; 8] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.id.to_string(),
        r.at.clone(),
        r.actor_type.clone(),
        r.actor_id.map(|i| i.to_string()).unwrap_or_default(),
        r.actor.clone(),
        r.event.clone(),
        opt(&r.subject),
        r.details
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_default(),
    ]
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
