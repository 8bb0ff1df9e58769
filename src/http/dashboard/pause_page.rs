//! One pause in full on its own page (`/pauses/:watchId`): the crumbs and the pane partial the
//! inbox shows too (see [`super::pause_pane`]). A pause opened by its address is shown whatever
//! its mode, marked as test data if it is.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::layout::{page, HasLayout, Layout};
use super::pause_pane::{PausePane, Place};
use super::session::PageSession;
use crate::domain::pauses;
use crate::error::{AppError, PageError};
use crate::http::api::pauses::parse_watch_id;
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/pauses/{watch_id}")
            .route(web::get().to(show))
            .default_service(crate::http::only("GET")),
    );
}

#[derive(Template)]
#[template(path = "pause.html")]
pub struct PausePage {
    pub layout: Layout,
    pub action: String,
    /// Rendered by [`PausePane`]'s template, which escapes every agent string.
    pub pane_html: String,
}

impl HasLayout for PausePage {
    fn layout(&self) -> &Layout {
        &self.layout
    }
}

pub async fn show(
    state: State,
    session: PageSession,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let watch_id = parse_watch_id(&path)?;
    let ws = signed.user().workspace_id;
    let p = state
        .read_blocking(move |conn| pauses::get(conn, ws, &watch_id))
        .await?
        .ok_or_else(|| {
            PageError::App(AppError::NotFound("no such pause in your workspace".into()))
        })?;
    let layout = Layout::new(&req, &signed, "queue");
    let place = Place {
        zone: layout.zone.clone(),
        next: format!("/pauses/{}", p.watch_id),
        inbox: false,
        viewed: true,
    };
    let pane = PausePane::load(&state, &signed, &p, place).await?;
    page(
        &state,
        &PausePage {
            action: pane.action.to_string(),
            pane_html: pane.render()?,
            layout,
        },
    )
}
