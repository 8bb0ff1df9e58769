//! The gates: `holdpoint wait` (a shell or CI step that blocks on a person) and
//! `holdpoint hook claude-code` (Claude Code's permission hook). Both are plain HTTP clients of
//! a server, so they run on a laptop or a CI runner with no data directory: main dispatches
//! them before anything touches the database, and they exit 3 on every error, usage errors
//! included (clap's own 2 would read as "expired or cancelled").

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use url::Url;

use crate::secret::Secret;

mod client;
pub mod duration;
mod hook;
mod hook_input;
mod wait;

pub use hook::HookArgs;
pub use wait::WaitArgs;

/// Exit status of every gate error (usage, network, a refusal by the server).
pub const EXIT_ERROR: u8 = 3;
/// Exit status of a hook whose command line is wrong: Claude Code's "blocking error".
pub const HOOK_USAGE_ERROR: u8 = 2;

/// Where the server is and the key to use; the key is never printed.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// The server's base URL.
    #[arg(long, env = "HOLDPOINT_URL", default_value = "http://127.0.0.1:8080")]
    pub url: Url,
    /// An API key with the `pauses` scope. Prefer the environment variable: a flag shows in
    /// the process list.
    #[arg(long, env = "HOLDPOINT_KEY", hide_env_values = true)]
    pub key: Option<Secret>,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Claude Code's `PreToolUse` / `PermissionRequest` hook: reads the hook's JSON on stdin,
    /// asks a person through Holdpoint and prints Claude Code's decision JSON; always exits 0.
    ClaudeCode(HookArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Wait,
    Hook,
}

/// Which gate these arguments run, if any: the first word that is neither a flag nor a
/// global flag's value names the command.
pub fn gate_of(args: &[OsString]) -> Option<Gate> {
    let mut rest = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(arg) = rest.next() {
        match arg {
            "--data-dir" | "--log-level" | "--log-format" => {
                rest.next();
            }
            a if a.starts_with('-') => {}
            "wait" => return Some(Gate::Wait),
            "hook" => return Some(Gate::Hook),
            _ => return None,
        }
    }
    None
}

/// A gate's parse error. Help and version are no error (0). `wait` exits 3, since its 2 means
/// "expired or cancelled". The hook exits 2, which Claude Code reads as "block this tool
/// call" (any other failure lets the tool run): a mistyped hook command fails closed.
pub fn parse_failed(gate: Gate, e: &clap::Error) -> ExitCode {
    let _ = e.print();
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
            ExitCode::SUCCESS
        }
        _ if gate == Gate::Hook => ExitCode::from(HOOK_USAGE_ERROR),
        _ => ExitCode::from(EXIT_ERROR),
    }
}

pub async fn wait(args: WaitArgs) -> ExitCode {
    wait::run(args).await
}

pub async fn hook(cmd: HookCommand) -> ExitCode {
    match cmd {
        HookCommand::ClaudeCode(args) => hook::run(args).await,
    }
}

/// The key, or a usage error that names both ways to give it.
/// The client for `server`: fails here, before anything is sent, when no key was given.
fn client_of(server: &ServerArgs, reconnect_for_secs: u64) -> anyhow::Result<client::Client> {
    let key = server
        .key
        .as_ref()
        .map(Secret::expose)
        .ok_or_else(|| anyhow::anyhow!("no API key: set HOLDPOINT_KEY (or pass --key)"))?;
    client::Client::new(&server.url, key, Duration::from_secs(reconnect_for_secs))
}

/// The pause's page for people: `statusUrl` is `<public URL>/api/pause/<id>`, and the page
/// is `<public URL>/pauses/<id>` (the server's public URL, which may differ from `--url`).
fn page_url(pause: &serde_json::Value) -> Option<String> {
    let status_url = pause["statusUrl"].as_str()?;
    let (base, id) = status_url.rsplit_once("/api/pause/")?;
    Some(format!("{base}/pauses/{id}"))
}

/// Writes to stdout; a closed pipe is no panic (the caller's exit status still tells).
fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// `text` on one line (controls and runs of white space become one space), at most `max`
/// characters with `…` when cut: safe for a terminal, a log line or a pause's `action`.
pub fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() <= max {
        return out;
    }
    let mut cut: String = out.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
