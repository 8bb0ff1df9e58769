//! The agent-facing JSON API.

pub mod agent_approve;
pub mod agent_controls;
pub mod agents;
pub mod answer;
pub mod auth;
pub mod channels;
pub mod create;
pub mod create_body;
mod create_plan;
pub mod create_questions;
pub mod decide;
pub mod decide_extras;
mod decide_form;
pub mod decider;
pub mod groups;
pub mod health;
pub mod key_cache;
pub mod keys;
pub mod metrics;
mod nullable;
pub mod openapi;
pub mod outcome;
pub mod pauses;
pub mod policy;
pub mod routes;
pub mod webhooks;
pub mod workspace;
