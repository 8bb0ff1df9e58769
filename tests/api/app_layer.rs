//! The application layer is called without HTTP, as a `holdpoint wait` command or an MCP tool
//! will call it: the server here only provides the services.

use std::time::Duration;

use holdpoint::app;
use holdpoint::app::create::CreatePause;
use holdpoint::app::wait::{Until, Waited};
use holdpoint::domain::api_keys::{self, AuthKey};
use holdpoint::domain::pauses::{NewPause, Status};
use holdpoint::domain::respond::{Responder, Response, Via};
use holdpoint::domain::secrets::sha256;
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp};

fn auth_key(app: &TestApp) -> AuthKey {
    let digest = sha256(app.key.as_bytes());
    app.with_db(|conn| api_keys::authenticate_digest(conn, &digest))
        .unwrap()
        .expect("the test key is live")
}

fn owner_id(app: &TestApp) -> holdpoint::domain::ids::UserId {
    let email = app.owner_email.clone();
    app.with_db(move |conn| {
        Ok(
            conn.query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
                r.get(0)
            })?,
        )
    })
    .unwrap()
}

fn request(key: &AuthKey, body: &[u8]) -> CreatePause {
    CreatePause {
        pause: NewPause {
            workspace_id: key.workspace_id,
            api_key_id: key.id,
            test: key.test,
            action: "Deploy to production".into(),
            context: None,
            metadata: None,
            callback_url: None,
            timeout_secs: None,
            kind: holdpoint::domain::kind::Kind::Approval,
            request_json: None,
            revises: None,
            agent: None,
            run: None,
            risk: holdpoint::domain::policy::Risk::High,
            tool: None,
            autonomy_level: None,
            required_approvals: None,
            on_timeout: None,
        },
        idempotency_key: Some("deploy-1".into()),
        request_hash: sha256(body).to_vec(),
    }
}

#[tokio::test]
async fn a_create_with_the_same_idempotency_key_and_body_replays_the_first_answer() {
    let app = spawn_app().await;
    let services = app.app_state.services();
    let key = auth_key(&app);
    let first = app::create::create(&services, request(&key, b"{}"))
        .await
        .unwrap();
    let again = app::create::create(&services, request(&key, b"{}"))
        .await
        .unwrap();
    assert_eq!(first.status, 201);
    assert_eq!((again.status, &again.body), (201, &first.body));
    assert_eq!(again.location, first.location);
    assert!(again.quota.is_none(), "a replay is not counted");
    assert_eq!(app.count("SELECT count(*) FROM pauses"), 1);
}

#[tokio::test]
async fn a_wait_without_http_ends_when_a_person_responds() {
    let app = spawn_app().await;
    let services = app.app_state.services();
    let key = auth_key(&app);
    let watch_id = app
        .create_watch_id(serde_json::json!({"action": "Deploy"}))
        .await;
    let watch_id = Uuid::parse_str(&watch_id).unwrap();

    let now = app::wait::wait(&services, &key, &watch_id, Duration::ZERO, Until::Settled);
    assert!(matches!(now.await.unwrap(), Waited::Unchanged(_)));

    let waiting = {
        let services = services.clone();
        tokio::spawn(async move {
            let long = Duration::from_secs(30);
            app::wait::wait(&services, &key, &watch_id, long, Until::Settled).await
        })
    };
    let responder = Responder::User {
        user_id: owner_id(&app),
        via: Via::Api,
        auth: holdpoint::domain::identity::auth_context::AuthContext::PASSWORD,
    };
    let response = Response::new(true, None);
    let done = app::respond::respond(&services, responder, watch_id, response)
        .await
        .unwrap()
        .expect("a pending pause takes the response");
    assert_eq!(done.pause.status(app.now()), Status::Approved);

    let waited = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the waiter is woken by the commit")
        .unwrap()
        .unwrap();
    let Waited::Changed(pause) = waited else {
        panic!("the wait should end with the change");
    };
    assert_eq!(pause.status(app.now()), Status::Approved);
}
