use super::*;

fn db() -> Connection {
    super::super::test_db::with(
        "INSERT INTO users (id, workspace_id, email, role, password_hash, state, created_at)
         VALUES (1, 1, 'owner@example.com', 'owner', 'x', 'active', 0),
                (2, 1, 'new@example.com', 'approver', NULL, 'invited', 0);
         INSERT INTO approver_groups (id, workspace_id, name, created_at) VALUES (7, 1, 'ops', 0);",
    )
}

const ID: ProviderIdentity<'static> = ProviderIdentity {
    issuer: "https://idp.example.com",
    subject: "s-1",
};

#[test]
fn a_linked_invitation_becomes_active_without_a_password_and_is_found_by_its_identity() {
    let conn = db();
    let invited = users::get(&conn, UserId(2)).unwrap().unwrap();
    let linked = link(&conn, 5, &ID, &invited).unwrap();
    assert_eq!(linked.state, UserState::Active);
    assert_eq!(by_identity(&conn, &ID).unwrap().unwrap().id, UserId(2));
    assert!(linked_at(&conn, UserId(2), ID.issuer).unwrap());
    assert!(!linked_at(&conn, UserId(1), ID.issuer).unwrap());
    assert_eq!(users::password_hash(&conn, UserId(2)).unwrap(), None);
}

#[test]
fn the_last_owner_is_not_demoted_by_a_mapping_and_the_skip_is_audited() {
    let conn = db();
    let owner = users::get(&conn, UserId(1)).unwrap().unwrap();
    let after = map_role(&conn, 5, &owner, Role::Approver).unwrap();
    assert_eq!(after.role, Role::Owner);
    let skipped: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE event = 'auth.sso_mapping_skipped'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(skipped, 1);
    let other = users::get(&conn, UserId(2)).unwrap().unwrap();
    assert_eq!(
        map_role(&conn, 6, &other, Role::Owner).unwrap().role,
        Role::Owner
    );
    // Once another active owner exists, the first may be demoted.
    conn.execute("UPDATE users SET state = 'active' WHERE id = 2", [])
        .unwrap();
    assert_eq!(
        map_role(&conn, 7, &owner, Role::Admin).unwrap().role,
        Role::Admin
    );
}

#[test]
fn membership_changes_only_in_an_existing_group_and_only_once() {
    let conn = db();
    let owner = users::get(&conn, UserId(1)).unwrap().unwrap();
    assert!(set_membership(&conn, 1, &owner, "ops", true).unwrap());
    assert!(!set_membership(&conn, 2, &owner, "ops", true).unwrap());
    assert!(!set_membership(&conn, 3, &owner, "nope", true).unwrap());
    assert!(set_membership(&conn, 4, &owner, "ops", false).unwrap());
    assert!(!set_membership(&conn, 5, &owner, "ops", false).unwrap());
}
