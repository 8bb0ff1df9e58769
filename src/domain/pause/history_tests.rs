use super::*;

#[test]
fn the_decided_by_filter_keeps_only_that_kind_of_decider() {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0);
         INSERT INTO users (id, workspace_id, email, role, password_hash, created_at)
             VALUES (1, 1, 'a@example.com', 'owner', 'x', 0);
         INSERT INTO api_keys (id, workspace_id, prefix, key_hash, created_at)
             VALUES (1, 1, 'hitl_live_a', x'01', 0);
         INSERT INTO pauses (watch_id, workspace_id, status, action, created_at, expires_at,
                             decided_by, decided_by_key, decided_by_policy) VALUES
             (randomblob(16), 1, 'approved', 'a', 0, 9, 1, NULL, NULL),
             (randomblob(16), 1, 'approved', 'b', 0, 9, NULL, 1, NULL),
             (randomblob(16), 1, 'rejected', 'c', 0, 9, NULL, NULL, 'no-drops'),
             (randomblob(16), 1, 'approved', 'd', 0, 9, NULL, NULL, 'autonomy:full_auto'),
             (randomblob(16), 1, 'pending', 'e', 0, 9, NULL, NULL, NULL);",
    )
    .unwrap();
    let total = |d| {
        let f = Filter {
            decided_by: Some(d),
            ..Filter::default()
        };
        search(&conn, WorkspaceId(1), &f, 10, 0, 1).unwrap().total
    };
    assert_eq!(
        [
            total(DeciderKind::User),
            total(DeciderKind::Key),
            total(DeciderKind::Policy)
        ],
        [1, 1, 2]
    );
    let scope = Scope::people(WorkspaceId(1));
    let page = list_decided_by(
        &conn,
        scope,
        (None, Some(DeciderKind::Policy)),
        (10, 0),
        1,
        false,
    )
    .unwrap();
    let actions: Vec<&str> = page.items.iter().map(|p| p.action.as_str()).collect();
    assert_eq!((page.total, actions), (2, vec!["d", "c"]));
}

#[test]
fn like_wildcards_in_the_search_text_are_literal() {
    assert_eq!(like_pattern("100%_sure\\"), "%100\\%\\_sure\\\\%");
}

#[test]
fn mine_keeps_my_groups_and_unrouted_pauses_that_i_have_not_voted_on() {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan_id, created_at) VALUES (1, 'A', 'pro', 0);
         INSERT INTO users (id, workspace_id, email, role, password_hash, created_at) VALUES
             (1, 1, 'a@example.com', 'owner', 'x', 0), (2, 1, 'b@example.com', 'approver', 'x', 0);
         INSERT INTO approver_groups (id, workspace_id, name, created_at) VALUES
             (1, 1, 'finance', 0), (2, 1, 'sre', 0);
         INSERT INTO approver_group_members (group_id, user_id) VALUES (1, 1), (2, 2);
         INSERT INTO pauses (id, watch_id, workspace_id, status, action, created_at, expires_at,
                             group_id, required_approvals) VALUES
             (1, randomblob(16), 1, 'pending', 'unrouted', 0, 9, NULL, 1),
             (2, randomblob(16), 1, 'pending', 'finance', 0, 9, 1, 2),
             (3, randomblob(16), 1, 'pending', 'sre', 0, 9, 2, 1),
             (4, randomblob(16), 1, 'pending', 'finance, voted', 0, 9, 1, 2),
             (5, randomblob(16), 1, 'pending', 'unrouted, b voted', 0, 9, NULL, 2);
         INSERT INTO pause_responses (pause_id, responder_type, user_id, kind, via, created_at)
             VALUES (4, 'user', 1, 'approve', 'dashboard', 1),
                    (5, 'user', 2, 'approve', 'dashboard', 1);",
    )
    .unwrap();
    let actions = |mine| {
        let f = Filter {
            mine,
            ..Filter::default()
        };
        let page = oldest_first(&conn, WorkspaceId(1), &f, 10, 1).unwrap();
        let actions: Vec<String> = page.items.iter().map(|p| p.action.clone()).collect();
        (page.total, actions)
    };
    assert_eq!(
        actions(Some(UserId(1))),
        (
            3,
            vec![
                "unrouted".into(),
                "finance".into(),
                "unrouted, b voted".into()
            ]
        )
    );
    assert_eq!(
        actions(Some(UserId(2))),
        (2, vec!["unrouted".into(), "sre".into()])
    );
    assert_eq!(actions(None).0, 5, "without mine, everything");
}
