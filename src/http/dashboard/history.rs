//! Every pause of the workspace in the session's mode (live, or test with the "Test data"
//! switch on), searchable: status, key, text in the action, date range, and who decided (a
//! person, a key or a policy: `?decided=user|key|policy`).

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::format::{key_labels, requested_by, shown, Shown};
use super::layout::{page, HasLayout, Layout};
use super::session::PageSession;
use super::zone::Zone;
use crate::domain::decided_by::DecidedBy;
use crate::domain::history::{self, DeciderKind, Filter};
use crate::domain::ids::ApiKeyId;
use crate::domain::pauses::{Pause, Status};
use crate::domain::Millis;
use crate::domain::{api_keys, rfc3339};
use crate::error::PageError;
use crate::http::query::Query;
use crate::http::State;

const PER_PAGE: i64 = 50;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/history")
            .route(web::get().to(show))
            .default_service(crate::http::only("GET")),
    );
}

pub struct Row {
    pub watch_id: String,
    pub action: Shown,
    pub status: &'static str,
    pub requested_by: Shown,
    pub created_at: String,
    /// A person's email, a key's name, or a policy's name (a rule's, or `autonomy:<band>`).
    pub decided_by: Shown,
    /// `user`, `key`, `policy`, or empty while undecided.
    pub decided_kind: &'static str,
}

impl Row {
    fn new(p: &Pause, labels: &HashMap<ApiKeyId, String>, now: Millis) -> Row {
        Row {
            watch_id: p.watch_id.to_string(),
            action: shown(&p.action),
            status: p.status(now).as_str(),
            requested_by: requested_by(p, labels),
            created_at: rfc3339(p.created_at),
            decided_by: shown(&p.decided_by.as_ref().map(decider).unwrap_or_default()),
            decided_kind: match p.decided_by {
                Some(DecidedBy::User { .. }) => "user",
                Some(DecidedBy::Key { .. }) => "key",
                Some(DecidedBy::Policy { .. }) => "policy",
                None => "",
            },
        }
    }
}

/// Who decided, without the kind (the row shows a policy's as a badge before its name).
fn decider(d: &DecidedBy) -> String {
    match d {
        DecidedBy::Policy { name } => name.clone(),
        other => other.label(),
    }
}

/// The filter as typed, echoed back into the form.
#[derive(Default)]
pub struct Form {
    pub status: String,
    pub key: String,
    pub q: String,
    pub from: String,
    pub to: String,
    /// `not_executed`: approved pauses the agent never reported executing.
    pub outcome: String,
    /// `user`, `key` or `policy` (`?decided=`; the policy digest email links to `policy`).
    pub decided: String,
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub layout: Layout,
    pub form: Form,
    pub statuses: Vec<&'static str>,
    pub keys: Vec<(String, String)>,
    pub rows: Vec<Row>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    pub errors: Vec<String>,
}

impl HasLayout for HistoryPage {
    fn layout(&self) -> &Layout {
        &self.layout
    }
}

/// Reads the filter; a bad value is reported and ignored rather than failing the page.
/// Dates are days in the reader's zone (the one the page names), the `to` day included.
fn read_filter(q: &Query, zone: &Zone, form: &mut Form, errors: &mut Vec<String>) -> Filter {
    let text = |name: &str| q.get(name).ok().flatten().unwrap_or("").trim().to_string();
    *form = Form {
        status: text("status"),
        key: text("key"),
        q: text("q"),
        from: text("from"),
        to: text("to"),
        outcome: text("outcome"),
        decided: text("decided"),
    };
    let mut f = Filter {
        text: Some(form.q.clone()).filter(|t| !t.is_empty()),
        approved_not_executed: form.outcome == "not_executed",
        ..Filter::default()
    };
    if !form.outcome.is_empty() && !f.approved_not_executed {
        errors.push(format!(
            "Unknown outcome filter “{}”; showing all outcomes.",
            form.outcome
        ));
    }
    if !form.decided.is_empty() {
        f.decided_by = DeciderKind::from_name(&form.decided);
        if f.decided_by.is_none() {
            errors.push(format!(
                "Unknown “decided by” filter “{}”; showing pauses decided by anyone.",
                form.decided
            ));
        }
    }
    if !form.status.is_empty() {
        f.status = Status::from_name(&form.status);
        if f.status.is_none() {
            errors.push(format!(
                "Unknown status “{}”; showing all statuses.",
                form.status
            ));
        }
    }
    if !form.key.is_empty() {
        f.key_id = form.key.parse().ok();
        if f.key_id.is_none() {
            errors.push("Unknown key; showing all keys.".into());
        }
    }
    for (value, slot, end) in [
        (&form.from, &mut f.from, false),
        (&form.to, &mut f.to, true),
    ] {
        if value.is_empty() {
            continue;
        }
        // "to" is inclusive of that whole day (23 to 25 hours long where clocks change).
        let ms = match end {
            true => zone.day_end(value),
            false => zone.day_start(value),
        };
        match ms {
            Some(ms) => *slot = Some(ms),
            None => errors.push(format!("“{value}” is not a date like 2026-11-22; ignored.")),
        }
    }
    f
}

fn page_url(form: &Form, page: i64) -> String {
    let params = [
        ("status", &form.status),
        ("key", &form.key),
        ("q", &form.q),
        ("from", &form.from),
        ("to", &form.to),
        ("outcome", &form.outcome),
        ("decided", &form.decided),
    ];
    let mut pairs: Vec<(&str, String)> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, (*v).clone()))
        .collect();
    pairs.push(("page", page.to_string()));
    format!(
        "/history?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

pub async fn show(
    state: State,
    session: PageSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let ws = signed.user().workspace_id;
    let q = Query::parse(req.query_string())
        .unwrap_or_else(|_| Query::parse("").expect("empty query parses"));
    let (mut form, mut errors) = (Form::default(), Vec::new());
    let layout = Layout::new(&req, &signed, "history");
    let mut filter = read_filter(&q, &layout.zone, &mut form, &mut errors);
    let test = signed.session.test_mode;
    filter.test = Some(test);
    let page_no = q.int("page", 1, 1_000_000, 1).unwrap_or(1);
    let now = state.now();
    // A text search can scan many rows: it runs on a blocking thread, not on this worker.
    let (found, labels, keys) = state
        .services()
        .read_blocking(move |conn| {
            let found =
                history::search(conn, ws, &filter, PER_PAGE, (page_no - 1) * PER_PAGE, now)?;
            let labels = key_labels(conn, ws)?;
            let keys = api_keys::list(conn, ws)?
                .into_iter()
                .filter(|k| k.test == test)
                .map(|k| {
                    (
                        k.id.to_string(),
                        if k.name.is_empty() {
                            format!("{}…", k.prefix)
                        } else {
                            format!("{} ({}…)", k.name, k.prefix)
                        },
                    )
                })
                .collect();
            Ok::<_, PageError>((found, labels, keys))
        })
        .await?;
    let rows = found
        .items
        .iter()
        .map(|p| Row::new(p, &labels, now))
        .collect();
    let pages = ((found.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let view = HistoryPage {
        layout,
        prev_url: (page_no > 1).then(|| page_url(&form, page_no - 1)),
        next_url: (page_no < pages).then(|| page_url(&form, page_no + 1)),
        form,
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        keys,
        rows,
        total: found.total,
        page: page_no,
        pages,
        errors,
    };
    page(&state, &view)
}
