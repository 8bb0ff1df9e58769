//! `holdpoint user …`: the operator's way in when nobody can sign in (a locked-out owner).

use std::path::PathBuf;

use clap::Subcommand;
use url::Url;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from stdin unless --password-file is given.
    Add {
        /// The workspace's id (the ID column of `holdpoint workspace list`).
        #[arg(long, default_value_t = 1)]
        workspace: i64,
        /// The user's email address; they sign in with it.
        #[arg(long)]
        email: String,
        /// owner (everything), admin (users, keys, settings) or approver (decides pauses).
        #[arg(long, value_parser = ["owner", "admin", "approver"])]
        role: String,
        /// The name shown beside their decisions.
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of this file instead of the terminal or stdin.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List a workspace's users: id, email, role, state and last sign-in.
    List {
        /// The workspace's id (the ID column of `holdpoint workspace list`).
        #[arg(long, default_value_t = 1)]
        workspace: i64,
    },
    /// Disable a user and end their sessions (the last owner who can sign in cannot be).
    Disable {
        /// The user's id (the ID column of `holdpoint user list`).
        user_id: i64,
    },
    /// Print a one-time link, valid 72 hours, that sets a new password for the user; ends
    /// their sessions now.
    ResetPassword {
        /// The user's id (the ID column of `holdpoint user list`).
        user_id: i64,
        /// The server's public base URL, as its browsers reach it; the link starts with it.
        #[arg(
            long,
            env = "HOLDPOINT_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: Url,
    },
    /// Remove every second factor of the user (TOTP, recovery codes, passkeys) and end their
    /// sessions: they sign in with their password alone next time (and set one up again if the
    /// workspace requires it). For someone who lost their phone and recovery codes.
    #[command(name = "reset-2fa")]
    Reset2fa {
        /// The user's id (the ID column of `holdpoint user list`).
        user_id: i64,
    },
}
