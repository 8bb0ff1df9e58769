//! Command line and environment. Every setting is a flag with a `HOLDPOINT_*` twin and a default,
//! so `holdpoint serve --help` is the complete configuration reference.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use url::Url;

use crate::notify::smtp_url::SmtpUrl;
pub use crate::secret::Secret;

mod bind;
pub use bind::listen_failed;
mod copy_command;
pub use copy_command::CopyDatabaseArgs;
mod limits;
pub mod oidc;
mod outbound;
mod parse;
mod rules_command;
mod user_command;
pub use limits::{LimitArgs, Limits, FORWARDED_FOR_NEEDS_PROXIES};
pub use outbound::OutboundProxy;
pub use parse::log_filter;
pub use rules_command::RulesCommand;
pub use user_command::UserCommand;

#[derive(Debug, Parser)]
#[command(
    name = "holdpoint",
    version = crate::VERSION,
    about = "Human-in-the-loop approvals for AI agents",
    long_about = "Human-in-the-loop approvals for AI agents.\n\nWith no command, `serve` runs: \
                  `holdpoint --bind 0.0.0.0:8080` is `holdpoint serve --bind 0.0.0.0:8080`."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// With no subcommand, `serve` runs.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The help heading of the flags every command takes, so that a command's `--help` shows its
/// own flags apart from them.
const GLOBAL: &str = "Global options";

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Directory for the database (holdpoint.db) and other state; created if missing.
    #[arg(
        long,
        env = "HOLDPOINT_DATA_DIR",
        default_value = "./data",
        global = true,
        help_heading = GLOBAL
    )]
    pub data_dir: PathBuf,
    /// Keep the data in this PostgreSQL database instead of SQLite in the data directory:
    /// `postgres://user:password@host:5432/db`, several hosts (`host=a,b`) with
    /// `target_session_attrs=read-write` to follow a failover.
    #[arg(long, env = "HOLDPOINT_DATABASE_URL", global = true, help_heading = GLOBAL,
          hide_env_values = true)]
    pub database_url: Option<crate::db::DatabaseUrl>,
    /// Log filter: a level (error, warn, info, debug, trace, off) or TARGET=LEVEL pairs, e.g.
    /// `holdpoint=debug,actix_web=info`.
    #[arg(long, env = "HOLDPOINT_LOG", default_value = "info", global = true,
          help_heading = GLOBAL, value_parser = log_filter)]
    pub log_level: String,
    /// Log line format.
    #[arg(long, env = "HOLDPOINT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true,
          help_heading = GLOBAL)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, env = "HOLDPOINT_BIND", default_value = "127.0.0.1:8080", value_parser = bind::parse)]
    pub bind: SocketAddr,
    /// Public base URL used in `statusUrl` and links (default: http://<bind>).
    #[arg(long, env = "HOLDPOINT_PUBLIC_URL")]
    pub public_url: Option<Url>,
    /// Pause timeout in seconds when the request and the workspace give none.
    #[arg(long, env = "HOLDPOINT_DEFAULT_TIMEOUT", default_value_t = 900,
          value_parser = clap::value_parser!(u64).range(10..=2_592_000))]
    pub default_timeout: u64,
    /// SQLite `synchronous` level. `full` makes every acknowledged write survive power loss.
    #[arg(long, env = "HOLDPOINT_SYNCHRONOUS", value_enum, default_value_t = Synchronous::Full)]
    pub synchronous: Synchronous,
    /// Allow webhook deliveries to loopback, link-local and private addresses (on-prem installs).
    #[arg(long, env = "HOLDPOINT_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
    /// Proxy for webhook and Slack deliveries (http:// or https://). HTTP_PROXY and HTTPS_PROXY
    /// are never used for them. The proxy resolves host names itself, so it must do the egress
    /// filtering; literal private addresses are still refused before a request reaches it.
    #[arg(long, env = "HOLDPOINT_OUTBOUND_PROXY", hide_env_values = true)]
    pub outbound_proxy: Option<OutboundProxy>,
    /// HTTP worker threads, 1 to 1024 (default: one per core).
    #[arg(long, env = "HOLDPOINT_WORKERS",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub workers: Option<usize>,
    /// Bearer token that `GET /metrics` requires (unset: /metrics is open, so keep the port
    /// private or put the token in your Prometheus scrape config).
    #[arg(long, env = "HOLDPOINT_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,
    /// Threads that hash passwords (sign-in, sign-up, password changes). Each keeps one 19 MiB
    /// argon2 work area for its life; further attempts wait their turn.
    #[arg(long, env = "HOLDPOINT_HASH_THREADS", default_value_t = 2,
          value_parser = clap::value_parser!(u64).range(1..=64))]
    pub hash_threads: u64,
    /// Let a passkey be the whole sign-in ("Sign in with a passkey" on /login). Passkeys need a
    /// public URL whose host is a name, not an IP address.
    #[arg(long, env = "HOLDPOINT_PASSKEY_LOGIN", default_value_t = false, action = clap::ArgAction::Set)]
    pub passkey_login: bool,
    #[command(flatten)]
    pub mail: MailArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub oidc: oidc::OidcArgs,
}

