//! What a pause asks of a person: a yes/no approval (the default, and every pause before 0.11),
//! questions to answer, or a plan to review.

use super::sql_enum::sql_enum;

sql_enum! {
    /// As stored in `pauses.kind` and sent as the API's `kind`.
    pub enum PauseKind {
        Approval => "approval",
        Question => "question",
        Plan => "plan",
    }
}
