//! The PostgreSQL migration tree (filled by the baseline).
pub(crate) const PG_MIGRATIONS: &[(&str, &str)] = &[];
