//! The API's request and response types in one place: what agents send and read, what webhooks
//! carry, and the problem body of every error. Kept apart from the handlers so that schemas
//! (OpenAPI) can later be derived from them.

pub mod create;
pub mod pause;
pub mod problem;

pub use create::{CreateBody, CreateRequest};
pub use pause::{EventBody, ListPage, PauseView};
pub use problem::{ProblemBody, ProblemType};
