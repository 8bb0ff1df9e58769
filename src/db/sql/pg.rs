//! The PostgreSQL side of the facade: a blocking client, a statement cache, and conversions
//! between PostgreSQL's types and the five storage classes the domain uses.

use std::cell::RefCell;
use std::collections::HashMap;
use std::mem::ManuallyDrop;

use bytes::BytesMut;
use postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};

use super::translate;
use super::value::{Value, ValueRef};
use super::{Error, Result};

/// Statements a connection keeps prepared; past this the cache starts over (dynamic filters
/// make a bounded number of texts, so this is a guard, not a working set).
const CACHE_LIMIT: usize = 1024;

/// A PostgreSQL connection used by one thread at a time. The client needs `&mut` for every call
/// while the domain passes `&Connection`: each call borrows it only for its own round trip, and
/// rows are fetched whole, so a statement run while iterating another's rows is fine.
pub struct PgConn {
    client: ManuallyDrop<RefCell<postgres::Client>>,
    cache: RefCell<HashMap<String, Prepared>>,
}

/// A prepared statement and, when it uses `:name` parameters, their names by number.
#[derive(Clone)]
pub struct Prepared {
    pub statement: postgres::Statement,
    pub names: std::sync::Arc<[String]>,
}

impl PgConn {
    pub fn new(client: postgres::Client) -> Self {
        PgConn {
            client: ManuallyDrop::new(RefCell::new(client)),
            cache: RefCell::new(HashMap::new()),
        }
    }

