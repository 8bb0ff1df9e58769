//! What a pause asks of a person: the `kind` of `POST /api/pause`, stored in `pauses.kind`.

use super::sql_enum::sql_enum;

sql_enum! {
    #[schema(as = PauseKind)]
    /// What is asked. Approvals are every pause before kinds existed, and the default.
    pub enum Kind {
        /// Yes or no: `approved` or `rejected`.
        Approval => "approval",
        /// Questions to answer: `answered`.
        Question => "question",
        /// A plan to review: `approved`, or `changes_requested` with feedback.
        Plan => "plan",
    }
}
