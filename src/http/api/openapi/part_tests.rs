//! The fleet, policy and admin parts hold exactly their routes, each with a tag, a problem body
//! on every error status, and a security requirement; the merged document serialises.

use std::collections::BTreeSet;

use serde_json::Value;
use utoipa::OpenApi;

use super::super::{admin::AdminDoc, document, fleet::FleetDoc, policy::PolicyDoc};

fn json(doc: utoipa::openapi::OpenApi) -> Value {
    serde_json::to_value(doc).expect("the document serialises")
}

/// Every `METHOD path` the part documents.
fn operations(doc: &Value) -> BTreeSet<String> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            ops.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    ops
}

fn set(ops: &[&str]) -> BTreeSet<String> {
    ops.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_fleet_part_documents_exactly_the_agents_and_runs_routes() {
    let want = set(&[
        "GET /api/agents",
        "POST /api/agents/stop-all",
        "POST /api/agents/resume-all",
        "GET /api/agents/{agent}",
        "DELETE /api/agents/{agent}",
        "GET /api/agents/{agent}/control",
        "POST /api/agents/{agent}/heartbeat",
        "POST /api/agents/{agent}/pause",
        "POST /api/agents/{agent}/resume",
        "POST /api/agents/{agent}/cancel",
        "POST /api/agents/{agent}/guide",
        "POST /api/agents/{agent}/approve/{watch_id}",
        "POST /api/runs/{run}/cancel",
    ]);
    assert_eq!(operations(&json(FleetDoc::openapi())), want);
}

#[test]
fn the_policy_part_documents_exactly_the_policy_rules_groups_and_channels_routes() {
    let want = set(&[
        "POST /api/policy/explain",
        "GET /api/policy/settings",
        "PATCH /api/policy/settings",
        "GET /api/rules",
        "POST /api/rules",
        "GET /api/rules/{id}",
        "PATCH /api/rules/{id}",
        "DELETE /api/rules/{id}",
        "GET /api/groups",
        "POST /api/groups",
        "GET /api/groups/{name}",
        "PATCH /api/groups/{name}",
        "DELETE /api/groups/{name}",
        "GET /api/channels",
        "PATCH /api/channels",
        "GET /api/groups/{name}/channels",
        "PATCH /api/groups/{name}/channels",
    ]);
    assert_eq!(operations(&json(PolicyDoc::openapi())), want);
}

#[test]
fn the_admin_part_documents_exactly_the_workspace_administration_routes() {
    let want = set(&[
        "GET /api/webhooks",
        "POST /api/webhooks",
        "GET /api/webhooks/{id}",
        "PATCH /api/webhooks/{id}",
        "DELETE /api/webhooks/{id}",
        "POST /api/webhooks/{id}/test",
        "GET /api/keys",
        "POST /api/keys",
        "GET /api/keys/{id}",
        "PATCH /api/keys/{id}",
        "DELETE /api/keys/{id}",
        "GET /api/audit",
        "GET /api/settings",
        "PATCH /api/settings",
        "GET /api/users",
    ]);
    assert_eq!(operations(&json(AdminDoc::openapi())), want);
}

/// Each operation of the three parts: its tag is the part's, every 4xx/5xx answer is a problem,
/// and it says which credentials it takes.
#[test]
fn every_operation_of_the_three_parts_is_tagged_secured_and_answers_errors_as_problems() {
    let parts = [
        (FleetDoc::openapi(), "agents"),
        (PolicyDoc::openapi(), "policy"),
        (AdminDoc::openapi(), "admin"),
    ];
    for (part, tag) in parts {
        let doc = json(part);
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("a path item") {
                let at = format!("{method} {path}");
                assert_eq!(op["tags"], serde_json::json!([tag]), "{at}");
                assert!(op["operationId"].is_string(), "{at} has no operationId");
                assert!(
                    op["security"].as_array().is_some_and(|s| !s.is_empty()),
                    "{at}"
                );
                let responses = op["responses"].as_object().expect("responses");
                assert!(responses.contains_key("401"), "{at} documents no 401");
                for (status, response) in responses {
                    if status.starts_with('4') || status.starts_with('5') {
                        let schema = &response["content"]["application/problem+json"]["schema"];
                        assert_eq!(
                            schema["$ref"], "#/components/schemas/Problem",
                            "{at} {status}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_merged_document_serialises_with_every_schema_it_refers_to() {
    let text = document().to_json().expect("the document serialises");
    let doc: Value = serde_json::from_str(&text).expect("it is JSON");
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut missing = BTreeSet::new();
    let refs = text.split("\"$ref\":\"#/components/schemas/").skip(1);
    for name in refs.filter_map(|rest| rest.split('"').next()) {
        if !schemas.contains_key(name) {
            missing.insert(name.to_string());
        }
    }
    assert!(missing.is_empty(), "refers to missing schemas: {missing:?}");
}

/// Generators name methods after operation ids: two alike would make one client method.
#[test]
fn no_two_operations_of_the_merged_document_share_an_operation_id() {
    let doc = json(document());
    let mut seen = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            assert!(seen.insert(id.clone()), "{method} {path} repeats `{id}`");
        }
    }
}

/// An agent that has nothing to report heartbeats with an empty body.
#[test]
fn a_heartbeat_body_is_optional_but_not_nullable() {
    let doc = json(FleetDoc::openapi());
    let body = &doc["paths"]["/api/agents/{agent}/heartbeat"]["post"]["requestBody"];
    assert_eq!(body["required"], false);
    let schema = &body["content"]["application/json"]["schema"];
    assert_eq!(schema["$ref"], "#/components/schemas/Heartbeat");
}

/// `GET /api/agents` takes an empty `state` or `control` as no filter, so they are documented
/// as patterns rather than the enums; the patterns must list exactly the enums' texts.
#[test]
fn the_fleet_filters_name_every_state_and_control() {
    use crate::domain::agents::{AgentState, Control};
    let doc = json(FleetDoc::openapi());
    let params = doc["paths"]["/api/agents"]["get"]["parameters"]
        .as_array()
        .expect("params");
    let pattern = |name: &str| {
        let p = params
            .iter()
            .find(|p| p["name"] == name)
            .expect("the parameter");
        p["schema"]["pattern"]
            .as_str()
            .expect("a pattern")
            .to_string()
    };
    let texts = |all: Vec<&str>| format!("^({})?$", all.join("|"));
    let states = AgentState::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(pattern("state"), texts(states));
    let controls = Control::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(pattern("control"), texts(controls));
}
