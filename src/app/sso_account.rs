//! Whose account a verified sign-on opens (found by `iss` + `sub`, linked by verified email, or
//! made in an allowed domain), and the groups claim's mapping applied to it at every sign-on.

use super::Refusal;
use crate::auth::oidc::Identity;
use crate::config::oidc::Oidc;
use crate::domain::identity::sso_users::{self, ProviderIdentity};
use crate::domain::ids::WorkspaceId;
use crate::domain::users::{self, Role, User};
use crate::domain::Millis;
use crate::error::{AppError, AppResult};

pub(super) fn find_or_make(
    conn: &crate::db::sql::Connection,
    now: Millis,
    oidc: &Oidc,
    identity: &Identity,
) -> AppResult<Result<User, Refusal>> {
    let id = ProviderIdentity {
        issuer: &identity.issuer,
        subject: &identity.subject,
    };
    if let Some(user) = sso_users::by_identity(conn, &id)? {
        if user.disabled {
            return Ok(Err(Refusal::Disabled));
        }
        sso_users::touch(conn, now, &id)?;
        return Ok(Ok(user));
    }
    let email = match (&identity.email, identity.email_verified) {
        (Some(e), true) => match users::normalize_email(e) {
            Ok(e) => e,
            Err(_) => return Ok(Err(Refusal::UnverifiedEmail)),
        },
        _ => return Ok(Err(Refusal::UnverifiedEmail)),
    };
    if let Some((user, _)) = users::for_login(conn, &email)? {
        if user.disabled {
            return Ok(Err(Refusal::Disabled));
        }
        if sso_users::linked_at(conn, user.id, &identity.issuer)? {
            return Ok(Err(Refusal::LinkedElsewhere));
        }
        return sso_users::link(conn, now, &id, &user).map(Ok);
    }
    let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
    if !oidc.allowed_domains.iter().any(|d| d == domain) {
        return Ok(Err(Refusal::NoAccount));
    }
    let name = identity.name.as_deref().unwrap_or("");
    let name: String = name.chars().take(200).collect();
    let ws = WorkspaceId(oidc.workspace);
    match sso_users::provision(conn, now, &id, ws, &email, &name) {
        Ok(user) => Ok(Ok(user)),
        Err(e @ (AppError::Forbidden(_) | AppError::NotFound(_) | AppError::Invalid { .. })) => {
            Ok(Err(Refusal::CannotProvision(e.detail())))
        }
        Err(e) => Err(e),
    }
}

/// The role and approver groups the groups claim maps to, at every sign-on: the highest mapped
/// role present wins (none present: the role stays); a mapped group's membership follows the
/// claim, other groups are left alone.
pub(super) fn apply_mapping(
    conn: &crate::db::sql::Connection,
    now: Millis,
    oidc: &Oidc,
    identity: &Identity,
    user: User,
) -> AppResult<User> {
    if oidc.groups_claim.is_none() {
        return Ok(user);
    }
    let has = |value: &str| identity.groups.iter().any(|g| g == value);
    let rank = |r: Role| match r {
        Role::Owner => 3,
        Role::Admin => 2,
        Role::Approver => 1,
    };
    let role = (oidc.role_map.iter())
        .filter(|(value, _)| has(value))
        .map(|(_, role)| *role)
        .max_by_key(|r| rank(*r));
    let user = match role {
        Some(role) => sso_users::map_role(conn, now, &user, role)?,
        None => user,
    };
    let mut groups: Vec<&str> = oidc.group_map.iter().map(|(_, g)| g.as_str()).collect();
    groups.sort_unstable();
    groups.dedup();
    for group in groups {
        let member = (oidc.group_map.iter()).any(|(value, g)| g == group && has(value));
        sso_users::set_membership(conn, now, &user, group, member)?;
    }
    Ok(user)
}
