//! Statement parameters: `params![…]`, `[a, b]`, `[]` and [`params_from_iter`].

use super::value::{ToSql, Value};
use super::Result;

/// What a statement can be given as its parameters, in placeholder order.
pub trait Params {
    fn values(&self) -> Result<Vec<Value<'_>>>;

    /// `(":name", value)` pairs, bound by name instead of position.
    fn named(&self) -> Option<&[(&str, &dyn ToSql)]> {
        None
    }
}

impl Params for &[(&str, &dyn ToSql)] {
    fn values(&self) -> Result<Vec<Value<'_>>> {
        self.iter().map(|(_, p)| p.to_sql()).collect()
    }

    fn named(&self) -> Option<&[(&str, &dyn ToSql)]> {
        Some(self)
    }
}

/// Named pairs in the order of a statement's parameters; every name must be given, and every
/// pair must name one of them.
pub(super) fn by_name<'p>(
    names: &[&str],
    pairs: &'p [(&str, &dyn ToSql)],
) -> Result<Vec<Value<'p>>> {
    if let Some((extra, _)) = pairs.iter().find(|(n, _)| !names.contains(n)) {
        return Err(super::Error::Conversion(format!(
            "no parameter named {extra}"
        )));
    }
    names
        .iter()
        .map(|name| match pairs.iter().find(|(n, _)| n == name) {
            Some((_, v)) => v.to_sql(),
            None => Err(super::Error::Conversion(format!("no value for {name}"))),
        })
        .collect()
}

impl Params for [&dyn ToSql; 0] {
    fn values(&self) -> Result<Vec<Value<'_>>> {
        Ok(Vec::new())
    }
}

impl Params for &[&dyn ToSql] {
    fn values(&self) -> Result<Vec<Value<'_>>> {
        self.iter().map(|p| p.to_sql()).collect()
    }
}

macro_rules! arrays {
    ($($n:literal)+) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn values(&self) -> Result<Vec<Value<'_>>> {
                self.iter().map(|p| p.to_sql()).collect()
            }
        }
        impl<T: ToSql> Params for &[T; $n] {
            fn values(&self) -> Result<Vec<Value<'_>>> {
                self.iter().map(|p| p.to_sql()).collect()
            }
        }
    )+};
}
arrays!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

/// Parameters whose number is known only at run time (dynamic filters).
pub struct ParamsFromIter<'a, T: ?Sized>(Vec<&'a T>);

pub fn params_from_iter<'a, T: ToSql + ?Sized + 'a>(
    iter: impl IntoIterator<Item = &'a T>,
) -> ParamsFromIter<'a, T> {
    ParamsFromIter(iter.into_iter().collect())
}

impl<T: ToSql + ?Sized> Params for ParamsFromIter<'_, T> {
    fn values(&self) -> Result<Vec<Value<'_>>> {
        self.0.iter().map(|p| p.to_sql()).collect()
    }
}

/// SQLite's view of a bound value (borrowed, no copy).
pub(super) struct Lite<'v>(&'v Value<'v>);

impl rusqlite::ToSql for Lite<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ValueRef as R;
        Ok(rusqlite::types::ToSqlOutput::Borrowed(match self.0 {
            Value::Null => R::Null,
            Value::Integer(i) => R::Integer(*i),
            Value::Real(f) => R::Real(*f),
            Value::Text(t) => R::Text(t.as_bytes()),
            Value::Blob(b) => R::Blob(b),
        }))
    }
}

pub(super) fn lite<'v>(
    values: &'v [Value<'v>],
) -> rusqlite::ParamsFromIter<impl Iterator<Item = Lite<'v>>> {
    rusqlite::params_from_iter(values.iter().map(Lite))
}
