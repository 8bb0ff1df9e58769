//! `/webhooks`: owners and admins list the workspace's endpoints, add one and see the secret
//! that signs pauses' own `callbackUrl` deliveries. A new endpoint's secret is shown exactly
//! once, on the page answering the form (never in a redirect or flash, which history could
//! replay). The per-endpoint pages and buttons are in `webhook_actions`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::format::{sentence, stamp, Stamp};
use super::forms::{form_page, post_only, ManagerForm, NoFields};
use super::layout::{clear_flash, html, html_status, Layout};
use super::session::{ManagerSession, SignedIn};
use super::webhook_actions;
use crate::app;
use crate::domain::audit::Actor;
use crate::domain::webhook_edit::NewEndpoint;
use crate::domain::webhooks::{self, Endpoint, EVENTS};
use crate::error::{AppError, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(form_page(
        "/webhooks",
        web::get().to(list),
        web::post().to(create),
    ));
    let secret = web::post().to(create_callback_secret);
    post_only(cfg, [("/webhooks/callback-secret", secret)]);
    cfg.configure(webhook_actions::routes);
}

pub struct EndpointRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: Stamp,
    pub test_events: bool,
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
            test_events: e.test_events,
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
    /// The "Also send test events" checkbox as typed.
    pub test_events: bool,
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

async fn page(
    state: &State,
    req: &HttpRequest,
    signed: &SignedIn,
    typed: &CreateForm,
    error: Option<String>,
) -> Result<WebhooksPage, PageError> {
    let ws = signed.user().workspace_id;
    let (endpoints, callback_secret) = state
        .read_blocking(move |conn| {
            let endpoints = webhooks::list(conn, ws)?;
            Ok::<_, AppError>((endpoints, webhooks::callback_secret(conn, ws)?))
        })
        .await?;
    Ok(WebhooksPage {
        layout: Layout::new(req, signed, "webhooks"),
        endpoints: endpoints.into_iter().map(EndpointRow::from).collect(),
        callback_secret,
        url: typed.url.clone(),
        events: choices(&typed.events),
        test_events: typed.test_events,
        error,
    })
}

pub async fn list(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let empty = CreateForm {
        url: String::new(),
        events: EVENTS.iter().map(|e| e.to_string()).collect(),
        test_events: false,
    };
    let p = page(&state, &req, &signed, &empty, None).await?;
    Ok(clear_flash(&state, &p.layout, html(&p)?))
}

/// The create form: `url`, any number of `events` checkboxes (repeated keys, which a
/// derived struct cannot collect, hence read from the list of pairs) and the `test_events`
/// checkbox (test pauses' events too; off unless ticked).
#[derive(serde::Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct CreateForm {
    url: String,
    events: Vec<String>,
    test_events: bool,
}

impl From<Vec<(String, String)>> for CreateForm {
    fn from(pairs: Vec<(String, String)>) -> CreateForm {
        let mut f = CreateForm {
            url: String::new(),
            events: Vec::new(),
            test_events: false,
        };
        for (k, v) in pairs {
            match k.as_str() {
                "url" => f.url = v,
                "events" => f.events.push(v),
                "test_events" => f.test_events = v == "on",
                _ => {}
            }
        }
        f
    }
}

/// Creates an endpoint (audited) and answers with its secret; bad input re-renders the form
/// as typed with a 422 and writes nothing.
pub async fn create(
    state: State,
    req: HttpRequest,
    ManagerForm { signed, form: f }: ManagerForm<CreateForm>,
) -> Result<HttpResponse, PageError> {
    let new = NewEndpoint {
        url: f.url.clone(),
        events: f.events.clone(),
        secret: None,
        test_events: f.test_events,
        enabled: true,
    };
    let user = signed.user();
    let (actor, ws) = (Actor::User(user.id), user.workspace_id);
    match app::webhooks::create(&state.services, ws, actor, new).await {
        Ok((ep, secret)) => secret_page(&state, &req, &signed, ep.id, ep.url, secret, false),
        // Bad input, or no room for another enabled endpoint: the form again, as typed.
        Err(AppError::Invalid { detail, .. } | AppError::Conflict { detail, .. }) => {
            let text = sentence(&detail);
            let p = page(&state, &req, &signed, &f, Some(text)).await?;
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

/// Creates the callback signing secret if the workspace has none yet (a write, so through
/// the writer; the first callback delivery would create it anyway), then shows the list.
pub async fn create_callback_secret(
    state: State,
    ManagerForm { signed, .. }: ManagerForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let ws = signed.user().workspace_id;
    state
        .writer
        .run(move |ctx| webhooks::ensure_callback_secret(ctx.conn, ws).map(drop))
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/webhooks#callback"))
        .finish())
}
