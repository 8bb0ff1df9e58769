//! A pause as the API shows it: the JSON agents read, webhooks carry and conflicts return;
//! a page of them; and the webhook event around one.

use serde::Serialize;
use serde_json::{json, value::RawValue, Map, Value};

use crate::domain::event_type::EventType;
use crate::domain::kind::Kind;
use crate::domain::plans;
use crate::domain::policy::{PolicyVerdict, Risk};

use crate::domain::approval_extras::{self, RejectOption};
use crate::domain::outcomes::{OutcomeStatus, ReportingKey};
use crate::domain::pauses::{DecidedBy, OnTimeout, Pause, Status};
use crate::domain::questions;
use crate::domain::votes::{self, VoteView};
use crate::domain::{rfc3339, Millis};

/// The pause as the API shows it. `context` and `metadata` are the agent's JSON, verbatim.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Pause)]
pub struct PauseView<'a> {
    pub watch_id: String,
    /// Where to read (and long-poll) it.
    pub status_url: String,
    #[schema(value_type = Status)]
    pub status: &'static str,
    pub kind: Kind,
    pub action: &'a str,
    /// The agent's JSON, verbatim (null when none was sent, or purged).
    #[schema(value_type = Option<Value>)]
    pub context: Option<&'a RawValue>,
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub metadata: Option<&'a RawValue>,
    pub callback_url: Option<&'a str>,
    /// Made with a test key: only test keys and the dashboard's test mode see it.
    pub test: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
    pub decided_by: Option<&'a DecidedBy>,
    pub reason: Option<&'a str>,
    /// Only on pauses whose context retention purged (`context` is then null), so a reader can
    /// tell a purged context from one never sent; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub context_purged_at: Option<String>,
    /// A plan's Markdown (kind `plan` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// The watchId of the plan this one revises, and of the plan that revised it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revises: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revised_by: Option<String>,
    /// A question pause's questions (defaults filled in).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::domain::questions::Question>>)]
    pub questions: Option<serde_json::Value>,
    /// An answered question pause's answers: `{"<question>": "<label or text>" | [labels]}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub answers: Option<serde_json::Value>,
    /// The agent that asked and its run, only when the pause names them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<&'a str>,
    // Richer approvals (domain::approval_extras, domain::outcomes): only when declared or given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub editable: Option<Vec<String>>,
    /// The approver's new values for editable keys; `context` stays as the agent sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub edits: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reject_options: Option<Vec<RejectOption>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reject_option: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeView<'a>>,
    /// Decision policies: what the agent said of the action (absent on pauses made before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<&'a str>,
    /// The policy's verdict and why; null on pauses made before policies.
    pub policy: Option<&'a PolicyVerdict>,
    /// The approver group it is routed to (null: every approver may decide).
    pub group: Option<&'a str>,
    pub required_approvals: u8,
    /// 0 once decided.
    pub approvals_needed: u8,
    /// Oldest first; always present.
    pub votes: Vec<VoteView<'a>>,
    pub on_timeout: OnTimeout,
    /// Pending past its deadline because `onTimeout` is `wait`; absent otherwise.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub overdue: bool,
    /// The signed decision receipt: a compact JWS (EdDSA, keys at `/.well-known/jwks.json`)
    /// once the pause is approved, answered, rejected or changes requested; null otherwise,
    /// for decisions made before receipts existed, and for a pause that reads rejected by its
    /// timeout before the sweep has written (and signed) that down. Always present.
    #[schema(required = true)]
    pub receipt: Option<&'a str>,
}

/// A pause as a key that may decide but not read pauses (`decide` without `pauses`) sees it in
/// a decision's answer or a late decision's 409: who settled it and when, never the agent's
/// context, action or metadata, which reading needs `pauses` for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Settlement)]
pub struct SettlementView<'a> {
    pub watch_id: String,
    #[schema(value_type = Status)]
    pub status: &'static str,
    pub decided_by: Option<&'a DecidedBy>,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
}

/// What the agent reported doing after the decision.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PauseOutcome)]
pub struct OutcomeView<'a> {
    pub status: OutcomeStatus,
    pub detail: Option<&'a str>,
    #[schema(format = DateTime)]
    pub at: String,
    pub by: &'a ReportingKey,
}

