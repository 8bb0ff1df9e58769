//! One webhook endpoint: its recent deliveries with a Resend button each, and the enable,
//! disable and rotate buttons. Every POST checks CSRF and is audited; an id that is not an
//! endpoint of this workspace (or no number at all) is a 404 page.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::account::refuse;
use super::keys::{stamp, Stamp};
use super::layout::{clear_flash, html, parse_form, redirect_with, Layout};
use super::session::ManagerSession;
use super::webhooks::{secret_page, CsrfForm, EndpointRow};
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
    for (path, route) in [
        ("/webhooks/{id}/enable", web::post().to(enable)),
        ("/webhooks/{id}/disable", web::post().to(disable)),
        ("/webhooks/{id}/rotate", web::post().to(rotate)),
        (
            "/webhooks/{id}/deliveries/{delivery}/resend",
            web::post().to(resend),
        ),
    ] {
        cfg.service(
            web::resource(path)
                .route(route)
                .default_service(crate::http::only("POST")),
        );
    }
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
    session: ManagerSession,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let id = parse_id(&path, "webhook endpoint")?;
    let conn = state.read()?;
    let endpoint = webhooks::get(&conn, signed.user().workspace_id, id)?;
    let deliveries = webhook_admin::recent_deliveries(&conn, id, RECENT)?
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

async fn toggle(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    enabled: bool,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let form: CsrfForm = parse_form(&body)?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    let id = parse_id(&path, "webhook endpoint")?;
    let (user, now) = (signed.user().clone(), state.now());
    let done = state
        .writer
        .run(move |ctx| {
            let actor = Actor::User(user.id);
            webhook_admin::set_enabled(ctx.conn, now, actor, user.workspace_id, id, enabled)
        })
        .await;
    let text = match enabled {
        true => "Endpoint enabled: new events are delivered to it again.",
        false => "Endpoint disabled: no events are delivered to it until you enable it.",
    };
    match done {
        Ok(()) => Ok(redirect_with(&state, &signed, "/webhooks", "notice", text)),
        Err(e) => refuse(&state, &signed, "/webhooks", e),
    }
}

pub async fn enable(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    toggle(state, session, req, path, body, true).await
}

pub async fn disable(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    toggle(state, session, req, path, body, false).await
}

/// A new secret, shown once; the previous one keeps signing during the overlap so receivers
/// can switch without dropping deliveries.
pub async fn rotate(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let form: CsrfForm = parse_form(&body)?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    let id = parse_id(&path, "webhook endpoint")?;
    let (user, now) = (signed.user().clone(), state.now());
    let done = state
        .writer
        .run(move |ctx| {
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
    session: ManagerSession,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let form: CsrfForm = parse_form(&body)?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    let id = parse_id(&path.0, "webhook endpoint")?;
    let delivery = parse_id(&path.1, "delivery")?;
    let (user, now) = (signed.user().clone(), state.now());
    let done = state
        .writer
        .run(move |ctx| {
            let (ws, actor) = (user.workspace_id, Actor::User(user.id));
            let msg_id = webhook_admin::resend(ctx.conn, now, actor, ws, id, delivery)?;
            ctx.outbox_added();
            Ok(msg_id)
        })
        .await;
    let back = format!("/webhooks/{id}");
    match done {
        Ok(msg_id) => {
            let text = format!("Delivery {msg_id} queued again; it keeps its webhook-id.");
            Ok(redirect_with(&state, &signed, &back, "notice", &text))
        }
        Err(e) => refuse(&state, &signed, &back, e),
    }
}
