//! PostgreSQL migrations, the twin of the SQLite list in `migrations()` (see
//! migrations/pg/README.md).
//!
//! The PostgreSQL tree starts with a baseline: `0001_baseline.sql` equals the schema SQLite has
//! after migration `0028_receipts.sql`, that is after all 27 entries of `migrations()` (the
//! files 0001 to 0028; there is no 0017). From then on every schema change ships as twin files
//! with the same name, `migrations/NNNN_x.sql` for SQLite and `migrations/pg/NNNN_x.sql` for
//! PostgreSQL, and the PostgreSQL one is appended here.
//!
//! Nothing but a test enforces the twin: `pg_schema_tests` builds both schemas (SQLite through
//! [`super::migrate`], PostgreSQL by running this list in order) and fails on any difference,
//! and fails when a SQLite migration after [`BASELINE_COVERS`] has no PostgreSQL file of the
//! same name.

/// The last SQLite migration file the PostgreSQL baseline covers.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const BASELINE_COVERS: &str = "0028_receipts.sql";

/// The PostgreSQL migrations in the order they run: (file name in `migrations/pg/`, its SQL).
/// Each runs in its own transaction.
pub(crate) const PG_MIGRATIONS: &[(&str, &str)] = &[(
    "0001_baseline.sql",
    include_str!("../../migrations/pg/0001_baseline.sql"),
)];
