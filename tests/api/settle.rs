//! Driving the server's background work to completion, so a test can say "nothing more
//! happens" by looking at state rather than by waiting some real time and hoping.

use std::time::Duration;

use crate::helpers::TestApp;

/// Returns once every write queued so far (best-effort ones too, such as a key's or a session's
/// last use) is committed: the writer runs its jobs in order, so an empty job queued now
/// finishes after them.
pub async fn flush_writer(app: &TestApp) {
    app.app_state.writer.run(|_| Ok(())).await.unwrap();
}

/// Wakes the outbox dispatcher and returns once it has nothing left to do at the manual
/// clock's current time: no message is pending and due. A message being delivered stays due
/// until its attempt is committed, and the clock does not move, so from then on nothing more
/// is sent until a test advances the clock. Waits for that state, never for an amount of time.
pub async fn outbox_settled(app: &TestApp) {
    let now = app.now();
    let due =
        format!("SELECT count(*) FROM outbox WHERE state = 'pending' AND next_attempt_at <= {now}");
    for _ in 0..1000 {
        app.app_state.outbox_wake.notify_one();
        if app.count(&due) == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the dispatcher never worked through the due messages");
}
