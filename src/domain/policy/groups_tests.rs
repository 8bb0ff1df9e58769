use crate::db::sql::Connection;

use super::*;
use crate::db::WriteCtx;

const WS: WorkspaceId = WorkspaceId(1);

fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0),
                                                                       (2, 'B', 'pro', 0);
         INSERT INTO users (id, workspace_id, email, name, role, password_hash, created_at)
             VALUES (1, 1, 'ann@x.io', 'Ann', 'approver', 'h', 0),
                    (2, 1, 'bob@x.io', 'Bob', 'admin', 'h', 0),
                    (3, 2, 'eve@x.io', 'Eve', 'owner', 'h', 0);
         INSERT INTO users (id, workspace_id, email, role, password_hash, created_at, disabled_at,
                            state)
             VALUES (4, 1, 'old@x.io', 'approver', 'h', 0, 1, 'disabled');",
    )
    .unwrap();
    conn
}

fn spec(name: &str, members: &[&str]) -> GroupSpec {
    GroupSpec {
        name: name.into(),
        members: members.iter().map(|m| m.to_string()).collect(),
    }
}

fn create_in(conn: &Connection, s: GroupSpec) -> AppResult<Group> {
    create(&mut WriteCtx::new(conn), 5, WS, Actor::Cli, s)
}

#[test]
fn a_group_is_created_listed_renamed_and_deleted_with_each_change_audited() {
    let conn = db();
    let g = create_in(
        &conn,
        spec("finance", &["bob@x.io", "ann@x.io", "ann@x.io"]),
    )
    .unwrap();
    let emails: Vec<_> = g.members.iter().map(|m| m.email.as_str()).collect();
    assert_eq!(
        (g.name.as_str(), emails),
        ("finance", vec!["ann@x.io", "bob@x.io"])
    );
    assert_eq!(list(&conn, WS).unwrap(), vec![g]);
    assert!(list(&conn, WorkspaceId(2)).unwrap().is_empty());
    let ctx = &mut WriteCtx::new(&conn);
    let renamed = replace(
        ctx,
        6,
        WS,
        Actor::Cli,
        "finance",
        spec("money", &["ann@x.io"]),
    )
    .unwrap();
    assert_eq!(renamed.members.len(), 1);
    assert_eq!(get(&conn, WS, "finance").unwrap(), None);
    delete(&mut WriteCtx::new(&conn), 7, WS, Actor::Cli, "money").unwrap();
    assert!(list(&conn, WS).unwrap().is_empty());
    let members: i64 = conn
        .query_row("SELECT count(*) FROM approver_group_members", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(members, 0);
    let events: Vec<String> = conn
        .prepare("SELECT event FROM audit_log WHERE subject LIKE 'group %' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(events, ["group.created", "group.changed", "group.deleted"]);
}

#[test]
fn a_name_has_1_to_50_of_lowercase_digits_underscore_and_dash_and_is_unique() {
    let conn = db();
    assert!(create_in(&conn, spec(&"a".repeat(MAX_NAME_CHARS), &[])).is_ok());
    for bad in [
        "a".repeat(MAX_NAME_CHARS + 1),
        String::new(),
        "Finance".into(),
        "sre team".into(),
    ] {
        let err = create_in(&conn, spec(&bad, &[])).unwrap_err();
        assert!(
            matches!(err, AppError::Invalid { ref field, .. } if field == "name"),
            "{bad:?}: {err:?}"
        );
    }
    assert!(create_in(&conn, spec("sre_2-on-call", &[])).is_ok());
    let dup = create_in(&conn, spec("sre_2-on-call", &[])).unwrap_err();
    assert!(matches!(dup, AppError::Conflict { .. }), "{dup:?}");
}

#[test]
fn members_are_active_users_of_the_workspace() {
    let conn = db();
    for stranger in ["eve@x.io", "old@x.io", "nobody@x.io"] {
        let err = create_in(&conn, spec("g", &[stranger])).unwrap_err();
        assert!(
            matches!(err, AppError::Invalid { ref field, .. } if field == "members"),
            "{stranger}"
        );
    }
    let at_limit: Vec<String> = vec!["ann@x.io".to_string(); MAX_MEMBERS];
    let s = GroupSpec {
        name: "big".into(),
        members: at_limit,
    };
    assert!(create_in(&conn, s).is_ok());
    let past: Vec<String> = vec!["ann@x.io".to_string(); MAX_MEMBERS + 1];
    let err = create_in(
        &conn,
        GroupSpec {
            name: "bigger".into(),
            members: past,
        },
    )
    .unwrap_err();
    assert!(matches!(err, AppError::Invalid { ref field, .. } if field == "members"));
    assert_eq!(
        list(&conn, WS).unwrap().len(),
        1,
        "a refusal writes nothing"
    );
}

#[test]
fn a_deciding_key_is_given_groups_once_per_change_and_leaves_with_a_deleted_group() {
    use super::super::group_keys::{key_groups, set_key_groups};
    use crate::domain::api_keys;
    use crate::domain::scopes::{KeyScope, Scopes};
    let conn = db();
    let key = |name: &str, scope| {
        api_keys::create_with_scopes(&conn, 1, Actor::Cli, WS, name, false, Scopes::of(&[scope]))
            .unwrap()
            .0
    };
    let (bot, creator) = (
        key("bot", KeyScope::Decide),
        key("creator", KeyScope::Pauses),
    );
    create_in(&conn, spec("sre", &[])).unwrap();
    let set = |k, names: &[&str]| {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        set_key_groups(&mut WriteCtx::new(&conn), 2, WS, Actor::Cli, k, &names)
    };
    assert_eq!(set(bot, &["sre", "sre"]).unwrap(), ["sre"]);
    set(bot, &["sre"]).unwrap();
    let err = set(creator, &["sre"]).unwrap_err();
    assert!(matches!(err, AppError::Invalid { ref field, .. } if field == "groups"));
    let err = set(bot, &["ghost"]).unwrap_err();
    assert!(matches!(err, AppError::Invalid { ref field, .. } if field == "groups"));
    assert_eq!(
        key_groups(&conn, bot).unwrap(),
        ["sre"],
        "a refusal changes nothing"
    );
    assert_eq!(get(&conn, WS, "sre").unwrap().unwrap().keys[0].name, "bot");
    let audited: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE event = 'key.groups_changed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
    delete(&mut WriteCtx::new(&conn), 3, WS, Actor::Cli, "sre").unwrap();
    assert!(key_groups(&conn, bot).unwrap().is_empty());
}
