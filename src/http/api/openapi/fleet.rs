//! The document's part for agents and runs.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(crate::wire::problem::ProblemBody)))]
pub struct FleetDoc;
