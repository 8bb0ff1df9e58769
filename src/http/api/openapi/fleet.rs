//! The document's part for agents and runs.

use utoipa::openapi::{RefOr, Required};
use utoipa::{Modify, OpenApi};

use crate::http::api::{agent_approve, agent_controls, agents, fleet};

#[derive(OpenApi)]
#[openapi(
    paths(
        fleet::list,
        agent_controls::stop::stop_all,
        agent_controls::stop::resume_all,
        fleet::get,
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
    components(schemas(crate::wire::problem::ProblemBody)),
    modifiers(&OptionalHeartbeat)
)]
pub struct FleetDoc;

/// A heartbeat's body may be left out (not sent as `null`, which is refused): utoipa writes an
/// optional body as a nullable one, so the body is declared required and made optional here.
struct OptionalHeartbeat;

impl Modify for OptionalHeartbeat {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let body = doc
            .paths
            .paths
            .get_mut("/api/agents/{agent}/heartbeat")
            .and_then(|item| item.post.as_mut())
            .and_then(|op| op.request_body.as_mut());
        if let Some(RefOr::T(body)) = body {
            body.required = Some(Required::False);
        }
    }
}

#[cfg(test)]
#[path = "part_tests.rs"]
mod tests;
