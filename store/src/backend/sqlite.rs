//! The SQLite backend: one file, WAL journal, shared by threads and processes.
//!
//! - **WAL journal** (`journal_mode=WAL`): readers never block the writer nor the writer them.
//! - **`synchronous=FULL`**: an append that returned is on disk, even after a power cut.
//! - **Writers are serialized by SQLite**: an append opens its transaction with
//!   `BEGIN IMMEDIATE`, which takes the file's write lock first, so that its checks (command ID,
//!   versions) and its writes see one state. Other writers wait up to [`BUSY_TIMEOUT`]
//!   (`busy_timeout`) instead of failing, so 8 threads or processes on one file queue up.
//! - **Positions** are the events table's rowid (`INTEGER PRIMARY KEY`): since writers are
//!   serialized, positions become visible in increasing order and a follower reading
//!   `position > last` never skips one.
//! - **Damage**: a file that is not a SQLite database, is truncated or damaged gives
//!   [`BackendError::Corrupt`] naming the file, when opening ([`Sqlite::open`] checks the header,
//!   the size and the store's tables) or when a damaged page is read later;
//!   [`Sqlite::verify`] checks every page.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};

use super::{
    Append, Appended, Backend, BackendError, IdKind, KNOWN_SCHEMA_VERSION, Row,
    check_schema_version, limit_i64, next_ids, stored_u32, stored_u64, to_i64,
};

/// How long a connection waits for another writer's lock before giving up with
/// [`BackendError::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The 16 bytes every SQLite database file starts with.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

