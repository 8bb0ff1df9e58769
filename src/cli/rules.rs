//! `holdpoint rules export|import`: a workspace's rules as the rules API's JSON.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context;
use serde_json::{json, Value};

use crate::config::RulesCommand;
use crate::db;
use crate::domain::audit::Actor;
use crate::domain::ids::WorkspaceId;
use crate::domain::policy::rules::{self, RuleSet};
use crate::domain::policy::transfer;
use crate::domain::workspaces;
use crate::wire::policy::rule_view;

pub fn run(
    conn: &mut crate::db::sql::Connection,
    now: i64,
    cmd: RulesCommand,
) -> anyhow::Result<()> {
    match cmd {
        RulesCommand::Export {
            workspace,
            test,
            file,
        } => {
            let set = rule_set(conn, workspace, test)?;
            let items: Vec<Value> = rules::list(conn, set)?.iter().map(rule_view).collect();
            let text = serde_json::to_string_pretty(&json!({ "rules": items }))? + "\n";
            write(&file, &text)?;
            eprintln!("exported {} rules of workspace {workspace}", items.len());
        }
        RulesCommand::Import {
            workspace,
            test,
            replace,
            file,
        } => {
            let set = rule_set(conn, workspace, test)?;
            let value: Value = serde_json::from_str(&read(&file)?)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            let done = db::with_transaction(conn, |ctx| {
                transfer::import(ctx, now, set, Actor::Cli, &value, replace)
            })?;
            eprintln!(
                "imported into workspace {workspace}: {} added, {} replaced, {} deleted",
                done.created, done.updated, done.deleted
            );
        }
    }
    Ok(())
}

fn rule_set(
    conn: &crate::db::sql::Connection,
    workspace: i64,
    test: bool,
) -> anyhow::Result<RuleSet> {
    let workspace_id = WorkspaceId(workspace);
    workspaces::get(conn, workspace_id)?;
    Ok(RuleSet { workspace_id, test })
}

fn read(file: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if file.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
    }
    Ok(text)
}

fn write(file: &Path, text: &str) -> anyhow::Result<()> {
    if file.as_os_str() == "-" {
        std::io::stdout().write_all(text.as_bytes())?;
        return Ok(());
    }
    std::fs::write(file, text).with_context(|| format!("cannot write {}", file.display()))
}
