//! API keys, shared by the keys page, `/api/keys` and `holdpoint key create`: making a key (with
//! its cap, groups and expiry in the same transaction, so no key exists uncapped for a moment),
//! changing its name, cap and groups, and revoking it. Each is one writer job running the
//! audited domain writes.

use crate::db::WriteCtx;
use crate::domain::api_keys::{self, KeySpec};
use crate::domain::audit::Actor;
use crate::domain::ids::{ApiKeyId, WorkspaceId};
use crate::domain::key_admin;
pub use crate::domain::key_admin::{details, list, KeyDetails};
use crate::domain::policy::{self, group_keys};
use crate::domain::scopes::Scopes;
use crate::domain::Millis;
use crate::error::{AppError, AppResult};
use crate::services::Services;

/// A key to make.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub test: bool,
    pub scopes: Scopes,
    pub cap: Option<u8>,
    pub groups: Vec<String>,
    /// The last instant the key works (see [`expiry_from_text`]); None: it never expires.
    pub expires_at: Option<Millis>,
}

/// 403 for a scope `granter` does not hold itself: a key given `admin` could otherwise make
/// itself a key that decides, so no key hands out more than it has. People (the keys page) are
/// owners or admins and may grant every scope (`granter` None).
pub fn check_grant(granter: Option<Scopes>, wanted: Scopes) -> AppResult<()> {
    let Some(held) = granter else {
        return Ok(());
    };
    match wanted.iter().find(|s| !held.has(*s)) {
        None => Ok(()),
        Some(missing) => Err(AppError::Forbidden(format!(
            "this API key does not hold the `{missing}` scope, so it cannot give it to a new \
             key: a key never grants more than it holds"
        ))),
    }
}

/// Makes a key; answers it (with its groups) and the whole key, to be shown once.
pub async fn create(
    s: &Services,
    ws: WorkspaceId,
    (actor, granter): (Actor, Option<Scopes>),
    new: NewKey,
) -> AppResult<(KeyDetails, String)> {
    if new.name.trim().is_empty() {
        return Err(AppError::invalid(
            "name",
            "give the key a name, so you can tell it apart later",
        ));
    }
    let now = s.now();
    s.writer
        .run(move |ctx| {
            let (id, key) = make(ctx, now, ws, (actor, granter), &new)?;
            Ok((details(ctx.conn, ws, id)?, key))
        })
        .await
}

/// Makes a key inside the caller's transaction: the writer's (page, API) or the CLI's own.
/// Checks what every entry point shares (scopes granted, cap, expiry ahead); the name's
/// presence is the interactive entry points' to ask for (the CLI may leave it empty).
pub fn make(
    ctx: &mut WriteCtx<'_>,
    now: Millis,
    ws: WorkspaceId,
    (actor, granter): (Actor, Option<Scopes>),
    new: &NewKey,
) -> AppResult<(ApiKeyId, String)> {
    check_grant(granter, new.scopes)?;
    check_cap(new.cap)?;
    check_expiry(new.expires_at, now)?;
    let spec = KeySpec {
        name: &new.name,
        test: new.test,
        scopes: new.scopes,
        expires_at: new.expires_at,
    };
    let (id, key) = api_keys::create_spec(ctx.conn, now, actor, ws, &spec)?;
    policy::settings::set_key_level(ctx.conn, id, new.cap)?;
    if !new.groups.is_empty() {
        group_keys::set_key_groups(ctx, now, ws, actor, id, &new.groups)?;
    }
    Ok((id, key))
}

fn check_cap(cap: Option<u8>) -> AppResult<()> {
    match cap.is_some_and(|c| c > policy::MAX_LEVEL) {
        true => Err(AppError::invalid(
            "autonomyLevel",
            format!(
                "the autonomy cap is a whole number from 0 to {}, or null for none",
                policy::MAX_LEVEL
            ),
        )),
        false => Ok(()),
    }
}

/// What a PATCH may change; `cap` Some(None) clears it.
#[derive(Debug, Clone, Default)]
pub struct KeyPatch {
    pub name: Option<String>,
    pub cap: Option<Option<u8>>,
    pub groups: Option<Vec<String>>,
}

/// Applies `patch` to an unrevoked key in one transaction.
pub async fn change(
    s: &Services,
    ws: WorkspaceId,
    actor: Actor,
    id: ApiKeyId,
    patch: KeyPatch,
) -> AppResult<KeyDetails> {
    if let Some(cap) = patch.cap {
        check_cap(cap)?;
    }
    let now = s.now();
    s.writer
        .run(move |ctx| {
            let before = details(ctx.conn, ws, id)?.listing;
            if let Some(name) = &patch.name {
                key_admin::rename(ctx.conn, now, actor, &before.key, name)?;
            }
            if let Some(cap) = patch.cap {
                key_admin::set_cap(ctx.conn, now, actor, &before, cap)?;
            }
            if let Some(groups) = &patch.groups {
                group_keys::set_key_groups(ctx, now, ws, actor, id, groups)?;
            }
            details(ctx.conn, ws, id)
        })
        .await
}

