//! The document's part for webhooks, keys, audit, settings, users.

use utoipa::OpenApi;

use crate::http::api::{keys, webhooks, workspace};

#[derive(OpenApi)]
#[openapi(
    paths(
        webhooks::list,
        webhooks::create,
        webhooks::get,
        webhooks::patch,
        webhooks::delete,
        webhooks::test,
        keys::list,
        keys::create,
        keys::get,
        keys::patch,
        keys::delete,
        workspace::audit,
        workspace::get_settings,
        workspace::patch_settings,
        workspace::users,
    ),
    components(schemas(crate::wire::problem::ProblemBody))
)]
pub struct AdminDoc;
