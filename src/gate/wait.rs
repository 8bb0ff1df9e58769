//! `holdpoint wait`: a shell, Makefile or CI step that blocks until a person decides. The exit
//! status is the decision (0 go, 1 no, 2 nobody decided, 3 error), stdout the final pause (or
//! the answer to `--question`), stderr the page to decide on and what happened.

use std::process::ExitCode;

use clap::Args;
use serde_json::{json, Map, Value};

use super::duration::{parse_span, parse_timeout};
use super::{client_of, page_url, print_stdout, ServerArgs, EXIT_ERROR};
use crate::telemetry::say;

#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// What needs a decision, e.g. "Deploy v2.4.1 to prod" (1 to 1000 characters). With
    /// --question it may be left out: the question is the action then.
    #[arg(required_unless_present = "question")]
    pub action: Option<String>,
    /// JSON the approver sees beside the action, e.g. '{"commit":"a3f9b2e"}'.
    #[arg(long, value_parser = parse_json)]
    pub context: Option<Value>,
    /// How risky the action is (the server assumes high when not given).
    #[arg(long, value_parser = ["low", "medium", "high", "critical"])]
    pub risk: Option<String>,
    /// The action's machine name, for policy rules, e.g. `deploy`.
    #[arg(long)]
    pub tool: Option<String>,
    /// The agent asking (created if new), e.g. `ci`.
    #[arg(long)]
    pub agent: Option<String>,
    /// The agent's run, e.g. the CI run id.
    #[arg(long)]
    pub run: Option<String>,
    /// How long a person has to decide: N (seconds), Ns, Nm, Nh or Nd, from 10s to 30d
    /// (default: the workspace's, else the server's). It is the pause's timeoutSeconds.
    #[arg(long, value_parser = parse_timeout)]
    pub timeout: Option<u64>,
    /// What the deadline means: expire (exit 2), reject (exit 1) or wait (keep waiting past
    /// it). Default: the workspace's, else expire.
    #[arg(long, value_parser = ["expire", "reject", "wait"])]
    pub on_timeout: Option<String>,
    /// Ask a question instead of an approval; stdout gets the answer.
    #[arg(long)]
    pub question: Option<String>,
    /// A choice for --question; repeat for several (none: the answer is free text).
    #[arg(long = "option", value_name = "LABEL", requires = "question")]
    pub options: Vec<String>,
    /// How long to keep retrying while the server cannot be reached or is restarting.
    #[arg(long, value_name = "SPAN", default_value = "5m", value_parser = parse_span)]
    pub reconnect_for: u64,
    #[command(flatten)]
    pub server: ServerArgs,
}

fn parse_json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))
}

pub async fn run(args: WaitArgs) -> ExitCode {
    match wait(&args).await {
        Ok(code) => code,
        Err(e) => {
            say(&format!("holdpoint wait: {e:#}\n"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

async fn wait(args: &WaitArgs) -> anyhow::Result<ExitCode> {
    let client = client_of(&args.server, args.reconnect_for)?;
    let created = client.create(&body(args)).await?;
    let watch_id = created["watchId"].as_str().unwrap_or_default().to_string();
    let page = page_url(&created).unwrap_or_else(|| watch_id.clone());
    if created["status"] == "pending" {
        say(&format!("holdpoint: waiting for a decision: {page}\n"));
    } else {
        say(&format!("holdpoint: decided at once: {page}\n"));
    }
    let pause = match created["status"].as_str() {
        Some("pending") => client.wait_final(&watch_id, None).await?,
        _ => created,
    };
    say(&format!("holdpoint: {}\n", summary(&pause)));
    if args.question.is_some() {
        if let Some(answer) = answer_text(&pause) {
            print_stdout(&answer);
        }
    } else {
        print_stdout(&format!("{pause}\n"));
    }
    Ok(ExitCode::from(exit_code(
        pause["status"].as_str().unwrap_or(""),
    )))
}

/// 0 go ahead, 1 refused, 2 nobody decided; anything else is unexpected (3).
pub fn exit_code(status: &str) -> u8 {
    match status {
        "approved" | "answered" => 0,
        "rejected" | "changes_requested" => 1,
        "expired" | "cancelled" => 2,
        _ => EXIT_ERROR,
    }
}

fn body(args: &WaitArgs) -> Value {
    let mut body = Map::new();
    let action = args.action.clone().or_else(|| args.question.clone());
    body.insert("action".into(), json!(action));
    let optional = [
        ("context", args.context.clone()),
        ("risk", args.risk.clone().map(Value::from)),
        ("tool", args.tool.clone().map(Value::from)),
        ("agent", args.agent.clone().map(Value::from)),
        ("run", args.run.clone().map(Value::from)),
        ("timeoutSeconds", args.timeout.map(Value::from)),
        ("onTimeout", args.on_timeout.clone().map(Value::from)),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            body.insert(name.into(), value);
        }
    }
    if let Some(question) = &args.question {
        let options: Vec<Value> = args.options.iter().map(|l| json!({ "label": l })).collect();
        body.insert("kind".into(), json!("question"));
        body.insert(
            "questions".into(),
            json!([{ "question": question, "options": options }]),
        );
    }
    Value::Object(body)
}

/// The answer alone, one line per chosen label, so `$(holdpoint wait --question …)` is it.
fn answer_text(pause: &Value) -> Option<String> {
    let answer = pause["answers"].as_object()?.values().next()?;
    match answer {
        Value::String(s) => Some(format!("{s}\n")),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| format!("{s}\n"))
                .collect(),
        ),
        _ => None,
    }
}

/// "approved by Ada (ada@example.com): looks good", for people reading a log.
pub fn summary(pause: &Value) -> String {
    let status = pause["status"]
        .as_str()
        .unwrap_or("unknown")
        .replace('_', " ");
    let by = decider(&pause["decidedBy"]);
    let mut text = match by {
        Some(by) => format!("{status} by {by}"),
        None => status,
    };
    if let Some(reason) = pause["reason"].as_str() {
        text.push_str(": ");
        text.push_str(reason);
    }
    // A terminal or CI log shows it: no control characters, one line.
    super::one_line(&text, 2000)
}

pub fn decider(by: &Value) -> Option<String> {
    let name = by["name"].as_str();
    match by["type"].as_str()? {
        "user" => Some(match (name, by["email"].as_str()) {
            (Some(n), Some(e)) => format!("{n} ({e})"),
            (n, e) => n.or(e).unwrap_or("a person").to_string(),
        }),
        "key" => Some(format!("the API key {}", name.unwrap_or("?"))),
        "policy" => Some(format!("policy {}", name.unwrap_or("?"))),
        other => Some(other.to_string()),
    }
}
