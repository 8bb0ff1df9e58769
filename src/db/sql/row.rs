//! Rows of either engine, read column by column into [`FromSql`] types.

use super::pg;
use super::value::{FromSql, ValueRef};
use super::{Error, Result};

/// A column by position or by name.
pub trait RowIndex: rusqlite::RowIndex + Copy + std::fmt::Display {
    fn position(&self, row: &postgres::Row) -> Option<usize>;
}

impl RowIndex for usize {
    fn position(&self, row: &postgres::Row) -> Option<usize> {
        (*self < row.len()).then_some(*self)
    }
}

impl RowIndex for &str {
    fn position(&self, row: &postgres::Row) -> Option<usize> {
        row.columns().iter().position(|c| c.name() == *self)
    }
}

/// One row, borrowed from its statement.
pub enum Row<'r> {
    Lite(&'r rusqlite::Row<'r>),
    Pg(&'r postgres::Row),
}

impl Row<'_> {
    /// Column `idx` as `T`; a NULL or a value of another class is an error unless `T` allows it.
    pub fn get<I: RowIndex, T: FromSql>(&self, idx: I) -> Result<T> {
        let value = self.get_ref(idx)?;
        T::column_result(value).map_err(|e| match e {
            Error::Conversion(msg) => Error::Conversion(format!("column {idx}: {msg}")),
            e => e,
        })
    }

    /// The raw value of column `idx`.
    pub fn get_ref<I: RowIndex>(&self, idx: I) -> Result<ValueRef<'_>> {
        match self {
            Row::Lite(r) => lite_value(r.get_ref(idx)?),
            Row::Pg(r) => {
                let at = idx
                    .position(r)
                    .ok_or_else(|| Error::Conversion(format!("no column {idx}")))?;
                pg::value(r, at)
            }
        }
    }
}

fn lite_value(v: rusqlite::types::ValueRef<'_>) -> Result<ValueRef<'_>> {
    use rusqlite::types::ValueRef as R;
    Ok(match v {
        R::Null => ValueRef::Null,
        R::Integer(i) => ValueRef::Integer(i),
        R::Real(f) => ValueRef::Real(f),
        R::Text(t) => ValueRef::Text(
            std::str::from_utf8(t).map_err(|e| Error::Conversion(format!("not UTF-8: {e}")))?,
        ),
        R::Blob(b) => ValueRef::Blob(b),
    })
}

/// The rows of a query, one at a time.
pub enum Rows<'s> {
    Lite(rusqlite::Rows<'s>),
    Pg {
        rows: std::vec::IntoIter<postgres::Row>,
        current: Option<postgres::Row>,
    },
}

impl Rows<'_> {
    pub(super) fn pg(rows: Vec<postgres::Row>) -> Self {
        Rows::Pg {
            rows: rows.into_iter(),
            current: None,
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Lite(rows) => Ok(rows.next()?.map(Row::Lite)),
            Rows::Pg { rows, current } => {
                *current = rows.next();
                Ok(current.as_ref().map(Row::Pg))
            }
        }
    }
}

/// The rows of a query, each read through `f`.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    f: F,
}

impl<'s, F> MappedRows<'s, F> {
    pub(super) fn new(rows: Rows<'s>, f: F) -> Self {
        MappedRows { rows, f }
    }
}

impl<T, F: FnMut(&Row<'_>) -> Result<T>> Iterator for MappedRows<'_, F> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(row)) => Some((self.f)(&row)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