const CREATE: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE streams (stream INTEGER PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE events (
    position INTEGER PRIMARY KEY,
    stream INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    command TEXT,
    schema INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (stream, seq)
);
CREATE TABLE commands (command TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE ids (kind TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE snapshots (position INTEGER PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO ids (kind, last) VALUES ('organization', 0), ('user', 0), ('account', 0), ('va', 0);
";

/// Keeps the two newest snapshots (see [`Backend::save_snapshot`]).
const PRUNE_SNAPSHOTS: &str = "DELETE FROM snapshots WHERE position NOT IN \
     (SELECT position FROM snapshots ORDER BY position DESC LIMIT 2)";

/// A connection to a SQLite store file. Open one per thread; they share the file safely.
#[derive(Debug)]
pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
}

impl Sqlite {
    /// Opens the store at `path`, creating the file and its tables when it does not exist or is
    /// empty.
    ///
    /// # Errors
    ///
    /// [`BackendError::Corrupt`] for a file that is not a SQLite database, is truncated or
    /// damaged; [`BackendError::NewerSchema`] for a store written by a newer release;
    /// [`BackendError::NotAStore`] for another application's database; I/O errors as
    /// [`BackendError::Sqlite`].
    pub fn open(path: impl AsRef<Path>) -> Result<Sqlite, BackendError> {
        let path = path.as_ref().to_path_buf();
        check_header(&path)?;
        let conn = Connection::open(&path).map_err(|e| map_err(&path, e))?;
        let mut store = Sqlite { conn, path };
        store.setup()?;
        Ok(store)
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks every page of the file (`PRAGMA quick_check`): time proportional to its size.
    ///
    /// # Errors
    ///
    /// [`BackendError::Corrupt`] with SQLite's first findings.
    pub fn verify(&mut self) -> Result<(), BackendError> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare("PRAGMA quick_check(10)")
            .map_err(|e| map_err(&path, e))?;
        let findings = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| map_err(&path, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| map_err(&path, e))?;
        if findings.len() == 1 && findings.first().is_some_and(|f| f == "ok") {
            Ok(())
        } else {
            Err(BackendError::Corrupt {
                path,
                detail: format!("integrity check: {}", findings.join("; ")),
            })
        }
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> BackendError + '_ {
        |e| map_err(&self.path, e)
    }

    fn setup(&mut self) -> Result<(), BackendError> {
        let path = self.path.clone();
        let err = |e| map_err(&path, e);
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        // Changing to WAL needs the file's lock: the busy timeout above makes it wait.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(BackendError::NotAStore {
                location: path.display().to_string(),
                detail: format!("the WAL journal could not be enabled (journal mode is {mode})"),
            });
        }
        self.conn
            .execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF;")
            .map_err(err)?;
        self.check_size()?;

        let location = path.display().to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let tables: i64 = tx
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        let has_meta: bool = tx
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if tables == 0 {
            tx.execute_batch(CREATE).map_err(err)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                [KNOWN_SCHEMA_VERSION.to_string()],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
            return Ok(());
        }
        if !has_meta {
            return Err(BackendError::NotAStore {
                location,
                detail: format!(
                    "it has {tables} tables but no meta table: another application's database?"
                ),
            });
        }
        let found: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        tx.commit().map_err(err)?;
        check_schema_version(found.as_deref(), &location)
    }

    /// A database file shorter than its header says, with no WAL that could hold the rest, was
    /// truncated (SQLite itself would read the missing pages as empty and fail later, or not at
    /// all for a page it never reads).
    fn check_size(&mut self) -> Result<(), BackendError> {
        let path = self.path.clone();
        let err = |e| map_err(&path, e);
        // A read transaction: no checkpoint moves pages into the file meanwhile past what the
        // snapshot sees.
        let tx = self.conn.transaction().map_err(err)?;
        let pages: i64 = tx
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .map_err(err)?;
        let page_size: i64 = tx
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(err)?;
        let wal = wal_path(&path);
        let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        let file_len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let needed = u64::try_from(pages.saturating_mul(page_size)).unwrap_or(0);
        drop(tx);
        if wal_len == 0 && file_len < needed {
            return Err(BackendError::Corrupt {
                path,
                detail: format!(
                    "the file is truncated: {file_len} bytes where its {pages} pages of \
                     {page_size} bytes need {needed}"
                ),
            });
        }
        Ok(())
    }

    fn current_version(&self, stream: u32) -> Result<u64, BackendError> {
        let v: Option<i64> = self
            .conn
            .query_row(
                "SELECT version FROM streams WHERE stream = ?1",
                [i64::from(stream)],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())?;
        stored_u64(v.unwrap_or(0), "a stream version", &self.location())
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn rows(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<Vec<Row>, BackendError> {
        let location = self.location();
        let mut stmt = self.conn.prepare_cached(sql).map_err(self.err())?;
        let raw = stmt
            .query_map(params, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        raw.into_iter()
            .map(|(position, stream, seq, command, schema, body)| {
                Ok(Row {
                    position: stored_u64(position, "a position", &location)?,
                    stream: stored_u32(stream, "a stream", &location)?,
                    seq: stored_u64(seq, "a seq", &location)?,
                    command,
                    schema: stored_u32(schema, "a schema version", &location)?,
                    body,
                })
            })
            .collect()
    }
}

/// Refuses a non-empty file that does not start like a SQLite database, before SQLite opens it.
fn check_header(path: &Path) -> Result<(), BackendError> {
    let Ok(mut file) = File::open(path) else {
        // Missing (created by the open) or unreadable (the open says why).
        return Ok(());
    };
    let mut head = Vec::with_capacity(100);
    file.by_ref()
        .take(100)
        .read_to_end(&mut head)
        .map_err(|e| BackendError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("cannot read its header: {e}"),
        })?;
    if head.is_empty() {
        return Ok(());
    }
    if !head.starts_with(MAGIC) {
        return Err(BackendError::Corrupt {
            path: path.to_path_buf(),
            detail: "it is not a SQLite database (its first bytes are not the SQLite header)"
                .to_owned(),
        });
    }
    if head.len() < 100 {
        return Err(BackendError::Corrupt {
            path: path.to_path_buf(),
            detail: format!(
                "the file is truncated: {} bytes, shorter than the 100-byte SQLite header",
                head.len()
            ),
        });
    }
    Ok(())
}

fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn map_err(path: &Path, e: rusqlite::Error) -> BackendError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => BackendError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => BackendError::Busy {
            path: path.to_path_buf(),
        },
        _ => BackendError::Sqlite {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

impl Backend for Sqlite {
    fn append(&mut self, append: &Append<'_>) -> Result<Appended, BackendError> {
        let plan = append.plan()?;
        let location = self.location();
        let path = self.path.clone();
        let err = |e| map_err(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        if let Some(command) = append.command {
            let inserted = tx
                .prepare_cached("INSERT INTO commands (command) VALUES (?1) ON CONFLICT DO NOTHING")
                .and_then(|mut s| s.execute([command]))
                .map_err(err)?;
            if inserted == 0 {
                return Ok(Appended::Duplicate {
                    command: command.to_owned(),
                });
            }
        }
        for p in &plan {
            let stream = i64::from(p.stream);
            if p.expected == 0 {
                tx.prepare_cached(
                    "INSERT INTO streams (stream, version) VALUES (?1, 0) ON CONFLICT DO NOTHING",
                )
                .and_then(|mut s| s.execute([stream]))
                .map_err(err)?;
            }
            let updated = tx
                .prepare_cached(
                    "UPDATE streams SET version = ?3 WHERE stream = ?1 AND version = ?2",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        stream,
                        to_i64(p.expected, "version").unwrap_or(-1),
                        to_i64(p.new_version, "version").unwrap_or(-1)
                    ])
                })
                .map_err(err)?;
            if updated == 0 {
                let actual: Option<i64> = tx
                    .query_row(
                        "SELECT version FROM streams WHERE stream = ?1",
                        [stream],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(err)?;
                return Err(BackendError::Conflict {
                    stream: p.stream,
                    expected: p.expected,
                    actual: stored_u64(actual.unwrap_or(0), "a stream version", &location)?,
                });
            }
        }
        let mut positions: Option<(u64, u64)> = None;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO events (stream, seq, command, schema, body) \
                     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING position",
                )
                .map_err(err)?;
            for row in append.rows {
                let position: i64 = match insert.query_row(
                    params![
                        i64::from(row.stream),
                        to_i64(row.seq, "seq")?,
                        append.command,
                        i64::from(row.schema),
                        row.body
                    ],
                    |r| r.get(0),
                ) {
                    Ok(p) => p,
                    // The backstop: streams said the seq was free, events disagree.
                    Err(e) if is_unique_violation(&e) => {
                        let actual: i64 = tx
                            .query_row(
                                "SELECT coalesce(max(seq), 0) FROM events WHERE stream = ?1",
                                [i64::from(row.stream)],
                                |r| r.get(0),
                            )
                            .map_err(err)?;
                        return Err(BackendError::Conflict {
                            stream: row.stream,
                            expected: row.seq.saturating_sub(1),
                            actual: stored_u64(actual, "a seq", &location)?,
                        });
                    }
                    Err(e) => return Err(err(e)),
                };
                let position = stored_u64(position, "a position", &location)?;
                positions = Some(match positions {
                    None => (position, position),
                    Some((first, _)) => (first, position),
                });
            }
        }
        tx.commit().map_err(err)?;
        Ok(Appended::Committed { positions })
    }

    fn version(&mut self, stream: u32) -> Result<u64, BackendError> {
        self.current_version(stream)
    }

    fn versions(&mut self) -> Result<Vec<(u32, u64)>, BackendError> {
        let location = self.location();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT stream, version FROM streams WHERE version > 0 ORDER BY stream")
            .map_err(self.err())?;
        let raw = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        raw.into_iter()
            .map(|(s, v)| {
                Ok((
                    stored_u32(s, "a stream", &location)?,
                    stored_u64(v, "a stream version", &location)?,
                ))
            })
            .collect()
    }

    fn read_all(&mut self, after: u64, limit: usize) -> Result<Vec<Row>, BackendError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        self.rows(
            "SELECT position, stream, seq, command, schema, body FROM events \
             WHERE position > ?1 ORDER BY position LIMIT ?2",
            &[&after, &limit_i64(limit)],
        )
    }

    fn read_stream(
        &mut self,
        stream: u32,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<Row>, BackendError> {
        let after = i64::try_from(after_seq).unwrap_or(i64::MAX);
        self.rows(
            "SELECT position, stream, seq, command, schema, body FROM events \
             WHERE stream = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            &[&i64::from(stream), &after, &limit_i64(limit)],
        )
    }

    fn allocate(&mut self, kind: IdKind, count: u32) -> Result<u32, BackendError> {
        let location = self.location();
        let path = self.path.clone();
        let err = |e| map_err(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let last: Option<i64> = tx
            .query_row("SELECT last FROM ids WHERE kind = ?1", [kind.name()], |r| {
                r.get(0)
            })
            .optional()
            .map_err(err)?;
        let last = stored_u64(last.unwrap_or(0), "an identifier counter", &location)?;
        let (first, new_last) = next_ids(kind, last, count)?;
        tx.execute(
            "INSERT INTO ids (kind, last) VALUES (?1, ?2) \
             ON CONFLICT (kind) DO UPDATE SET last = excluded.last",
            params![kind.name(), to_i64(new_last, "identifier")?],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(first)
    }

    fn raise(&mut self, kind: IdKind, at_least: u32) -> Result<(), BackendError> {
        self.conn
            .execute(
                "INSERT INTO ids (kind, last) VALUES (?1, ?2) \
                 ON CONFLICT (kind) DO UPDATE SET last = max(last, excluded.last)",
                params![kind.name(), i64::from(at_least)],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn save_snapshot(&mut self, position: u64, body: &str) -> Result<(), BackendError> {
        let position = to_i64(position, "snapshot position")?;
        self.conn
            .execute(
                "INSERT INTO snapshots (position, body) VALUES (?1, ?2) \
                 ON CONFLICT (position) DO UPDATE SET body = excluded.body",
                params![position, body],
            )
            .map_err(self.err())?;
        self.conn.execute(PRUNE_SNAPSHOTS, []).map_err(self.err())?;
        Ok(())
    }

    fn latest_snapshot(&mut self) -> Result<Option<(u64, String)>, BackendError> {
        let found: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT position, body FROM snapshots ORDER BY position DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.err())?;
        found
            .map(|(p, body)| {
                Ok((
                    stored_u64(p, "a snapshot position", &self.location())?,
                    body,
                ))
            })
            .transpose()
    }
}
