//! `holdpoint signing-key rotate|list`: the keys that sign decision receipts.

use serde_json::json;

use crate::config::SigningKeyCommand;
use crate::db;
use crate::domain::audit::{self, Actor, Entry};
use crate::domain::event_type::EventType;
use crate::domain::receipts::keys::{self, KEEP_RETIRED_MS};
use crate::domain::rfc3339;
use crate::error::AppResult;

pub fn run(
    conn: &mut crate::db::sql::Connection,
    now: i64,
    cmd: SigningKeyCommand,
) -> anyhow::Result<()> {
    match cmd {
        SigningKeyCommand::Rotate => {
            let (kid, retired) = db::with_transaction(conn, |ctx| rotate(ctx.conn, now))?;
            println!("{kid}");
            eprintln!(
                "new receipts are signed with {kid}; {} stays in the JWKS until {}",
                if retired.is_empty() {
                    "no older key".to_string()
                } else {
                    retired.join(", ")
                },
                rfc3339(now + KEEP_RETIRED_MS)
            );
        }
        SigningKeyCommand::List => {
            println!("{:<45} {:<25} {:<25} STATE", "KID", "CREATED", "RETIRED");
            let signer = keys::current(conn)?.map(|s| s.kid);
            for k in keys::list(conn)? {
                let state = match k.retired_at {
                    None if signer.as_deref() == Some(&k.kid) => "signing",
                    None => "unused",
                    Some(at) if now < at + KEEP_RETIRED_MS => "published",
                    Some(_) => "withdrawn",
                };
                println!(
                    "{:<45} {:<25} {:<25} {state}",
                    k.kid,
                    rfc3339(k.created_at),
                    k.retired_at.map(rfc3339).unwrap_or_else(|| "-".into())
                );
            }
        }
    }
    Ok(())
}

/// Rotates and audits (no workspace: the keys are the deployment's); returns the new kid and
/// the kids it retired.
fn rotate(conn: &crate::db::sql::Connection, now: i64) -> AppResult<(String, Vec<String>)> {
    let retired: Vec<String> = keys::list(conn)?
        .into_iter()
        .filter(|k| k.retired_at.is_none())
        .map(|k| k.kid)
        .collect();
    let kid = keys::rotate(conn, now)?;
    let entry = Entry {
        workspace_id: None,
        actor: Actor::Cli,
        event: EventType::SigningKeyRotated,
        subject: Some(kid.clone()),
        details: Some(json!({ "retired": retired })),
    };
    audit::record(conn, now, entry)?;
    Ok((kid, retired))
}
