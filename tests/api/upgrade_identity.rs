//! The upgrade from the last releases' databases to identity (migration 0027, which rebuilds
//! `users` with an explicit state): the release's people keep signing in with their passwords,
//! read as active, and nothing asks them for a second factor until owners turn it on.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tempfile::TempDir;

use crate::helpers::{spawn_app_configured, Browser, TestApp};

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

async fn upgraded() -> (TestApp, Value) {
    let text = std::fs::read_to_string(fixture_path("release-0022-policies.json")).unwrap();
    let fx: Value = serde_json::from_str(&text).unwrap();
    let dir = Arc::new(TempDir::new().unwrap());
    std::fs::copy(
        fixture_path("release-0022-policies.db"),
        dir.path().join("holdpoint.db"),
    )
    .unwrap();
    let public_url = fx["publicUrl"].as_str().unwrap().parse().unwrap();
    let now = fx["readAtMs"].as_i64().unwrap();
    let app = spawn_app_configured(dir, now, |s| s.public_url = Some(public_url)).await;
    (app, fx)
}

#[tokio::test]
async fn the_releases_people_read_as_active_and_sign_in_with_their_password_alone() {
    let (app, fx) = upgraded().await;
    let admin = fx["keys"]["admin"].as_str().unwrap();
    let users: Value = app
        .api
        .get(app.url("/api/users"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let states: Vec<(String, String)> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["email"].as_str().unwrap().into(),
                u["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            ("approver@fixture.example".into(), "active".into()),
            ("owner@fixture.example".into(), "active".into()),
        ]
    );
    for u in fx["users"].as_array().unwrap() {
        let browser = Browser::new(&app.address);
        let email = u["email"].as_str().unwrap();
        let res = browser.login(email, u["password"].as_str().unwrap()).await;
        assert_eq!(res.status(), 303, "{email} signs in");
        assert_eq!(res.headers()["location"], "/", "no second step for {email}");
        assert_eq!(browser.get("/").await.status(), 200);
    }
    let method: String = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT json_extract(details, '$.method') FROM audit_log
                 WHERE event = 'auth.signed_in' ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(method, "password");
}

#[tokio::test]
async fn a_release_database_has_no_second_factor_and_no_workspace_requires_one() {
    let (app, _) = upgraded().await;
    let (factors, required): (i64, i64) = app
        .with_db(|c| {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM users WHERE totp_secret IS NOT NULL)
                      + (SELECT count(*) FROM passkeys),
                        (SELECT count(*) FROM workspaces WHERE require_two_factor = 1)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    assert_eq!((factors, required), (0, 0));
}
