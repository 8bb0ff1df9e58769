//! The document's part for policy settings, explain, rules, groups, channels.

use utoipa::OpenApi;

use crate::http::api::{channels, groups, policy};

#[derive(OpenApi)]
#[openapi(
    paths(
        policy::explain,
        policy::get_settings,
        policy::patch_settings,
        policy::list_rules,
        policy::create_rule,
        policy::get_rule,
        policy::patch_rule,
        policy::delete_rule,
        groups::list,
        groups::create,
        groups::get,
        groups::patch,
        groups::delete,
        channels::get_workspace,
        channels::patch_workspace,
        channels::get_group,
        channels::patch_group,
    ),
    components(schemas(crate::wire::problem::ProblemBody))
)]
pub struct PolicyDoc;
