//! The agent's checkpoint (`POST /api/agents/:agent/heartbeat`, `GET /api/agents/:agent/control`)
//! for an API key; the fleet reads are [`super::fleet`]'s.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Deserializer};

use super::auth::ApiKey;
use super::pauses::parse_wait;
use crate::app::checkpoint::{self, Checkpoint};
use crate::domain::agents::{self, AgentState, Report, MAX_TOOL_CHARS};
use crate::domain::text::is_bidi_control;
use crate::error::{AppError, AppResult};
use crate::http::query::Query;
use crate::http::{parse_json, read_body, State};
use crate::wire::agent::ControlView;
use crate::wire::problem::ProblemBody;

/// A heartbeat; every member is optional, and `null` clears `tool` or `progress`.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = Heartbeat)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatBody {
    #[serde(default)]
    #[schema(value_type = Option<AgentState>)]
    state: Option<String>,
    /// The tool it is using (1 to 200 characters); null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, min_length = 1, max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$")]
    tool: Option<Option<String>>,
    /// How far it is, 0 to 100; null clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, nullable, minimum = 0, maximum = 100)]
    progress: Option<Option<i64>>,
    /// The run it works on, named like an agent: a new run lifts a cancel; a cancelled run is
    /// refused (409).
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[A-Za-z0-9._:-]*[A-Za-z0-9_:-][A-Za-z0-9._:-]*$"
    )]
    run: Option<String>,
}

/// Tells `"x": null` (Some(None)) from a missing member (None, the default).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The heartbeat body, checked; the MCP `check_in` tool sends its arguments here too.
pub(crate) fn parse_report(body: &[u8]) -> AppResult<Report> {
    let b: HeartbeatBody = if body.iter().all(u8::is_ascii_whitespace) {
        HeartbeatBody::default()
    } else {
        parse_json(body)?
    };
    let state = b.state.map(|s| {
        AgentState::from_name(&s).ok_or_else(|| {
            let all: Vec<_> = AgentState::ALL.iter().map(|s| s.as_str()).collect();
            AppError::invalid(
                "state",
                format!("`state` must be one of {}", all.join(", ")),
            )
        })
    });
    if let Some(Some(tool)) = &b.tool {
        let chars = tool.chars().count();
        let hidden = |c: char| c.is_control() || is_bidi_control(c);
        if chars == 0 || chars > MAX_TOOL_CHARS || tool.chars().any(hidden) {
            return Err(AppError::invalid(
                "tool",
                format!(
                    "`tool` has 1 to {MAX_TOOL_CHARS} characters and no control or \
                     bidirectional control characters"
                ),
            ));
        }
    }
    if let Some(Some(p)) = b.progress {
        if !(0..=100).contains(&p) {
            return Err(AppError::invalid(
                "progress",
                format!("`progress` must be 0 to 100 (got {p})"),
            ));
        }
    }
    Ok(Report {
        state: state.transpose()?,
        tool: b.tool,
        progress: b.progress,
        run: b
            .run
            .map(|r| agents::validate_name("run", &r))
            .transpose()?,
    })
}

/// `?after=CURSOR&wait=N`.
fn parse_query(req: &HttpRequest) -> AppResult<(Option<i64>, std::time::Duration)> {
    let q = Query::parse(req.query_string())?;
    let after = q.get("after")?.map(parse_cursor).transpose()?;
    Ok((after, parse_wait(q.get("wait")?)?))
}

/// `after`: the `cursor` of an earlier answer (the MCP `check_in` tool checks its `after` here
/// too).
pub(crate) fn parse_cursor(raw: &str) -> AppResult<i64> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| {
            AppError::invalid("after", "`after` must be a `cursor` from an earlier answer")
        })
}

/// The agent name in the path, checked like the `agent` of a pause (a bad one names nobody).
pub fn path_name(raw: &str) -> AppResult<String> {
    agents::validate_name("agent", raw).map_err(|_| agents::not_found(raw))
}

fn answer(cp: &Checkpoint) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(control_view(cp))
}

