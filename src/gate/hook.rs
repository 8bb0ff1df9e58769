//! `holdpoint hook claude-code`: Claude Code runs it before a tool call (`PreToolUse`) or when it
//! would show a permission dialog (`PermissionRequest`). It asks a person through Holdpoint and
//! always answers in Claude Code's JSON with exit 0: a failure to ask must still be a decision
//! (`--on-error`), because Claude Code lets a tool run when its hook merely fails.

use std::io::Read;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use serde_json::{json, Map, Value};

use super::duration::{parse_span, parse_timeout};
use super::hook_input::{parse_risk, parse_risks, risk_for, Event, HookInput};
use super::wait::decider;
use super::{client_of, one_line, page_url, print_stdout, ServerArgs};
use crate::telemetry::say;

/// Stdin beyond this is not a hook payload (a `Write` of a large file is still far below).
const MAX_INPUT: u64 = 16 * 1024 * 1024;
/// Past the pause's deadline, how long the hook still waits for the server to say so.
const DEADLINE_SLACK: Duration = Duration::from_secs(10);
/// Past the pause's deadline, when the hook answers `--on-error` whatever happened.
const HARD_SLACK: Duration = Duration::from_secs(25);

#[derive(Debug, Clone, Args)]
pub struct HookArgs {
    /// The agent the pauses come from (approvers see it; policy rules may match it).
    #[arg(long, default_value = "claude-code")]
    pub agent: String,
    /// A tool's risk, e.g. `--risk Bash=high --risk Read=low`; `*=medium` sets the rest.
    /// Over HOLDPOINT_HOOK_RISK ("Bash=high,Read=low"); tools named nowhere are high.
    #[arg(long = "risk", value_name = "TOOL=LEVEL", value_parser = parse_risk)]
    pub risks: Vec<(String, String)>,
    /// What to answer when no person decided (expired, cancelled), the server cannot be
    /// reached or the input is not a hook payload: `deny`, or `ask` (Claude Code's own
    /// prompt; for PermissionRequest the hook then prints nothing, so the dialog shows).
    #[arg(long, value_enum, default_value_t = OnError::Deny)]
    pub on_error: OnError,
    /// How long a person has to decide: N (seconds), Ns, Nm, Nh or Nd, from 10s. The hook
    /// answers within this plus 25 s: keep Claude Code's `timeout` for the hook above that.
    #[arg(long, default_value = "5m", value_parser = parse_timeout)]
    pub timeout: u64,
    /// Let the approver edit the tool's input before approving (Claude Code then runs the
    /// edited input: `updatedInput`).
    #[arg(long)]
    pub allow_edits: bool,
    /// How long to keep retrying while the server cannot be reached.
    #[arg(long, value_name = "SPAN", default_value = "20s", value_parser = parse_span)]
    pub reconnect_for: u64,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    Ask,
    Deny,
}

/// What Claude Code is told.
struct Verdict {
    decision: &'static str,
    reason: String,
    updated_input: Option<Value>,
}

pub async fn run(args: HookArgs) -> ExitCode {
    let (event, verdict) = match read_input() {
        Ok(input) => (input.event(), decide(&args, &input).await),
        Err((event, why)) => (event, fallback(&args, &format!("the hook's input: {why}"))),
    };
    say(&format!(
        "holdpoint hook: {} ({})\n",
        verdict.decision, verdict.reason
    ));
    if let Some(out) = output(event, &verdict) {
        print_stdout(&format!("{out}\n"));
    }
    ExitCode::SUCCESS
}

fn read_input() -> Result<HookInput, (Event, String)> {
    let mut raw = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT)
        .read_to_end(&mut raw)
        .map_err(|e| (Event::PreToolUse, format!("cannot read stdin: {e}")))?;
    let value: Value =
        serde_json::from_slice(&raw).map_err(|e| (Event::PreToolUse, format!("not JSON ({e})")))?;
    let event = match value["hook_event_name"].as_str() {
        Some("PermissionRequest") => Event::PermissionRequest,
        _ => Event::PreToolUse,
    };
    serde_json::from_value(value)
        .map_err(|e| (event, format!("not a Claude Code hook payload ({e})")))
}

/// Answers within `--timeout` + `HARD_SLACK` whatever the network does, so that Claude Code's
/// own hook timeout (a kill, which lets the tool run) never comes first.
async fn decide(args: &HookArgs, input: &HookInput) -> Verdict {
    let limit = Duration::from_secs(args.timeout) + HARD_SLACK;
    match tokio::time::timeout(limit, ask(args, input)).await {
        Ok(Ok(pause)) => verdict(args, input, &pause),
        Ok(Err(e)) => fallback(args, &format!("Holdpoint could not be asked: {e:#}")),
        Err(_) => fallback(args, "no answer from Holdpoint in time"),
    }
}

