//! `POST /api/agents/:agent/approve/:watchId` `{"approved", "reason"?}`: the reference Agents
//! API's decision path. It does exactly what `POST /api/pause/:watchId/approve` does (the same
//! deciders: a session or a key with `decide`; same body, answers and errors), and answers 404 unless the pause names `:agent`, so a
//! decision cannot land on another agent's pause by a mixed-up path.

use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::decider::Decider;
use super::pauses::parse_watch_id;
use crate::domain::history::Scope;
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
    if let Ok(d) = decider.as_ref() {
        if let Err(e) = names_agent(&state, d, &agent, &raw_watch) {
            return e.error_response();
        }
    }
    super::decide::approve(state, decider, req, web::Path::from(raw_watch), payload).await
}

/// The pause exists in the workspace, in the caller's mode (a key's own; a person's session
/// decides either), and was asked by `agent`; otherwise it is not found, with one text, so a
/// test key learns nothing of live pauses.
fn names_agent(state: &State, d: &Decider, agent: &str, raw_watch: &str) -> AppResult<()> {
    let watch_id = parse_watch_id(raw_watch)?;
    let scope = Scope {
        workspace_id: d.workspace_id(),
        test: d.key().map(|k| k.test),
    };
    let pause = pauses::get_in(&*state.read()?, scope, &watch_id)?;
    match pause {
        Some(p) if p.agent.as_deref() == Some(agent) => Ok(()),
        _ => Err(AppError::NotFound(format!(
            "no pause with watchId `{raw_watch}` asked by agent `{agent}` in this workspace"
        ))),
    }
}
