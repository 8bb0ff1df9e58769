use super::*;

fn agent() -> Agent {
    Agent {
        id: AgentId(1),
        workspace_id: WorkspaceId(1),
        test: false,
        name: "a".into(),
        first_seen_at: 0,
        last_seen_at: 1_000,
        state: Some(AgentState::Acting),
        tool: Some("web_search".into()),
        progress: Some(40),
        run: Some("r1".into()),
        control: Control::Running,
        control_changed_at: None,
        guidance_seq: 0,
        pinned_key_id: None,
    }
}

#[test]
fn names_are_one_to_a_hundred_safe_characters_and_not_only_dots() {
    for ok in [
        "billing-bot-7",
        "a",
        "run:2026.11_30",
        "..a",
        &"x".repeat(100),
    ] {
        assert_eq!(validate_name("agent", ok).unwrap(), ok);
    }
    for bad in ["", ".", "..", "a b", "a/b", "é", &"x".repeat(101)] {
        assert!(validate_name("agent", bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_heartbeat_that_repeats_the_row_is_not_written_until_last_seen_is_stale() {
    let a = agent();
    let same = Report {
        state: Some(AgentState::Acting),
        tool: Some(Some("web_search".into())),
        progress: Some(Some(40)),
        run: Some("r1".into()),
    };
    let stale = 1_000 + SEEN_EVERY_MS;
    assert_eq!(same.write_needed(Some(&a), stale - 1), Write::Nothing);
    assert_eq!(
        Report::default().write_needed(Some(&a), 1_001),
        Write::Nothing
    );
    assert_eq!(same.write_needed(Some(&a), stale), Write::Seen);
    assert_eq!(same.write_needed(None, 1_001), Write::Report);
    let moved = Report {
        progress: Some(Some(41)),
        ..same.clone()
    };
    assert_eq!(moved.write_needed(Some(&a), 1_001), Write::Report);
    let cleared = Report {
        tool: Some(None),
        ..Report::default()
    };
    assert_eq!(cleared.write_needed(Some(&a), stale), Write::Report);
}

#[test]
fn the_stop_pauses_a_running_agent_but_does_not_undo_a_cancel() {
    let mut a = agent();
    assert_eq!(a.effective(false), Control::Running);
    assert_eq!(a.effective(true), Control::Paused);
    a.control = Control::Cancelled;
    assert_eq!(a.effective(true), Control::Cancelled);
}
