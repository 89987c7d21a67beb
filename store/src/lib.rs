//! Event streams of `smart-accounts` in SQLite (the embedded default) and PostgreSQL.
//!
//! This crate is the low-level ("backend") layer of the event store: it stores rows of opaque
//! JSON text in numbered streams and appends to several streams at once, atomically, with
//! optimistic concurrency (EV005: every change is an event of a stream; a command commits with
//! the expected versions of its streams, and is a conflict otherwise). What the events mean is
//! the core crate's business.
//!
//! - [`Backend`]: the operations, with their guarantees.
//! - [`Sqlite`]: one file, WAL journal; several threads or processes may share it.
//! - [`Postgres`]: a PostgreSQL database, through the synchronous `postgres` client.
#![forbid(unsafe_code)]

pub mod backend;

pub use backend::postgres::Postgres;
pub use backend::sqlite::Sqlite;
pub use backend::{
    Append, Appended, Backend, BackendError, IdKind, KNOWN_SCHEMA_VERSION, NewRow, Row,
};
