//! A PATCH member that may be absent (leave it), null (clear it) or a value: with
//! `#[serde(default, deserialize_with = "nullable::read")]` on an `Option<Option<T>>`, absent is
//! None and null is Some(None).

use serde::{Deserialize, Deserializer};

pub fn read<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
