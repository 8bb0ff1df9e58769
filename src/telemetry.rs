//! Logging: human-readable text by default, JSON lines when configured.
//!
//! The log stream can stop accepting writes (a closed pipe as in `holdpoint serve | head`, a
//! full disk under a redirected log file). Logging must never panic or block serving: write
//! errors are dropped and counted for `/metrics`, and tracing's own error report (an
//! `eprintln!` that panics on a closed stderr) is turned off.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

static WRITE_ERRORS: AtomicU64 = AtomicU64::new(0);

/// Log lines (and banner lines) that could not be written, since start.
pub fn write_errors() -> u64 {
    WRITE_ERRORS.load(Ordering::Relaxed)
}

/// stderr that reports every write as done; failures are only counted.
pub struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if io::stderr().write_all(buf).is_err() {
            WRITE_ERRORS.fetch_add(1, Ordering::Relaxed);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        Ok(())
    }
}

/// Writes operator text (banner, final error) to stderr without ever failing.
pub fn say(text: &str) {
    let _ = Stderr.write_all(text.as_bytes());
}

pub fn init(level: &str, format: LogFormat) {
    let level = crate::http::server::log_filter(level);
    let filter = EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .log_internal_errors(false)
        .with_writer(|| Stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        // Event fields at the top level: one flat object per line, easy to query.
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
