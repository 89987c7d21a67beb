//! Where the data comes from: a store (`--store`, a SQLite file or a PostgreSQL URL), a JSON
//! snapshot (`--directory`), or the built-in demo data (`--demo`). One of them must be named:
//! there is no silent default.

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use smart_accounts::{Config, Directory, clip, fixtures};
use smart_accounts_store::{
    Append, Appended, Backend, BackendError, IdKind, Postgres, Row, Sqlite, Store,
};

use crate::json;
use crate::out::{Fail, Result};

/// A store whose backend was chosen at run time.
pub(crate) type AnyStore = Store<AnyBackend>;

/// A backend chosen at run time (SQLite or PostgreSQL). Backends are `Send` but not `Sync`
/// (one connection, one thread at a time); the `Mutex` makes the store `Sync`, so that the
/// service can share it behind a read-write lock. Every call has `&mut self`, so the mutex is
/// never locked, only borrowed ([`Mutex::get_mut`]): it costs nothing.
#[derive(Debug)]
pub(crate) struct AnyBackend(Mutex<Box<dyn Backend>>);

impl AnyBackend {
    fn get(&mut self) -> &mut Box<dyn Backend> {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Backend for AnyBackend {
    fn append(&mut self, append: &Append<'_>) -> std::result::Result<Appended, BackendError> {
        self.get().append(append)
    }

    fn version(&mut self, stream: u32) -> std::result::Result<u64, BackendError> {
        self.get().version(stream)
    }

    fn versions(&mut self) -> std::result::Result<Vec<(u32, u64)>, BackendError> {
        self.get().versions()
    }

    fn read_all(
        &mut self,
        after: u64,
        limit: usize,
    ) -> std::result::Result<Vec<Row>, BackendError> {
        self.get().read_all(after, limit)
    }

    fn read_stream(
        &mut self,
        stream: u32,
        after_seq: u64,
        limit: usize,
    ) -> std::result::Result<Vec<Row>, BackendError> {
        self.get().read_stream(stream, after_seq, limit)
    }

    fn allocate(&mut self, kind: IdKind, count: u32) -> std::result::Result<u32, BackendError> {
        self.get().allocate(kind, count)
    }

    fn raise(&mut self, kind: IdKind, at_least: u32) -> std::result::Result<(), BackendError> {
        self.get().raise(kind, at_least)
    }

    fn save_snapshot(
        &mut self,
        position: u64,
        body: &str,
    ) -> std::result::Result<(), BackendError> {
        self.get().save_snapshot(position, body)
    }

    fn latest_snapshot(&mut self) -> std::result::Result<Option<(u64, String)>, BackendError> {
        self.get().latest_snapshot()
    }
}

/// The data source options shared by the subcommands that read a directory.
#[derive(Debug, Clone, clap::Args)]
#[group(id = "source", required = true, multiple = false)]
pub(crate) struct SourceArgs {
    /// A store: a SQLite file (created by `store init`) or a `postgres://` URL.
    #[arg(long, value_name = "DB")]
    pub(crate) store: Option<String>,
    /// A directory snapshot in JSON (as `snapshot export` writes it).
    #[arg(long, value_name = "SNAPSHOT.json")]
    pub(crate) directory: Option<String>,
    /// The built-in demo data (fixtures: Acme, Nimbus Networks, ...), said so on the first line.
    #[arg(long)]
    pub(crate) demo: bool,
}

/// A loaded directory and where it came from.
#[derive(Debug)]
pub(crate) enum Loaded {
    /// From a store, kept open.
    Store(Box<AnyStore>),
    /// From a snapshot file.
    Snapshot(Box<Directory>),
    /// The built-in demo data.
    Demo(Box<Directory>),
}

impl Loaded {
    /// The directory.
    pub(crate) fn dir(&self) -> &Directory {
        match self {
            Loaded::Store(store) => store.directory(),
            Loaded::Snapshot(dir) | Loaded::Demo(dir) => dir,
        }
    }

    /// Whether this is the demo data.
    pub(crate) fn is_demo(&self) -> bool {
        matches!(self, Loaded::Demo(_))
    }
}

/// The line said first when working on the demo data.
pub(crate) const DEMO_NOTICE: &str =
    "demo: using the built-in demo directory (fixtures: Acme, Nimbus Networks, ...), not your data";

impl SourceArgs {
    /// Loads the directory the options name.
    ///
    /// # Errors
    ///
    /// A store or file that does not exist or does not read, with the path of the bad field.
    pub(crate) fn load(&self) -> Result<Loaded> {
        if let Some(spec) = &self.store {
            return Ok(Loaded::Store(Box::new(open_store(spec, Need::Existing)?)));
        }
        if let Some(path) = &self.directory {
            return Ok(Loaded::Snapshot(Box::new(json::load::<Directory>(path)?)));
        }
        if self.demo {
            return Ok(Loaded::Demo(Box::new(demo()?.dir)));
        }
        Err(Fail::new(
            "a data source is needed: --store DB, --directory SNAPSHOT.json or --demo",
        ))
    }
}

/// The built-in demo world.
///
/// # Errors
///
/// Never in practice: the fixtures are built by the same rules as everything else.
pub(crate) fn demo() -> Result<fixtures::World> {
    fixtures::world().map_err(|e| Fail::new(format!("the demo data: {e}")))
}

/// Whether a store may be created by opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// It must exist (reading commands): a SQLite path that is not there is an error, not a
    /// new empty store.
    Existing,
    /// It is created when missing (`store init`, `snapshot import`).
    CreateIfMissing,
}

/// Whether `spec` is a PostgreSQL URL.
pub(crate) fn is_postgres(spec: &str) -> bool {
    spec.starts_with("postgres://") || spec.starts_with("postgresql://")
}

/// Opens the backend `spec` names: a PostgreSQL URL or a SQLite path.
///
/// # Errors
///
/// A SQLite file that is missing (with [`Need::Existing`]), corrupt or another program's, or a
/// database that cannot be reached; the message names it (a URL without its password).
pub(crate) fn open_backend(spec: &str, need: Need) -> Result<Box<dyn Backend>> {
    if is_postgres(spec) {
        let backend = Postgres::connect(spec)
            .map_err(|e| Fail::new(format!("store {}: {e}", redact(spec))))?;
        return Ok(Box::new(backend));
    }
    let path = Path::new(spec);
    if need == Need::Existing && !path.exists() {
        return Err(Fail::new(format!(
            "store `{}` does not exist; create it with `smart-accounts store init {}`",
            clip(spec),
            clip(spec)
        )));
    }
    let backend =
        Sqlite::open(path).map_err(|e| Fail::new(format!("store `{}`: {e}", clip(spec))))?;
    Ok(Box::new(backend))
}

/// Opens a store: the latest snapshot and the events after it, each re-checked.
///
/// # Errors
///
/// As [`open_backend`], and stored events or snapshots that are refused (naming the rule).
pub(crate) fn open_store(spec: &str, need: Need) -> Result<AnyStore> {
    let backend = AnyBackend(Mutex::new(open_backend(spec, need)?));
    Store::open(backend, Config::default())
        .map_err(|e| Fail::new(format!("store {}: {e}", redact(spec))))
}

/// A store's name for messages: a URL loses its password.
pub(crate) fn redact(spec: &str) -> String {
    if !is_postgres(spec) {
        return format!("`{}`", clip(spec));
    }
    // postgres://user:password@host/db -> postgres://user:***@host/db
    match (spec.find("://"), spec.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let head = spec.get(..scheme + 3).unwrap_or_default();
            let creds = spec.get(scheme + 3..at).unwrap_or_default();
            let rest = spec.get(at..).unwrap_or_default();
            let user = creds.split(':').next().unwrap_or_default();
            format!("`{}`", clip(&format!("{head}{user}:***{rest}")))
        }
        _ => format!("`{}`", clip(spec)),
    }
}
