//! Closed vocabularies stored as text: one macro writes, for each, the string of every variant,
//! the parse back, and SQL conversions that **refuse** an unknown stored value. A silent default
//! would turn, say, a status written by a newer version into `pending`, the one state that can
//! still be decided.

/// `sql_enum! { /// doc \n pub enum Name { Variant => "text", ... } }` defines the enum with
/// `ALL`, `as_str`, `from_name`, `Display`, `Serialize`, `Deserialize` (refusing unknown text),
/// `ToSchema` (a string enum, named after the type unless a leading `#[schema(as = Name)]` names
/// it for the OpenAPI document), and `ToSql`/`FromSql` (an unknown value
/// is a conversion error, not a default).
macro_rules! sql_enum {
    (#[schema(as = $schema:ident)] $(#[$meta:meta])* pub enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)?
    }) => {
        $crate::domain::sql_enum::sql_enum! { @named $schema; $(#[$meta])* pub enum $name {
            $($(#[$vmeta])* $variant => $text),+
        } }
    };
    ($(#[$meta:meta])* pub enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)?
    }) => {
        $crate::domain::sql_enum::sql_enum! { @named $name; $(#[$meta])* pub enum $name {
            $($(#[$vmeta])* $variant => $text),+
        } }
    };
    (@named $schema:ident; $(#[$meta:meta])* pub enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident => $text:literal),+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and sent form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The variant written `text`, if any.
            pub fn from_name(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::from_name(&text).ok_or_else(|| {
                    let allowed: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "unknown value `{text}`, expected one of {}",
                        allowed.join(", ")
                    ))
                })
            }
        }

        /// A string with one of the variants' texts, for the API's OpenAPI document.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($schema))
            }
        }

        impl crate::db::sql::ToSql for $name {
            fn to_sql(&self) -> crate::db::sql::Result<crate::db::sql::Value<'_>> {
                Ok(crate::db::sql::Value::Text(self.as_str().into()))
            }
        }

        impl crate::db::sql::FromSql for $name {
            fn column_result(
                value: crate::db::sql::ValueRef<'_>,
            ) -> crate::db::sql::Result<Self> {
                let text = value.as_str()?;
                $name::from_name(text).ok_or_else(|| {
                    crate::db::sql::Error::Conversion(
                        format!("unknown {} `{text}`", stringify!($name)),
                    )
                })
            }
        }
    };
}

pub(crate) use sql_enum;

#[cfg(test)]
pub(crate) mod tests {
    use crate::db::sql::FromSql;

    /// Reads `text` back as `T` the way a row would be read.
    pub fn read_stored<T: FromSql>(text: &str) -> crate::db::sql::Result<T> {
        let conn = crate::db::sql::Connection::open_in_memory()?;
        conn.query_row("SELECT ?1", [text], |r| r.get::<_, T>(0))
    }

    sql_enum! {
        /// A vocabulary for the macro's own tests.
        pub enum Colour { Red => "red", Green => "green" }
    }

    #[test]
    fn every_variant_round_trips_through_sql() {
        for c in Colour::ALL {
            assert_eq!(read_stored::<Colour>(c.as_str()).unwrap(), *c);
        }
    }

    #[test]
    fn an_unknown_stored_value_is_an_error() {
        let err = read_stored::<Colour>("blue").unwrap_err();
        assert!(err.to_string().contains("unknown Colour `blue`"), "{err}");
    }
}
