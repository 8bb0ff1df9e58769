//! `/docs`: the API reference, rendered on the server from the same OpenAPI document as
//! `/api/openapi.json`, so it says what the code does. Public (nothing in it is a secret, and an
//! agent's developer reads it before holding a key); no script, so it works under the CSP as is.

mod schemas;
mod types;
mod view;

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde_json::Value;

use crate::error::{AppError, PageError};
use crate::wire::ProblemType;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/docs")
            .route(web::get().to(page))
            .default_service(super::only("GET")),
    );
}

#[derive(Template)]
#[template(path = "api_docs.html")]
pub struct DocsPage {
    pub title: String,
    pub version: String,
    pub description: String,
    pub schemes: Vec<Scheme>,
    pub tags: Vec<view::Tag>,
    pub schemas: Vec<schemas::Schema>,
    pub problems: Vec<Problem>,
    pub webhooks: Vec<view::Operation>,
}

pub struct Scheme {
    pub name: String,
    pub kind: String,
    pub description: String,
}

pub struct Problem {
    pub slug: &'static str,
    pub title: &'static str,
    pub status: u16,
}

impl DocsPage {
    /// The page for `doc`, an OpenAPI document as JSON.
    pub fn from_document(doc: &Value) -> Self {
        let info = doc.get("info");
        let get = |key: &str| {
            info.and_then(|i| i.get(key))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        DocsPage {
            title: get("title"),
            version: get("version"),
            description: view::md(info.and_then(|i| i.get("description"))),
            schemes: schemes(doc),
            tags: view::tags(doc),
            schemas: schemas::schemas(doc),
            problems: ProblemType::ALL
                .iter()
                .map(|p| Problem {
                    slug: p.slug(),
                    title: p.title(),
                    status: p.status().as_u16(),
                })
                .collect(),
            webhooks: view::operations(doc.get("webhooks"), doc)
                .into_iter()
                .map(|(_, op)| op)
                .collect(),
        }
    }
}

fn schemes(doc: &Value) -> Vec<Scheme> {
    let Some(map) = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    map.iter()
        .map(|(name, s)| {
            let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or_default();
            let kind = match (field("type"), field("scheme"), field("in")) {
                ("http", scheme, _) => format!("HTTP {scheme}"),
                ("apiKey", _, place) => format!("{place} {}", field("name")),
                (other, _, _) => other.to_string(),
            };
            Scheme {
                name: name.clone(),
                kind,
                description: view::md(s.get("description")),
            }
        })
        .collect()
}

/// The page is the same for every request to this binary: rendered once.
fn rendered() -> Result<&'static str, PageError> {
    static PAGE: OnceLock<String> = OnceLock::new();
    if let Some(page) = PAGE.get() {
        return Ok(page);
    }
    let doc: serde_json::Value = serde_json::from_str(crate::http::api::openapi::json())
        .map_err(|e| AppError::Internal(e.into()))?;
    let html = DocsPage::from_document(&doc).render()?;
    Ok(PAGE.get_or_init(|| html))
}

pub async fn page() -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(rendered()?))
}

#[cfg(test)]
mod tests;
