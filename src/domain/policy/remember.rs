//! "Remember this decision": a person (or a key with `decide` and `admin`) approving a pause
//! asks that the same action from the same agent and key be approved by policy from now on. It
//! is an allow rule like any other (listed, counted, editable, deletable), named
//! `remember:<tool>:<agent>:<key prefix>` and matching exactly that tool, agent and key, up to
//! the pause's risk: another agent's pause, or a riskier one, still waits.

use crate::db::sql::{Connection, OptionalExtension};
use uuid::Uuid;

use super::rules::{self, RuleSet};
use super::spec::{MatchSpec, RuleSpec, MAX_NAME_CHARS};
use super::Effect;
use crate::db::WriteCtx;
use crate::domain::audit::Actor;
use crate::domain::kind::Kind;
use crate::domain::pauses::Pause;
use crate::domain::respond::{self, RespondError, Responded, Responder, Response};
use crate::domain::{rfc3339, Millis};
use crate::error::{AppError, AppResult};

/// The longest a remembered decision may last, in days.
pub const MAX_DAYS: i64 = 3650;

/// What the approver asked for: `"remember": {"expiresInDays"?: N}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remember {
    pub expires_in_days: Option<i64>,
}

fn refused(detail: impl Into<String>) -> AppError {
    AppError::invalid("remember", detail)
}

/// A person's "for N days" box as typed: blank is no expiry, a whole number is checked by
/// [`check`]; anything else is refused with why (each form adds what happened to the decision).
pub fn days_typed(text: &str) -> Result<Option<i64>, String> {
    match text.trim() {
        "" => Ok(None),
        n => n.parse().map(Some).map_err(|_| {
            format!(
                "“{n}” is not a number of days: give a whole number, or leave it blank to \
                 remember with no expiry"
            )
        }),
    }
}

/// Checks what can be checked before the decision is recorded: the expiry, that the pause is an
/// approval (rules decide approvals only: a rule remembered from a plan or a question would let
/// *approvals* of that tool through), and that it names a tool and an agent (a rule needs both to
/// match only this action of this agent).
pub fn check(pause: &Pause, r: Remember) -> AppResult<()> {
    if r.expires_in_days
        .is_some_and(|d| !(1..=MAX_DAYS).contains(&d))
    {
        return Err(AppError::invalid(
            "remember.expiresInDays",
            format!("`expiresInDays` is 1 to {MAX_DAYS}"),
        ));
    }
    if pause.kind != Kind::Approval {
        return Err(refused(format!(
            "only an approval can be remembered: policies never decide a {}",
            pause.kind.as_str()
        )));
    }
    if pause.tool.is_none() || pause.agent.is_none() {
        return Err(refused(
            "only a pause that names its `tool` and its `agent` can be remembered",
        ));
    }
    Ok(())
}

/// Records `response` through the one respond command and, once it is recorded, remembers the
/// approval in the same transaction. The caller [`check`]s first, so that what makes
/// remembering impossible refuses before anything is written.
pub fn respond_remembering(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    (responder, actor): (Responder, Actor),
    watch_id: &Uuid,
    response: Response,
    remembered: Option<Remember>,
) -> AppResult<Result<Responded, RespondError>> {
    let done = match respond::respond(ctx, now, responder, watch_id, response)? {
        Ok(done) => done,
        Err(refused) => return Ok(Err(refused)),
    };
    if let Some(r) = remembered {
        remember(ctx, now, &done.pause, actor, r)?;
    }
    Ok(Ok(done))
}

/// Creates (or renews) the allow rule for an approved `pause`, audited as any rule change.
pub fn remember(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    pause: &Pause,
    actor: Actor,
    r: Remember,
) -> AppResult<rules::StoredRule> {
    check(pause, r)?;
    let (tool, agent) = (
        pause.tool.clone().unwrap_or_default(),
        pause.agent.clone().unwrap_or_default(),
    );
    let prefix = key_prefix(ctx.conn, pause)?;
    let name = format!("remember:{tool}:{agent}:{prefix}");
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(refused(format!(
            "the rule's name `{name}` would pass {MAX_NAME_CHARS} characters: shorten the tool \
             or agent name, or write the rule on the rules page"
        )));
    }
    let spec = RuleSpec {
        name: name.clone(),
        effect: Effect::Allow,
        enabled: true,
        shadow: false,
        matches: MatchSpec {
            tool,
            agent: Some(agent),
            key_id: pause.api_key_id,
            metadata: Default::default(),
            context: Default::default(),
        },
        max_risk: Some(pause.risk.unwrap_or_default()),
        expires_at: r.expires_in_days.map(|d| rfc3339(now + d * 86_400_000)),
        route_to: None,
        note: Some(format!(
            "Remembered when approving pause {}",
            pause.watch_id
        )),
    };
    let set = RuleSet {
        workspace_id: pause.workspace_id,
        test: pause.test,
    };
    match existing(ctx.conn, set, &name)? {
        None => rules::create(ctx, now, set, actor, spec),
        // A renewal replaces what the remembered rule says, expiry included.
        Some(id) => rules::replace(ctx, now, set, actor, id, spec),
    }
}

fn key_prefix(conn: &Connection, pause: &Pause) -> AppResult<String> {
    let prefix: Option<String> = match pause.api_key_id {
        Some(id) => conn
            .prepare_cached("SELECT prefix FROM api_keys WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?,
        None => None,
    };
    Ok(prefix.unwrap_or_default())
}

fn existing(conn: &Connection, set: RuleSet, name: &str) -> AppResult<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM policy_rules WHERE workspace_id = ?1 AND is_test = ?2 AND name = ?3",
        )?
        .query_row(
            crate::db::sql::params![set.workspace_id, set.test, name],
            |r| r.get(0),
        )
        .optional()?)
}
