//! The receipt signing keys and lifetime (issue 23): one key made at the first start and kept
//! across restarts, rotation picked up by a running server with the old key published for its
//! keep window, and the policy setting `receiptTtlSeconds` (60 to 86400) in `exp`.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::cli::holdpoint;
use crate::helpers::{assert_problem, spawn_app, spawn_app_in};
use crate::quorum_support::{admin, decide_key, id, key_decides, pause, read, settings, team};
use crate::receipts_support::{assert_receipt, jwks, kids, verify};
use holdpoint::domain::audit::Actor;
use holdpoint::domain::receipts::keys::{self, KEEP_RETIRED_MS};

#[tokio::test]
async fn the_first_start_makes_one_key_and_a_restart_keeps_it() {
    let app = spawn_app().await;
    let first = kids(&jwks(&app).await);
    assert_eq!(first.len(), 1);
    let (dir, now) = (Arc::clone(&app.dir), app.now());
    app.handle.stop(true).await;
    drop(app);
    let again = spawn_app_in(dir, now).await;
    assert_eq!(kids(&jwks(&again).await), first);
    assert_eq!(again.count("SELECT count(*) FROM signing_keys"), 1);
}

#[tokio::test]
async fn a_rotated_key_signs_new_receipts_and_the_old_one_is_published_for_its_keep_window() {
    let (app, _) = team(&[]).await;
    let backend = decide_key(&app, "approver-bot", Actor::Cli);
    let before = pause(&app, json!({"action": "Before"})).await;
    key_decides(&app, &backend, &id(&before), true).await;
    let before = read(&app, &id(&before)).await;
    let old_kid = kids(&jwks(&app).await).remove(0);
    let now = app.now();
    let new_kid = app.with_db(|c| keys::rotate(c, now)).unwrap();
    let after = pause(&app, json!({"action": "After"})).await;
    key_decides(&app, &backend, &id(&after), true).await;
    let after = read(&app, &id(&after)).await;
    let published = jwks(&app).await;
    assert_eq!(
        kids(&published),
        [new_kid.clone(), old_kid.clone()],
        "the signer first"
    );
    assert_eq!(
        verify(after["receipt"].as_str().unwrap(), &published)
            .unwrap()
            .0["kid"],
        new_kid
    );
    assert_eq!(
        verify(before["receipt"].as_str().unwrap(), &published)
            .unwrap()
            .0["kid"],
        old_kid
    );
    // The longest receipt lifetime (receiptTtlSeconds at most: 86400 s) plus a day: 2 days.
    assert_eq!(KEEP_RETIRED_MS, 2 * 86_400_000);
    let window_ends = now + KEEP_RETIRED_MS;
    let at = |t| app.with_db(move |c| keys::published(c, t)).unwrap();
    assert_eq!(
        at(window_ends - 1).len(),
        2,
        "kept for the longest lifetime plus a day"
    );
    assert_eq!(
        at(window_ends)
            .iter()
            .map(|k| k.kid.clone())
            .collect::<Vec<_>>(),
        [new_kid]
    );
    app.clock.advance_secs(KEEP_RETIRED_MS / 1000);
    assert_eq!(
        kids(&jwks(&app).await).len(),
        1,
        "the served JWKS drops it too"
    );
}

#[tokio::test]
async fn the_cli_rotates_the_key_of_a_running_server_and_lists_it_without_secrets() {
    let (app, _) = team(&[]).await;
    let backend = decide_key(&app, "approver-bot", Actor::Cli);
    let (ok, out, err) = holdpoint(app.dir.path(), &["signing-key", "rotate"], None);
    assert!(ok, "{err}");
    let new_kid = out.trim().to_string();
    let p = pause(&app, json!({"action": "After rotation"})).await;
    key_decides(&app, &backend, &id(&p), true).await;
    let p = read(&app, &id(&p)).await;
    assert_eq!(
        verify(p["receipt"].as_str().unwrap(), &jwks(&app).await)
            .unwrap()
            .0["kid"],
        new_kid
    );
    let (ok, listed, _) = holdpoint(app.dir.path(), &["signing-key", "list"], None);
    assert!(ok);
    assert_eq!(listed.lines().count(), 3, "a header and two keys: {listed}");
    assert!(
        listed.lines().nth(1).unwrap().starts_with(&new_kid),
        "{listed}"
    );
    let seed: Vec<u8> = app
        .with_db(|c| Ok(c.query_row("SELECT private_key FROM signing_keys", [], |r| r.get(0))?))
        .unwrap_or_default();
    let seed_b64 = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &seed);
    assert!(!listed.contains(&seed_b64) && !err.contains(&seed_b64));
    let audited = "SELECT count(*) FROM audit_log WHERE event = 'signing_key.rotated'";
    assert_eq!(app.count(audited), 1);
}

#[tokio::test]
async fn receipt_ttl_seconds_is_60_to_86400_and_sets_exp_at_decision_time() {
    let (app, admin_key) = team(&[]).await;
    let get = admin(
        &app,
        &admin_key,
        reqwest::Method::GET,
        "/api/policy/settings",
        Value::Null,
    );
    let shown: Value = get.await.json().await.unwrap();
    assert_eq!(shown["receiptTtlSeconds"], 900);
    for bad in [
        json!(59),
        json!(86401),
        json!(-1),
        json!(1e12),
        json!("900"),
    ] {
        let res = admin(
            &app,
            &admin_key,
            reqwest::Method::PATCH,
            "/api/policy/settings",
            json!({"receiptTtlSeconds": bad}),
        )
        .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["field"], "receiptTtlSeconds", "{bad}: {problem}");
    }
    settings(&app, &admin_key, json!({"receiptTtlSeconds": 86400})).await;
    settings(&app, &admin_key, json!({"receiptTtlSeconds": 60})).await;
    let backend = decide_key(&app, "approver-bot", Actor::Cli);
    let p = pause(&app, json!({"action": "Short-lived"})).await;
    key_decides(&app, &backend, &id(&p), true).await;
    let p = read(&app, &id(&p)).await;
    let claims = assert_receipt(&app, &p, 60).await;
    settings(&app, &admin_key, json!({"receiptTtlSeconds": 86400})).await;
    let again = read(&app, &id(&p)).await;
    assert_eq!(
        again["receipt"], p["receipt"],
        "a later setting does not re-sign"
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );
}

#[tokio::test]
async fn the_jwks_is_public() {
    let app = spawn_app().await;
    let res = app
        .api
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let key = &body["keys"][0];
    assert_eq!(
        (
            key["kty"].clone(),
            key["crv"].clone(),
            key["alg"].clone(),
            key["use"].clone()
        ),
        (json!("OKP"), json!("Ed25519"), json!("EdDSA"), json!("sig"))
    );
    assert_eq!(key.as_object().unwrap().len(), 6, "{key}");
}
