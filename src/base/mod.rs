//! The foundation every room builds on: typed identifiers and the table keyed by them, limits on
//! text and validated text, and the error that names a rule.

pub(crate) mod dates;
pub(crate) mod error;
pub(crate) mod folded;
pub(crate) mod hash;
pub(crate) mod id_table;
pub(crate) mod ids;
pub(crate) mod limits;
#[cfg(feature = "schemars")]
pub(crate) mod schema;
pub(crate) mod text;
