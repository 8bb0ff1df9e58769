//! `holdpoint user …`: add, list and disable users, and the way back in for a locked-out owner
//! (`reset-password` prints a one-time link, `reset-2fa` removes a lost second factor), all
//! audited as the `cli` actor.

use std::io::{BufRead, IsTerminal};

use crate::db::sql::Connection;
use anyhow::{bail, Context};

use crate::config::UserCommand;
use crate::db;
use crate::domain::audit::Actor;
use crate::domain::identity::factor_admin;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::domain::password_resets::{self, CLI_TTL_MS};
use crate::domain::users::{self, NewUser, Role};
use crate::domain::{rfc3339, user_admin, workspaces, Millis};

pub fn run(conn: &mut Connection, now: Millis, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add {
            workspace,
            email,
            role,
            name,
            password_file,
        } => add(conn, now, workspace, &email, &role, name, password_file),
        UserCommand::List { workspace } => list(conn, workspace),
        UserCommand::Disable { user_id } => {
            let (user, changed) = db::with_transaction(conn, |ctx| {
                user_admin::disable_by_cli(ctx.conn, now, UserId(user_id))
            })?;
            match changed {
                true => eprintln!("{} is disabled; their sessions have ended", user.email),
                false => eprintln!("{} was already disabled", user.email),
            }
            Ok(())
        }
        UserCommand::ResetPassword {
            user_id,
            public_url,
        } => {
            let (user, token) = db::with_transaction(conn, |ctx| {
                let user = user_admin::get_any(ctx.conn, UserId(user_id))?;
                let token = password_resets::issue_by_cli(ctx.conn, now, &user)?;
                Ok::<_, crate::error::AppError>((user, token))
            })?;
            let base = public_url.as_str().trim_end_matches('/');
            println!("{base}/reset-password/{token}");
            eprintln!(
                "a link for {} to set a new password: it works once, until {} (72 hours); \
                 their sessions have ended. Give it to them privately.",
                user.email,
                rfc3339(now + CLI_TTL_MS)
            );
            Ok(())
        }
        UserCommand::Reset2fa { user_id } => {
            let (user, ended) = db::with_transaction(conn, |ctx| {
                let user = user_admin::get_any(ctx.conn, UserId(user_id))?;
                let ended = factor_admin::reset(ctx.conn, now, Actor::Cli, &user)?;
                Ok::<_, crate::error::AppError>((user, ended))
            })?;
            eprintln!(
                "the second factor of {} was removed and {ended} session{} ended: they sign in \
                 with their password alone next time",
                user.email,
                if ended == 1 { "" } else { "s" }
            );
            Ok(())
        }
    }
}

fn add(
    conn: &mut Connection,
    now: Millis,
    workspace: i64,
    email: &str,
    role: &str,
    name: Option<String>,
    password_file: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let role = Role::parse(role)?;
    let password = read_password(password_file.as_deref())?;
    users::validate_password(&password)?;
    // Checked before the (slow) hash, and with the same message as the dashboard's.
    users::normalize_email(email)?;
    let password_hash = crate::auth::password::hash(&password)?;
    let id = db::with_transaction(conn, |ctx| {
        users::add(
            ctx.conn,
            now,
            Actor::Cli,
            NewUser {
                workspace_id: WorkspaceId(workspace),
                email,
                name: name.as_deref().unwrap_or(""),
                role,
                password_hash: Some(password_hash),
                state: crate::domain::users::UserState::Active,
            },
        )
    })?;
    println!("{id}");
    eprintln!(
        "added {} as {} of workspace {workspace}",
        email.trim(),
        role.as_str()
    );
    Ok(())
}

fn list(conn: &Connection, workspace: i64) -> anyhow::Result<()> {
    workspaces::get(conn, WorkspaceId(workspace))?;
    println!(
        "{:<6} {:<32} {:<9} {:<9} LAST SIGN-IN",
        "ID", "EMAIL", "ROLE", "STATE"
    );
    for row in users::list(conn, WorkspaceId(workspace))? {
        let last = user_admin::last_sign_in(conn, row.user.id)?;
        println!(
            "{:<6} {:<32} {:<9} {:<9} {}",
            row.user.id,
            row.user.email,
            row.user.role.as_str(),
            row.status(),
            last.map(rfc3339).unwrap_or_else(|| "never".into())
        );
    }
    Ok(())
}

/// The password from a file, from a prompt on a terminal, or from the first line of stdin.
fn read_password(file: Option<&std::path::Path>) -> anyhow::Result<String> {
    let raw = if let Some(f) = file {
        std::fs::read_to_string(f)
            .with_context(|| format!("cannot read password file {}", f.display()))?
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        if rpassword::prompt_password("Repeat password: ")? != first {
            bail!("the passwords do not match");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if line.is_empty() {
            bail!(
                "no password: stdin was empty. Pipe the password in \
                 (`printf '%s\\n' \"$PASSWORD\" | holdpoint user add …`), pass \
                 --password-file FILE, or run the command in a terminal to be asked for it"
            );
        }
        line
    };
    Ok(raw.lines().next().unwrap_or("").to_string())
}