async fn ask(args: &HookArgs, input: &HookInput) -> anyhow::Result<Value> {
    let env = match std::env::var("HOLDPOINT_HOOK_RISK") {
        Ok(text) => parse_risks(&text).map_err(|e| anyhow::anyhow!("HOLDPOINT_HOOK_RISK: {e}"))?,
        Err(_) => Vec::new(),
    };
    let client = client_of(&args.server, args.reconnect_for)?;
    let created = client.create(&body(args, input, &env)).await?;
    let page = page_url(&created).unwrap_or_default();
    if created["status"] != "pending" {
        return Ok(created);
    }
    say(&format!("holdpoint hook: waiting for a decision: {page}\n"));
    let watch_id = created["watchId"].as_str().unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(args.timeout) + DEADLINE_SLACK;
    client.wait_final(watch_id, Some(deadline)).await
}

fn body(args: &HookArgs, input: &HookInput, env: &[(String, String)]) -> Value {
    let context = input.context();
    let mut body = json!({
        "action": input.action(),
        "tool": input.tool_name,
        "context": context,
        "agent": args.agent,
        "risk": risk_for(&input.tool_name, env, &args.risks),
        "timeoutSeconds": args.timeout,
    });
    if let Some(run) = input.run() {
        body["run"] = json!(run);
    }
    if args.allow_edits {
        if let Value::Object(tool_input) = &input.tool_input {
            let keys: Vec<&String> = tool_input.keys().take(20).collect();
            if !keys.is_empty() {
                body["editable"] = json!(keys);
            }
        }
    }
    body
}

fn verdict(args: &HookArgs, input: &HookInput, pause: &Value) -> Verdict {
    let by = decider(&pause["decidedBy"]).unwrap_or_else(|| "Holdpoint".into());
    let because = pause["reason"]
        .as_str()
        .map(|r| format!(": {}", one_line(r, 1000)))
        .unwrap_or_default();
    match pause["status"].as_str().unwrap_or("") {
        "approved" => Verdict {
            decision: "allow",
            reason: format!("Approved by {by} in Holdpoint{because}"),
            updated_input: updated_input(input, &pause["edits"]),
        },
        "rejected" => deny(format!("Rejected by {by} in Holdpoint{because}")),
        "changes_requested" => deny(format!("Changes requested by {by} in Holdpoint{because}")),
        "expired" => fallback(
            args,
            "nobody decided in Holdpoint before the request expired",
        ),
        "cancelled" => fallback(args, "the request was cancelled in Holdpoint"),
        other => fallback(
            args,
            &format!("Holdpoint answered an unexpected status `{other}`"),
        ),
    }
}

fn deny(reason: String) -> Verdict {
    Verdict {
        decision: "deny",
        reason,
        updated_input: None,
    }
}

/// No person's decision: what `--on-error` says, with why.
fn fallback(args: &HookArgs, why: &str) -> Verdict {
    let decision = match args.on_error {
        OnError::Ask => "ask",
        OnError::Deny => "deny",
    };
    Verdict {
        decision,
        reason: format!(
            "{} (holdpoint hook --on-error {decision})",
            one_line(why, 1000)
        ),
        updated_input: None,
    }
}

/// The tool's input with the approver's edits applied, when there are any.
fn updated_input(input: &HookInput, edits: &Value) -> Option<Value> {
    let (Value::Object(tool_input), Value::Object(edits)) = (&input.tool_input, edits) else {
        return None;
    };
    let mut updated: Map<String, Value> = tool_input.clone();
    for (k, v) in edits {
        updated.insert(k.clone(), v.clone());
    }
    (!edits.is_empty()).then_some(Value::Object(updated))
}

/// Claude Code's answer for the event; None for `ask` on PermissionRequest, which has no ask:
/// printing nothing leaves Claude Code's own permission dialog in place.
fn output(event: Event, v: &Verdict) -> Option<Value> {
    let mut out = match event {
        Event::PreToolUse => json!({"hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": v.decision,
            "permissionDecisionReason": v.reason,
        }}),
        Event::PermissionRequest if v.decision == "ask" => return None,
        Event::PermissionRequest => json!({"hookSpecificOutput": {
            "hookEventName": "PermissionRequest",
            "decision": {"behavior": v.decision, "message": v.reason},
        }}),
    };
    if let Some(updated) = &v.updated_input {
        let specific = &mut out["hookSpecificOutput"];
        match event {
            Event::PreToolUse => specific["updatedInput"] = updated.clone(),
            Event::PermissionRequest => specific["decision"]["updatedInput"] = updated.clone(),
        }
    }
    Some(out)
}