/// What a checkpoint answers (the MCP `check_in` tool answers the same).
pub(crate) fn control_view(cp: &Checkpoint) -> ControlView<'_> {
    ControlView {
        control: cp.control,
        guidance: cp.guidance.iter().map(|g| g.view()).collect(),
        cursor: cp.cursor.to_string(),
        skipped: (cp.skipped > 0).then_some(cp.skipped),
    }
}

/// `POST /api/agents/:agent/heartbeat[?after=&wait=]`.
#[utoipa::path(post, path = "/api/agents/{agent}/heartbeat", tag = "agents",
    operation_id = "agentHeartbeat",
    description = "The agent's checkpoint: reports its state (an empty body only says it is alive) and \
        reads its control and the guidance after `after`. With `wait`, it parks while the agent is \
        paused with nothing new to read.",
    params(("agent" = String, Path, min_length = 1, max_length = 100, pattern = r"^[A-Za-z0-9._:-]*[A-Za-z0-9_:-][A-Za-z0-9._:-]*$",
            description = "The agent's name: 1 to 100 of letters, digits, `.`, `_`, `:`, `-`, not only dots"),
        ("after" = Option<i64>, Query, minimum = 0, description = "The `cursor` of an earlier answer"),
        ("wait" = Option<u64>, Query, minimum = 0, maximum = 55, description = "Seconds to park while paused")),
    request_body(content = HeartbeatBody, content_type = "application/json",
        description = "Optional: an empty body only says the agent is alive"),
    security(("apiKey" = ["pauses"])),
    responses(
        (status = 200, body = ControlView, description = "The control to follow and the guidance to read"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed JSON or query"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `pauses`), `agent-pinned`"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such agent"),
        (status = 408, body = ProblemBody, content_type = "application/problem+json", description = "`request-timeout`"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json", description = "`conflict`: the run was cancelled"),
        (status = 413, body = ProblemBody, content_type = "application/problem+json", description = "`payload-too-large`"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: a member, `after`, `wait`, the name, or the fleet is full"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`too-many-waiters`, `unavailable`, `storage-full`"),
    ))]
pub async fn heartbeat(
    state: State,
    key: ApiKey,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let name = agents::validate_name("agent", &path)?;
    let (after, wait) = parse_query(&req)?;
    let report = parse_report(&read_body(&req, payload).await?)?;
    let services = state.services();
    let cp = checkpoint::heartbeat(&services, &key.0, &name, report, after, wait).await?;
    Ok(answer(&cp))
}

/// `GET /api/agents/:agent/control[?after=&wait=]`.
#[utoipa::path(get, path = "/api/agents/{agent}/control", tag = "agents",
    operation_id = "readAgentControl",
    description = "Reads the agent's control and the guidance after `after`, reporting nothing. With \
        `wait`, it parks while the agent is paused with nothing new to read.",
    params(("agent" = String, Path, description = "The agent's name"),
        ("after" = Option<i64>, Query, minimum = 0, description = "The `cursor` of an earlier answer"),
        ("wait" = Option<u64>, Query, minimum = 0, maximum = 55, description = "Seconds to park while paused")),
    security(("apiKey" = ["pauses"])),
    responses(
        (status = 200, body = ControlView, description = "The control to follow and the guidance to read"),
        (status = 400, body = ProblemBody, content_type = "application/problem+json", description = "`bad-request`: malformed query"),
        (status = 401, body = ProblemBody, content_type = "application/problem+json", description = "`unauthorized`, `key-expired`"),
        (status = 403, body = ProblemBody, content_type = "application/problem+json", description = "`insufficient-scope` (needs `pauses`), `agent-pinned`"),
        (status = 404, body = ProblemBody, content_type = "application/problem+json", description = "`not-found`: no such agent in the key's mode"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json", description = "`validation-failed`: `after` or `wait`"),
        (status = 429, body = ProblemBody, content_type = "application/problem+json", description = "`rate-limited`"),
        (status = 503, body = ProblemBody, content_type = "application/problem+json", description = "`too-many-waiters`"),
    ))]
pub async fn control(
    state: State,
    key: ApiKey,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let name = path_name(&path)?;
    let (after, wait) = parse_query(&req)?;
    let cp = checkpoint::control(&state.services(), &key.0, &name, after, wait).await?;
    Ok(answer(&cp))
}