/// How notification emails leave the server (shared by `serve` and `send-test-email`).
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// SMTP server for notification emails: `smtp://user:pass@host:587` (STARTTLS, required),
    /// `smtps://user:pass@host:465` (implicit TLS) or `smtp://localhost:25?tls=none` (plain, for
    /// a local relay). Unset (the default): emails are written as .eml files under <data dir>/mail/.
    #[arg(long, env = "HOLDPOINT_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<SmtpUrl>,
    /// Sender of notification emails.
    #[arg(
        long,
        env = "HOLDPOINT_SMTP_FROM",
        default_value = "Holdpoint <holdpoint@localhost>"
    )]
    pub smtp_from: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Synchronous {
    Full,
    Normal,
}

impl Synchronous {
    pub fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

// Parsed once at start; boxing `serve`'s flags would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Check the configuration `serve` would run with (same flags and environment) and say
    /// what to fix, one line per check; writes nothing. Exits 1 when something needs fixing.
    Doctor(ServeArgs),
    /// Run SQLite's full integrity check (reads every page: minutes on a large file); exits 1
    /// when the database is damaged.
    Check,
    /// Manage workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage the Ed25519 keys that sign decision receipts (published at
    /// /.well-known/jwks.json).
    #[command(subcommand)]
    SigningKey(SigningKeyCommand),
    /// Export and import decision rules as JSON.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Write a consistent copy of the live database to PATH (safe while the server runs).
    Backup {
        /// The backup file to write, e.g. `backups/holdpoint-2026-11-30.db`; it must not exist.
        path: PathBuf,
    },
    /// Copy a whole SQLite database (pauses, decisions, users, keys, the audit log: every
    /// table) into an empty PostgreSQL database, in one transaction, and check each table's row
    /// count and checksum on both sides before committing; on any difference nothing is kept.
    /// Then serve with `--database-url` pointing at it.
    CopyDatabase(CopyDatabaseArgs),
    /// Print the OpenAPI 3.1 document of this version's API (as served at /api/openapi.json),
    /// for generating clients offline.
    Openapi,
    /// Ask a person through a Holdpoint server and wait for the decision (for shells, Makefiles
    /// and CI). Exits 0 approved or answered, 1 rejected or changes requested, 2 expired or
    /// cancelled, 3 on any error. Needs no data directory.
    Wait(crate::gate::WaitArgs),
    /// Permission hooks for coding agents (`holdpoint hook claude-code`). Needs no data
    /// directory.
    #[command(subcommand)]
    Hook(crate::gate::HookCommand),
    /// Send one test email to TO with the configured transport, explaining any failure.
    SendTestEmail {
        /// The address to send the test email to.
        to: String,
        #[command(flatten)]
        mail: MailArgs,
    },
}

