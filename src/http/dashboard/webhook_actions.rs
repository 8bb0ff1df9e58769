//! One webhook endpoint: its recent deliveries with a Resend button each, and the enable,
//! disable, test events and rotate buttons. Every POST checks CSRF and is audited; an id that is not an
//! endpoint of this workspace (or no number at all) is a 404 page.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::format::{stamp, Stamp};
use super::forms::{form_result, post_only, write_as, ManagerForm, NoFields};
use super::layout::{clear_flash, html, Layout};
use super::session::ManagerSession;
use super::webhooks::{secret_page, EndpointRow};
use crate::domain::audit::Actor;
use crate::domain::{webhook_admin, webhooks};
use crate::error::{AppError, PageError};
use crate::http::State;

/// How many of an endpoint's messages its page shows.
pub const RECENT: i64 = 20;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/webhooks/{id}")
            .route(web::get().to(detail))
            .default_service(crate::http::only("GET")),
    );
    post_only(
        cfg,
        [
            ("/webhooks/{id}/enable", web::post().to(enable)),
            ("/webhooks/{id}/disable", web::post().to(disable)),
            ("/webhooks/{id}/rotate", web::post().to(rotate)),
            ("/webhooks/{id}/test-events", web::post().to(test_events)),
            (
                "/webhooks/{id}/deliveries/{delivery}/resend",
                web::post().to(resend),
            ),
        ],
    );
}

pub struct DeliveryRow {
    pub id: i64,
    pub msg_id: String,
    pub event: String,
    pub created_at: Stamp,
    pub state: String,
    pub attempts: i64,
    pub last_status: String,
    pub last_error: String,
}

#[derive(Template)]
#[template(path = "webhook.html")]
pub struct EndpointPage {
    pub layout: Layout,
    pub endpoint: EndpointRow,
    pub deliveries: Vec<DeliveryRow>,
}

/// A malformed id is as unknown as another workspace's: 404.
fn parse_id(raw: &str, what: &str) -> Result<i64, PageError> {
    raw.trim().parse().map_err(|_| {
        AppError::NotFound(format!("there is no {what} {raw} in this workspace")).into()
    })
}

pub async fn detail(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path, "webhook endpoint")?;
    let ws = signed.user().workspace_id;
    let (endpoint, deliveries) = state
        .read_blocking(move |conn| {
            let endpoint = webhooks::get(conn, ws, id)?;
            Ok::<_, AppError>((
                endpoint,
                webhook_admin::recent_deliveries(conn, id, RECENT)?,
            ))
        })
        .await?;
    let deliveries = deliveries
        .into_iter()
        .map(|d| DeliveryRow {
            id: d.id,
            msg_id: d.msg_id,
            event: d.event.to_string(),
            created_at: stamp(d.created_at),
            state: d.state.to_string(),
            attempts: d.attempts,
            last_status: d.last_status.map(|s| s.to_string()).unwrap_or_default(),
            last_error: d.last_error.unwrap_or_default(),
        })
        .collect();
    let page = EndpointPage {
        layout: Layout::new(&req, &signed, "webhooks"),
        endpoint: endpoint.into(),
        deliveries,
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

type Button = ManagerForm<NoFields>;
type Page = Result<HttpResponse, PageError>;

async fn toggle(
    state: State,
    ManagerForm { signed, .. }: Button,
    path: web::Path<String>,
    enabled: bool,
) -> Page {
    let id = parse_id(&path, "webhook endpoint")?;
    let done = write_as(&state, &signed, move |ctx, now, user| {
        let actor = Actor::User(user.id);
        webhook_admin::set_enabled(ctx.conn, now, actor, user.workspace_id, id, enabled)
    })
    .await;
    let done = done.map(|()| match enabled {
        true => "Endpoint enabled: new events are delivered to it again.",
        false => "Endpoint disabled: no events are delivered to it until you enable it.",
    });
    form_result(&state, &signed, "/webhooks", done)
}

pub async fn enable(state: State, button: Button, path: web::Path<String>) -> Page {
    toggle(state, button, path, true).await
}

pub async fn disable(state: State, button: Button, path: web::Path<String>) -> Page {
    toggle(state, button, path, false).await
}

#[derive(serde::Deserialize)]
pub struct TestEventsForm {
    /// `on`; anything else (or nothing) is off.
    #[serde(default)]
    test_events: String,
}

/// Whether test pauses' events also go to this endpoint (audited).
pub async fn test_events(
    state: State,
    ManagerForm { signed, form }: ManagerForm<TestEventsForm>,
    path: web::Path<String>,
) -> Page {
    let id = parse_id(&path, "webhook endpoint")?;
    let on = form.test_events == "on";
    let done = write_as(&state, &signed, move |ctx, now, user| {
        let (ws, actor) = (user.workspace_id, Actor::User(user.id));
        webhook_admin::set_test_events(ctx.conn, now, actor, ws, id, on)
    })
    .await;
    let done = done.map(|()| match on {
        true => "Test pauses' events are now sent to this endpoint too.",
        false => "Test pauses' events are no longer sent to this endpoint.",
    });
    form_result(&state, &signed, &format!("/webhooks/{id}"), done)
}

/// A new secret, shown once; the previous one keeps signing during the overlap so receivers
/// can switch without dropping deliveries.
pub async fn rotate(
    state: State,
    req: HttpRequest,
    ManagerForm { signed, .. }: Button,
    path: web::Path<String>,
) -> Page {
    let id = parse_id(&path, "webhook endpoint")?;
    let done = write_as(&state, &signed, move |ctx, now, user| {
        let ws = user.workspace_id;
        let secret = webhook_admin::rotate(ctx.conn, now, Actor::User(user.id), ws, id)?;
        Ok((webhooks::get(ctx.conn, ws, id)?.url, secret))
    })
    .await?;
    secret_page(&state, &req, &signed, id, done.0, done.1, true)
}

/// Queues one delivery again under its webhook-id; the dispatcher is woken by the commit.
pub async fn resend(
    state: State,
    ManagerForm { signed, .. }: Button,
    path: web::Path<(String, String)>,
) -> Page {
    let id = parse_id(&path.0, "webhook endpoint")?;
    let delivery = parse_id(&path.1, "delivery")?;
    let done = write_as(&state, &signed, move |ctx, now, user| {
        let (ws, actor) = (user.workspace_id, Actor::User(user.id));
        let msg_id = webhook_admin::resend(ctx.conn, now, actor, ws, id, delivery)?;
        ctx.outbox_added();
        Ok(msg_id)
    })
    .await;
    let done =
        done.map(|msg_id| format!("Delivery {msg_id} queued again; it keeps its webhook-id."));
    form_result(&state, &signed, &format!("/webhooks/{id}"), done)
}
