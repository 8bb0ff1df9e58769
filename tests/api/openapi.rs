//! The OpenAPI document cannot drift from the code: every route of the table is in it and it
//! names no other, every problem type is listed and none that does not exist is named, and the
//! test server records every answer whose status the document does not list for its route
//! (`holdpoint::http::api::openapi::check`, which fails the test that caused it).

use std::collections::BTreeSet;

use holdpoint::domain::event_type::EventType;
use holdpoint::http::api::openapi::check::{undocumented, NOT_YET_DOCUMENTED};
use holdpoint::http::api::routes::ROUTES;
use holdpoint::wire::ProblemType;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};

/// Problem types that only the parts not merged yet (see `NOT_YET_DOCUMENTED`) name. Empty it
/// with that list.
const NAMED_ONLY_BY_NOT_YET_DOCUMENTED: &[&str] = &[];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn served(app: &TestApp) -> Value {
    let res = app
        .api
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    res.json().await.unwrap()
}

/// `(METHOD, path)` of every operation in the document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

#[tokio::test]
async fn every_route_of_the_table_is_in_the_served_document_with_its_method() {
    let app = spawn_app().await;
    let documented = operations(&served(&app).await);
    let missing: Vec<_> = ROUTES
        .iter()
        .filter(|r| !NOT_YET_DOCUMENTED.contains(&r.path))
        .filter(|r| !documented.contains(&(r.method.to_string(), r.path.to_string())))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(missing.is_empty(), "not in the document: {missing:?}");
}

#[tokio::test]
async fn the_document_has_no_path_or_method_that_the_table_does_not_route() {
    let app = spawn_app().await;
    let doc = served(&app).await;
    let extra: Vec<_> = operations(&doc)
        .into_iter()
        .filter(|(m, p)| !ROUTES.iter().any(|r| r.method == m && r.path == p))
        .collect();
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");
    let paths = doc["paths"].as_object().unwrap();
    for path in NOT_YET_DOCUMENTED {
        assert!(
            ROUTES.iter().any(|r| r.path == *path),
            "{path} is not in the table"
        );
        assert!(
            !paths.contains_key(*path),
            "{path} is documented now: take it out of NOT_YET_DOCUMENTED so its answers are checked"
        );
    }
}

#[tokio::test]
async fn every_problem_type_is_listed_on_the_problem_schema_with_its_title_and_status() {
    let app = spawn_app().await;
    let doc = served(&app).await;
    let uri = &doc["components"]["schemas"]["ProblemTypeUri"];
    let listed: Vec<&str> = uri["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let all: Vec<String> = ProblemType::ALL.iter().map(|p| p.uri()).collect();
    assert_eq!(listed, all);
    for (p, row) in ProblemType::ALL
        .iter()
        .zip(uri["x-problem-types"].as_array().unwrap())
    {
        assert_eq!(row["slug"], p.slug());
        assert_eq!(row["title"], p.title());
        assert_eq!(row["status"], p.status().as_u16());
    }
    let problem_type = &doc["components"]["schemas"]["Problem"]["properties"]["type"];
    assert_eq!(problem_type["$ref"], "#/components/schemas/ProblemTypeUri");
}

/// The backticked words of a problem response's description that look like slugs.
fn named_slugs(text: &str) -> Vec<&str> {
    let is_slug = |w: &&str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '-');
    text.split('`').skip(1).step_by(2).filter(is_slug).collect()
}

/// Every problem response of every operation: `(METHOD path, status, description)`.
fn problem_responses(doc: &Value) -> Vec<(String, u16, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            for (status, res) in item[*method]["responses"].as_object().unwrap() {
                if res["content"].get("application/problem+json").is_some() {
                    let at = format!("{} {path}", method.to_uppercase());
                    let text = res["description"].as_str().unwrap_or("").to_string();
                    out.push((at, status.parse().unwrap(), text));
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn each_problem_response_names_real_problem_types_of_its_own_status() {
    let app = spawn_app().await;
    let doc = served(&app).await;
    for (at, status, text) in problem_responses(&doc) {
        let named = named_slugs(&text);
        let types: Vec<_> = named
            .iter()
            .filter_map(|s| ProblemType::from_slug(s))
            .collect();
        assert!(
            !types.is_empty(),
            "{at} {status} names no problem type: {text}"
        );
        for slug in named.iter().filter(|s| s.contains('-')) {
            assert!(
                ProblemType::from_slug(slug).is_some(),
                "{at} {status} names `{slug}`, no problem type"
            );
        }
        for p in types {
            assert_eq!(
                p.status().as_u16(),
                status,
                "{at} lists `{}` under {status}",
                p.slug()
            );
        }
    }
}

#[tokio::test]
async fn every_problem_type_is_named_by_an_operation_or_the_document_description() {
    let app = spawn_app().await;
    let doc = served(&app).await;
    let mut named: BTreeSet<String> = problem_responses(&doc)
        .iter()
        .flat_map(|(_, _, text)| {
            named_slugs(text)
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let description = doc["info"]["description"].as_str().unwrap();
    named.extend(named_slugs(description).into_iter().map(str::to_string));
    let unnamed: Vec<_> = ProblemType::ALL
        .iter()
        .map(|p| p.slug())
        .filter(|s| !named.contains(*s) && !NAMED_ONLY_BY_NOT_YET_DOCUMENTED.contains(s))
        .collect();
    assert!(
        unnamed.is_empty(),
        "no operation can answer these: {unnamed:?}"
    );
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_both_security_schemes_and_every_webhook_event() {
    let app = spawn_app().await;
    let doc = served(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Holdpoint");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["apiKey"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    let webhooks: Vec<&String> = doc["webhooks"].as_object().unwrap().keys().collect();
    let events: Vec<&str> = EventType::WEBHOOK
        .iter()
        .chain([&EventType::Ping])
        .map(|e| e.as_str())
        .collect();
    assert_eq!(webhooks, events);
    let signed = &doc["webhooks"]["pause.approved"]["post"]["parameters"];
    let headers: Vec<&str> = signed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        headers,
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
    );
}

#[tokio::test]
async fn the_document_is_served_without_a_key_and_is_what_holdpoint_openapi_prints() {
    let app = spawn_app().await;
    let res = app
        .api
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    assert_eq!(body, holdpoint::http::api::openapi::json());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_holdpoint"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), body);
    // And the test server checks every answer against it (see the harness's `Drop`).
    assert!(app.app_state.settings.check_openapi);
}

#[test]
fn the_check_finds_a_status_its_route_does_not_document_and_skips_the_global_answers() {
    assert_eq!(undocumented("GET", "/healthz", 200), None);
    let miss = undocumented("GET", "/healthz", 418).expect("418 is not documented");
    assert!(miss.contains("GET /healthz answered 418"), "{miss}");
    // A method the path does not accept (405) and a path outside the table (404) are global.
    assert_eq!(undocumented("DELETE", "/api/pause", 405), None);
    assert_eq!(undocumented("GET", "/no-such-path", 404), None);
}
