//! Signed decision receipts: a pause decided approved, answered, rejected or changes requested
//! carries a compact EdDSA JWS that says who decided what, about exactly which request, so the
//! service that finally executes an action can check it offline against
//! `/.well-known/jwks.json`.
//!
//! The receipt is made once, in the transaction that writes the decision (see
//! [`crate::domain::pauses::transition`] and the timeout sweep), and stored on the pause, so
//! every read shows the same bytes and the ETag stays as it was.
//!
//! A pending pause whose deadline passed with `onTimeout: reject` already *reads* rejected
//! before the sweep writes that down (see [`crate::domain::status`]); until then its `receipt`
//! is null, because nothing was signed yet. The sweep (every second or so) signs it and bumps
//! the pause's version, so the ETag changes once and a client that cached the receipt-less
//! rejection reads it again.

pub mod jws;
pub mod keys;

use crate::db::sql::params;
use serde::Serialize;
use serde_json::Value;

use crate::domain::approval_extras;
use crate::domain::pauses::{DecidedBy, Pause, Status};
use crate::domain::policy::approvals;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

/// The default of the policy setting `receiptTtlSeconds` and its bounds.
pub const DEFAULT_TTL_SECS: u32 = 900;
pub const MIN_TTL_SECS: u32 = 60;
pub const MAX_TTL_SECS: u32 = keys::MAX_TTL_SECS as u32;

/// The statuses whose pause carries a receipt.
pub fn signed(status: Status) -> bool {
    matches!(
        status,
        Status::Approved | Status::Answered | Status::Rejected | Status::ChangesRequested
    )
}

/// The receipt's claims, in the contract's order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Claims<'a> {
    pub iss: &'a str,
    pub sub: String,
    pub ws: i64,
    pub action: &'a str,
    pub tool: Option<&'a str>,
    pub req: String,
    pub status: &'static str,
    pub decided_by: Option<&'a DecidedBy>,
    pub iat: i64,
    pub exp: i64,
}

/// The claims of `pause` as it was just decided; `iss` is the public URL.
pub fn claims<'a>(pause: &'a Pause, iss: &'a str, ttl_secs: u32) -> Claims<'a> {
    let decided_at = pause.decided_at.unwrap_or(pause.expires_at);
    let context: Option<Value> =
        (pause.context.as_deref()).and_then(|c| serde_json::from_str(c).ok());
    let edits = approval_extras::edits(pause);
    let iat = decided_at.div_euclid(1000);
    Claims {
        iss: iss.trim_end_matches('/'),
        sub: pause.watch_id.to_string(),
        ws: pause.workspace_id.0,
        action: &pause.action,
        tool: pause.tool.as_deref(),
        req: jws::request_hash(context.as_ref(), edits.as_ref()),
        status: pause.stored_status.as_str(),
        decided_by: pause.decided_by.as_ref(),
        iat,
        exp: iat + i64::from(ttl_secs),
    }
}

/// Signs the decision just written on `pause` (re-read in this transaction) and stores the
/// receipt on it; returns the pause with its receipt. A pause that is not decided, or already
/// has a receipt, is returned as it is. Call on the writer, inside the deciding transaction.
pub fn seal(
    conn: &crate::db::sql::Connection,
    now: Millis,
    iss: &str,
    mut pause: Pause,
) -> AppResult<Pause> {
    if !signed(pause.stored_status) || pause.receipt.is_some() {
        return Ok(pause);
    }
    let ttl = approvals::get(conn, pause.workspace_id)?.receipt_ttl_seconds;
    let signer = keys::current_or_create(conn, now)?;
    let receipt = jws::sign(&signer.seed, &signer.kid, &claims(&pause, iss, ttl))
        .map_err(|e| AppError::Internal(e.into()))?;
    conn.prepare_cached("UPDATE pauses SET receipt = ?2 WHERE id = ?1")?
        .execute(params![pause.id, receipt])?;
    pause.receipt = Some(receipt);
    Ok(pause)
}
