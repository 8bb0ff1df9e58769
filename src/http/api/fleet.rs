//! The fleet reads (`GET /api/agents`, `GET /api/agents/:agent`) for an API key, in the key's
//! mode; the agent's own checkpoint is [`super::agents`]'.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::agents::path_name;
use super::auth::{ApiKey, FleetScope};
use crate::domain::agents::{self, guidance, pin, AgentState, Control, Fleet, PENDING_LISTED};
use crate::error::{AppError, AppResult};
use crate::http::query::Query;
use crate::http::State;
use crate::wire::agent::{AgentDetail, AgentPage};
use crate::wire::problem::ProblemBody;

/// `GET /api/agents?state=&control=&q=&limit=&offset=`, by name, in the key's mode.
#[utoipa::path(get, path = "/api/agents", tag = "agents",
    operation_id = "listAgents",
    description = "The fleet of the key's mode (live or test), by name.",
    params(("state" = Option<String>, Query, pattern = r"^(idle|thinking|acting|waiting|complete|error)?$",
            description = "Only agents in this state (`AgentState`; empty: any)"),
        ("control" = Option<String>, Query, pattern = r"^(running|paused|cancelled)?$",
            description = "Only agents with this control (`AgentControl`; empty: any)"),
        ("q" = Option<String>, Query, description = "Only names containing this"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "Page size (50)"),
        ("offset" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "Rows to skip")),
    security(("apiKey" = ["agents"]), ("apiKey" = ["pauses"])),
    responses(
        (status = 200, body = AgentPage, description = "A page of agents"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed query"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `agents` or `pauses`)"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: a query parameter"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn list(
    state: State,
    key: ApiKey<FleetScope>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let q = Query::parse(req.query_string())?;
    let wanted_state = match q.get("state")?.filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            AgentState::from_name(s)
                .ok_or_else(|| AppError::invalid("state", format!("unknown state `{s}`")))?,
        ),
    };
    let control = match q.get("control")?.filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            Control::from_name(s)
                .ok_or_else(|| AppError::invalid("control", format!("unknown control `{s}`")))?,
        ),
    };
    let (limit, offset) = (
        q.int("limit", 1, 200, 50)?,
        q.int("offset", 0, 1_000_000_000, 0)?,
    );
    let q = q.get("q")?.map(str::to_string);
    let (now, fleet) = (state.now(), Fleet::of_key(&key.0));
    let filter = agents::Filter {
        state: wanted_state,
        control,
        q,
    };
    let order = agents::Order::Name;
    let page = state
        .read_blocking(move |conn| agents::list(conn, fleet, &filter, order, (limit, offset), now))
        .await?;
    let body = AgentPage {
        items: page
            .items
            .iter()
            .map(|(a, n)| a.view(page.stopped(), *n))
            .collect(),
        total: page.total,
        limit,
        offset,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(body))
}

/// `GET /api/agents/:agent`: the row, its oldest pending pauses, recent guidance and state
/// changes, in the key's mode.
#[utoipa::path(get, path = "/api/agents/{agent}", tag = "agents",
    operation_id = "getAgent",
    description = "One agent of the key's mode: its row, oldest pending pauses, recent guidance and \
        state changes.",
    params(("agent" = String, Path, description = "The agent's name")),
    security(("apiKey" = ["agents"]), ("apiKey" = ["pauses"])),
    responses(
        (status = 200, body = AgentDetail, description = "The agent"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `agents` or `pauses`)"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such agent"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
    ))]
pub async fn get(
    state: State,
    key: ApiKey<FleetScope>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let name = path_name(&path)?;
    let (now, fleet, base) = (state.now(), Fleet::of_key(&key.0), state.base_url());
    let (agent, stopped, count, pending, recent, history, pinned) = state
        .read_blocking(move |conn| {
            let agent = agents::require(conn, fleet, &name)?;
            let stopped = agents::stopped_at(conn, fleet)?.is_some();
            let count = agents::pending_count(conn, fleet, &name, now)?;
            let pending = agents::pending_pauses(conn, fleet, &name, (now, PENDING_LISTED))?;
            let recent = guidance::recent(conn, &agent, 20)?;
            let history = agents::history(conn, &agent, agents::HISTORY_KEPT)?;
            let pinned = pin::pinned_key(conn, &agent)?;
            Ok::<_, AppError>((agent, stopped, count, pending, recent, history, pinned))
        })
        .await?;
    let body = AgentDetail {
        agent: agent.view(stopped, count),
        pinned_key: pinned.as_ref().map(pin::PinnedKey::view),
        pending: pending
            .iter()
            .map(|w| format!("{base}/api/pause/{w}"))
            .collect(),
        guidance: recent.iter().map(|g| g.view()).collect(),
        history: history.iter().map(|h| h.view()).collect(),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(body))
}
