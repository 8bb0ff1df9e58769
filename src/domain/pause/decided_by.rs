//! Who decided a pause: a person, a key, or a policy.

use serde::Serialize;

/// Who decided a pause, as the API shows it (`decidedBy`): one shape with a `type`
/// discriminator for every kind of decider, so a client reads `type` before the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum DecidedBy {
    /// A person (dashboard, email link, or the API with a session).
    User { email: String, name: String },
    /// A backend with an API key; `prefix` is the key's visible start (`hitl_live_ab12cd`).
    Key { name: String, prefix: String },
    /// A policy: a rule's name, or `autonomy:<band>`.
    Policy { name: String },
}

impl DecidedBy {
    /// For people: `ann@example.com`, `key billing-backend (hitl_live_ab12cd…)`, `policy x`.
    pub fn label(&self) -> String {
        match self {
            DecidedBy::User { email, .. } => email.clone(),
            DecidedBy::Key { name, prefix } if name.is_empty() => format!("key {prefix}…"),
            DecidedBy::Key { name, prefix } => format!("key {name} ({prefix}…)"),
            DecidedBy::Policy { name } => format!("policy {name}"),
        }
    }

    /// As [`DecidedBy::label`], with a person's name when there is one: `Ann <ann@example.com>`.
    pub fn full_label(&self) -> String {
        match self {
            DecidedBy::User { email, name } if !name.is_empty() => format!("{name} <{email}>"),
            other => other.label(),
        }
    }

    /// The person's email, when a person decided.
    pub fn email(&self) -> Option<&str> {
        match self {
            DecidedBy::User { email, .. } => Some(email),
            _ => None,
        }
    }
}

/// How a pause that timed out into a rejection (`onTimeout: reject`) reads before the sweep
/// writes it down: decided by the policy `timeout`, at its deadline, "timed out".
impl super::pauses::Pause {
    /// Who decided it as of `now`: a pending pause past a deadline that rejects reads as
    /// decided by the policy `timeout` before the sweep writes it down.
    pub fn decided_by_as_of(&self, now: super::Millis) -> Option<&DecidedBy> {
        static TIMEOUT: std::sync::LazyLock<DecidedBy> =
            std::sync::LazyLock::new(|| DecidedBy::Policy {
                name: super::pauses::TIMEOUT_DECIDER.into(),
            });
        match self.virtually_rejected(now) {
            true => Some(&TIMEOUT),
            false => self.decided_by.as_ref(),
        }
    }

    pub fn decided_at_as_of(&self, now: super::Millis) -> Option<super::Millis> {
        match self.virtually_rejected(now) {
            true => Some(self.expires_at),
            false => self.decided_at,
        }
    }

    pub fn reason_as_of(&self, now: super::Millis) -> Option<&str> {
        match self.virtually_rejected(now) {
            true => Some(super::pauses::TIMED_OUT),
            false => self.reason.as_deref(),
        }
    }

    /// Stored pending, read as rejected: its deadline passed and `onTimeout` is `reject`.
    fn virtually_rejected(&self, now: super::Millis) -> bool {
        self.stored_status == super::status::Status::Pending
            && self.status(now) == super::status::Status::Rejected
    }
}

/// Who decided a pause, as `GET /api/pause?decidedBy=` filters on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeciderKind {
    User,
    Key,
    Policy,
}

impl DeciderKind {
    pub fn from_name(name: &str) -> Option<DeciderKind> {
        match name {
            "user" => Some(DeciderKind::User),
            "key" => Some(DeciderKind::Key),
            "policy" => Some(DeciderKind::Policy),
            _ => None,
        }
    }

    /// The SQL condition on the pause `p` that keeps only this kind of decider.
    pub(crate) fn condition(self) -> &'static str {
        match self {
            DeciderKind::User => " AND p.decided_by IS NOT NULL",
            DeciderKind::Key => " AND p.decided_by_key IS NOT NULL",
            DeciderKind::Policy => " AND p.decided_by_policy IS NOT NULL",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_decider_has_one_shape_with_a_type() {
        let user = DecidedBy::User {
            email: "ann@example.com".into(),
            name: "Ann".into(),
        };
        let key = DecidedBy::Key {
            name: "billing-backend".into(),
            prefix: "hitl_live_ab12cd".into(),
        };
        let policy = DecidedBy::Policy {
            name: "small refunds".into(),
        };
        let shown = |d: &DecidedBy| serde_json::to_value(d).unwrap();
        assert_eq!(
            shown(&user),
            json!({"type": "user", "email": "ann@example.com", "name": "Ann"})
        );
        assert_eq!(
            shown(&key),
            json!({"type": "key", "name": "billing-backend", "prefix": "hitl_live_ab12cd"})
        );
        assert_eq!(
            shown(&policy),
            json!({"type": "policy", "name": "small refunds"})
        );
        assert_eq!(user.full_label(), "Ann <ann@example.com>");
        assert_eq!(key.label(), "key billing-backend (hitl_live_ab12cd…)");
        assert_eq!(policy.label(), "policy small refunds");
    }
}
