//! The PostgreSQL schema (migrations/pg/*.sql, run in the order of [`PG_MIGRATIONS`]) equals the
//! SQLite schema ([`migrate`] over migrations/*.sql), read back from both databases' catalogs
//! into one model and compared line by line, with a diff when they differ.
//!
//! The model, per table: columns in order (name; type as SQLite's INTEGER/TEXT/BLOB/REAL, by the
//! mapping at the top of migrations/pg/0001_baseline.sql; NOT NULL; default; identity, i.e.
//! SQLite's rowid alias; NOCASE), the primary key, unique constraints and indexes (name, unique,
//! key columns or expressions, partial WHERE), foreign keys (columns, target, ON UPDATE and
//! ON DELETE), CHECK constraints (the columns they read and the literals they hold), triggers
//! (name, timing, event, the message they raise), whether TRUNCATE is refused, and the rows the
//! migrations insert. Expressions are compared loosely: casts, case and whitespace are dropped.
//!
//! Conventions the comparison encodes (see the baseline's header):
//! - A `COLLATE NOCASE` column is listed on a `-- nocase: table.column` line of a PostgreSQL
//!   migration, and SQLite's unique constraint on it is the unique index
//!   `<table>_<column>_lower` on `lower(column)`.
//! - A table whose rows a trigger refuses to delete also refuses TRUNCATE in PostgreSQL (which
//!   skips row-level DELETE triggers); SQLite has no TRUNCATE.
//!
//! Needs a PostgreSQL server: `HOLDPOINT_TEST_PG_URL` (e.g. from `scripts/pg-cluster start DIR`).
//! Without it the test says so and passes, except under `CI=true`, where it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use postgres::{Client, NoTls};
use rusqlite::Connection;

use super::pg_migrations::{BASELINE_COVERS, PG_MIGRATIONS};

const URL_VAR: &str = "HOLDPOINT_TEST_PG_URL";
const TEST_NAME: &str = "postgres_schema_equals_the_sqlite_schema";

// ---------------------------------------------------------------------------------------------
// The model

#[derive(Debug, Default)]
struct Schema {
    tables: BTreeMap<String, Table>,
    views: BTreeSet<String>,
}

