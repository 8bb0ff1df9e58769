//! `POST /api/agents/:agent/approve/:watchId` `{"approved", "reason"?}`: the reference Agents
//! API's decision path. It does exactly what `POST /api/pause/:watchId/approve` does (the same
//! deciders: a session or a key with `decide`; same body, answers and errors), and answers 404 unless the pause names `:agent`, so a
//! decision cannot land on another agent's pause by a mixed-up path.

use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::decider::Decider;
use super::pauses::parse_watch_id;
use crate::domain::ids::WorkspaceId;
use crate::domain::pauses;
use crate::error::{AppError, AppResult};
use crate::http::State;

pub async fn approve(
    state: State,
    decider: Result<Decider, AppError>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (agent, raw_watch) = path.into_inner();
    if let Ok(ws) = decider.as_ref().map(Decider::workspace_id) {
        if let Err(e) = names_agent(&state, ws, &agent, &raw_watch) {
            return e.error_response();
        }
    }
    super::decide::approve(state, decider, req, web::Path::from(raw_watch), payload).await
}

/// The pause exists in the workspace and was asked by `agent`; otherwise it is not found.
fn names_agent(state: &State, ws: WorkspaceId, agent: &str, raw_watch: &str) -> AppResult<()> {
    let watch_id = parse_watch_id(raw_watch)?;
    let pause = pauses::get(&*state.read()?, ws, &watch_id)?;
    match pause {
        Some(p) if p.agent.as_deref() == Some(agent) => Ok(()),
        _ => Err(AppError::NotFound(format!(
            "no pause with watchId `{raw_watch}` asked by agent `{agent}` in this workspace"
        ))),
    }
}
