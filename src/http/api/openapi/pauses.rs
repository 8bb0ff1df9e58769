//! The document's part for pauses: create, list, read, cancel, approve or reject, answer, outcome.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(crate::wire::problem::ProblemBody)))]
pub struct PausesDoc;
