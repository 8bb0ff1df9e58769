//! `/audit`: the workspace's audit log, newest first, filtered by event, actor and dates (days
//! in the reader's zone)
//! (the exports of the same rows are in [`audit_export`]). Filters come from the query string,
//! so a filtered view is a link that can be shared or bookmarked.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::audit_export;
use super::audit_links::{actor_href, subject_href};
use super::format::{capitalise, stamp, Stamp};
use super::layout::{clear_flash, html_status, Layout};
use super::session::ManagerSession;
use super::zone::Zone;
use crate::app::audit::{to_filter, FilterForm};
use crate::domain::audit::{self, ActorNames, AuditRow};
use crate::domain::ids::WorkspaceId;
use crate::error::{AppError, PageError};
use crate::http::query::Query;
use crate::http::State;

pub const PER_PAGE: i64 = 50;

pub fn routes(cfg: &mut web::ServiceConfig) {
    let get_only = |path: &str, route: actix_web::Route| {
        web::resource(path.to_string())
            .route(route)
            .default_service(crate::http::only("GET"))
    };
    cfg.service(get_only("/audit", web::get().to(page)))
        .service(get_only(
            "/audit/export.csv",
            web::get().to(audit_export::export_csv),
        ))
        .service(get_only(
            "/audit/export.jsonl",
            web::get().to(audit_export::export_jsonl),
        ));
}

pub struct Line {
    pub at: Stamp,
    pub actor: String,
    /// The acting user's or key's row on its page.
    pub actor_href: Option<String>,
    pub event: String,
    pub subject: String,
    /// The subject's own page, when it has one (see [`subject_href`]).
    pub subject_href: Option<String>,
    /// The details object as `key: value` pairs, for people (the exports keep the JSON).
    pub details: Vec<(String, String)>,
    /// Details that are not a JSON object, shown as they are.
    pub details_text: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub form: FilterForm,
    pub events: Vec<String>,
    /// Suggestions for the actor field: (value, label).
    pub actors: Vec<(String, String)>,
    pub error: Option<String>,
    /// The filter field the error is about (`actor`, `from` or `to`), for `aria-invalid`.
    pub error_field: String,
    pub lines: Vec<Line>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub export_query: String,
}

