//! Query-string parsing with errors that name the parameter.

use crate::error::{AppError, AppResult};

pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: &str) -> AppResult<Query> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
            .map(Query)
            .map_err(|e| AppError::BadRequest(format!("the query string could not be parsed: {e}")))
    }

    /// The value of `name`; repeating a parameter is an error rather than a silent pick.
    pub fn get(&self, name: &str) -> AppResult<Option<&str>> {
        let mut found = self.0.iter().filter(|(k, _)| k == name);
        let first = found.next().map(|(_, v)| v.as_str());
        if found.next().is_some() {
            return Err(AppError::invalid(
                name,
                format!("`{name}` is given more than once"),
            ));
        }
        Ok(first)
    }

    pub fn int(&self, name: &str, min: i64, max: i64, default: i64) -> AppResult<i64> {
        match self.get(name)? {
            None => Ok(default),
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(AppError::invalid(
                    name,
                    format!("`{name}` must be a whole number from {min} to {max}"),
                )),
            },
        }
    }
}