    pub fn client(&self) -> std::cell::RefMut<'_, postgres::Client> {
        self.client.borrow_mut()
    }

    pub fn is_closed(&self) -> bool {
        self.client.borrow().is_closed()
    }

    pub fn batch_execute(&self, sql: &str) -> Result<()> {
        Ok(self.client.borrow_mut().batch_execute(sql)?)
    }

    pub fn prepare(&self, sql: &str) -> Result<Prepared> {
        if let Some(s) = self.cache.borrow().get(sql) {
            return Ok(s.clone());
        }
        let (text, names) = translate::placeholders(sql);
        let statement = Prepared {
            statement: self.client.borrow_mut().prepare(&text)?,
            names: names.into(),
        };
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub fn execute(&self, statement: &postgres::Statement, values: &[Value<'_>]) -> Result<u64> {
        let params = bind(values);
        let refs = refs(&params);
        Ok(self.client.borrow_mut().execute(statement, &refs)?)
    }

    pub fn query(
        &self,
        statement: &postgres::Statement,
        values: &[Value<'_>],
    ) -> Result<Vec<postgres::Row>> {
        let params = bind(values);
        let refs = refs(&params);
        Ok(self.client.borrow_mut().query(statement, &refs)?)
    }
}

/// Closing a client blocks on a runtime of its own, which panics on an async runtime's thread
/// (where a pool or an app may be dropped): there, it is closed on a thread of its own.
impl Drop for PgConn {
    fn drop(&mut self) {
        // SAFETY: the field is taken once, here, and never used again.
        let client = unsafe { ManuallyDrop::take(&mut self.client) };
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new()
                .name("holdpoint-pg-close".into())
                .spawn(move || drop(client));
        }
    }
}

fn bind<'v>(values: &'v [Value<'v>]) -> Vec<Param<'v>> {
    values.iter().map(Param).collect()
}

fn refs<'p>(params: &'p [Param<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// A bound value converted to the type the server inferred for its placeholder, so SQLite's
/// loose typing (an integer for a boolean column, text for a number) keeps working.
#[derive(Debug)]
struct Param<'v>(&'v Value<'v>);

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => integer(*i, ty, out),
            Value::Real(f) => real(*f, ty, out),
            Value::Text(t) => text(t, ty, out),
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_ref().to_sql(ty, out),
                _ => text(std::str::from_utf8(b)?, ty, out),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn integer(i: i64, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    match *ty {
        Type::INT8 => i.to_sql(ty, out),
        Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
        Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
        Type::BOOL => (i != 0).to_sql(ty, out),
        Type::FLOAT8 => (i as f64).to_sql(ty, out),
        Type::FLOAT4 => (i as f32).to_sql(ty, out),
        _ => text(&i.to_string(), ty, out),
    }
}

fn real(f: f64, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    match *ty {
        Type::FLOAT8 => f.to_sql(ty, out),
        Type::FLOAT4 => (f as f32).to_sql(ty, out),
        Type::INT8 if f.fract() == 0.0 => (f as i64).to_sql(ty, out),
        _ => text(&f.to_string(), ty, out),
    }
}

fn text(t: &str, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    match *ty {
        Type::INT8 => t.parse::<i64>()?.to_sql(ty, out),
        Type::INT4 => t.parse::<i32>()?.to_sql(ty, out),
        Type::INT2 => t.parse::<i16>()?.to_sql(ty, out),
        Type::FLOAT8 => t.parse::<f64>()?.to_sql(ty, out),
        Type::BYTEA => t.as_bytes().to_sql(ty, out),
        Type::JSONB => {
            out.extend_from_slice(&[1]);
            out.extend_from_slice(t.as_bytes());
            Ok(IsNull::No)
        }
        _ => {
            out.extend_from_slice(t.as_bytes());
            Ok(IsNull::No)
        }
    }
}

/// A column's bytes as the server sent them (binary format), decoded by [`value`].
struct Raw<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Raw(Some(raw)))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Raw(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Column `at` of `row` in the storage class SQLite would have given it.
pub fn value(row: &postgres::Row, at: usize) -> Result<ValueRef<'_>> {
    let ty = row.columns()[at].type_();
    let Raw(raw) = row.try_get::<_, Raw>(at)?;
    let Some(b) = raw else {
        return Ok(ValueRef::Null);
    };
    let bad = || Error::Conversion(format!("malformed {ty} value"));
    let int = |n: usize| -> Result<i64> {
        let b: [u8; 8] = match n {
            8 => b.try_into().map_err(|_| bad())?,
            _ => {
                let mut full = [0u8; 8];
                let neg = b.first().is_some_and(|x| x & 0x80 != 0);
                full.fill(if neg { 0xff } else { 0 });
                full[8 - n..].copy_from_slice(b.get(..n).ok_or_else(bad)?);
                full
            }
        };
        Ok(i64::from_be_bytes(b))
    };
    Ok(match *ty {
        Type::INT8 => ValueRef::Integer(int(8)?),
        Type::INT4 => ValueRef::Integer(int(4)?),
        Type::INT2 => ValueRef::Integer(int(2)?),
        Type::OID => ValueRef::Integer(u32::from_be_bytes(b.try_into().map_err(|_| bad())?) as i64),
        Type::BOOL => ValueRef::Integer(i64::from(b.first().copied().unwrap_or(0) != 0)),
        Type::FLOAT8 => ValueRef::Real(f64::from_be_bytes(b.try_into().map_err(|_| bad())?)),
        Type::FLOAT4 => ValueRef::Real(f32::from_be_bytes(b.try_into().map_err(|_| bad())?) as f64),
        Type::NUMERIC => numeric(b).ok_or_else(bad)?,
        Type::BYTEA => ValueRef::Blob(b),
        Type::JSONB => ValueRef::Text(utf8(b.get(1..).ok_or_else(bad)?)?),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::JSON | Type::UNKNOWN => {
            ValueRef::Text(utf8(b)?)
        }
        _ => return Err(Error::Conversion(format!("unsupported column type {ty}"))),
    })
}

fn utf8(b: &[u8]) -> Result<&str> {
    std::str::from_utf8(b).map_err(|e| Error::Conversion(format!("not UTF-8: {e}")))
}

/// NUMERIC (what `sum()` of a BIGINT gives): an integer when it has no fraction, else a REAL.
fn numeric(b: &[u8]) -> Option<ValueRef<'static>> {
    let word = |i: usize| -> Option<i16> { Some(i16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?])) };
    let (ndigits, weight, sign, scale) = (word(0)?, word(2)?, word(4)? as u16, word(6)?);
    if sign == 0xC000 {
        return None;
    }
    let mut value = 0f64;
    let mut exact: Option<i128> = Some(0);
    for i in 0..ndigits.max(0) as usize {
        let digit = word(8 + 2 * i)? as i64;
        let power = weight as i32 - i as i32;
        value += digit as f64 * 10000f64.powi(power);
        exact = match (exact, power >= 0) {
            (Some(e), true) => {
                e.checked_add((digit as i128).checked_mul(10000i128.checked_pow(power as u32)?)?)
            }
            (_, false) if digit != 0 => None,
            (e, _) => e,
        };
    }
    let negative = sign == 0x4000;
    match exact.and_then(|e| i64::try_from(e).ok()) {
        Some(e) if scale == 0 || exact.is_some() => {
            Some(ValueRef::Integer(if negative { -e } else { e }))
        }
        _ => Some(ValueRef::Real(if negative { -value } else { value })),
    }
}
