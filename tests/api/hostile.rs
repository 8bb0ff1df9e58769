//! Property tests over the real HTTP API: whatever a careless or hostile client sends, the answer
//! is a 2xx or a 4xx problem+json, never a 5xx, a dropped connection or a hang, and the server
//! still creates and reads pauses afterwards. Fixed edge cases are in `hostile_cases.rs`.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};

use crate::hostile_fixture::{sane, Fixture};
use crate::hostile_gen::{
    body, content_type, header_bytes, json_text, near_valid_create, near_valid_decision,
    path_segment, percent,
};

fn post(fx: &Fixture, path: &str, ct: Option<Vec<u8>>, body: Vec<u8>) -> reqwest::RequestBuilder {
    let mut req = fx.client.post(fx.app.url(path)).body(body);
    if let Some(ct) = ct {
        req = req.header("content-type", ct);
    }
    req
}

/// The cases reached the handlers: each of these answers came up at least once.
fn reached(seen: &std::collections::BTreeMap<u16, u32>, wanted: &[u16]) {
    for status in wanted {
        assert!(
            seen.contains_key(status),
            "no case answered {status}: {seen:?}"
        );
    }
}

/// A fresh pending pause for the decide and cancel properties.
async fn pending(fx: &Fixture) -> Result<String, TestCaseError> {
    let res = fx
        .client
        .post(fx.app.url("/api/pause"))
        .bearer_auth(&fx.app.key)
        .json(&json!({ "action": "target" }))
        .send()
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let v: Value = res.json().await.unwrap();
    Ok(v["watchId"].as_str().unwrap().to_string())
}

#[test]
fn random_create_bodies_get_a_2xx_or_a_4xx_problem() {
    let fx = Fixture::new();
    let bodies = prop_oneof![body(), near_valid_create()];
    let seen = fx.check(192, (bodies, content_type()), |fx, (body, ct)| {
        fx.rt.block_on(async {
            let req = post(fx, "/api/pause", ct, body).bearer_auth(&fx.app.key);
            sane(req.send().await, "create").await
        })
    });
    reached(&seen, &[201, 400, 415, 422]);
}

#[test]
fn random_decisions_get_a_2xx_or_a_4xx_problem() {
    let fx = Fixture::new();
    let token = fx.csrf.clone();
    let form = (
        any::<bool>(),
        any::<bool>(),
        any::<String>(),
        "[a-z&=%0-9+]{0,40}",
    )
        .prop_map(move |(approved, with_token, reason, junk)| {
            let token = if with_token { token.as_str() } else { "forged" };
            let reason = percent(reason.as_bytes());
            let body = format!("approved={approved}&reason={reason}&csrf_token={token}&{junk}");
            (
                Some(b"application/x-www-form-urlencoded".to_vec()),
                body.into_bytes(),
            )
        });
    let strategy = prop_oneof![
        2 => (content_type(), body()),
        2 => (content_type(), near_valid_decision()),
        1 => form,
    ];
    let seen = fx.check(160, (strategy, any::<bool>()), |fx, ((ct, body), html)| {
        fx.rt.block_on(async {
            let id = pending(fx).await?;
            let mut req = fx
                .browser
                .client
                .post(fx.app.url(&format!("/api/pause/{id}/approve")))
                .timeout(std::time::Duration::from_secs(10))
                .header("x-csrf-token", &fx.csrf)
                .body(body);
            if let Some(ct) = ct {
                req = req.header("content-type", ct);
            }
            if html {
                req = req.header("accept", "text/html");
            }
            let res = req.send().await;
            // A browser form answers with a page or a redirect; everything else is JSON.
            let res = res.map_err(|e| TestCaseError::fail(format!("decide: {e:?}")))?;
            let status = res.status().as_u16();
            let is_page = res
                .headers()
                .get("content-type")
                .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
            if html && (status == 303 || is_page) {
                prop_assert!(status < 500, "decide page answered {}", status);
                return Ok(status);
            }
            sane(Ok(res), "decide").await
        })
    });
    reached(&seen, &[200, 422]);
}

#[test]
fn cancels_of_random_ids_with_random_bodies_get_a_2xx_or_a_4xx_problem() {
    let fx = Fixture::new();
    let target = prop_oneof![1 => Just(None), 2 => path_segment().prop_map(Some)];
    let seen = fx.check(
        128,
        (target, body(), content_type()),
        |fx, (seg, body, ct)| {
            fx.rt.block_on(async {
                let seg = match seg {
                    Some(s) => s,
                    None => pending(fx).await?,
                };
                let path = format!("/api/pause/{seg}/cancel");
                let req = post(fx, &path, ct, body).bearer_auth(&fx.app.key);
                sane(req.send().await, &path).await
            })
        },
    );
    reached(&seen, &[200, 404]);
}

