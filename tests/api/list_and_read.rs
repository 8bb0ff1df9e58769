use serde_json::Value;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn reading_a_pause_returns_it_with_an_etag() {
    let app = spawn_app().await;
    let created = app.create_pause("read me").await;
    let res = app.get_pause(created["watchId"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    let etag = res
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["watchId"], created["watchId"]);
    assert_eq!(body["status"], "pending");
    assert!(body["decidedAt"].is_null() && body["decidedBy"].is_null() && body["reason"].is_null());
    // The same state, asked conditionally, is a 304.
    let again = app
        .api
        .get(app.url(&format!(
            "/api/pause/{}",
            created["watchId"].as_str().unwrap()
        )))
        .bearer_auth(&app.key)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn unknown_and_malformed_watch_ids_are_404() {
    let app = spawn_app().await;
    assert_problem(app.get_pause(&uuid::Uuid::now_v7().to_string()).await, 404).await;
    assert_problem(app.get_pause("not-a-uuid").await, 404).await;
}

#[tokio::test]
async fn listing_is_newest_first_with_total_limit_and_offset() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(app.create_pause(&format!("p{i}")).await["watchId"].clone());
    }
    let page: Value = app
        .list_pauses("?limit=2&offset=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 5);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["offset"], 1);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["watchId"], ids[3]);
    assert_eq!(items[1]["watchId"], ids[2]);
    let default: Value = app.list_pauses("").await.json().await.unwrap();
    assert_eq!(default["limit"], 50);
}

#[tokio::test]
async fn listing_filters_by_status() {
    let app = spawn_app().await;
    let a = app.create_pause("a").await;
    app.create_pause("b").await;
    app.cancel_pause(&app.key, a["watchId"].as_str().unwrap())
        .await;
    let pending: Value = app
        .list_pauses("?status=pending")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending["total"], 1);
    assert_eq!(pending["items"][0]["action"], "b");
    let cancelled: Value = app
        .list_pauses("?status=cancelled")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled["total"], 1);
    assert_eq!(cancelled["items"][0]["action"], "a");
}

#[tokio::test]
async fn bad_list_parameters_are_422_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, field) in [
        ("?status=bogus", "status"),
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?limit=ten", "limit"),
        ("?offset=-1", "offset"),
        ("?status=pending&status=approved", "status"),
    ] {
        let problem = assert_problem(app.list_pauses(query).await, 422).await;
        assert_eq!(problem["field"], field, "{query}");
    }
}

#[tokio::test]
async fn a_pause_past_its_expiry_reads_expired_before_the_sweep_and_the_sweep_records_it() {
    let app = spawn_app().await;
    let res = app
        .post_pause_with(
            &app.key,
            &serde_json::json!({ "action": "x", "timeoutSeconds": 10 }),
        )
        .await;
    let watch_id = res.json::<Value>().await.unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    app.clock.advance_secs(11);
    let read = app.get_pause(&watch_id).await;
    let etag_before = read.headers().get("etag").unwrap().clone();
    assert_eq!(read.json::<Value>().await.unwrap()["status"], "expired");
    assert_eq!(app.stored_status(&watch_id), "pending");
    let expired: Value = app
        .list_pauses("?status=expired")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(expired["total"], 1);
    let pending: Value = app
        .list_pauses("?status=pending")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending["total"], 0);

    assert_eq!(app.sweep().await, 1);
    assert_eq!(app.stored_status(&watch_id), "expired");
    let after = app.get_pause(&watch_id).await;
    assert_eq!(
        after.headers().get("etag").unwrap(),
        &etag_before,
        "the sweep must not change what agents see"
    );
    let events: Vec<String> = app
        .audit_events(&watch_id)
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(events, ["pause.created", "pause.expired"]);
    assert_eq!(app.sweep().await, 0);
}

#[tokio::test]
async fn the_agent_cancels_a_pending_pause_once() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app.cancel_pause(&app.key, &watch_id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
    let problem = assert_problem(app.cancel_pause(&app.key, &watch_id).await, 409).await;
    assert_eq!(problem["current"]["status"], "cancelled");
    let events: Vec<String> = app
        .audit_events(&watch_id)
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(events, ["pause.created", "pause.cancelled"]);
}

#[tokio::test]
async fn cancelling_an_expired_pause_is_a_conflict() {
    let app = spawn_app().await;
    let watch_id = app.create_pause("x").await["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    app.clock.advance_secs(901);
    let problem = assert_problem(app.cancel_pause(&app.key, &watch_id).await, 409).await;
    assert_eq!(problem["current"]["status"], "expired");
}

#[tokio::test]
async fn the_agents_json_keeps_its_key_order_everywhere_it_is_returned() {
    let app = spawn_app().await;
    let raw =
        r#"{"action":"x","context":{"zeta":1,"alpha":{"y":2,"b":3}},"metadata":{"z":"1","a":"2"}}"#;
    let created = app
        .post_pause_raw(&app.key, "application/json", raw)
        .await
        .text()
        .await
        .unwrap();
    let expected = r#""context":{"zeta":1,"alpha":{"y":2,"b":3}}"#;
    assert!(created.contains(expected), "{created}");
    let listed = app.list_pauses("").await.text().await.unwrap();
    assert!(listed.contains(expected), "{listed}");
    let watch_id = serde_json::from_str::<Value>(&created).unwrap()["watchId"]
        .as_str()
        .unwrap()
        .to_string();
    app.cancel_pause(&app.key, &watch_id).await;
    let conflict = app
        .cancel_pause(&app.key, &watch_id)
        .await
        .text()
        .await
        .unwrap();
    assert!(conflict.contains(expected), "{conflict}");
}
