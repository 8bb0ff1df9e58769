//! The document's part for webhooks, keys, audit, settings, users.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(crate::wire::problem::ProblemBody)))]
pub struct AdminDoc;
