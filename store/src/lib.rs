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
//!
//! # Embedding the store in a service
//!
//! ```
//! use smart_accounts::{fixtures, Action, Actor, Change, Command, CommandId, Target};
//! use smart_accounts_store::{Sqlite, Store};
//!
//! # let tmp = tempfile::tempdir()?;
//! # let path = tmp.path().join("accounts.sqlite");
//! let w = fixtures::world()?;
//! // One file, created on first open; each thread or process opens its own connection.
//! // (PostgreSQL: `Postgres::connect("postgresql://…")?` instead.)
//! let mut store = Store::open(Sqlite::open(&path)?, w.dir.config().clone())?;
//! store.import(&w.dir)?; // or start empty and register organizations and users
//!
//! let alice = Actor::User(w.acme.alice);
//! let command = Command::CreateVa { sa: w.acme.sa, parent: None, name: "Oceania".into() };
//! let id = CommandId::parse("request-7")?;
//! let done = store.execute(&alice, w.at, command.clone(), Some(id.clone()))?;
//! let Some(Change::VaCreated { va, .. }) = done.accounts.first().map(|e| &e.change) else {
//!     return Err("a Virtual Account was expected".into());
//! };
//! let va = *va;
//! assert!(store.directory().is_allowed(w.acme.alice, Action::ManageLicenses, Target::Va(va)));
//!
//! // A retry with the same ID appends nothing; a conflict means another writer was first:
//! // the store has caught up, so plan the command again (or give up).
//! assert!(store.execute(&alice, w.at, command, Some(id))?.repeated);
//!
//! // After a restart: the latest snapshot plus the events after it, each re-checked.
//! drop(store);
//! let store = Store::open(Sqlite::open(&path)?, w.dir.config().clone())?;
//! assert!(store.directory().is_allowed(w.acme.alice, Action::ManageLicenses, Target::Va(va)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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
