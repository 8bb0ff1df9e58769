//! The inbox's right pane: the pause named by `?pause=` (or the first pending one), rendered by
//! the pause page's own partial; `GET /queue/pause/:watchId` answers the same pane alone for the
//! script, and `/?after=<watchId>` is where a decision made in the pane lands: the next pending
//! pause, worked out when the browser gets there (so a decision someone else made meanwhile
//! is skipped), or the same pause when the decision was refused.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::layout::Layout;
use super::pause_pane::{PausePane, Place};
use super::queue_filter::QueueQuery;
use super::session::{PageSession, SignedIn};
use super::zone::Zone;
use crate::domain::pauses::{self, Pause};
use crate::domain::queue;
use crate::error::PageError;
use crate::http::api::pauses::parse_watch_id;
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/queue/pause/{watch_id}")
            .route(web::get().to(fragment))
            .default_service(crate::http::only("GET")),
    );
}

/// Why the pane shows no pause: a sentence, and a link where one helps.
pub struct PaneMessage {
    pub text: String,
    pub link: Option<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "inbox_pane.html")]
pub struct InboxPane {
    /// The list alone (on a phone), keeping the filters.
    pub back: String,
    /// Rendered by [`PausePane`]'s template, which escapes every agent string.
    pub pane_html: Option<String>,
    pub message: Option<PaneMessage>,
}

enum Chosen {
    Pause(Box<Pause>),
    Missing(StatusCode, PaneMessage),
    Nothing,
}

fn say(status: StatusCode, text: &str, link: Option<(String, &'static str)>) -> Chosen {
    let text = text.to_string();
    Chosen::Missing(status, PaneMessage { text, link })
}

/// The pause `raw` names, if this reader may see it in this mode's inbox.
async fn choose(state: &State, signed: &SignedIn, raw: Option<&str>) -> Result<Chosen, PageError> {
    let Some(raw) = raw else {
        return Ok(Chosen::Nothing);
    };
    let Ok(watch_id) = parse_watch_id(raw) else {
        let text = "That address does not name a pause (a watchId looks like \
                    0b5c7a36-1f7e-4f63-9c1d-2c8f3e4a5b6c).";
        return Ok(say(StatusCode::NOT_FOUND, text, None));
    };
    let ws = signed.user().workspace_id;
    let found = state
        .read_blocking(move |conn| pauses::get(conn, ws, &watch_id))
        .await?;
    let Some(p) = found else {
        let text = "There is no such pause in your workspace: it may have been deleted, or \
                    the link is from another workspace.";
        return Ok(say(StatusCode::NOT_FOUND, text, None));
    };
    if p.test != signed.session.test_mode {
        let text = if p.test {
            "This pause is test data, and the queue shows live data: turn Test data on to \
             see it here, or open its page."
        } else {
            "This pause is live data, and the queue shows test data: turn Test data off to \
             see it here, or open its page."
        };
        let link = Some((format!("/pauses/{}", p.watch_id), "Open its page"));
        return Ok(say(StatusCode::NOT_FOUND, text, link));
    }
    Ok(Chosen::Pause(Box::new(p)))
}

/// The pane for `raw` (the `?pause=` value, or the first pending pause), and its status. The
/// reader `chose` it when the address named it: only then is it recorded as viewed.
pub async fn pane(
    state: &State,
    signed: &SignedIn,
    q: &QueueQuery,
    zone: Zone,
    raw: Option<&str>,
    chose: bool,
) -> Result<(StatusCode, String), PageError> {
    let back = q.link(None);
    let (status, pane_html, message) = match choose(state, signed, raw).await? {
        Chosen::Pause(p) => {
            let place = Place {
                zone,
                next: q.after_link(&p.watch_id.to_string()),
                inbox: true,
                viewed: chose,
            };
            let pane = PausePane::load(state, signed, &p, place).await?;
            (StatusCode::OK, Some(pane.render()?), None)
        }
        Chosen::Missing(status, message) => (status, None, Some(message)),
        Chosen::Nothing => (StatusCode::OK, None, None),
    };
    let html = InboxPane {
        back,
        pane_html,
        message,
    }
    .render()?;
    Ok((status, html))
}

/// `GET /queue/pause/:watchId?kind=&agent=`: the pane alone, for the inbox's script.
pub async fn fragment(
    state: State,
    session: PageSession,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let q = QueueQuery::parse(req.query_string());
    let mut layout = Layout::new(&req, &signed, "queue");
    // The flash belongs to the next full page, not to a pane fetched behind it.
    layout.flash = None;
    let zone = layout.zone.clone();
    let (status, html) = pane(&state, &signed, &q, zone, Some(&path), true).await?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(html))
}

/// `/?after=<watchId>`: to the pause itself while it is still pending (the decision was
/// refused), else to the next pending pause of the filtered list after it, else the first;
/// pauses the reader voted on (a quorum still waiting for others) only when nothing else waits.
pub async fn after(state: &State, signed: &SignedIn, q: &QueueQuery, raw: &str) -> PageError {
    let target = next_after(state, signed, q, raw).await.unwrap_or(None);
    PageError::Redirect(q.link(target.as_deref()))
}

async fn next_after(
    state: &State,
    signed: &SignedIn,
    q: &QueueQuery,
    raw: &str,
) -> Result<Option<String>, PageError> {
    let ws = signed.user().workspace_id;
    let test = signed.session.test_mode;
    let filter = q.filter_for(signed.user().id);
    let (now, decided) = (state.now(), parse_watch_id(raw).ok());
    let (list, decided) = state
        .read_blocking(move |conn| {
            let list = queue::pending(conn, ws, test, &filter, 200, now)?.items;
            let decided = match decided {
                Some(id) => pauses::get(conn, ws, &id)?,
                None => None,
            };
            Ok::<_, PageError>((list, decided))
        })
        .await?;
    // A pause the reader already voted on (a quorum still collecting) is not theirs to do next.
    let me = signed.user().id;
    let open = |p: &&Pause| !p.votes.iter().any(|v| v.user_id == Some(me));
    let next = match decided {
        Some(d) => list.iter().filter(open).find(|p| p.id >= d.id),
        None => None,
    };
    let next = next
        .or_else(|| list.iter().find(open))
        .or_else(|| list.first());
    Ok(next.map(|p| p.watch_id.to_string()))
}