/// The plans migration 0001 defines (a test checks they agree).
pub const BILLING_PLANS: [&str; 3] = ["free", "starter", "pro"];

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace; prints its id alone on stdout.
    Create {
        /// The workspace's name (1 to 200 characters).
        name: String,
        /// Its plan: free (50 pauses a month, 1 approver), starter (500, 3) or pro (unlimited).
        #[arg(long, default_value = "free", value_parser = BILLING_PLANS)]
        plan: String,
    },
    /// Move a workspace to another plan; takes effect at once.
    SetPlan {
        /// The workspace's id (the ID column of `holdpoint workspace list`).
        workspace_id: i64,
        /// The new plan: free (50 pauses a month, 1 approver), starter (500, 3) or pro (unlimited).
        #[arg(value_parser = BILLING_PLANS)]
        plan: String,
    },
    /// List workspaces.
    List,
}

#[derive(Debug, Subcommand)]
pub enum SigningKeyCommand {
    /// Make a new signing key and retire the current one: new receipts carry the new key's id
    /// at once (a running server reads the key at each decision); the retired key stays in the
    /// JWKS for two days (the longest receipt lifetime plus a day). Prints the new kid.
    Rotate,
    /// List the signing keys (kid, created, retired), newest first; never a private key.
    List,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key; prints the key alone on stdout. It is shown only this once.
    Create {
        /// The workspace's id (the ID column of `holdpoint workspace list`).
        #[arg(long, default_value_t = 1)]
        workspace: i64,
        /// A name that says which agent uses the key (shown in the dashboard).
        #[arg(long)]
        name: Option<String>,
        /// A test key (`hitl_test_…`): its pauses do not count against the plan.
        #[arg(long)]
        test: bool,
        /// What the key may do; repeat for several: `pauses` (create, read, list and cancel
        /// pauses; the default), `decide` (approve, reject and answer pauses), `agents`,
        /// `admin`. None implies another.
        #[arg(long = "scope", value_name = "SCOPE", value_parser = crate::domain::scopes::KeyScope::parse)]
        scopes: Vec<crate::domain::scopes::KeyScope>,
        /// Cap the autonomy level of this key's pauses (0 to 100): it may only lower the
        /// workspace's level.
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
        autonomy: Option<u8>,
        /// When the key stops working: YYYY-MM-DD (the end of that day, UTC) or a time from now
        /// such as 90d (days) or 12h (hours). Owners get an email 7 days ahead. Default: never.
        #[arg(long, value_name = "WHEN")]
        expires: Option<String>,
    },
    /// List a workspace's keys (never the keys themselves).
    List {
        /// The workspace's id (the ID column of `holdpoint workspace list`).
        #[arg(long, default_value_t = 1)]
        workspace: i64,
    },
    /// Revoke a key by its id; it stops working within a second.
    Revoke {
        /// The key's id: the number in the ID column of `holdpoint key list` (not the key itself).
        #[arg(value_parser = parse::KeyIdParser)]
        key_id: i64,
    },
}

/// Everything the server needs at run time, resolved from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// None: SQLite in the data directory.
    pub database_url: Option<crate::db::DatabaseUrl>,
    pub bind: SocketAddr,
    /// None until the listener is bound; then `http://<bound address>` unless configured.
    pub public_url: Option<Url>,
    pub default_timeout_secs: u64,
    pub synchronous: Synchronous,
    pub workers: usize,
    /// Sweep interval for expiring overdue pauses.
    pub sweep_interval: std::time::Duration,
    pub webhook_allow_private: bool,
    /// None: deliveries connect directly (environment proxy variables are ignored).
    pub outbound_proxy: Option<OutboundProxy>,
    /// None: emails become .eml files under `<data dir>/mail/`. Its Debug hides the password.
    pub smtp_url: Option<SmtpUrl>,
    pub smtp_from: String,
    pub limits: Limits,
    /// None: `/metrics` needs no token. Its Debug hides the value.
    pub metrics_token: Option<Secret>,
    /// Size of the password-hashing pool.
    pub hash_threads: usize,
    /// Single sign-on; None without `--oidc-issuer`.
    pub oidc: Option<oidc::Oidc>,
    /// `--password-login`: false hides the password form and refuses it.
    pub password_login: bool,
    /// A passkey may be the whole sign-in (`--passkey-login`).
    pub passkey_login: bool,
    /// Tests only: record every answer whose status the OpenAPI document does not list for
    /// its route (`http::api::openapi::check`).
    pub check_openapi: bool,
}

