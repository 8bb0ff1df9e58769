//! The body of `POST /api/pause`: parsing and validation as a pure function of the bytes, so it
//! can be fuzzed (`fuzz/fuzz_targets/create_body.rs`) apart from HTTP and the database.

use std::collections::BTreeMap;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::create_plan::{parse_kind, validate_plan};
use super::create_questions;
use crate::domain::agents::validate_name;
use crate::domain::approval_extras;
use crate::domain::pause::status::OnTimeout;
pub use crate::domain::plans::MAX_PLAN_BYTES;
use crate::domain::policy::{self, Risk};
use crate::domain::workspaces::{MAX_TIMEOUT_SECS, MIN_TIMEOUT_SECS};
use crate::error::{AppError, AppResult};
use crate::http::parse_json;
use crate::wire::CreateBody;
pub use crate::wire::CreateRequest;

pub const MAX_ACTION_CHARS: usize = 1000;
pub const MAX_CONTEXT_BYTES: usize = 64 * 1024;
/// Arrays and objects nested deeper than this in `context` are refused: every reader (this
/// server's pages and emails, serde_json's default limit of 128 in agents and webhook
/// receivers, where the context sits two levels down) must be able to read it back.
pub const MAX_CONTEXT_DEPTH: usize = 64;
pub const MAX_METADATA_PAIRS: usize = 32;
const MAX_METADATA_KEY: usize = 100;
const MAX_METADATA_VALUE: usize = 1000;
const MAX_URL: usize = 2048;

/// Parses and validates a create body; errors name the offending field.
pub fn parse_create_request(body: &[u8]) -> AppResult<CreateRequest> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest(
            "the request body is empty; send a JSON object with at least `action`".into(),
        ));
    }
    let parsed: CreateBody<'_> = parse_json(body)?;
    let action = validate_action(&parsed.action)?;
    let context = parsed
        .context
        .map(|c| c.get().to_string())
        .filter(|c| c != "null");
    if let Some(c) = &context {
        validate_context(c)?;
    }
    if let Some(t) = parsed.timeout_seconds {
        if !(MIN_TIMEOUT_SECS..=MAX_TIMEOUT_SECS).contains(&t) {
            return Err(AppError::invalid(
                "timeoutSeconds",
                format!(
                    "`timeoutSeconds` must be from {MIN_TIMEOUT_SECS} to {MAX_TIMEOUT_SECS} (30 days)"
                ),
            ));
        }
    }
    let kind = parse_kind(parsed.kind.as_deref())?;
    let (plan, revises) = validate_plan(kind, parsed.plan, parsed.revises)?;
    let questions = create_questions::for_kind(kind, parsed.questions)?;
    let (editable, reject_options) = approval_extras::validate_members(
        kind,
        parsed.editable,
        parsed.reject_options,
        context.as_deref(),
    )?;
    Ok(CreateRequest {
        kind,
        plan,
        revises,
        editable,
        reject_options,
        questions,
        action,
        context,
        metadata: parsed.metadata.map(validate_metadata).transpose()?,
        callback_url: parsed.callback_url.map(validate_url).transpose()?,
        timeout_secs: parsed.timeout_seconds,
        agent: parsed
            .agent
            .map(|a| validate_name("agent", &a))
            .transpose()?,
        run: parsed.run.map(|r| validate_name("run", &r)).transpose()?,
        risk: parse_risk(parsed.risk.as_deref())?,
        tool: parsed.tool.map(|t| validate_tool(&t)).transpose()?,
        autonomy_level: parsed
            .autonomy_level
            .map(|l| policy::settings::level("autonomyLevel", l))
            .transpose()?,
        required_approvals: parsed
            .required_approvals
            .map(required_approvals)
            .transpose()?,
        on_timeout: parsed
            .on_timeout
            .as_deref()
            .map(parse_on_timeout)
            .transpose()?,
    })
}

/// 1 to 5 approvals (a question or plan taking one answer is the domain's rule, for every
/// caller: `policy::quorum`).
fn required_approvals(n: i64) -> AppResult<u8> {
    use crate::domain::policy::approvals::MAX_APPROVALS;
    let field = "requiredApprovals";
    if !(1..=i64::from(MAX_APPROVALS)).contains(&n) {
        return Err(AppError::invalid(
            field,
            format!("`{field}` is 1 to {MAX_APPROVALS} (got {n})"),
        ));
    }
    Ok(n as u8)
}

fn parse_on_timeout(raw: &str) -> AppResult<OnTimeout> {
    OnTimeout::from_name(raw).ok_or_else(|| {
        AppError::invalid(
            "onTimeout",
            format!("`onTimeout` is one of expire, reject, wait (got `{raw}`)"),
        )
    })
}

pub const MAX_TOOL_CHARS: usize = 100;

fn parse_risk(raw: Option<&str>) -> AppResult<Risk> {
    let Some(raw) = raw else {
        return Ok(Risk::default());
    };
    Risk::from_name(raw).ok_or_else(|| {
        AppError::invalid(
            "risk",
            format!("`risk` is one of low, medium, high, critical (got `{raw}`)"),
        )
    })
}