#[derive(Debug, Default)]
struct Table {
    columns: Vec<Column>,
    primary_key: Vec<String>,
    indexes: BTreeSet<Index>,
    foreign_keys: BTreeSet<ForeignKey>,
    /// A multiset: two equal CHECKs are two.
    checks: Vec<Check>,
    triggers: BTreeSet<Trigger>,
    refuses_truncate: bool,
    /// The rows the migrations left, each value as text (BLOBs in upper-case hex).
    rows: Vec<Vec<Option<String>>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    name: String,
    /// INTEGER, TEXT, BLOB or REAL; anything else as `other:<declared type>`.
    ty: String,
    not_null: bool,
    default: Option<String>,
    /// SQLite's rowid alias (`INTEGER PRIMARY KEY`); PostgreSQL's identity column.
    identity: bool,
    nocase: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    /// None for a UNIQUE constraint (SQLite names it `sqlite_autoindex_*`, PostgreSQL
    /// `<table>_<columns>_key`).
    name: Option<String>,
    unique: bool,
    parts: Vec<String>,
    /// The partial index's WHERE, normalized (parentheses dropped too).
    partial: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ForeignKey {
    from: Vec<String>,
    table: String,
    to: Vec<String>,
    on_update: String,
    on_delete: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Check {
    /// The table's columns the expression reads, sorted.
    columns: Vec<String>,
    /// Its string and number literals, sorted (`x IN ('a', 'b')` and PostgreSQL's
    /// `x = ANY (ARRAY['a'::text, 'b'::text])` hold the same; so do `BETWEEN 0 AND 100` and
    /// `>= 0 AND <= 100`).
    literals: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Trigger {
    name: String,
    timing: String,
    event: String,
    for_each_row: bool,
    raises: Option<String>,
}

impl Schema {
    /// One self-contained line per fact, so a diff line says what differs without context.
    fn render(&self) -> String {
        let mut out = String::new();
        for view in &self.views {
            writeln!(out, "view {view}").unwrap();
        }
        for (name, t) in &self.tables {
            writeln!(out, "{name}: table").unwrap();
            for (i, c) in t.columns.iter().enumerate() {
                write!(out, "{name}: column {} {} {}", i + 1, c.name, c.ty).unwrap();
                if c.not_null {
                    out.push_str(" NOT NULL");
                }
                if let Some(d) = &c.default {
                    write!(out, " DEFAULT {d}").unwrap();
                }
                if c.identity {
                    out.push_str(" IDENTITY (rowid alias)");
                }
                if c.nocase {
                    out.push_str(" NOCASE");
                }
                out.push('\n');
            }
            writeln!(out, "{name}: primary key ({})", t.primary_key.join(", ")).unwrap();
            for ix in &t.indexes {
                let kind = if ix.unique { "unique index" } else { "index" };
                let label = match &ix.name {
                    Some(n) => format!("{kind} {n}"),
                    None => "unique constraint".to_string(),
                };
                write!(out, "{name}: {label} ({})", ix.parts.join(", ")).unwrap();
                if let Some(w) = &ix.partial {
                    write!(out, " WHERE {w}").unwrap();
                }
                out.push('\n');
            }
            for fk in &t.foreign_keys {
                writeln!(
                    out,
                    "{name}: foreign key ({}) REFERENCES {} ({}) ON UPDATE {} ON DELETE {}",
                    fk.from.join(", "),
                    fk.table,
                    fk.to.join(", "),
                    fk.on_update,
                    fk.on_delete
                )
                .unwrap();
            }
            let mut checks = t.checks.clone();
            checks.sort();
            for ck in &checks {
                writeln!(
                    out,
                    "{name}: check on ({}) with literals [{}]",
                    ck.columns.join(", "),
                    ck.literals.join(", ")
                )
                .unwrap();
            }
            for tr in &t.triggers {
                let each = if tr.for_each_row { "ROW" } else { "STATEMENT" };
                write!(
                    out,
                    "{name}: trigger {} {} {} FOR EACH {each}",
                    tr.name, tr.timing, tr.event
                )
                .unwrap();
                if let Some(m) = &tr.raises {
                    write!(out, " raises {m:?}").unwrap();
                }
                out.push('\n');
            }
            if t.refuses_truncate {
                writeln!(out, "{name}: refuses TRUNCATE (no row may be deleted)").unwrap();
            }
            let mut rows = t.rows.clone();
            rows.sort();
            for row in &rows {
                let values: Vec<String> = row
                    .iter()
                    .map(|v| v.as_deref().map_or("NULL".into(), |s| format!("{s:?}")))
                    .collect();
                writeln!(out, "{name}: row ({})", values.join(", ")).unwrap();
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// A small SQL tokenizer, enough to normalize both dialects' expressions.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Op(String),
    Punct(char),
}

fn tokenize(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' || c == '"' || c == '`' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        s.push(c);
                        i += 2;
                        continue;
                    }
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            toks.push(if c == '\'' {
                Tok::Str(s)
            } else {
                Tok::Ident(s.to_lowercase())
            });
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            toks.push(Tok::Num(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            toks.push(Tok::Ident(
                chars[start..i].iter().collect::<String>().to_lowercase(),
            ));
        } else if "<>=!|+-*/%&~^:".contains(c) {
            let start = i;
            while i < chars.len() && "<>=!|+-*/%&~^:".contains(chars[i]) {
                i += 1;
            }
            let op: String = chars[start..i].iter().collect();
            toks.push(Tok::Op(match op.as_str() {
                "!=" => "<>".into(),
                "==" => "=".into(),
                _ => op,
            }));
        } else {
            toks.push(Tok::Punct(c));
            i += 1;
        }
    }
    toks
}

/// Drops PostgreSQL's casts (`'a'::text`, `(0)::bigint`, `x::double precision[]`).
fn strip_casts(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut it = toks.into_iter().peekable();
    while let Some(t) = it.next() {
        if t != Tok::Op("::".into()) {
            out.push(t);
            continue;
        }
        if let Some(Tok::Ident(ty)) = it.next() {
            let second = match ty.as_str() {
                "double" => Some("precision"),
                "character" | "bit" => Some("varying"),
                _ => None,
            };
            if let (Some(w), Some(Tok::Ident(next))) = (second, it.peek()) {
                if next == w {
                    it.next();
                }
            }
        }
        if it.peek() == Some(&Tok::Punct('[')) {
            it.next();
            it.next(); // ']'
        }
    }
    out
}

/// Drops parentheses that wrap the whole expression.
fn strip_outer_parens(mut toks: Vec<Tok>) -> Vec<Tok> {
    while toks.first() == Some(&Tok::Punct('(')) && matching_close(&toks, 0) == Some(toks.len() - 1)
    {
        toks.remove(0);
        toks.pop();
    }
    toks
}

fn matching_close(toks: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at the commas outside parentheses and brackets.
fn split_top_level(toks: &[Tok]) -> Vec<Vec<Tok>> {
    let mut parts = vec![Vec::new()];
    let mut depth = 0;
    for t in toks {
        match t {
            Tok::Punct('(') | Tok::Punct('[') => depth += 1,
            Tok::Punct(')') | Tok::Punct(']') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                parts.push(Vec::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().unwrap().push(t.clone());
    }
    parts
}

fn render(toks: &[Tok]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Tok> = None;
    for t in toks {
        let glue = matches!(prev, None | Some(Tok::Punct('(')))
            || matches!(t, Tok::Punct(')') | Tok::Punct(','))
            || (matches!(t, Tok::Punct('(')) && matches!(prev, Some(Tok::Ident(_))));
        if !glue {
            out.push(' ');
        }
        match t {
            Tok::Ident(s) | Tok::Num(s) | Tok::Op(s) => out.push_str(s),
            Tok::Str(s) => write!(out, "'{}'", s.replace('\'', "''")).unwrap(),
            Tok::Punct(c) => out.push(*c),
        }
        prev = Some(t);
    }
    out
}

/// An expression (index part, default): casts, case, spacing and outer parentheses dropped.
fn normalize_expr(sql: &str) -> String {
    render(&strip_outer_parens(strip_casts(tokenize(sql))))
}

/// A predicate (partial index WHERE), more loosely: every parenthesis dropped as well
/// (PostgreSQL adds its own).
fn normalize_predicate(toks: Vec<Tok>) -> String {
    let toks: Vec<Tok> = strip_casts(toks)
        .into_iter()
        .filter(|t| !matches!(t, Tok::Punct('(') | Tok::Punct(')')))
        .collect();
    render(&toks)
}

/// The token runs inside each `CHECK ( ... )` of a statement.
fn check_bodies(toks: &[Tok]) -> Vec<Vec<Tok>> {
    let mut bodies = Vec::new();
    for i in 0..toks.len() {
        if toks[i] == Tok::Ident("check".into()) && toks.get(i + 1) == Some(&Tok::Punct('(')) {
            if let Some(close) = matching_close(toks, i + 1) {
                bodies.push(toks[i + 2..close].to_vec());
            }
        }
    }
    bodies
}

fn check_signature(body: &[Tok], columns: &[Column]) -> Check {
    let names: BTreeSet<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let mut cols = BTreeSet::new();
    let mut literals = Vec::new();
    for t in strip_casts(body.to_vec()) {
        match t {
            Tok::Ident(s) if names.contains(s.as_str()) => {
                cols.insert(s);
            }
            Tok::Str(s) => literals.push(format!("'{s}'")),
            Tok::Num(n) => literals.push(n),
            _ => {}
        }
    }
    literals.sort();
    Check {
        columns: cols.into_iter().collect(),
        literals,
    }
}

/// The message of the first `RAISE(ABORT, 'msg')` (SQLite) or `RAISE EXCEPTION 'msg'` (plpgsql).
fn raised_message(body: &str) -> Option<String> {
    let toks = tokenize(body);
    let at = toks.iter().position(|t| *t == Tok::Ident("raise".into()))?;
    toks[at..].iter().find_map(|t| match t {
        Tok::Str(s) => Some(s.clone()),
        _ => None,
    })
}

/// The `-- nocase: table.column` lines of the PostgreSQL migrations.
fn nocase_columns_declared() -> BTreeSet<(String, String)> {
    PG_MIGRATIONS
        .iter()
        .flat_map(|(_, sql)| sql.lines())
        .filter_map(|l| l.trim().strip_prefix("-- nocase:"))
        .map(|s| {
            let (t, c) = s.trim().split_once('.').expect("`-- nocase: table.column`");
            (t.to_string(), c.to_string())
        })
        .collect()
}

fn sqlite_type(declared: &str) -> String {
    match declared.to_uppercase().as_str() {
        t @ ("INTEGER" | "TEXT" | "BLOB" | "REAL") => t.to_string(),
        other => format!("other:{other}"),
    }
}

fn pg_type(formatted: &str) -> String {
    match formatted {
        "bigint" => "INTEGER".into(),
        "text" => "TEXT".into(),
        "bytea" => "BLOB".into(),
        "double precision" => "REAL".into(),
        other => format!("other:{other}"),
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

// ---------------------------------------------------------------------------------------------
// SQLite

fn read_sqlite(conn: &Connection) -> rusqlite::Result<Schema> {
    let mut schema = Schema::default();
    let objects: Vec<(String, String, String, String)> = conn
        .prepare(
            "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master
             WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    for (ty, name, _, sql) in &objects {
        match ty.as_str() {
            "table" => {
                schema
                    .tables
                    .insert(name.clone(), read_sqlite_table(conn, name, sql)?);
            }
            "view" => {
                schema.views.insert(name.clone());
            }
            _ => {}
        }
    }
    for (ty, name, table, sql) in &objects {
        if ty != "trigger" {
            continue;
        }
        // CREATE TRIGGER [IF NOT EXISTS] name [BEFORE | AFTER | INSTEAD OF] event ...: the
        // first event word after TRIGGER (the body may hold others), the timing before it.
        let toks = tokenize(sql);
        let word = |t: &Tok| match t {
            Tok::Ident(w) => w.clone(),
            _ => String::new(),
        };
        let head: Vec<String> = toks.iter().map(word).collect();
        let at = head
            .iter()
            .position(|w| ["insert", "update", "delete"].contains(&w.as_str()))
            .expect("a trigger's event");
        let event = head[at].to_uppercase();
        let timing = head[..at]
            .iter()
            .rev()
            .find(|w| ["before", "after", "instead"].contains(&w.as_str()))
            .map_or("BEFORE".to_string(), |w| w.to_uppercase());
        let raises = raised_message(sql);
        let t = schema.tables.get_mut(table).expect("the trigger's table");
        if event == "DELETE" && raises.is_some() {
            t.refuses_truncate = true;
        }
        t.triggers.insert(Trigger {
            name: name.clone(),
            timing: if timing == "INSTEAD" {
                "INSTEAD OF".into()
            } else {
                timing
            },
            event,
            for_each_row: true,
            raises,
        });
    }
    Ok(schema)
}

fn read_sqlite_table(conn: &Connection, table: &str, sql: &str) -> rusqlite::Result<Table> {
    let toks = tokenize(sql);
    let without_rowid = {
        let close = toks
            .iter()
            .position(|t| *t == Tok::Punct('('))
            .and_then(|open| matching_close(&toks, open))
            .unwrap_or(0);
        toks[close..]
            .windows(2)
            .any(|w| w[0] == Tok::Ident("without".into()) && w[1] == Tok::Ident("rowid".into()))
    };
    // Each column's collation, from its definition in the CREATE TABLE statement.
    let mut collations = BTreeMap::new();
    if let Some(open) = toks.iter().position(|t| *t == Tok::Punct('(')) {
        let close = matching_close(&toks, open).unwrap();
        for def in split_top_level(&toks[open + 1..close]) {
            let Some(Tok::Ident(first)) = def.first() else {
                continue;
            };
            if ["constraint", "primary", "unique", "check", "foreign"].contains(&first.as_str()) {
                continue;
            }
            if let Some(w) = def
                .windows(2)
                .find(|w| w[0] == Tok::Ident("collate".into()))
            {
                if let Tok::Ident(coll) = &w[1] {
                    collations.insert(first.clone(), coll.to_uppercase());
                }
            }
        }
    }

    let mut cols: Vec<(String, String, bool, Option<String>, i64)> = conn
        .prepare(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)
             ORDER BY cid",
        )?
        .query_map([table], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    let index_list: Vec<(String, bool, String)> = conn
        .prepare("SELECT name, \"unique\", origin FROM pragma_index_list(?1)")?
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let pk_index = index_list.iter().any(|(_, _, origin)| origin == "pk");
    let mut pk: Vec<(i64, String)> = cols
        .iter()
        .filter(|c| c.4 > 0)
        .map(|c| (c.4, c.0.clone()))
        .collect();
    pk.sort();
    // A rowid table's single INTEGER primary key without an index of its own is the rowid.
    let rowid_alias = if !without_rowid && !pk_index && pk.len() == 1 {
        let c = cols.iter().find(|c| c.0 == pk[0].1).unwrap();
        (c.1.eq_ignore_ascii_case("INTEGER")).then(|| c.0.clone())
    } else {
        None
    };
    let mut t = Table {
        primary_key: pk.into_iter().map(|(_, n)| n).collect(),
        ..Table::default()
    };
    for (name, ty, not_null, default, pk) in cols.drain(..) {
        let identity = rowid_alias.as_deref() == Some(name.as_str());
        t.columns.push(Column {
            // A WITHOUT ROWID table's primary key and the rowid are never NULL; a rowid table's
            // other primary keys can be (SQLite's old quirk), and would differ from PostgreSQL.
            not_null: not_null || (pk > 0 && (without_rowid || identity)),
            default: default.as_deref().map(normalize_expr),
            identity,
            nocase: collations.get(&name).map(String::as_str) == Some("NOCASE"),
            ty: sqlite_type(&ty),
            name,
        });
    }

    for (index, unique, origin) in &index_list {
        if origin == "pk" {
            continue;
        }
        // (column name or None for an expression, descending, collation)
        let keys: Vec<(Option<String>, bool, String)> = conn
            .prepare(
                "SELECT name, \"desc\", coll FROM pragma_index_xinfo(?1) WHERE key = 1
                 ORDER BY seqno",
            )?
            .query_map([index], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let (expr_parts, partial) = if origin == "c" {
            let sql: String = conn.query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [index],
                |r| r.get(0),
            )?;
            let toks = tokenize(&sql);
            let on = toks
                .iter()
                .position(|t| *t == Tok::Ident("on".into()))
                .unwrap();
            let open = on
                + toks[on..]
                    .iter()
                    .position(|t| *t == Tok::Punct('('))
                    .unwrap();
            let close = matching_close(&toks, open).unwrap();
            let parts = split_top_level(&toks[open + 1..close]);
            let partial = (toks.get(close + 1) == Some(&Tok::Ident("where".into())))
                .then(|| normalize_predicate(toks[close + 2..].to_vec()));
            (parts, partial)
        } else {
            (Vec::new(), None)
        };
        let mut nocase = Vec::new();
        let parts = keys
            .iter()
            .enumerate()
            .map(|(k, (col, desc, coll))| {
                let mut part = match col {
                    Some(c) if coll.eq_ignore_ascii_case("NOCASE") => {
                        nocase.push(c.clone());
                        format!("lower({c})")
                    }
                    Some(c) if coll.eq_ignore_ascii_case("BINARY") => c.clone(),
                    Some(c) => format!("{c} COLLATE {coll}"),
                    None => {
                        // An expression: its text from the CREATE INDEX, without ASC/DESC.
                        let mut seg = expr_parts[k].clone();
                        while matches!(seg.last(), Some(Tok::Ident(w)) if w == "asc" || w == "desc")
                        {
                            seg.pop();
                        }
                        render(&strip_outer_parens(seg))
                    }
                };
                if *desc {
                    part.push_str(" DESC");
                }
                part
            })
            .collect();
        let name = match origin.as_str() {
            "c" => Some(index.clone()),
            // A UNIQUE NOCASE column: PostgreSQL's unique index on lower(column).
            _ if !nocase.is_empty() => Some(format!("{table}_{}_lower", nocase.join("_"))),
            _ => None,
        };
        t.indexes.insert(Index {
            name,
            unique: *unique,
            parts,
            partial,
        });
    }

    let fks: Vec<(i64, String, String, Option<String>, String, String)> = conn
        .prepare(
            "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete
             FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
        )?
        .query_map([table], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut by_id: BTreeMap<i64, ForeignKey> = BTreeMap::new();
    for (id, target, from, to, on_update, on_delete) in fks {
        let fk = by_id.entry(id).or_insert_with(|| ForeignKey {
            from: Vec::new(),
            table: target.clone(),
            to: Vec::new(),
            on_update: on_update.to_uppercase(),
            on_delete: on_delete.to_uppercase(),
        });
        fk.from.push(from);
        match to {
            Some(to) => fk.to.push(to),
            None => {
                // `REFERENCES t` without columns: t's primary key.
                let pk: Vec<String> = conn
                    .prepare("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")?
                    .query_map([&target], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                fk.to = pk;
            }
        }
    }
    t.foreign_keys = by_id.into_values().collect();

    t.checks = check_bodies(&toks)
        .iter()
        .map(|b| check_signature(b, &t.columns))
        .collect();

    let select: Vec<String> = t
        .columns
        .iter()
        .map(|c| match c.ty.as_str() {
            "BLOB" => format!("hex({})", quote(&c.name)),
            _ => format!("CAST({} AS TEXT)", quote(&c.name)),
        })
        .collect();
    let n = t.columns.len();
    t.rows = conn
        .prepare(&format!(
            "SELECT {} FROM {}",
            select.join(", "),
            quote(table)
        ))?
        .query_map([], |r| {
            (0..n)
                .map(|i| r.get::<_, Option<String>>(i))
                .collect::<Result<Vec<_>, _>>()
        })?
        .collect::<Result<_, _>>()?;
    Ok(t)
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

fn read_pg(client: &mut Client) -> Result<Schema, postgres::Error> {
    let mut schema = Schema::default();
    let nocase = nocase_columns_declared();

    for row in client.query(
        "SELECT c.relname::text, c.relkind::text FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm')",
        &[],
    )? {
        let name: String = row.get(0);
        let kind: String = row.get(1);
        if kind == "r" || kind == "p" {
            schema.tables.insert(name, Table::default());
        } else {
            schema.views.insert(name);
        }
    }

    for row in client.query(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
                a.attnotnull, pg_get_expr(d.adbin, d.adrelid, true), a.attidentity <> ''
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
           AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY c.relname, a.attnum",
        &[],
    )? {
        let table: String = row.get(0);
        let name: String = row.get(1);
        let default: Option<String> = row.get(4);
        let column = Column {
            ty: pg_type(row.get(2)),
            not_null: row.get(3),
            default: default.as_deref().map(normalize_expr),
            identity: row.get(5),
            nocase: nocase.contains(&(table.clone(), name.clone())),
            name,
        };
        schema.tables.get_mut(&table).unwrap().columns.push(column);
    }

    for row in client.query(
        "SELECT c.relname::text, i.relname::text, ix.indisunique, ix.indisprimary,
                con.oid IS NOT NULL, pg_get_expr(ix.indpred, ix.indrelid, true),
                ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true)
                             || CASE WHEN ix.indoption[k - 1] & 1 = 1 THEN ' DESC' ELSE '' END
                      FROM generate_series(1, ix.indnkeyatts) k ORDER BY k)
         FROM pg_index ix
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_class c ON c.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_constraint con
                ON con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid
               AND con.contype IN ('p', 'u')
         WHERE n.nspname = current_schema()",
        &[],
    )? {
        let table: String = row.get(0);
        let t = schema.tables.get_mut(&table).unwrap();
        if row.get::<_, bool>(3) {
            // The primary key is read from pg_constraint below, as its column order.
            continue;
        }
        let by_constraint: bool = row.get(4);
        let predicate: Option<String> = row.get(5);
        let parts: Vec<String> = row.get(6);
        t.indexes.insert(Index {
            name: (!by_constraint).then(|| row.get(1)),
            unique: row.get(2),
            parts: parts
                .iter()
                .map(|p| match p.strip_suffix(" DESC") {
                    Some(p) => format!("{} DESC", normalize_expr(p)),
                    None => normalize_expr(p),
                })
                .collect(),
            partial: predicate.map(|p| normalize_predicate(tokenize(&p))),
        });
    }

    for row in client.query(
        "SELECT c.relname::text, con.contype::text, pg_get_constraintdef(con.oid, true),
                ARRAY(SELECT a.attname::text
                      FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                      ORDER BY k.ord),
                r.relname::text,
                ARRAY(SELECT a.attname::text
                      FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                      ORDER BY k.ord),
                con.confupdtype::text, con.confdeltype::text
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_class r ON r.oid = con.confrelid
         WHERE n.nspname = current_schema() AND con.contype IN ('p', 'f', 'c')",
        &[],
    )? {
        let table: String = row.get(0);
        let kind: String = row.get(1);
        let t = schema.tables.get_mut(&table).unwrap();
        match kind.as_str() {
            "p" => t.primary_key = row.get(3),
            "f" => {
                let action = |code: String| match code.as_str() {
                    "a" => "NO ACTION",
                    "r" => "RESTRICT",
                    "c" => "CASCADE",
                    "n" => "SET NULL",
                    "d" => "SET DEFAULT",
                    _ => "?",
                };
                t.foreign_keys.insert(ForeignKey {
                    from: row.get(3),
                    table: row.get(4),
                    to: row.get(5),
                    on_update: action(row.get(6)).into(),
                    on_delete: action(row.get(7)).into(),
                });
            }
            _ => {
                let def: String = row.get(2);
                let bodies = check_bodies(&tokenize(&def));
                t.checks.push(check_signature(&bodies[0], &t.columns));
            }
        }
    }

    for row in client.query(
        "SELECT c.relname::text, t.tgname::text, t.tgtype::int, p.prosrc
         FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE n.nspname = current_schema() AND NOT t.tgisinternal",
        &[],
    )? {
        let table: String = row.get(0);
        let name: String = row.get(1);
        let ty: i32 = row.get(2);
        let raises = raised_message(row.get(3));
        let t = schema.tables.get_mut(&table).unwrap();
        // pg_trigger.tgtype: 1 ROW, 2 BEFORE, 4 INSERT, 8 DELETE, 16 UPDATE, 32 TRUNCATE,
        // 64 INSTEAD.
        if ty & 32 != 0 && raises.is_some() {
            t.refuses_truncate = true;
        }
        let events: Vec<&str> = [(4, "INSERT"), (8, "DELETE"), (16, "UPDATE")]
            .into_iter()
            .filter(|(bit, _)| ty & bit != 0)
            .map(|(_, e)| e)
            .collect();
        if events.is_empty() {
            continue; // TRUNCATE only: the flag above.
        }
        let timing = if ty & 64 != 0 {
            "INSTEAD OF"
        } else if ty & 2 != 0 {
            "BEFORE"
        } else {
            "AFTER"
        };
        t.triggers.insert(Trigger {
            name,
            timing: timing.into(),
            event: events.join(" OR "),
            for_each_row: ty & 1 != 0,
            raises,
        });
    }

    for (name, t) in schema.tables.iter_mut() {
        let select: Vec<String> = t
            .columns
            .iter()
            .map(|c| match c.ty.as_str() {
                "BLOB" => format!("upper(encode({}, 'hex'))", quote(&c.name)),
                _ => format!("{}::text", quote(&c.name)),
            })
            .collect();
        t.rows = client
            .query(
                &format!("SELECT {} FROM {}", select.join(", "), quote(name)),
                &[],
            )?
            .iter()
            .map(|r| (0..t.columns.len()).map(|i| r.get(i)).collect())
            .collect();
    }
    Ok(schema)
}

/// A database of its own on the test server, dropped at the end (even when the test fails).
struct ScratchDb {
    admin_url: String,
    name: String,
}

impl ScratchDb {
    fn create(admin_url: &str) -> (ScratchDb, Client) {
        let mut admin = Client::connect(admin_url, NoTls).unwrap_or_else(|e| {
            panic!("cannot connect to {URL_VAR}={admin_url}: {}", describe(&e))
        });
        let name = format!("hp_schema_{:016x}", rand::random::<u64>());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {}", describe(&e)));
        let db = ScratchDb {
            admin_url: admin_url.to_string(),
            name,
        };
        let mut config: postgres::Config = admin_url.parse().unwrap();
        config.dbname(&db.name);
        let client = config
            .connect(NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {}: {}", db.name, describe(&e)));
        (db, client)
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let dropped = Client::connect(&self.admin_url, NoTls).and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
        });
        if let Err(e) = dropped {
            eprintln!(
                "could not drop the test database {}: {}",
                self.name,
                describe(&e)
            );
        }
    }
}

fn pg_url_or_skip() -> Option<String> {
    if let Some(url) = std::env::var(URL_VAR).ok().filter(|u| !u.is_empty()) {
        return Some(url);
    }
    let why = format!(
        "{URL_VAR} is not set (HOLDPOINT_TEST_PG_URL=$(scripts/pg-cluster start DIR) sets it)"
    );
    let ci = std::env::var("CI").unwrap_or_default();
    let allowed = std::env::var("ALLOWED_CI_SKIPS").unwrap_or_default();
    let allowed = allowed
        .split(|c: char| c == ',' || c.is_whitespace())
        .any(|n| n == TEST_NAME);
    if (ci.eq_ignore_ascii_case("true") || ci == "1") && !allowed {
        panic!(
            "{TEST_NAME} cannot run here ({why}), and under CI=true a skipped test fails the run"
        );
    }
    eprintln!("SKIPPED {TEST_NAME}: {why}");
    None
}

#[test]
fn postgres_schema_equals_the_sqlite_schema() {
    let Some(url) = pg_url_or_skip() else {
        return;
    };

    let mut sqlite = Connection::open_in_memory().unwrap();
    super::migrate_sqlite(&mut sqlite).unwrap();
    let expected = read_sqlite(&sqlite).unwrap().render();

    let (_db, mut client) = ScratchDb::create(&url);
    for (name, sql) in PG_MIGRATIONS {
        let mut tx = client.transaction().unwrap();
        tx.batch_execute(sql).unwrap_or_else(|e| {
            panic!(
                "migrations/pg/{name} failed{}: {}",
                line_of(&e, sql),
                describe(&e)
            )
        });
        tx.commit().unwrap();
    }
    let actual = read_pg(&mut client)
        .unwrap_or_else(|e| panic!("reading the PostgreSQL catalog: {}", describe(&e)))
        .render();
    drop(client);

    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, &actual)
            .unified_diff()
            .context_radius(2)
            .header(
                "SQLite (migrations/*.sql)",
                "PostgreSQL (migrations/pg/*.sql)",
            )
            .to_string();
        panic!(
            "the PostgreSQL schema differs from the SQLite schema \
             (- SQLite only, + PostgreSQL only; a schema change ships as twin files, \
             see migrations/pg/README.md):\n{diff}"
        );
    }
}

/// The error with its causes (`postgres::Error` displays only its kind, e.g. "db error").
fn describe(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        write!(text, ": {c}").unwrap();
        cause = c.source();
    }
    text
}

/// " at line N" when PostgreSQL says where in the file the error is.
fn line_of(e: &postgres::Error, sql: &str) -> String {
    match e.as_db_error().and_then(|db| db.position()) {
        Some(postgres::error::ErrorPosition::Original(at)) => {
            let upto: String = sql.chars().take(*at as usize).collect();
            format!(" at line {}", upto.lines().count())
        }
        _ => String::new(),
    }
}

fn sql_files(dir: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_pg_migration_file_is_listed_once_in_file_order_with_its_own_text() {
    let listed: Vec<&str> = PG_MIGRATIONS.iter().map(|(name, _)| *name).collect();
    assert_eq!(listed, sql_files("migrations/pg"));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/pg");
    for (name, sql) in PG_MIGRATIONS {
        let file = std::fs::read_to_string(dir.join(name)).unwrap();
        assert_eq!(*sql, file, "PG_MIGRATIONS embeds another file as {name}");
    }
}

/// The schema test needs a server; this one does not, and names the missing twin.
#[test]
fn every_sqlite_migration_after_the_baseline_has_a_pg_twin_of_the_same_name() {
    let sqlite = sql_files("migrations");
    assert!(
        sqlite.iter().any(|f| f == BASELINE_COVERS),
        "{BASELINE_COVERS} is not a SQLite migration"
    );
    let after_baseline: Vec<&String> = sqlite
        .iter()
        .filter(|f| f.as_str() > BASELINE_COVERS)
        .collect();
    let twins: Vec<String> = PG_MIGRATIONS
        .iter()
        .skip(1)
        .map(|(name, _)| name.to_string())
        .collect();
    assert_eq!(
        after_baseline
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        twins.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "each SQLite migration after {BASELINE_COVERS} needs its PostgreSQL twin \
         migrations/pg/<same name> listed in PG_MIGRATIONS (src/db/pg_migrations.rs)"
    );
}

#[test]
fn expressions_of_both_dialects_normalize_alike() {
    assert_eq!(
        normalize_expr("COALESCE(decided_at, expires_at)"),
        normalize_expr("coalesce(decided_at,expires_at)")
    );
    assert_eq!(normalize_expr("'{}'::text"), "'{}'");
    assert_eq!(
        normalize_predicate(tokenize(
            "details_purged_at IS NULL AND status <> 'pending'::text"
        )),
        normalize_predicate(tokenize(
            "(details_purged_at IS NULL) AND status != 'pending'"
        ))
    );
    let cols: Vec<Column> = ["kind", "n"]
        .iter()
        .map(|n| Column {
            name: n.to_string(),
            ty: "TEXT".into(),
            not_null: false,
            default: None,
            identity: false,
            nocase: false,
        })
        .collect();
    let sqlite = check_bodies(&tokenize(
        "CHECK (kind IN ('a', 'b')) CHECK (n BETWEEN 0 AND 5)",
    ));
    let pg = check_bodies(&tokenize(
        "CHECK ((kind = ANY (ARRAY['a'::text, 'b'::text]))) CHECK (n >= 0 AND n <= 5)",
    ));
    assert_eq!(
        sqlite
            .iter()
            .map(|b| check_signature(b, &cols))
            .collect::<Vec<_>>(),
        pg.iter()
            .map(|b| check_signature(b, &cols))
            .collect::<Vec<_>>()
    );
}