pub async fn page(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let ws = signed.user().workspace_id;
    let q = Query::parse(req.query_string())?;
    let form = FilterForm::read(|name| q.get(name))?;
    let page_no = q.int("page", 1, i64::MAX / PER_PAGE, 1)?;
    let layout = Layout::new(&req, &signed, "audit");
    let (zone, offset) = (layout.zone.clone(), (page_no - 1) * PER_PAGE);
    let Read {
        names,
        events,
        found,
        form,
    } = Read::load(&state, ws, form, zone, offset).await?;
    let mut p = AuditPage {
        layout,
        events,
        actors: suggestions(&names),
        error: None,
        error_field: String::new(),
        lines: Vec::new(),
        total: 0,
        page: page_no,
        pages: 1,
        prev: None,
        next: None,
        export_query: form.query(None),
        form,
    };
    let status = match found {
        Err((field, detail)) => {
            p.error = Some(capitalise(&detail));
            p.error_field = field;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok((total, rows)) => {
            p.total = total;
            p.pages = ((p.total + PER_PAGE - 1) / PER_PAGE).max(1);
            p.lines = rows.iter().map(|r| line(&names, r)).collect();
            p.prev = (page_no > 1).then(|| p.form.query(Some(page_no - 1)));
            p.next = (page_no < p.pages).then(|| p.form.query(Some(page_no + 1)));
            StatusCode::OK
        }
    };
    Ok(clear_flash(&state, &p.layout, html_status(status, &p)?))
}

/// What the page reads: the actor names, the event types, and for a valid filter its total
/// and this page's rows (else the field at fault and why). The form goes in and comes back.
struct Read {
    names: ActorNames,
    events: Vec<String>,
    found: Result<(i64, Vec<AuditRow>), (String, String)>,
    form: FilterForm,
}

impl Read {
    async fn load(
        state: &State,
        ws: WorkspaceId,
        form: FilterForm,
        zone: Zone,
        offset: i64,
    ) -> Result<Read, AppError> {
        state
            .read_blocking(move |conn| {
                let names = ActorNames::load(conn, ws)?;
                let events = audit::events(conn, ws)?;
                let found = match to_filter(&names, &form, &zone) {
                    Err(AppError::Invalid { field, detail }) => Err((field, detail)),
                    Err(e) => return Err(e),
                    Ok(filter) => Ok((
                        audit::count(conn, ws, &filter)?,
                        audit::search(conn, ws, &filter, PER_PAGE, offset)?,
                    )),
                };
                Ok(Read {
                    names,
                    events,
                    found,
                    form,
                })
            })
            .await
    }
}

fn suggestions(names: &ActorNames) -> Vec<(String, String)> {
    let users = names
        .users
        .iter()
        .map(|(id, email)| (format!("user:{id}"), email.clone()));
    let keys = names
        .keys
        .iter()
        .map(|(id, label)| (format!("key:{id}"), label.clone()));
    let fixed = [("system", "the server itself"), ("cli", "the command line")]
        .map(|(v, l)| (v.to_string(), l.to_string()));
    users.chain(keys).chain(fixed).collect()
}

fn line(names: &ActorNames, r: &AuditRow) -> Line {
    let raw = r.details.clone().unwrap_or_default();
    let details = pairs(&raw);
    Line {
        at: stamp(r.at),
        actor: names.label(&r.actor_type, r.actor_id),
        actor_href: actor_href(&r.actor_type, r.actor_id),
        event: r.event.clone(),
        subject: r.subject.clone().unwrap_or_default(),
        subject_href: r.subject.as_deref().and_then(|s| subject_href(&r.event, s)),
        details_text: if details.is_empty() {
            raw
        } else {
            String::new()
        },
        details,
    }
}

/// A details object's members in stored order: strings as they are, a list of strings joined
/// with commas, anything else as compact JSON. Nothing for text that is not a non-empty JSON
/// object.
fn pairs(details: &str) -> Vec<(String, String)> {
    use serde_json::Value;
    let text = |v: Value| match v {
        Value::String(s) => s,
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    match serde_json::from_str(details) {
        Ok(Value::Object(members)) => members.into_iter().map(|(k, v)| (k, text(v))).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::zone::Zone;
    use super::*;
    use crate::app::audit::parse_day;

    #[test]
    fn days_are_midnight_in_the_readers_zone_and_bad_dates_are_named() {
        let utc = Zone::utc();
        let start = |d: &str| utc.day_start(d);
        assert_eq!(
            parse_day("2026-11-15", "from", start).unwrap(),
            Some(1_794_700_800_000)
        );
        let paris = Zone::named("Europe/Paris").unwrap();
        assert_eq!(
            parse_day("2026-11-15", "from", |d| paris.day_start(d)).unwrap(),
            Some(1_794_700_800_000 - 3_600_000)
        );
        assert_eq!(parse_day("", "from", start).unwrap(), None);
        assert!(
            matches!(parse_day("15/11/2026", "to", start), Err(AppError::Invalid { field, .. }) if field == "to")
        );
    }

    #[test]
    fn details_read_as_pairs_with_strings_bare_and_other_values_as_json() {
        // serde_json's `preserve_order` keeps the stored order.
        assert_eq!(
            pairs(r#"{"reason":"ok, ship","n":2,"tags":["a","b"],"mixed":[1,"a"],"x":null}"#),
            [
                ("reason".into(), "ok, ship".into()),
                ("n".into(), "2".into()),
                ("tags".into(), "a, b".into()),
                ("mixed".into(), r#"[1,"a"]"#.into()),
                ("x".into(), "null".into()),
            ]
        );
        assert!(pairs("[1]").is_empty() && pairs("{}").is_empty() && pairs("nope").is_empty());
    }
}
