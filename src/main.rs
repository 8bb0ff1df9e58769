use holdpoint::config::{Cli, Command, Settings};
use holdpoint::startup::Application;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    holdpoint::files::restrict_umask();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(gate) = holdpoint::gate::gate_of(&args) {
        return run_gate(gate, args).await;
    }
    let cli = Cli::parse_args();
    holdpoint::telemetry::init(&cli.global.log_level, cli.global.log_format);
    holdpoint::files::warn_if_readable_by_others(&cli.global.data_dir);
    let result = match cli.command {
        None => unreachable!("parse_args always yields a command"),
        Some(Command::Serve(args)) => serve(Settings::from_args(&cli.global, &args)).await,
        // Async (lettre runs on this runtime), so it cannot go through the blocking `cli::run`.
        Some(Command::SendTestEmail { to, mail }) => {
            holdpoint::cli::send_test_email(&cli.global, &to, &mail).await
        }
        Some(Command::Openapi) => holdpoint::cli::openapi(),
        Some(Command::Doctor(args)) => {
            holdpoint::cli::doctor::run(&Settings::from_args(&cli.global, &args)).await
        }
        // On a thread of its own: PostgreSQL's blocking client cannot run on this runtime's.
        Some(other) => std::thread::scope(|s| {
            s.spawn(|| holdpoint::cli::run(&cli.global, other))
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the command panicked")))
        }),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            holdpoint::telemetry::say(&format!("holdpoint: {e:#}\n"));
            std::process::ExitCode::FAILURE
        }
    }
}

/// `wait` and `hook` are clients of a server: no data directory, no log setup, and exit
/// statuses of their own (see `holdpoint::gate`).
async fn run_gate(
    gate: holdpoint::gate::Gate,
    args: Vec<std::ffi::OsString>,
) -> std::process::ExitCode {
    match Cli::try_parse_args_from(args) {
        Ok(Cli {
            command: Some(Command::Wait(args)),
            ..
        }) => holdpoint::gate::wait(args).await,
        Ok(Cli {
            command: Some(Command::Hook(cmd)),
            ..
        }) => holdpoint::gate::hook(cmd).await,
        Ok(_) => unreachable!("gate_of named a gate"),
        Err(e) => holdpoint::gate::parse_failed(gate, &e),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings.clone())?;
    let state = app.state();
    tracing::info!(bind = %state.settings.bind, public_url = %state.base_url(), "holdpoint listening");
    app.run_until_stopped().await?;
    Ok(())
}
