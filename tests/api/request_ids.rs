//! Request ids: every response carries `X-Request-Id`, a well-formed incoming one is kept.

use crate::helpers::spawn_app;

fn id_of(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-request-id")
        .expect("every response carries X-Request-Id")
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn every_response_carries_a_fresh_request_id_including_errors_and_404s() {
    let app = spawn_app().await;
    let responses = [
        app.api.get(app.url("/healthz")).send().await.unwrap(),
        app.api.get(app.url("/no/such/page")).send().await.unwrap(),
        app.post_pause_with("hitl_live_wrong", &serde_json::json!({"action": "x"}))
            .await,
        app.api.delete(app.url("/api/pause")).send().await.unwrap(),
        app.post_pause_raw(&app.key, "application/json", "{not json")
            .await,
    ];
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [200, 404, 401, 405, 400]);
    let ids: Vec<String> = responses.iter().map(id_of).collect();
    for id in &ids {
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "ids repeat: {ids:?}");
}

#[tokio::test]
async fn a_well_formed_incoming_request_id_is_echoed_and_a_malformed_one_replaced() {
    let app = spawn_app().await;
    let send = |id: String| {
        let req = app.api.get(app.url("/healthz")).header("x-request-id", id);
        async move { req.send().await.unwrap() }
    };
    assert_eq!(
        id_of(&send("trace-42:abc.DEF_9".into()).await),
        "trace-42:abc.DEF_9"
    );
    for bad in [
        "with space".to_string(),
        "semi;colon".into(),
        "x".repeat(129),
    ] {
        let id = id_of(&send(bad.clone()).await);
        assert_ne!(id, bad);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    }
}
