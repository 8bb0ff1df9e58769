//! The body of `POST /api/pause` as agents send it, and the valid request it parses into
//! (`http::api::create_body` parses and validates one into the other).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

pub use crate::domain::approval_extras::RejectOption;
use crate::domain::kind::Kind;
use crate::domain::pause::status::OnTimeout;
use crate::domain::policy::Risk;
use crate::domain::questions::Question;

/// The JSON object an agent sends; unknown members are refused. One shape for the three kinds:
/// an approval (the default) may add `editable` and `rejectOptions`; a `question` needs
/// `questions`; a `plan` needs `plan` and may name the plan it `revises`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = CreatePause)]
pub struct CreateBody<'a> {
    /// What the agent wants to do, for the person deciding: 1 to 1,000 characters.
    #[schema(min_length = 1, max_length = 1000)]
    pub action: String,
    /// Any JSON (at most 64 KiB, 64 levels deep), shown to the person and kept verbatim.
    #[serde(borrow, default)]
    #[schema(value_type = Option<Value>)]
    pub context: Option<&'a RawValue>,
    /// When the pause expires without a decision (the workspace's default when absent).
    #[serde(default)]
    #[schema(minimum = 10, maximum = 2592000)]
    pub timeout_seconds: Option<i64>,
    /// An http(s) URL told of the decision (at most 2,048 characters).
    #[serde(default)]
    pub callback_url: Option<String>,
    /// At most 32 pairs of strings, shown with the pause.
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
    // Richer approvals (domain::approval_extras).
    #[serde(default)]
    pub editable: Option<Vec<String>>,
    #[serde(default)]
    pub reject_options: Option<Vec<RejectOption>>,
    /// `approval` (the default), `question` or `plan`.
    #[serde(default)]
    #[schema(value_type = Option<Kind>)]
    pub kind: Option<String>,
    /// The plan to review, in Markdown (kind `plan` only).
    #[serde(default)]
    pub plan: Option<String>,
    /// The watchId of the plan this one revises (kind `plan` only).
    #[serde(default)]
    pub revises: Option<String>,
    /// The agent asking (`metadata.agent` stays display-only) and its run: each 1 to 100 of
    /// letters, digits, `.`, `_`, `:` and `-`, not only dots.
    #[serde(default)]
    #[schema(pattern = "^(?!\\.+$)[A-Za-z0-9._:-]{1,100}$")]
    pub agent: Option<String>,
    #[serde(default)]
    #[schema(pattern = "^(?!\\.+$)[A-Za-z0-9._:-]{1,100}$")]
    pub run: Option<String>,
    #[serde(default)]
    pub questions: Option<Vec<QuestionBody>>,
    /// Decision policies: how much harm the action can do (`high` when absent), the action's
    /// machine name, and a cap on the autonomy level for this one pause.
    #[serde(default)]
    #[schema(value_type = Option<Risk>)]
    pub risk: Option<String>,
    /// 1 to 100 of `[A-Za-z0-9._:/-]`.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9._:/-]{1,100}$")]
    pub tool: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub autonomy_level: Option<i64>,
    /// Quorum: approvals from different deciders (1 to 5), and what the deadline means.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5)]
    pub required_approvals: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<OnTimeout>)]
    pub on_timeout: Option<String>,
}

/// One of a question pause's `questions`, as sent; `None` means "not given" (the parser fills
/// the defaults and refuses contradictions such as no options with `allowFreeText: false`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = AskedQuestion)]
pub struct QuestionBody {
    pub question: String,
    #[serde(default)]
    pub header: Option<String>,
    #[serde(default)]
    pub options: Vec<OptionBody>,
    #[serde(default)]
    pub multi_select: Option<bool>,
    #[serde(default)]
    pub allow_free_text: Option<bool>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AskedOption)]
pub struct OptionBody {
    pub label: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// A valid create request: what the agent asked for, before a key and workspace are attached.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateRequest {
    /// Trimmed, 1 to [`MAX_ACTION_CHARS`](crate::http::api::create_body::MAX_ACTION_CHARS) characters, no NUL.
    pub action: String,
    /// The agent's JSON text verbatim (`None` for absent or `null`).
    pub context: Option<String>,
    /// A JSON object of strings.
    pub metadata: Option<String>,
    pub callback_url: Option<String>,
    pub timeout_secs: Option<i64>,
    /// Top-level keys of `context` a person may edit before approving, checked against it.
    pub editable: Option<Vec<String>>,
    /// Named reasons offered for a rejection, checked.
    pub reject_options: Option<Vec<RejectOption>>,
    pub kind: Kind,
    /// Markdown, 1 byte to [`MAX_PLAN_BYTES`](crate::domain::plans::MAX_PLAN_BYTES); present
    /// exactly when `kind` is `plan`.
    pub plan: Option<String>,
    /// Only with a plan; whether it may be revised is checked when the pause is created.
    pub revises: Option<uuid::Uuid>,
    /// For kind `question`: 1 to 10 valid questions, defaults filled in.
    pub questions: Option<Vec<Question>>,
    pub agent: Option<String>,
    pub run: Option<String>,
    /// `high` when the agent sent none.
    pub risk: Risk,
    /// 1 to 100 of `[A-Za-z0-9._:/-]`.
    pub tool: Option<String>,
    /// 0 to 100: may only lower the effective autonomy level.
    pub autonomy_level: Option<u8>,
    /// 1 to 5, and 1 for a question or plan.
    pub required_approvals: Option<u8>,
    pub on_timeout: Option<OnTimeout>,
}
