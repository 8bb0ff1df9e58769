//! How the database's failures read on the wire. The database layer classifies its own faults
//! (`db::health`) and names why a write was not done (`db::WriteError`); the status and words a
//! client gets are chosen here, so `db` never depends on this module.

use super::AppError;
use crate::db::health::{self, Fault};
use crate::db::WriteError;

impl From<crate::db::sql::Error> for AppError {
    /// A full disk is the client's to retry (503), not a 500; a damaged file is recorded for
    /// `/readyz`. Both are logged once per change by `health`.
    fn from(e: crate::db::sql::Error) -> Self {
        match health::fault_of(&e) {
            Some(Fault::StorageFull) => AppError::StorageFull,
            Some(Fault::Damaged) | None => AppError::Db(e),
        }
    }
}

impl From<WriteError> for AppError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Stopped => AppError::Unavailable("the database writer has stopped".into()),
            WriteError::NotCompleted => {
                AppError::Unavailable("the write was not completed; it is safe to retry".into())
            }
            WriteError::NotAccepting => {
                AppError::Unavailable("the database is not accepting writes".into())
            }
            WriteError::StorageFull => AppError::StorageFull,
            WriteError::CommitFailed(text) => {
                AppError::Internal(anyhow::anyhow!("commit failed: {text}"))
            }
        }
    }
}
