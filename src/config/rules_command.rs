//! `holdpoint rules …`: decision rules as code, in the rules API's JSON.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Write the workspace's rules as JSON (`{"rules": [...]}`, as `GET /api/rules` shows
    /// them) to FILE, or to stdout when FILE is `-`.
    Export {
        /// The workspace's id (the ID column of `holdpoint workspace list`).
        #[arg(long, default_value_t = 1)]
        workspace: i64,
        /// The rules of test mode instead of the live ones.
        #[arg(long)]
        test: bool,
        /// Where to write the JSON; `-` for stdout.
        file: PathBuf,
    },
    /// Read rules from FILE (an export, or `-` for stdin): a rule whose name exists is
    /// replaced, a new one added; all or nothing, every change audited.
    Import {
        /// The workspace's id (the ID column of `holdpoint workspace list`).
        #[arg(long, default_value_t = 1)]
        workspace: i64,
        /// Import into test mode's rules instead of the live ones.
        #[arg(long)]
        test: bool,
        /// Also delete the rules the file does not name.
        #[arg(long)]
        replace: bool,
        /// The JSON to read; `-` for stdin.
        file: PathBuf,
    },
}
