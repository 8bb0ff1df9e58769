//! The document's part for health, readiness, metrics, problem pages.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(crate::wire::problem::ProblemBody)))]
pub struct ServiceDoc;
