//! The API's request and response types in one place: what agents send and read, what webhooks
//! and Slack receive, and the problem body of every error. The URLs in them are made here, not
//! in the domain. Kept apart from the handlers so that schemas
//! (OpenAPI) can later be derived from them.

pub mod admin;
pub mod agent;
pub mod answer_form;
pub mod channels;
pub mod chat;
pub mod create;
pub mod events;
pub mod ntfy;
pub mod pause;
pub mod policy;
pub mod problem;
pub mod slack;
pub mod slack_nudge;

pub use create::{CreateBody, CreateRequest, OptionBody, QuestionBody};
pub use pause::{EventBody, ListPage, PauseView};
pub use problem::{ProblemBody, ProblemType};
