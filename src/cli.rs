//! Operator subcommands. They open the database directly (safe beside a running server: WAL and
//! busy_timeout), write through the same domain functions, and audit as the `cli` actor.
//! Results meant for scripts go to stdout alone; explanations go to stderr.

use anyhow::{bail, Context};

use crate::app;
use crate::config::{Command, GlobalArgs, KeyCommand, MailArgs, Synchronous, WorkspaceCommand};
use crate::db;
use crate::domain::audit::Actor;
use crate::domain::clock::system_now;
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::scopes::Scopes;
use crate::domain::{api_keys, rfc3339, workspaces};

mod copy_database;
pub mod doctor;
mod rules;
mod signing_keys;
mod users;

pub fn run(global: &GlobalArgs, cmd: Command) -> anyhow::Result<()> {
    // It names both databases itself and must not open or migrate the data directory's.
    if let Command::CopyDatabase(args) = &cmd {
        return copy_database::run(args);
    }
    let target = db::Target::new(&global.data_dir, global.database_url.as_ref());
    match (&target, &cmd) {
        (db::Target::Sqlite(path), Command::Check) => return check(path),
        (db::Target::Postgres(_), Command::Check) => bail!(
            "`check` reads a SQLite file; on PostgreSQL use `pg_amcheck` and the server's own \
             monitoring (`holdpoint doctor` checks the connection)"
        ),
        (db::Target::Postgres(_), Command::Backup { .. }) => bail!(
            "`backup` copies a SQLite file; on PostgreSQL use `pg_dump` (or `pg_basebackup` \
             with WAL archiving for point-in-time recovery)"
        ),
        _ => {}
    }
    let mut conn = target.open_and_migrate(Synchronous::Full)?;
    let now = system_now();
    workspaces::ensure_default(&conn, now)?;
    match cmd {
        Command::Serve(_) | Command::SendTestEmail { .. } | Command::Doctor(_) => {
            unreachable!("async commands are handled by main")
        }
        Command::Openapi | Command::Wait(_) | Command::Hook(_) => {
            unreachable!("handled by main: it needs no database")
        }
        Command::Check | Command::CopyDatabase(_) => unreachable!("handled above"),
        Command::Migrate => eprintln!("database {} is up to date", target.describe()),
        Command::Workspace(w) => workspace(&mut conn, now, w)?,
        Command::User(u) => users::run(&mut conn, now, u)?,
        Command::Key(k) => key(&mut conn, now, k)?,
        Command::Rules(r) => rules::run(&mut conn, now, r)?,
        Command::SigningKey(s) => signing_keys::run(&mut conn, now, s)?,
        Command::Backup { path: target } => backup(&conn, &target)?,
    }
    Ok(())
}

/// `holdpoint openapi`: the document on stdout (a closed pipe is an error, not a panic).
pub fn openapi() -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", crate::http::api::openapi::json()).context("writing to stdout")
}

fn workspace(
    conn: &mut crate::db::sql::Connection,
    now: i64,
    cmd: WorkspaceCommand,
) -> anyhow::Result<()> {
    match cmd {
        WorkspaceCommand::Create { name, plan } => {
            let id = db::with_transaction(conn, |ctx| {
                workspaces::create(ctx.conn, now, Actor::Cli, &name, &plan)
            })?;
            println!("{id}");
        }
        WorkspaceCommand::SetPlan { workspace_id, plan } => {
            db::with_transaction(conn, |ctx| {
                workspaces::set_billing_plan(
                    ctx.conn,
                    now,
                    Actor::Cli,
                    WorkspaceId(workspace_id),
                    &plan,
                )
            })?;
            eprintln!("workspace {workspace_id} is now on the {plan} plan");
        }
        WorkspaceCommand::List => {
            println!("{:<6} {:<10} NAME", "ID", "PLAN");
            for ws in workspaces::list(conn)? {
                println!("{:<6} {:<10} {}", ws.id, ws.billing_plan_id, ws.name);
            }
        }
    }
    Ok(())
}