/// A tool's machine name: 1 to 100 of `[A-Za-z0-9._:/-]` (MCP tools read `mcp__server__tool`).
fn validate_tool(raw: &str) -> AppResult<String> {
    let chars = raw.chars().count();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-');
    if chars == 0 || chars > MAX_TOOL_CHARS || !raw.chars().all(allowed) {
        return Err(AppError::invalid(
            "tool",
            format!(
                "`tool` has 1 to {MAX_TOOL_CHARS} characters, each a letter, digit, `.`, `_`, \
                 `:`, `/` or `-`"
            ),
        ));
    }
    Ok(raw.to_string())
}

fn validate_action(raw: &str) -> AppResult<String> {
    let action = raw.trim().to_string();
    let chars = action.chars().count();
    if chars == 0 || chars > MAX_ACTION_CHARS {
        return Err(AppError::invalid(
            "action",
            format!("`action` must have 1 to {MAX_ACTION_CHARS} characters (got {chars})"),
        ));
    }
    if action.contains('\0') {
        return Err(AppError::invalid(
            "action",
            "`action` must not contain NUL characters",
        ));
    }
    Ok(action)
}

/// The context is kept verbatim, so it must be JSON that every reader can read back: not too
/// large, not too deep, no number beyond f64 (`1e400`), no lone UTF-16 surrogate (`"\ud800"`).
fn validate_context(c: &str) -> AppResult<()> {
    if c.len() > MAX_CONTEXT_BYTES {
        return Err(AppError::PayloadTooLarge(format!(
            "`context` is {} bytes; the limit is {} KiB",
            c.len(),
            MAX_CONTEXT_BYTES / 1024
        )));
    }
    if nesting_depth(c) > MAX_CONTEXT_DEPTH {
        return Err(AppError::invalid(
            "context",
            format!("`context` nests arrays and objects more than {MAX_CONTEXT_DEPTH} levels deep"),
        ));
    }
    serde_json::from_str::<Readable>(c)
        .map(drop)
        .map_err(|e| AppError::invalid("context", format!("`context` cannot be read back: {e}")))
}

/// Any JSON value, visited in full without being kept: unlike `IgnoredAny`, which skips tokens,
/// this makes serde_json convert every number and decode every string, so what it refuses
/// (`1e400`, lone surrogates) is refused here rather than by a reader later.
struct Readable;

impl<'de> Deserialize<'de> for Readable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ReadableVisitor)
    }
}

struct ReadableVisitor;

impl<'de> Visitor<'de> for ReadableVisitor {
    type Value = Readable;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Readable, E> {
        Ok(Readable)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Readable, E> {
        Ok(Readable)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Readable, E> {
        Ok(Readable)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Readable, E> {
        Ok(Readable)
    }
    fn visit_str<E>(self, _: &str) -> Result<Readable, E> {
        Ok(Readable)
    }
    fn visit_unit<E>(self) -> Result<Readable, E> {
        Ok(Readable)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Readable, A::Error> {
        while seq.next_element::<Readable>()?.is_some() {}
        Ok(Readable)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Readable, A::Error> {
        while map.next_entry::<Readable, Readable>()?.is_some() {}
        Ok(Readable)
    }
}

/// The deepest nesting of arrays and objects in well-formed JSON text.
pub fn nesting_depth(json: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in json.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn validate_metadata(m: BTreeMap<String, String>) -> AppResult<String> {
    if m.len() > MAX_METADATA_PAIRS {
        return Err(AppError::invalid(
            "metadata",
            format!(
                "`metadata` has {} pairs; at most {MAX_METADATA_PAIRS} are allowed",
                m.len()
            ),
        ));
    }
    for (k, v) in &m {
        if k.is_empty() || k.chars().count() > MAX_METADATA_KEY {
            return Err(AppError::invalid(
                "metadata",
                format!("metadata keys have 1 to {MAX_METADATA_KEY} characters"),
            ));
        }
        if v.chars().count() > MAX_METADATA_VALUE {
            return Err(AppError::invalid(
                format!("metadata.{k}"),
                format!("metadata values have at most {MAX_METADATA_VALUE} characters"),
            ));
        }
    }
    serde_json::to_string(&m).map_err(|e| AppError::Internal(e.into()))
}

fn validate_url(u: String) -> AppResult<String> {
    let bad = |why: &str| AppError::invalid("callbackUrl", format!("`callbackUrl` {why}"));
    if u.len() > MAX_URL {
        return Err(bad(&format!("is longer than {MAX_URL} characters")));
    }
    let url = url::Url::parse(&u).map_err(|e| bad(&format!("is not an absolute URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad("must be an http or https URL with a host"));
    }
    Ok(url.to_string())
}

#[cfg(test)]
#[path = "create_body_tests.rs"]
mod tests;
