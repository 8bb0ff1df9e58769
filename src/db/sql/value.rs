//! The values the domain binds and reads, in SQLite's five storage classes. Both engines are
//! reached through these, so a typed id or a closed vocabulary converts once (here) rather
//! than once per engine; PostgreSQL columns are chosen to hold the same classes (BIGINT, TEXT,
//! BYTEA, DOUBLE PRECISION), see `migrations/pg/`.

use std::borrow::Cow;

use super::{Error, Result};

/// A value bound as a parameter: borrowed where it can be.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Blob(Cow<'a, [u8]>),
}

/// A value read from a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> ValueRef<'a> {
    /// The text, or a conversion error naming what was there instead.
    pub fn as_str(&self) -> Result<&'a str> {
        match *self {
            ValueRef::Text(t) => Ok(t),
            other => Err(mismatch("TEXT", other)),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ValueRef::Null => "NULL",
            ValueRef::Integer(_) => "INTEGER",
            ValueRef::Real(_) => "REAL",
            ValueRef::Text(_) => "TEXT",
            ValueRef::Blob(_) => "BLOB",
        }
    }
}

/// A type that can be bound as a statement parameter.
pub trait ToSql {
    fn to_sql(&self) -> Result<Value<'_>>;
}

/// A type that can be read from a column; a mismatch is an error, never a default.
pub trait FromSql: Sized {
    fn column_result(value: ValueRef<'_>) -> Result<Self>;
}

/// The error a conversion reports: the column is added by the row.
pub fn mismatch(expected: &str, got: ValueRef<'_>) -> Error {
    Error::Conversion(format!("expected {expected}, found {}", got.kind()))
}

impl<T: ToSql + ?Sized> ToSql for &T {
    fn to_sql(&self) -> Result<Value<'_>> {
        (**self).to_sql()
    }
}

impl<T: ToSql> ToSql for Option<T> {
    fn to_sql(&self) -> Result<Value<'_>> {
        match self {
            Some(v) => v.to_sql(),
            None => Ok(Value::Null),
        }
    }
}

impl<T: ToSql + ?Sized> ToSql for Box<T> {
    fn to_sql(&self) -> Result<Value<'_>> {
        (**self).to_sql()
    }
}

impl ToSql for Value<'_> {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(match self {
            Value::Text(t) => Value::Text(Cow::Borrowed(t)),
            Value::Blob(b) => Value::Blob(Cow::Borrowed(b)),
            other => other.clone(),
        })
    }
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> Result<Value<'_>> {
                i64::try_from(*self)
                    .map(Value::Integer)
                    .map_err(|_| Error::Conversion(format!("{} is out of range", self)))
            }
        }
        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> Result<Self> {
                match value {
                    ValueRef::Integer(i) => <$t>::try_from(i)
                        .map_err(|_| Error::Conversion(format!("{i} is out of range"))),
                    other => Err(mismatch("INTEGER", other)),
                }
            }
        }
    )*};
}
integer!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl ToSql for bool {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Integer(i64::from(*self)))
    }
}

impl FromSql for bool {
    fn column_result(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Integer(i) => Ok(i != 0),
            other => Err(mismatch("INTEGER", other)),
        }
    }
}

impl ToSql for f64 {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Real(*self))
    }
}

impl FromSql for f64 {
    fn column_result(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Integer(i) => Ok(i as f64),
            other => Err(mismatch("REAL", other)),
        }
    }
}

impl ToSql for str {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Text(Cow::Borrowed(self)))
    }
}

impl ToSql for String {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Text(Cow::Borrowed(self)))
    }
}

impl ToSql for Cow<'_, str> {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Text(Cow::Borrowed(self)))
    }
}

impl FromSql for String {
    fn column_result(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Text(t) => Ok(t.to_owned()),
            other => Err(mismatch("TEXT", other)),
        }
    }
}

impl ToSql for [u8] {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Blob(Cow::Borrowed(self)))
    }
}

impl<const N: usize> ToSql for [u8; N] {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Blob(Cow::Borrowed(self)))
    }
}

impl ToSql for Vec<u8> {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Blob(Cow::Borrowed(self)))
    }
}

impl FromSql for Vec<u8> {
    fn column_result(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            other => Err(mismatch("BLOB", other)),
        }
    }
}

impl<const N: usize> FromSql for [u8; N] {
    fn column_result(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Blob(b) => b
                .try_into()
                .map_err(|_| Error::Conversion(format!("expected {N} bytes, found {}", b.len()))),
            other => Err(mismatch("BLOB", other)),
        }
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn column_result(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Null => Ok(None),
            other => T::column_result(other).map(Some),
        }
    }
}

/// Any stored value, owned: for code that reads a column whatever its class.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl FromSql for OwnedValue {
    fn column_result(value: ValueRef<'_>) -> Result<Self> {
        Ok(match value {
            ValueRef::Null => OwnedValue::Null,
            ValueRef::Integer(i) => OwnedValue::Integer(i),
            ValueRef::Real(f) => OwnedValue::Real(f),
            ValueRef::Text(t) => OwnedValue::Text(t.to_owned()),
            ValueRef::Blob(b) => OwnedValue::Blob(b.to_vec()),
        })
    }
}

impl ToSql for OwnedValue {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(match self {
            OwnedValue::Null => Value::Null,
            OwnedValue::Integer(i) => Value::Integer(*i),
            OwnedValue::Real(f) => Value::Real(*f),
            OwnedValue::Text(t) => Value::Text(Cow::Borrowed(t)),
            OwnedValue::Blob(b) => Value::Blob(Cow::Borrowed(b)),
        })
    }
}

impl From<i64> for OwnedValue {
    fn from(i: i64) -> Self {
        OwnedValue::Integer(i)
    }
}

impl From<String> for OwnedValue {
    fn from(t: String) -> Self {
        OwnedValue::Text(t)
    }
}

impl From<&str> for OwnedValue {
    fn from(t: &str) -> Self {
        OwnedValue::Text(t.to_owned())
    }
}