#[test]
fn reads_of_random_ids_get_a_2xx_or_a_4xx_problem() {
    let fx = Fixture::new();
    let seen = fx.check(
        128,
        (path_segment(), any::<bool>()),
        |fx, (seg, approve)| {
            fx.rt.block_on(async {
                let path = format!("/api/pause/{seg}");
                let res = fx.client.get(fx.app.url(&path)).bearer_auth(&fx.app.key);
                let status = sane(res.send().await, &path).await?;
                prop_assert!(status == 404 || status == 400, "{}: {}", path, status);
                // The approve path with a session, too (its own id parsing).
                if approve {
                    let res = fx
                        .browser
                        .client
                        .post(fx.app.url(&format!("{path}/approve")))
                        .timeout(std::time::Duration::from_secs(10))
                        .header("x-csrf-token", &fx.csrf)
                        .json(&json!({ "approved": true }))
                        .send()
                        .await;
                    sane(res, "approve of a random id").await?;
                }
                Ok(404)
            })
        },
    );
    reached(&seen, &[404]);
}

/// Parameter values that a careless client might send.
fn param_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "-1",
            "0",
            "1",
            "50",
            "200",
            "201",
            "1e99",
            "1e30",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "-5",
            "0x10",
            "+5",
            " 5",
            "5 ",
            "5s",
            "55",
            "56",
            "30s",
            "1.5",
            "",
            "pending",
            "unknown",
            "PENDING",
            "%00",
            "%ff",
            "%",
            "%%",
            "=",
            "&",
            "99999999999999999999999",
            "-9223372036854775808",
            "18446744073709551616",
        ])
        .prop_map(str::to_string),
        any::<String>().prop_map(|s| percent(s.as_bytes())),
        "[ -~]{0,30}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        4 => prop::sample::select(vec!["limit", "offset", "status", "cursor", "wait"])
            .prop_map(str::to_string),
        1 => "[ -~]{0,12}",
    ];
    prop::collection::vec((name, param_value()), 0..6).prop_map(|params| {
        let parts: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.join("&")
    })
}

#[test]
fn absurd_list_and_long_poll_queries_get_a_2xx_or_a_4xx_problem() {
    let fx = Fixture::new();
    // A cancelled pause: any wait that happens to be valid answers at once.
    let done = fx.rt.block_on(async {
        let c = fx.app.create_pause("done").await;
        let id = c["watchId"].as_str().unwrap().to_string();
        assert_eq!(fx.app.cancel_pause(&fx.app.key, &id).await.status(), 200);
        id
    });
    let seen = fx.check(192, (query(), any::<bool>()), |fx, (q, poll)| {
        fx.rt.block_on(async {
            let path = if poll {
                format!("/api/pause/{done}?{q}")
            } else {
                format!("/api/pause?{q}")
            };
            let res = fx.client.get(fx.app.url(&path)).bearer_auth(&fx.app.key);
            sane(res.send().await, &path).await
        })
    });
    reached(&seen, &[200, 422]);
}

#[test]
fn random_headers_on_create_get_a_2xx_or_a_4xx_problem() {
    let fx = Fixture::new();
    let idem = prop_oneof![
        2 => Just(b"agent-retry-1".to_vec()),
        1 => "[!-~]{1,255}".prop_map(String::into_bytes),
        1 => header_bytes(300),
        1 => (1usize..12_000).prop_map(|n| vec![b'k'; n]),
        1 => Just("clé-ключ-鍵".as_bytes().to_vec()),
    ];
    let auth = prop_oneof![
        3 => Just(None),
        1 => header_bytes(200).prop_map(Some),
    ];
    let strategy = (idem, auth, header_bytes(100), json_text());
    let seen = fx.check(128, strategy, |fx, (idem, auth, accept, context)| {
        fx.rt.block_on(async {
            let body = format!(r#"{{"action":"headers","context":{context}}}"#);
            let mut req = post(
                fx,
                "/api/pause",
                Some(b"application/json".to_vec()),
                body.into(),
            )
            .header("idempotency-key", idem)
            .header("accept", accept)
            .header("x-junk", "é".repeat(100));
            req = match auth {
                Some(a) => req.header("authorization", a),
                None => req.bearer_auth(&fx.app.key),
            };
            sane(req.send().await, "create with random headers").await
        })
    });
    reached(&seen, &[201, 401, 422]);
}
