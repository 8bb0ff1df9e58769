//! The document's part for policy settings, explain, rules, groups, channels.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(crate::wire::problem::ProblemBody)))]
pub struct PolicyDoc;
