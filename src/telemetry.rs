//! Logging: human-readable text by default, JSON lines when configured.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(level: &str, format: LogFormat) {
    let level = crate::http::server::log_filter(level);
    let filter = EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        // Event fields at the top level: one flat object per line, easy to query.
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
