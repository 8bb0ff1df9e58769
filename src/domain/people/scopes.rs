//! What an API key may do. A key carries a set of scopes chosen when it is made; none implies
//! another, so a key that only decides cannot create or read pauses, and a key that creates
//! pauses cannot decide them.

use super::sql_enum::sql_enum;

sql_enum! {
    /// One thing a key may do.
    pub enum KeyScope {
        /// Create, read (and long-poll), list and cancel pauses: every key before scopes.
        Pauses => "pauses",
        /// Approve, reject and answer pauses through the API, as a backend deciding on a webhook.
        Decide => "decide",
        /// The human controls over agents (pause, resume, cancel, guide, the stop): see
        /// `http::api::agent_controls`.
        Agents => "agents",
        /// Workspace management through the API (live keys only): webhooks, keys, the audit
        /// log, settings, users, rules, groups.
        Admin => "admin",
    }
}

impl KeyScope {
    /// What the scope allows, in a few words (the keys page and the CLI's help show it).
    pub fn describe(self) -> &'static str {
        match self {
            KeyScope::Pauses => "create, read, list and cancel pauses",
            KeyScope::Decide => "approve, reject and answer pauses",
            KeyScope::Agents => "control agents",
            KeyScope::Admin => "manage the workspace",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The scope named `name`, or an error that lists the known ones.
    pub fn parse(name: &str) -> Result<KeyScope, String> {
        KeyScope::from_name(name.trim()).ok_or_else(|| {
            format!(
                "unknown scope `{}`; use one of {}",
                name.trim(),
                KeyScope::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }
}

/// A set of [`KeyScope`]s, small enough to copy with the key it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// What a key gets when nobody chooses: today's behaviour, and what old keys migrated to.
    pub fn default_for_new_key() -> Scopes {
        Scopes::of(&[KeyScope::Pauses])
    }

    pub fn of(scopes: &[KeyScope]) -> Scopes {
        Scopes(scopes.iter().fold(0, |bits, s| bits | s.bit()))
    }

    pub fn has(self, scope: KeyScope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The scopes held, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = KeyScope> {
        KeyScope::ALL.iter().copied().filter(move |s| self.has(*s))
    }

    /// As stored in `api_keys.scopes` and shown to people: `pauses decide`.
    pub fn to_text(self) -> String {
        self.iter()
            .map(KeyScope::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads the stored text. A name this version does not know grants nothing (a newer
    /// version's scope must not widen what an older one lets the key do).
    pub fn from_stored(text: &str) -> Scopes {
        Scopes::of(
            &text
                .split([' ', ','])
                .filter_map(KeyScope::from_name)
                .collect::<Vec<_>>(),
        )
    }
}

impl crate::db::sql::FromSql for Scopes {
    fn column_result(value: crate::db::sql::ValueRef<'_>) -> crate::db::sql::Result<Self> {
        Ok(Scopes::from_stored(value.as_str()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_their_stored_text() {
        let s = Scopes::of(&[KeyScope::Decide, KeyScope::Pauses]);
        assert_eq!(s.to_text(), "pauses decide");
        assert_eq!(Scopes::from_stored("pauses decide"), s);
        assert!(!s.has(KeyScope::Admin) && !s.has(KeyScope::Agents));
    }

    #[test]
    fn no_scope_implies_another() {
        for &one in KeyScope::ALL {
            let s = Scopes::of(&[one]);
            assert_eq!(s.iter().collect::<Vec<_>>(), vec![one]);
        }
    }

    #[test]
    fn an_unknown_stored_name_grants_nothing_and_an_unknown_typed_name_is_refused() {
        assert_eq!(
            Scopes::from_stored("pauses superuser"),
            Scopes::default_for_new_key()
        );
        let err = KeyScope::parse("superuser").unwrap_err();
        assert_eq!(
            err,
            "unknown scope `superuser`; use one of pauses, decide, agents, admin"
        );
        assert_eq!(KeyScope::parse(" decide "), Ok(KeyScope::Decide));
    }
}
