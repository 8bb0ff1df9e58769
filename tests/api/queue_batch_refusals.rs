//! `POST /queue/batch` refuses a form that cannot be a batch as a whole, with nothing decided:
//! no pause, more than 200, an id that is not one, an unknown decision, a reason too long, or a
//! missing or wrong CSRF token.

use reqwest::StatusCode;

use crate::helpers::{spawn_app, Browser};
use crate::manage_keys::post_without_csrf;
use crate::queue_batch::{approvals, batch, refs};

#[tokio::test]
async fn two_hundred_ids_are_one_batch_and_two_hundred_and_one_are_refused_with_nothing_decided() {
    let app = spawn_app().await;
    let real = approvals(&app, 2).await;
    let b = app.sign_in(&app.owner_email).await;
    let mut ids: Vec<String> = (0..198).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    ids.extend(real.iter().cloned());
    ids.push(uuid::Uuid::now_v7().to_string());
    let (status, html) = batch(&b, &refs(&ids), "approve", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("at most 200 pauses at once (201 were selected)"),
        "{html}"
    );
    assert!(html.contains("nothing was decided"), "{html}");
    assert_eq!(app.stored_status(&real[0]), "pending");
    ids.pop();
    let (status, html) = batch(&b, &refs(&ids), "approve", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2 approved, 198 not found."), "{html}");
    assert_eq!(html.matches("class=\"batch-row\"").count(), 200);
}

#[tokio::test]
async fn a_batch_without_pauses_or_with_a_bad_field_is_refused_with_nothing_decided() {
    let app = spawn_app().await;
    let id = approvals(&app, 1).await.remove(0);
    let b = app.sign_in(&app.owner_email).await;
    let long = "x".repeat(2001);
    for (ids, decision, reason, says) in [
        (vec![], "approve", "", "Select at least one pause"),
        (
            vec![id.as_str(), "not-an-id"],
            "approve",
            "",
            "“not-an-id” is not a pause",
        ),
        (
            vec![id.as_str()],
            "maybe",
            "",
            "A batch decision is approve or reject",
        ),
        (
            vec![id.as_str()],
            "reject",
            long.as_str(),
            "at most 2000 characters",
        ),
    ] {
        let (status, html) = batch(&b, &ids, decision, reason).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{says}");
        assert!(html.contains(says), "{says}: {html}");
        assert!(html.contains("nothing was decided"), "{html}");
    }
    assert_eq!(app.stored_status(&id), "pending");
}

#[tokio::test]
async fn a_batch_without_the_sessions_csrf_token_is_refused_and_decides_nothing() {
    let app = spawn_app().await;
    let id = approvals(&app, 1).await.remove(0);
    let b = app.sign_in(&app.owner_email).await;
    let fields = [("watch_id", id.as_str()), ("decision", "approve")];
    let res = post_without_csrf(&b, "/queue/batch", &fields).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let mut wrong = fields.to_vec();
    wrong.push(("csrf_token", "not-the-token"));
    let res = post_without_csrf(&b, "/queue/batch", &wrong).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.stored_status(&id), "pending");
    let signed_out = Browser::new(&app.address);
    let res = post_without_csrf(&signed_out, "/queue/batch", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.stored_status(&id), "pending");
}
