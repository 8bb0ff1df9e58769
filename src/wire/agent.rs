//! Agents as the API shows them: the fleet's rows, one agent with its pending pauses and recent
//! guidance, the control answer a checkpoint gets, and the webhook event around an agent.

use serde::Serialize;

use crate::domain::agents::guidance::Guidance;
use crate::domain::agents::pin::PinnedKey;
use crate::domain::agents::{Agent, AgentState, Control, HistoryRow};
use crate::domain::event_type::EventType;
use crate::domain::{rfc3339, Millis};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Agent)]
#[serde(rename_all = "camelCase")]
pub struct AgentView<'a> {
    pub name: &'a str,
    /// What the agent reads: paused if a person paused it or the workspace is stopped.
    pub control: Control,
    /// What a person set on this agent alone (the stop is `stopped`).
    pub own_control: Control,
    /// The workspace's emergency stop is on.
    pub stopped: bool,
    pub state: Option<AgentState>,
    pub tool: Option<&'a str>,
    pub progress: Option<i64>,
    pub run: Option<&'a str>,
    pub pending_pauses: i64,
    #[schema(format = DateTime)]
    pub first_seen_at: String,
    #[schema(format = DateTime)]
    pub last_seen_at: String,
    #[schema(format = DateTime)]
    pub control_changed_at: Option<String>,
}

impl Agent {
    pub fn view(&self, stopped: bool, pending_pauses: i64) -> AgentView<'_> {
        AgentView {
            name: &self.name,
            control: self.effective(stopped),
            own_control: self.control,
            stopped,
            state: self.state,
            tool: self.tool.as_deref(),
            progress: self.progress,
            run: self.run.as_deref(),
            pending_pauses,
            first_seen_at: rfc3339(self.first_seen_at),
            last_seen_at: rfc3339(self.last_seen_at),
            control_changed_at: self.control_changed_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Guidance)]
#[serde(rename_all = "camelCase")]
pub struct GuidanceView<'a> {
    pub id: i64,
    pub message: &'a str,
    pub from: &'a str,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl Guidance {
    pub fn view(&self) -> GuidanceView<'_> {
        GuidanceView {
            id: self.seq,
            message: &self.message,
            from: &self.from,
            created_at: rfc3339(self.created_at),
        }
    }
}

/// What a heartbeat or a control read answers. `cursor` is the `after` for the next call.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Checkpoint)]
#[serde(rename_all = "camelCase")]
pub struct ControlView<'a> {
    pub control: Control,
    pub guidance: Vec<GuidanceView<'a>>,
    pub cursor: String,
    /// Messages after the cursor that are no longer kept (only the newest 200 are).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AgentStateChange)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    #[schema(format = DateTime)]
    pub at: String,
    pub state: Option<AgentState>,
    pub tool: Option<String>,
    pub run: Option<String>,
}

impl HistoryRow {
    pub fn view(&self) -> HistoryView {
        HistoryView {
            at: rfc3339(self.at),
            state: self.state,
            tool: self.tool.clone(),
            run: self.run.clone(),
        }
    }
}

/// `GET /api/agents/:agent`: the row, its pending pauses, recent guidance and state changes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentDetail<'a> {
    #[serde(flatten)]
    pub agent: AgentView<'a>,
    /// The only key that may report as the agent, if an owner or admin pinned one.
    pub pinned_key: Option<PinnedKeyView<'a>>,
    /// The `statusUrl` of the oldest pauses still waiting (at most 100; `pendingPauses`
    /// counts them all).
    pub pending: Vec<String>,
    pub guidance: Vec<GuidanceView<'a>>,
    pub history: Vec<HistoryView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PinnedKey)]
pub struct PinnedKeyView<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
}

impl PinnedKey {
    pub fn view(&self) -> PinnedKeyView<'_> {
        PinnedKeyView {
            name: &self.name,
            prefix: &self.prefix,
        }
    }
}

/// A page of `GET /api/agents`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentPage<'a> {
    pub items: Vec<AgentView<'a>>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// The Standard Webhooks payload of an `agent.*` event.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentEventData<'a> {
    #[serde(flatten)]
    pub agent: AgentView<'a>,
    /// Who acted: an email, or an API key's name.
    pub by: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<GuidanceView<'a>>,
    /// On `agent.cancelled`: the watch ids of the pauses the cancel ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_pauses: Option<Vec<String>>,
    /// On `task.complete` and `agent.error` (the reference docs' names): the agent's name.
    #[serde(rename = "agent_id", skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct AgentEventBody<'a> {
    pub r#type: EventType,
    pub timestamp: String,
    pub data: AgentEventData<'a>,
}

impl<'a> AgentEventBody<'a> {
    pub fn render(event: EventType, now: Millis, data: AgentEventData<'a>) -> String {
        serde_json::to_string(&AgentEventBody {
            r#type: event,
            timestamp: rfc3339(now),
            data,
        })
        .unwrap_or_default()
    }
}

/// `POST /api/agents/:agent/guide`: the message as the agent will read it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = GuidanceSent)]
pub struct Guided<'a> {
    pub agent: &'a str,
    pub guidance: GuidanceView<'a>,
}

/// `POST /api/runs/:run/cancel`: the watch ids of the pauses and the names of the agents it
/// cancelled.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunCancelled {
    pub run: String,
    pub cancelled_pauses: Vec<String>,
    pub cancelled_agents: Vec<String>,
}

/// `POST /api/agents/stop-all` and `resume-all`: the workspace's stop as it now stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = EmergencyStop)]
#[serde(rename_all = "camelCase")]
pub struct StopView {
    pub stopped: bool,
    /// When the stop was turned on; null while it is off.
    #[schema(format = DateTime)]
    pub stopped_at: Option<String>,
}
