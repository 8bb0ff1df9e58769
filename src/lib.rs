//! Holdpoint: a self-hosted human-in-the-loop service for AI agents.
//!
//! Agents create pauses over HTTP, humans decide them, agents resume. Everything lives in one
//! SQLite file; every write goes through one writer thread (see [`db::Writer`]).

pub mod app;
pub mod auth;
pub mod build_commit;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod files;
pub mod gate;
pub mod http;
pub mod jobs;
pub mod markdown;
pub mod metrics;
pub mod notify;
pub mod rate_limit;
pub mod secret;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod waiters;
pub mod wire;

/// What `holdpoint --version` prints after the name: `X.Y.Z (<12-hex commit>[-dirty])`, or
/// `X.Y.Z (unknown commit)` for a build made outside git (see build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("HOLDPOINT_BUILD_COMMIT"),
    ")"
);
