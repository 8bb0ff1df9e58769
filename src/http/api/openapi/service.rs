//! The document's part for health, readiness, metrics, this document, problem pages.

use utoipa::OpenApi;

use crate::http::api::{health, jwks, metrics};

#[derive(OpenApi)]
#[openapi(
    paths(
        super::serve,
        health::healthz,
        health::readyz,
        jwks::jwks,
        metrics::metrics,
        health::problem_doc
    ),
    components(schemas(crate::wire::problem::ProblemBody))
)]
pub struct ServiceDoc;
