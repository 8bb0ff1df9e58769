//! Row ids as distinct types, so the compiler catches a pause id passed where a workspace id is
//! expected. Each is the bare `INTEGER PRIMARY KEY` underneath: stored, serialized and printed
//! exactly as the `i64` was.

use crate::db::sql::{FromSql, Result as SqlResult, ToSql, Value, ValueRef};

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl ToSql for $name {
            fn to_sql(&self) -> SqlResult<Value<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> SqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    )*};
}

id_type! {
    /// `workspaces.id`.
    WorkspaceId;
    /// `pauses.id` (not the public watch id).
    PauseId;
    /// `users.id`.
    UserId;
    /// `api_keys.id`.
    ApiKeyId;
    /// `agents.id` (not the agent's name).
    AgentId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_writes_and_prints_as_its_integer() {
        let conn = crate::db::sql::Connection::open_in_memory().unwrap();
        let back: PauseId = conn
            .query_row("SELECT ?1", [PauseId(42)], |r| r.get(0))
            .unwrap();
        assert_eq!(back, PauseId(42));
        assert_eq!(WorkspaceId(7).to_string(), "7");
        assert_eq!(serde_json::to_string(&UserId(3)).unwrap(), "3");
    }
}
