//! What the tools and tasks answer: a pause as a tool result or a task, a pending pause as
//! "still waiting", and an application error as a tool error naming the problem.

use rmcp::model::{
    CallToolResult, ContentBlock, CreateTaskResult, DetailedTask, JsonObject, Task, TaskPayload,
    TaskStatus,
};
use serde_json::{json, Value};

use crate::domain::pauses::{Pause, Status};
use crate::domain::{rfc3339, Millis};
use crate::error::AppError;

/// How often a client should poll `tasks/get` for a pause still waiting.
pub const POLL_INTERVAL_MS: u64 = 5000;

/// What a tool says of a pause nobody has decided yet.
pub const STILL_WAITING: &str =
    "Still waiting for a human; call get_pause with this watchId to keep waiting";

/// A result carrying `value` both as structured content and as its JSON text (for clients
/// that read only the text).
fn with_json(value: Value, is_error: bool) -> CallToolResult {
    let text = serde_json::to_string(&value).unwrap_or_default();
    let mut result = match is_error {
        true => CallToolResult::error(vec![ContentBlock::text(text)]),
        false => CallToolResult::success(vec![ContentBlock::text(text)]),
    };
    result.structured_content = Some(value);
    result
}

/// Whether a final status tells the agent not to go ahead as asked.
pub fn is_error(status: Status) -> bool {
    matches!(
        status,
        Status::Rejected | Status::ChangesRequested | Status::Expired | Status::Cancelled
    )
}

/// A settled pause as the API's GET shows it; pending, the "still waiting" answer.
pub fn of_pause(pause: &Pause, base_url: &str, now: Millis) -> CallToolResult {
    let status = pause.status(now);
    if status == Status::Pending {
        return still_waiting(pause);
    }
    with_json(pause.to_value(base_url, now), is_error(status))
}

fn still_waiting(pause: &Pause) -> CallToolResult {
    let value = json!({"status": "pending", "watchId": pause.watch_id.to_string()});
    let mut result = CallToolResult::success(vec![ContentBlock::text(STILL_WAITING)]);
    result.structured_content = Some(value);
    result
}

/// Any other JSON answer (a checkpoint).
pub fn of_value(value: Value) -> CallToolResult {
    with_json(value, false)
}

/// An application error as a tool error: the API's problem document, and its detail as text
/// (a validation error names the member, as the API's 422 does).
pub fn of_error(error: &AppError) -> CallToolResult {
    if matches!(
        error,
        AppError::Db(_) | AppError::Pool(_) | AppError::Internal(_)
    ) {
        tracing::error!(error = %error, "MCP tool call failed");
    }
    let body = error.problem_body();
    let text = match &body.field {
        Some(field) => format!("{} (`{field}`): {}", body.title, body.detail),
        None => format!("{}: {}", body.title, body.detail),
    };
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = serde_json::to_value(&body).ok();
    result
}

/// The task a pause is: its id is the watchId, and it lives as long as the pause.
fn task(pause: &Pause, status: TaskStatus) -> Task {
    let created = rfc3339(pause.created_at);
    let updated = rfc3339(pause.decided_at.unwrap_or(pause.created_at));
    let task = Task::new(pause.watch_id.to_string(), status, created, updated);
    match status {
        TaskStatus::Working => task
            .with_poll_interval_ms(POLL_INTERVAL_MS)
            .with_status_message("Waiting for a human"),
        _ => task,
    }
}

/// Pending → working; cancelled → cancelled; any other final status → completed.
fn task_status(status: Status) -> TaskStatus {
    match status {
        Status::Pending => TaskStatus::Working,
        Status::Cancelled => TaskStatus::Cancelled,
        _ => TaskStatus::Completed,
    }
}

/// The answer to a `tools/call` that made a task.
pub fn created_task(pause: &Pause, now: Millis) -> CreateTaskResult {
    CreateTaskResult::new(task(pause, task_status(pause.status(now))))
}

/// The task as `tasks/get` shows it; completed, it carries the tool result.
pub fn detailed_task(pause: &Pause, base_url: &str, now: Millis) -> DetailedTask {
    let status = task_status(pause.status(now));
    let payload = match status {
        TaskStatus::Working => TaskPayload::Working,
        TaskStatus::Cancelled => TaskPayload::Cancelled,
        _ => TaskPayload::Completed {
            result: as_object(&of_pause(pause, base_url, now)),
        },
    };
    DetailedTask::new(task(pause, status), payload)
}

fn as_object(result: &CallToolResult) -> JsonObject {
    match serde_json::to_value(result) {
        Ok(Value::Object(map)) => map,
        _ => JsonObject::new(),
    }
}
