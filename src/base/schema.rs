//! JSON Schemas (feature `schemars`) for the values whose JSON form is hand-written: dates and
//! times (jiff has no schemars integration), validated text, identifiers in text form.

use schemars::{Schema, SchemaGenerator, json_schema};

/// A civil date, `2026-03-02`.
pub(crate) fn date(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "format": "date"})
}

/// An optional civil date.
pub(crate) fn option_date(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": ["string", "null"], "format": "date"})
}

/// An instant, RFC 3339 with an offset: `2026-03-02T10:00:00Z`.
pub(crate) fn timestamp(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "format": "date-time"})
}

/// An optional instant.
pub(crate) fn option_timestamp(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": ["string", "null"], "format": "date-time"})
}

/// `impl JsonSchema` for a type whose JSON form is given as a schema literal.
macro_rules! schema {
    ($ty:ty, $name:literal, $schema:tt) => {
        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!($schema)
            }
        }
    };
}
pub(crate) use schema;