impl Settings {
    pub fn from_args(global: &GlobalArgs, serve: &ServeArgs) -> Self {
        Settings {
            data_dir: global.data_dir.clone(),
            database_url: global.database_url.clone(),
            bind: serve.bind,
            public_url: serve.public_url.clone(),
            default_timeout_secs: serve.default_timeout,
            synchronous: serve.synchronous,
            workers: serve
                .workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            sweep_interval: std::time::Duration::from_secs(1),
            webhook_allow_private: serve.webhook_allow_private,
            outbound_proxy: serve.outbound_proxy.clone(),
            smtp_url: serve.mail.smtp_url.clone(),
            smtp_from: serve.mail.smtp_from.clone(),
            limits: Limits::from_args(&serve.limits),
            metrics_token: serve.metrics_token.clone(),
            hash_threads: serve.hash_threads as usize,
            oidc: oidc::Oidc::from_args(&serve.oidc),
            password_login: serve.oidc.password_login,
            passkey_login: serve.passkey_login,
            check_openapi: false,
        }
    }

    pub fn database_path(&self) -> PathBuf {
        database_path(&self.data_dir)
    }

    pub fn database(&self) -> crate::db::Target {
        crate::db::Target::new(&self.data_dir, self.database_url.as_ref())
    }

    /// The public URL without a trailing slash, ready to have paths appended.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.as_str().trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Cookies get `Secure` and the `__Host-` prefix only when browsers reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// Settings for tests: a temp data dir, port 0, and fast defaults.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        Settings {
            data_dir,
            database_url: None,
            bind: "127.0.0.1:0".parse().expect("valid address"),
            public_url: None,
            default_timeout_secs: 900,
            synchronous: Synchronous::Normal,
            workers: 2,
            sweep_interval: std::time::Duration::from_secs(3600),
            webhook_allow_private: true,
            outbound_proxy: None,
            smtp_url: None,
            smtp_from: "Holdpoint <holdpoint@localhost>".into(),
            limits: Limits::for_tests(),
            metrics_token: None,
            hash_threads: 2,
            oidc: None,
            password_login: true,
            passkey_login: false,
            check_openapi: true,
        }
    }
}

pub fn database_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("holdpoint.db")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_token_is_hidden_when_settings_are_printed() {
        let mut settings = Settings::for_tests("/tmp/x".into());
        settings.metrics_token = Some("s3cret-metrics-token".parse().unwrap());
        let printed = format!("{settings:?}");
        assert!(!printed.contains("s3cret-metrics-token"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn hash_threads_take_1_to_64() {
        let serve = |n: &str| match Cli::try_parse_from(["holdpoint", "serve", "--hash-threads", n])
        {
            Ok(Cli {
                command: Some(Command::Serve(s)),
                ..
            }) => Ok(s.hash_threads),
            Ok(_) => panic!("serve expected"),
            Err(e) => Err(e.to_string()),
        };
        assert_eq!(serve("1"), Ok(1));
        assert_eq!(serve("64"), Ok(64));
        assert!(serve("0").is_err_and(|e| e.contains("1..=64")));
        assert!(serve("65").is_err_and(|e| e.contains("1..=64")));
    }
}
