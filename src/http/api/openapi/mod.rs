//! The OpenAPI 3.1 document served at `/api/openapi.json`, generated from `#[utoipa::path]`
//! annotations on the handlers and `ToSchema` on the wire types. It is assembled from one part
//! per area, so each area's routes, bodies and problems are documented next to each other.

mod admin;
pub mod check;
mod fleet;
mod links;
mod pauses;
pub use pauses::Decided;
mod policy;
mod service;
mod webhooks;

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{Components, InfoBuilder, OpenApi as Document};
use utoipa::OpenApi;

/// The whole document: the parts merged into one, with what belongs to no part.
pub fn document() -> Document {
    let mut doc = pauses::PausesDoc::openapi();
    doc.merge(service::ServiceDoc::openapi());
    doc.merge(fleet::FleetDoc::openapi());
    doc.merge(policy::PolicyDoc::openapi());
    doc.merge(admin::AdminDoc::openapi());
    doc.info = InfoBuilder::new()
        .title("Holdpoint")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .build();
    doc.tags = Some(tags());
    let components = doc.components.get_or_insert_with(Components::new);
    components.add_security_schemes_from_iter(security_schemes());
    doc.webhooks = Some(webhooks::webhooks(components));
    links::add(&mut doc);
    doc
}

/// The document as served, built once.
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        document()
            .to_pretty_json()
            .expect("the document serialises")
    })
}

/// `GET /api/openapi.json`: public, like the README that describes the same API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "service",
    operation_id = "openapi",
    responses((status = 200, description = "This document (OpenAPI 3.1).", body = Object, content_type = "application/json")),
    security(())
)]
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(json())
}

const DESCRIPTION: &str = "Self-hosted human-in-the-loop approvals for AI agents. An agent \
    asks with `POST /api/pause` and long-polls `GET /api/pause/{watch_id}?wait=N` until a \
    person (or a policy) decides; agents report at their checkpoints and read their controls \
    under `/api/agents`; live keys with `admin` configure the workspace.\n\n\
    Every error is an RFC 9457 `application/problem+json` body (schema `Problem`); its `type` \
    is one of the problem types listed on that schema, each explained at `/problems/{slug}`. \
    Two answers hold for every path and are not repeated on each: a method the path does not \
    accept is `405` `method-not-allowed` with an `Allow` header, and a path that is not in this \
    document is `404` `not-found`.";

fn tags() -> Vec<utoipa::openapi::Tag> {
    [
        (
            "pauses",
            "Ask for a decision, wait for it, decide, answer, report the outcome.",
        ),
        (
            "agents",
            "The fleet: heartbeats, checkpoints, and controls (pause, guide, stop).",
        ),
        (
            "policy",
            "Decision policies: autonomy settings, rules, approver groups, channels.",
        ),
        (
            "admin",
            "The workspace: webhooks, API keys, the audit log, settings, users.",
        ),
        (
            "service",
            "Health, readiness, metrics, this document, the problem pages and the keys that \
             check decision receipts.",
        ),
    ]
    .into_iter()
    .map(|(name, text)| TagBuilder::new().name(name).description(Some(text)).build())
    .collect()
}

/// `apiKey` (a bearer API key; its scopes are OpenAPI "scopes" in each route's requirement)
/// and `session` (a signed-in dashboard person, for the routes the dashboard calls itself).
fn security_schemes() -> [(&'static str, SecurityScheme); 2] {
    let key = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .bearer_format("hitl_live_… or hitl_test_…")
        .description(Some(
            "An API key as `Authorization: Bearer hitl_…`. A `hitl_live_` key sees live data, a \
             `hitl_test_` key only test data and never workspace configuration. Each key holds \
             scopes, chosen when it is made, none implying another: `pauses` (create, read, \
             long-poll, list and cancel pauses; report outcomes; an agent's heartbeat and \
             control), `decide` (approve, reject and answer pauses), `agents` (read and control \
             the fleet), `admin` (live keys only: keys, webhooks, rules, groups, channels, \
             settings, users, the audit log). As OpenAPI reads it, a route's security lists \
             alternatives, and each names the scopes a key needs together (deleting an agent \
             needs `agents` and `admin`). A missing or unknown key is `401` \
             `unauthorized`, an expired one `401` `key-expired`, a missing scope `403` \
             `insufficient-scope`.",
        ))
        .build();
    let session = ApiKey::Cookie(ApiKeyValue::with_description(
        "hp_session",
        "A signed-in dashboard session: the cookie set by `/login` (named \
         `__Host-hp_session` behind an https public URL). Every write with a session must also \
         send the session's CSRF token in the `X-CSRF-Token` header (the dashboard's pages \
         carry it); a missing or wrong one is `403` `forbidden`. When a request carries both a \
         session and a key, the session is used.",
    ));
    [
        ("apiKey", SecurityScheme::Http(key)),
        ("session", SecurityScheme::ApiKey(session)),
    ]
}