impl Pause {
    pub fn view(&self, base_url: &str, now: Millis) -> PauseView<'_> {
        let watch_id = self.watch_id.to_string();
        PauseView {
            status_url: format!("{base_url}/api/pause/{watch_id}"),
            watch_id,
            status: self.status(now).as_str(),
            action: &self.action,
            context: self
                .context
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok()),
            metadata: self
                .metadata
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok()),
            callback_url: self.callback_url.as_deref(),
            test: self.test,
            created_at: rfc3339(self.created_at),
            expires_at: rfc3339(self.expires_at),
            decided_at: self.decided_at_as_of(now).map(rfc3339),
            decided_by: self.decided_by_as_of(now),
            reason: self.reason_as_of(now),
            context_purged_at: self.context_purged_at.map(rfc3339),
            kind: self.kind,
            plan: plans::text(self),
            revises: self.revises.map(|w| w.to_string()),
            revised_by: self.revised_by.map(|w| w.to_string()),
            questions: (self.kind == Kind::Question)
                .then(|| questions_view(self.request_json.as_deref()))
                .flatten(),
            answers: questions::answers_of(self.response_json.as_deref()),
            editable: Some(approval_extras::editable(self)).filter(|e| !e.is_empty()),
            edits: approval_extras::edits(self),
            reject_options: Some(approval_extras::reject_options(self)).filter(|r| !r.is_empty()),
            reject_option: approval_extras::reject_option(self),
            outcome: self.outcome.as_ref().map(|o| OutcomeView {
                status: o.status,
                detail: o.detail.as_deref(),
                at: rfc3339(o.at),
                by: &o.by,
            }),
            agent: self.agent.as_deref(),
            run: self.run.as_deref(),
            risk: self.risk,
            tool: self.tool.as_deref(),
            policy: self.policy.as_ref(),
            group: self.group.as_deref(),
            required_approvals: self.required_approvals,
            approvals_needed: votes::approvals_needed(
                self.required_approvals,
                &self.votes,
                self.status(now) == Status::Pending,
            ),
            votes: self.votes.iter().map(|v| v.view()).collect(),
            on_timeout: self.on_timeout,
            overdue: self.overdue(now),
            receipt: self.receipt.as_deref(),
        }
    }

    pub fn settlement(&self, now: Millis) -> SettlementView<'_> {
        SettlementView {
            watch_id: self.watch_id.to_string(),
            status: self.status(now).as_str(),
            decided_by: self.decided_by_as_of(now),
            decided_at: self.decided_at_as_of(now).map(rfc3339),
        }
    }

    pub fn to_value(&self, base_url: &str, now: Millis) -> serde_json::Value {
        serde_json::to_value(self.view(base_url, now)).unwrap_or_else(|_| json!({}))
    }
}

fn questions_view(request_json: Option<&str>) -> Option<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(request_json?)
        .ok()?
        .get_mut("questions")
        .map(serde_json::Value::take)
}

/// A page of `GET /api/pause`, serialised straight from the views (going through `json!`
/// re-parsed every context).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PausePage)]
pub struct ListPage<'a> {
    pub items: Vec<PauseView<'a>>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// The Standard Webhooks payload: `{"type", "timestamp", "data": <the pause as agents see it>}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PauseEvent)]
pub struct EventBody<'a> {
    pub r#type: EventType,
    #[schema(format = DateTime)]
    pub timestamp: String,
    pub data: PauseView<'a>,
}

impl EventBody<'_> {
    /// The payload of one event about `pause`, as it stands at `now`.
    pub fn render(
        base_url: &str,
        now: Millis,
        pause: &Pause,
        event: EventType,
    ) -> serde_json::Result<String> {
        serde_json::to_string(&EventBody {
            r#type: event,
            timestamp: rfc3339(now),
            data: pause.view(base_url, now),
        })
    }
}

/// The `data` of an event named after the reference docs (`approval.required`,
/// `run.awaiting_input`): the pause as in every pause event, plus the names a handler written
/// for those docs reads: `agent_id` (the agent's name or null), `approval_id` (the watchId, to
/// decide with) and `payload` (the context; `action` is the pause's own).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReferencePauseData<'a> {
    #[serde(flatten)]
    pub pause: PauseView<'a>,
    pub agent_id: Option<&'a str>,
    pub approval_id: String,
    #[schema(value_type = Option<Value>)]
    pub payload: Option<&'a RawValue>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ReferencePauseEvent)]
pub struct ReferenceEventBody<'a> {
    pub r#type: EventType,
    #[schema(format = DateTime)]
    pub timestamp: String,
    pub data: ReferencePauseData<'a>,
}

impl ReferenceEventBody<'_> {
    pub fn render(
        base_url: &str,
        now: Millis,
        pause: &Pause,
        event: EventType,
    ) -> serde_json::Result<String> {
        let view = pause.view(base_url, now);
        let data = ReferencePauseData {
            agent_id: pause.agent.as_deref(),
            approval_id: view.watch_id.clone(),
            payload: view.context,
            pause: view,
        };
        serde_json::to_string(&ReferenceEventBody {
            r#type: event,
            timestamp: rfc3339(now),
            data,
        })
    }
}
