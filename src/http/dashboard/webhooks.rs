//! `/webhooks`: owners and admins list the workspace's endpoints, add one and see the secret
//! that signs pauses' own `callbackUrl` deliveries. A new endpoint's secret is shown exactly
//! once, on the page answering the form (never in a redirect or flash, which history could
//! replay). The per-endpoint pages and buttons are in `webhook_actions`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::keys::{stamp, Stamp};
use super::layout::{clear_flash, html, html_status, parse_form, Layout};
use super::session::{ManagerSession, SignedIn};
use super::webhook_actions;
use crate::domain::audit::Actor;
use crate::domain::webhooks::{self, Endpoint, EVENTS};
use crate::domain::{webhook_admin, Millis};
use crate::error::{AppError, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/webhooks")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .default_service(crate::http::only("GET, POST")),
    )
    .service(
        web::resource("/webhooks/callback-secret")
            .route(web::post().to(create_callback_secret))
            .default_service(crate::http::only("POST")),
    )
    .configure(webhook_actions::routes);
}

pub struct EndpointRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: Stamp,
}

impl From<Endpoint> for EndpointRow {
    fn from(e: Endpoint) -> EndpointRow {
        EndpointRow {
            id: e.id,
            url: e.url,
            events: e.events.join(", "),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            created_at: stamp(e.created_at),
        }
    }
}

/// One checkbox of the create form.
pub struct EventChoice {
    pub name: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
pub struct WebhooksPage {
    pub layout: Layout,
    pub endpoints: Vec<EndpointRow>,
    pub callback_secret: Option<String>,
    /// The create form as typed (after an error) or empty.
    pub url: String,
    pub events: Vec<EventChoice>,
    pub error: Option<String>,
}

/// Answers a create or a rotation: the only page that shows that secret in full.
#[derive(Template)]
#[template(path = "webhook_secret.html")]
pub struct SecretPage {
    pub layout: Layout,
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub rotated: bool,
}

fn choices(chosen: &[String]) -> Vec<EventChoice> {
    EVENTS
        .iter()
        .map(|event| EventChoice {
            name: event.as_str(),
            checked: chosen.iter().any(|c| c == event.as_str()),
        })
        .collect()
}

fn page(
    state: &State,
    req: &HttpRequest,
    signed: &SignedIn,
    url: String,
    chosen: &[String],
    error: Option<String>,
) -> Result<WebhooksPage, PageError> {
    let ws = signed.user().workspace_id;
    let conn = state.read()?;
    Ok(WebhooksPage {
        layout: Layout::new(req, signed, "webhooks"),
        endpoints: webhooks::list(&conn, ws)?
            .into_iter()
            .map(EndpointRow::from)
            .collect(),
        callback_secret: webhooks::callback_secret(&conn, ws)?,
        url,
        events: choices(chosen),
        error,
    })
}

pub async fn list(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let all: Vec<String> = EVENTS.iter().map(|e| e.to_string()).collect();
    let p = page(&state, &req, &signed, String::new(), &all, None)?;
    Ok(clear_flash(&state, &p.layout, html(&p)?))
}

/// The create form: `url`, `csrf_token` and any number of `events` checkboxes (repeated keys,
/// which serde_urlencoded cannot collect, hence the manual parse).
struct CreateForm {
    url: String,
    events: Vec<String>,
    csrf_token: String,
}

fn parse_create(body: &[u8]) -> CreateForm {
    let mut f = CreateForm {
        url: String::new(),
        events: Vec::new(),
        csrf_token: String::new(),
    };
    for (k, v) in url::form_urlencoded::parse(body) {
        match k.as_ref() {
            "url" => f.url = v.into_owned(),
            "events" => f.events.push(v.into_owned()),
            "csrf_token" => f.csrf_token = v.into_owned(),
            _ => {}
        }
    }
    f
}

/// Creates an endpoint (audited) and answers with its secret; bad input re-renders the form
/// as typed with a 422 and writes nothing.
pub async fn create(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let f = parse_create(&body);
    signed.check_csrf(&req, Some(&f.csrf_token))?;
    let (user, now): (_, Millis) = (signed.user().clone(), state.now());
    let (url, events) = (f.url.clone(), f.events.clone());
    let created = state
        .writer
        .run(move |ctx| {
            let actor = Actor::User(user.id);
            webhook_admin::create(ctx.conn, now, actor, user.workspace_id, &url, &events)
        })
        .await;
    match created {
        Ok((id, secret)) => {
            let url = f.url.trim().to_string();
            secret_page(&state, &req, &signed, id, url, secret, false)
        }
        Err(AppError::Invalid { detail, .. }) => {
            let text = super::account::sentence(&detail);
            let p = page(&state, &req, &signed, f.url, &f.events, Some(text))?;
            let res = html_status(StatusCode::UNPROCESSABLE_ENTITY, &p)?;
            Ok(clear_flash(&state, &p.layout, res))
        }
        Err(e) => Err(e.into()),
    }
}

pub fn secret_page(
    state: &State,
    req: &HttpRequest,
    signed: &SignedIn,
    id: i64,
    url: String,
    secret: String,
    rotated: bool,
) -> Result<HttpResponse, PageError> {
    let p = SecretPage {
        layout: Layout::new(req, signed, "webhooks"),
        id,
        url,
        secret,
        rotated,
    };
    Ok(clear_flash(state, &p.layout, html(&p)?))
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// Creates the callback signing secret if the workspace has none yet (a write, so through
/// the writer; the first callback delivery would create it anyway), then shows the list.
pub async fn create_callback_secret(
    state: State,
    session: ManagerSession,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let signed = session.0;
    let form: CsrfForm = parse_form(&body)?;
    signed.check_csrf(&req, Some(&form.csrf_token))?;
    let ws = signed.user().workspace_id;
    state
        .writer
        .run(move |ctx| webhooks::ensure_callback_secret(ctx.conn, ws).map(drop))
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/webhooks#callback"))
        .finish())
}
