//! The document's part for agents and runs.

use utoipa::OpenApi;

use crate::http::api::{agent_approve, agent_controls, agents};

#[derive(OpenApi)]
#[openapi(
    paths(
        agents::list,
        agent_controls::stop::stop_all,
        agent_controls::stop::resume_all,
        agents::get,
        agent_controls::delete,
        agents::control,
        agents::heartbeat,
        agent_controls::pause,
        agent_controls::resume,
        agent_controls::cancel,
        agent_controls::guide,
        agent_approve::approve,
        agent_controls::stop::cancel_run,
    ),
    components(schemas(crate::wire::problem::ProblemBody))
)]
pub struct FleetDoc;

#[cfg(test)]
#[path = "part_tests.rs"]
mod tests;
