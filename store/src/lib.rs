//! Event streams of `smart-accounts` in SQLite (the embedded default) and PostgreSQL.
//!
//! Two layers:
//!
//! - [`Store`]: a [`smart_accounts::Directory`] kept in step with a database. It runs commands
//!   with optimistic concurrency (EV005: every change is an event of a stream; a command
//!   commits only while its streams are at the versions it was planned on, and is a
//!   [`smart_accounts::Error::Conflict`] otherwise), follows other writers re-checking their
//!   events (EV004), and starts from the latest snapshot plus the events after it.
//! - [`Backend`]: the low-level operations, with their guarantees: rows of opaque JSON text in
//!   numbered streams, appended to several streams at once, atomically.
//! - [`Sqlite`]: one file, WAL journal; several threads or processes may share it.
//! - [`Postgres`]: a PostgreSQL database, through the synchronous `postgres` client.
#![forbid(unsafe_code)]

pub mod backend;
mod codec;
pub mod error;
pub mod store;

pub use backend::postgres::Postgres;
pub use backend::sqlite::Sqlite;
pub use backend::{
    Append, Appended, Backend, BackendError, IdKind, KNOWN_SCHEMA_VERSION, NewRow, Row,
};
pub use error::StoreError;
pub use store::{Options, Store};