fn key(conn: &mut crate::db::sql::Connection, now: i64, cmd: KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::Create {
            workspace,
            name,
            test,
            scopes,
            autonomy,
            expires,
        } => {
            let expires_at = app::keys::expiry_from_text(expires.as_deref().unwrap_or(""), now)
                .map_err(|e| anyhow::anyhow!("--expires: {}", e.detail()))?;
            let new = app::keys::NewKey {
                name: name.unwrap_or_default(),
                test,
                scopes: match scopes.is_empty() {
                    true => Scopes::default_for_new_key(),
                    false => Scopes::of(&scopes),
                },
                cap: autonomy,
                groups: Vec::new(),
                expires_at,
            };
            let ws = WorkspaceId(workspace);
            let (id, key) = db::with_transaction(conn, |ctx| {
                app::keys::make(ctx, now, ws, (Actor::Cli, None), &new)
            })?;
            println!("{key}");
            let until = match expires_at {
                Some(at) => format!(", working until {}", rfc3339(at)),
                None => String::new(),
            };
            eprintln!("created key {id} for workspace {workspace}{until}; it is shown only this once, store it now");
        }
        KeyCommand::List { workspace } => {
            workspaces::get(conn, WorkspaceId(workspace))?;
            println!(
                "{:<6} {:<18} {:<5} {:<25} {:<25} {:<25} {:<8} {:<26} NAME",
                "ID", "PREFIX", "KIND", "CREATED", "LAST USED", "EXPIRES", "STATE", "SCOPES"
            );
            for k in api_keys::list(conn, WorkspaceId(workspace))? {
                let state = match (k.revoked_at, k.expires_at) {
                    (Some(_), _) => "revoked",
                    (None, Some(at)) if now > at => "expired",
                    _ => "active",
                };
                println!(
                    "{:<6} {:<18} {:<5} {:<25} {:<25} {:<25} {:<8} {:<26} {}",
                    k.id,
                    format!("{}…", k.prefix),
                    if k.test { "test" } else { "live" },
                    rfc3339(k.created_at),
                    k.last_used_at
                        .map(rfc3339)
                        .unwrap_or_else(|| "never".into()),
                    k.expires_at.map(rfc3339).unwrap_or_else(|| "never".into()),
                    state,
                    k.scopes.to_text().replace(' ', ","),
                    k.name
                );
            }
        }
        KeyCommand::Revoke { key_id } => {
            db::with_transaction(conn, |ctx| {
                api_keys::revoke(ctx.conn, now, Actor::Cli, ApiKeyId(key_id), None)
            })?;
            eprintln!("key {key_id} is revoked");
        }
    }
    Ok(())
}

/// `VACUUM INTO` writes a consistent, compacted snapshot from one read transaction, so it is
/// safe while the server writes; the copy is then checked before we call it good.
fn backup(conn: &crate::db::sql::Connection, target: &std::path::Path) -> anyhow::Result<()> {
    if target.exists() {
        bail!(
            "{} already exists; choose a new file name",
            target.display()
        );
    }
    let target_str = target
        .to_str()
        .context("the backup path must be valid UTF-8")?;
    conn.execute("VACUUM INTO ?1", [target_str])
        .context("backup failed")?;
    let copy = crate::db::sql::Connection::open(target)?;
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        bail!(
            "the backup at {} failed its integrity check: {check}",
            target.display()
        );
    }
    eprintln!(
        "backup written to {} (integrity_check: ok)",
        target.display()
    );
    Ok(())
}

/// `check`: the full `integrity_check`, on a connection that writes nothing (no migration).
fn check(path: &std::path::Path) -> anyhow::Result<()> {
    if !path.exists() {
        bail!("there is no database at {}", path.display());
    }
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let report = db::check::full(&conn).map_err(|e| db::check::unreadable(path, &e))?;
    if report != ["ok"] {
        for line in &report {
            println!("{line}");
        }
        bail!(
            "the database {} is damaged ({} problems); {}",
            path.display(),
            report.len(),
            db::check::RESTORE_HINT
        );
    }
    println!("ok");
    eprintln!("{}: integrity_check ok", path.display());
    Ok(())
}

/// `send-test-email TO`: one email through the configured transport. On failure, the likely
/// cause in an operator's words, then lettre's raw error (never the password: only the URL's
/// redacted form is printed).
pub async fn send_test_email(global: &GlobalArgs, to: &str, mail: &MailArgs) -> anyhow::Result<()> {
    use crate::notify::{explain::explain, mailer::Mailer};
    let mailer = Mailer::new(mail.smtp_url.as_ref(), &mail.smtp_from, &global.data_dir)?;
    let via = match &mail.smtp_url {
        Some(url) => format!("{url:?} (TLS: {})", url.tls()),
        None => mailer.describe(),
    };
    eprintln!("sending a test email to {to} via {via}");
    let email = lettre::Message::builder()
        .from(mailer.from.clone())
        .to(recipient(to)?)
        .subject("Holdpoint test email")
        .body(String::from(
            "This is a test email from Holdpoint: notification emails can reach you.\n",
        ))?;
    match mailer.send(email).await {
        Ok(()) => {
            eprintln!("sent: check the inbox of {to}");
            Ok(())
        }
        Err(e) => {
            eprintln!("{}", explain(&e, mail.smtp_url.as_ref()));
            bail!("the test email was not sent: {e}")
        }
    }
}

/// The test email's recipient, or why it is not one in words an operator can act on (lettre's
/// own error is a bare "Invalid input").
fn recipient(to: &str) -> anyhow::Result<lettre::message::Mailbox> {
    use lettre::address::AddressError;
    let why = match to.trim().parse::<lettre::Address>() {
        Ok(address) => return Ok(lettre::message::Mailbox::new(None, address)),
        Err(_) if !to.contains('@') => "it has no `@`".to_string(),
        Err(AddressError::InvalidUser) | Err(AddressError::MissingParts)
            if to.trim().starts_with('@') =>
        {
            "there is nothing before the `@`".to_string()
        }
        Err(AddressError::InvalidUser) => {
            "the part before the `@` has characters an address cannot have".to_string()
        }
        Err(AddressError::InvalidDomain) | Err(AddressError::MissingParts) => {
            match to.trim().rsplit('@').next().unwrap_or("") {
                "" => "there is nothing after the `@`".to_string(),
                domain => format!("the part after the `@` (`{domain}`) is not a domain name"),
            }
        }
        Err(_) => "an address is one name@domain, without spaces or angle brackets".to_string(),
    };
    bail!("`{to}` is not an email address: {why}; use the form name@example.com")
}
