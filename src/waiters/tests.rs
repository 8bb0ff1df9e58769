//! The cap, the per-key share and wake-ups by topic, without a server.

use super::*;

#[test]
fn past_the_cap_there_is_no_slot_until_a_subscription_is_dropped() {
    let waiters = Waiters::new(2, 2);
    let first = waiters
        .subscribe(&[Topic::Pause(PauseId(1))], ApiKeyId(7))
        .expect("a slot");
    let _second = waiters
        .subscribe(&[Topic::Pause(PauseId(1))], ApiKeyId(8))
        .expect("a slot");
    assert_eq!(
        waiters
            .subscribe(&[Topic::Pause(PauseId(2))], ApiKeyId(9))
            .err(),
        Some(Full::Server)
    );
    assert_eq!(waiters.active(), 2);
    drop(first);
    assert_eq!(waiters.active(), 1);
    assert!(waiters
        .subscribe(&[Topic::Pause(PauseId(2))], ApiKeyId(9))
        .is_ok());
}

#[test]
fn a_key_at_its_share_is_refused_while_other_keys_still_get_slots() {
    let waiters = Waiters::new(3, 2);
    let first = waiters
        .subscribe(&[Topic::Pause(PauseId(1))], ApiKeyId(7))
        .expect("a slot");
    let _second = waiters
        .subscribe(&[Topic::Pause(PauseId(2))], ApiKeyId(7))
        .expect("a slot");
    assert_eq!(
        waiters
            .subscribe(&[Topic::Pause(PauseId(3))], ApiKeyId(7))
            .err(),
        Some(Full::Key)
    );
    let _other = waiters
        .subscribe(&[Topic::Pause(PauseId(3))], ApiKeyId(8))
        .expect("another key's slot");
    assert_eq!(waiters.active(), 3);
    drop(first);
    // The server is not full and key 7 holds one slot: it may take another.
    assert!(waiters
        .subscribe(&[Topic::Pause(PauseId(3))], ApiKeyId(7))
        .is_ok());
}

/// Enables a wait on `sub`, runs `wake`, and says whether the wait completed.
fn woken_by(sub: &Subscription, wake: impl FnOnce()) -> bool {
    use std::future::Future;
    let mut notified = std::pin::pin!(sub.notify().notified());
    notified.as_mut().enable();
    wake();
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    notified.as_mut().poll(&mut cx).is_ready()
}

#[test]
fn a_waiter_on_a_pause_is_woken_by_its_own_workspace_not_by_another() {
    let waiters = Waiters::new(10, 10);
    let sub = waiters
        .subscribe(
            &[Topic::Pause(PauseId(5)), Topic::Workspace(WorkspaceId(1))],
            ApiKeyId(7),
        )
        .unwrap();
    assert!(!woken_by(&sub, || waiters.wake(&[Topic::Workspace(WorkspaceId(2))])));
    assert!(!woken_by(&sub, || waiters.wake(&[Topic::Pause(PauseId(6))])));
    assert!(woken_by(&sub, || waiters.wake(&[Topic::Workspace(WorkspaceId(1))])));
    assert!(woken_by(&sub, || waiters.wake(&[Topic::Pause(PauseId(5))])));
}

#[test]
fn one_workspace_wake_reaches_every_waiter_of_the_workspace() {
    let waiters = Waiters::new(10, 10);
    let a = waiters.subscribe(
        &[Topic::Pause(PauseId(1)), Topic::Workspace(WorkspaceId(3))],
        ApiKeyId(7),
    );
    let b = waiters.subscribe(
        &[Topic::Pause(PauseId(2)), Topic::Workspace(WorkspaceId(3))],
        ApiKeyId(8),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut na = std::pin::pin!(a.notify().notified());
    na.as_mut().enable();
    assert!(woken_by(&b, || waiters.wake(&[Topic::Workspace(WorkspaceId(3))])));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(std::future::Future::poll(na.as_mut(), &mut cx).is_ready());
}

#[test]
fn a_dropped_subscription_leaves_no_listener_behind() {
    let waiters = Waiters::new(10, 10);
    let a = waiters.subscribe(
        &[Topic::Pause(PauseId(1)), Topic::Workspace(WorkspaceId(3))],
        ApiKeyId(7),
    );
    let b = waiters.subscribe(&[Topic::Pause(PauseId(1))], ApiKeyId(7));
    drop(a);
    let ws = waiters
        .shard(Topic::Workspace(WorkspaceId(3)))
        .lock()
        .unwrap();
    assert!(!ws.contains_key(&Topic::Workspace(WorkspaceId(3))));
    drop(ws);
    drop(b);
    let pause = waiters.shard(Topic::Pause(PauseId(1))).lock().unwrap();
    assert!(!pause.contains_key(&Topic::Pause(PauseId(1))));
}

#[test]
fn a_key_refused_by_the_server_cap_keeps_no_share() {
    let waiters = Waiters::new(2, 1);
    let _a = waiters
        .subscribe(&[Topic::Pause(PauseId(1))], ApiKeyId(7))
        .unwrap();
    let _b = waiters
        .subscribe(&[Topic::Pause(PauseId(1))], ApiKeyId(8))
        .unwrap();
    assert_eq!(
        waiters
            .subscribe(&[Topic::Pause(PauseId(1))], ApiKeyId(9))
            .err(),
        Some(Full::Server)
    );
    assert!(!waiters.by_key.lock().unwrap().contains_key(&ApiKeyId(9)));
}