/// Revokes a key of the workspace; it stops working from the next request (the cache of
/// valid keys is the caller's to clear).
pub async fn revoke(s: &Services, ws: WorkspaceId, actor: Actor, id: ApiKeyId) -> AppResult<()> {
    let now = s.now();
    s.writer
        .run(move |ctx| api_keys::revoke(ctx.conn, now, actor, id, Some(ws)))
        .await
}

/// The field an expiry is refused under, on every entry point.
pub const EXPIRY_FIELD: &str = "expiresAt";
const DAY_MS: Millis = 24 * 3600 * 1000;
/// 9999-12-31T23:59:59.999Z: past it, an instant has no RFC 3339 form.
const LAST_INSTANT: Millis = 253_402_300_799_999;

/// A key's expiry as a person writes it (the keys page, `holdpoint key create --expires`):
/// empty for none, `YYYY-MM-DD` for the end of that day (23:59:59.999 UTC), `90d` or `12h`
/// from `now`. Refused (422 `expiresAt`) when it is nonsense or not ahead of `now`.
pub fn expiry_from_text(text: &str, now: Millis) -> AppResult<Option<Millis>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let unit = match text.chars().last() {
        Some('d' | 'D') => Some(DAY_MS),
        Some('h' | 'H') => Some(3600 * 1000),
        _ => None,
    };
    let at = match unit {
        Some(unit) => text[..text.len() - 1]
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| now.saturating_add(i64::from(n) * unit)),
        None => text
            .parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp().as_millisecond() + DAY_MS - 1),
    };
    let at = at.ok_or_else(|| {
        AppError::invalid(
            EXPIRY_FIELD,
            format!(
                "`{text}` is not an expiry: give a date as YYYY-MM-DD (the key works until the \
                 end of that day, UTC) or a time from now such as 90d (days) or 12h (hours)"
            ),
        )
    })?;
    check_expiry(Some(at), now).map(|()| Some(at))
}

/// A key's expiry as the API writes it: RFC 3339 with an offset (`2027-03-31T23:59:59.999Z`).
pub fn expiry_from_rfc3339(text: &str) -> AppResult<Millis> {
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            AppError::invalid(
                EXPIRY_FIELD,
                format!(
                    "`{text}` is not an RFC 3339 time with an offset, such as \
                     2027-03-31T23:59:59.999Z"
                ),
            )
        })
}

/// An expiry must be ahead: a key born expired would only confuse whoever is given it.
fn check_expiry(at: Option<Millis>, now: Millis) -> AppResult<()> {
    match at {
        Some(at) if at <= now => Err(AppError::invalid(
            EXPIRY_FIELD,
            format!(
                "the expiry {} is not in the future (it is now {}): choose a later one",
                crate::domain::rfc3339(at),
                crate::domain::rfc3339(now)
            ),
        )),
        Some(at) if at > LAST_INSTANT => Err(AppError::invalid(
            EXPIRY_FIELD,
            "the expiry is too far ahead: choose one before the year 10000",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-07T14:00:00Z.
    const NOW: Millis = 1_796_652_000_000;

    #[test]
    fn a_date_is_the_end_of_that_day_utc_and_days_or_hours_count_from_now() {
        let end = expiry_from_text("2026-12-31", NOW).unwrap().unwrap();
        assert_eq!(crate::domain::rfc3339(end), "2026-12-31T23:59:59.999Z");
        assert_eq!(
            expiry_from_text("90d", NOW).unwrap(),
            Some(NOW + 90 * DAY_MS)
        );
        assert_eq!(
            expiry_from_text(" 12h ", NOW).unwrap(),
            Some(NOW + 12 * 3_600_000)
        );
        assert_eq!(expiry_from_text("", NOW).unwrap(), None);
    }

    #[test]
    fn today_still_works_but_yesterday_and_nonsense_are_refused_under_expires_at() {
        assert!(expiry_from_text("2026-12-07", NOW).unwrap().is_some());
        for bad in [
            "2026-12-06",
            "0d",
            "-3d",
            "soon",
            "2026-13-01",
            "d",
            "99999999999d",
        ] {
            match expiry_from_text(bad, NOW) {
                Err(AppError::Invalid { field, .. }) => assert_eq!(field, EXPIRY_FIELD, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(expiry_from_rfc3339("2027-03-31T23:59:59.999Z").is_ok());
        assert!(expiry_from_rfc3339("2027-03-31T23:59:59").is_err());
    }
}
