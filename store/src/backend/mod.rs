//! The backend layer: the [`Backend`] trait, its row types and errors, and the two
//! implementations ([`sqlite`], [`postgres`]).
//!
//! # Data model
//!
//! - A *stream* is numbered: stream 0 is the directory's own stream, stream `n ≥ 1` is Smart
//!   Account `n`'s. Its *version* is the `seq` of its last row, 0 while it has none.
//! - A *row* (an event) has a `seq` in its stream (1, 2, 3, … without gaps), a `position` in the
//!   whole store (increasing with commit order; gaps are possible, for example after a rolled
//!   back append on PostgreSQL), the command ID that wrote it if any, the version of its body's
//!   schema, and the body, JSON text this layer never looks into.
//! - An *append* writes rows to one or more streams in one transaction, with the version each
//!   stream must still be at (optimistic concurrency, EV005), and records its command ID, so that
//!   a retried command is recognised as a duplicate.
//! - *Identifiers* (organizations, users, accounts, VAs) are handed out by [`Backend::allocate`]
//!   outside of appends, so writers of different streams never conflict over them.
//! - A *snapshot* is the state at a position, as text, so that a reader need not replay every
//!   row from the start.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

pub mod postgres;
pub mod sqlite;

/// The schema version this release writes in the `meta` table, and the newest it can read.
pub const KNOWN_SCHEMA_VERSION: u32 = 1;

/// A row to append: its stream, its sequence number in that stream, the version of its body's
/// schema and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRow {
    /// The stream: 0 for the directory, `n` for Smart Account `n`.
    pub stream: u32,
    /// The row's sequence number in its stream: the stream's expected version + 1 for the first
    /// row of an append, then + 2, … without gaps.
    pub seq: u64,
    /// The version of the body's schema (how to read `body`).
    pub schema: u32,
    /// The event, as JSON text (opaque to this layer).
    pub body: String,
}

/// A stored row, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its position in the whole store: increasing in commit order, ≥ 1, gaps possible.
    pub position: u64,
    /// Its stream.
    pub stream: u32,
    /// Its sequence number in the stream (1, 2, … without gaps).
    pub seq: u64,
    /// The command ID of the append that wrote it, if it had one.
    pub command: Option<String>,
    /// The version of the body's schema.
    pub schema: u32,
    /// The event, as JSON text.
    pub body: String,
}

/// One atomic append: rows to one or more streams, the version each stream must be at, and the
/// command ID, if any.
///
/// Rules, checked by [`Append::validate`] before anything touches the database (a breach is
/// [`BackendError::InvalidAppend`]):
///
/// - every stream appears at most once in `expected`;
/// - every row's stream is listed in `expected`;
/// - per stream, the rows' seqs are `expected + 1`, `expected + 2`, … in the order of `rows`,
///   without gaps (rows of different streams may interleave);
/// - a stream listed in `expected` without rows is only *checked*: the append is a conflict if
///   that stream moved, which lets a command that read one stream and wrote another rely on what
///   it read;
/// - `rows` may be empty only with a command ID: such an append checks the versions and records
///   the command as handled (a command that decided to change nothing), and its retry is a
///   [`Appended::Duplicate`]. Without a command ID and without rows there is nothing to do, and
///   that is refused as a mistake of the caller;
/// - numbers fit the databases' signed 64-bit integers.
#[derive(Debug, Clone, Copy)]
pub struct Append<'a> {
    /// The command's idempotency key; an append whose command ID is already recorded writes
    /// nothing and is [`Appended::Duplicate`].
    pub command: Option<&'a str>,
    /// `(stream, version)`: the version every touched or checked stream must still be at.
    pub expected: &'a [(u32, u64)],
    /// The rows, each with the seq that follows its stream's expected version.
    pub rows: &'a [NewRow],
}

/// What a successful [`Backend::append`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// The rows were written, at positions `first..=last` (increasing in the order of `rows`;
    /// a later append's rows always come after). With no rows (a command that changes nothing),
    /// the command ID was recorded and `positions` is `None`.
    Committed {
        /// `(first, last)` positions of the rows written, `None` when there were none.
        positions: Option<(u64, u64)>,
    },
    /// The command ID was already recorded: nothing was written. Checked before the versions,
    /// so a retry after a lost acknowledgement is recognised even though its own earlier commit
    /// moved its streams.
    Duplicate {
        /// The command ID.
        command: String,
    },
}

/// The kinds of identifiers handed out by [`Backend::allocate`], each its own counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdKind {
    /// Organizations.
    Organization,
    /// Users.
    User,
    /// Smart Accounts.
    Account,
    /// Virtual Accounts.
    Va,
}

impl IdKind {
    /// Every kind.
    pub const ALL: [IdKind; 4] = [
        IdKind::Organization,
        IdKind::User,
        IdKind::Account,
        IdKind::Va,
    ];

    /// The kind's name in the database (the key of the `ids` table).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            IdKind::Organization => "organization",
            IdKind::User => "user",
            IdKind::Account => "account",
            IdKind::Va => "va",
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What went wrong in a backend, with what a person needs to act on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The append breaks one of the rules of [`Append`]: a mistake of the caller, nothing was
    /// written.
    #[error("invalid append (nothing written): {detail}")]
    InvalidAppend {
        /// Which rule, with the stream and numbers.
        detail: String,
    },
    /// A stream is not at the version the append expected: another command wrote to it first.
    /// Nothing was written; re-read the stream and decide again.
    #[error(
        "conflict on stream {stream}: the append expected version {expected} but the stream is at \
         version {actual} (another command wrote to it first); nothing was written: re-read the \
         stream and retry"
    )]
    Conflict {
        /// The stream.
        stream: u32,
        /// The version the append expected.
        expected: u64,
        /// The version the stream is at.
        actual: u64,
    },
    /// An argument out of its range (for example, allocating 0 identifiers).
    #[error("invalid argument: {detail}")]
    InvalidArgument {
        /// Which argument and why.
        detail: String,
    },
    /// The store's `meta` table says a newer schema than this release knows.
    #[error(
        "the store was written by a newer release (schema version {found}; this release knows \
         versions up to {known}): upgrade smart-accounts-store to open it, and do not write to \
         it with this release"
    )]
    NewerSchema {
        /// The schema version found in the store.
        found: u32,
        /// The newest schema version this release knows ([`KNOWN_SCHEMA_VERSION`]).
        known: u32,
    },
    /// The SQLite file is not a SQLite database, is truncated or is damaged.
    #[error(
        "the store file {} is corrupt or not a smart-accounts store: {detail}; restore it from a \
         backup (it was not changed)",
        path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite or the check found.
        detail: String,
    },
    /// The database is readable but does not hold a smart-accounts store this release can use
    /// (for example tables but no `meta` table, or a value out of range).
    #[error("{location} is not a usable smart-accounts store: {detail}")]
    NotAStore {
        /// The file path or database.
        location: String,
        /// What is wrong.
        detail: String,
    },
    /// The identifiers of a kind would pass the largest `u32`.
    #[error(
        "identifiers of kind {kind} are exhausted: {count} more were asked for after {last} (the \
         largest is {max})",
        max = u32::MAX
    )]
    IdsExhausted {
        /// The kind.
        kind: IdKind,
        /// The last identifier handed out.
        last: u64,
        /// How many were asked for.
        count: u32,
    },
    /// SQLite waited for the lock of the file longer than the busy timeout.
    #[error(
        "the store file {} stayed locked by another writer for longer than the busy timeout; \
         nothing was written by this call, retry later",
        path.display()
    )]
    Busy {
        /// The file.
        path: PathBuf,
    },
    /// Any other SQLite error (I/O, permissions, full disk, …).
    #[error("SQLite error on {}: {source}", path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Any other PostgreSQL error (connection, permissions, …).
    #[error("PostgreSQL error: {source}")]
    Postgres {
        /// The client's error, with the server's message where there is one.
        #[source]
        source: ::postgres::Error,
    },
}

/// The low-level operations of an event store.
///
/// One value is one connection; it is `Send` (move it to a thread) but used by one thread at a
/// time (`&mut self`). Open one per thread for parallel writers: the database serializes them.
pub trait Backend: Send + fmt::Debug {
    /// Appends `append.rows` atomically after checking, in one transaction, that the command ID
    /// (if any) is not recorded yet ([`Appended::Duplicate`] otherwise, checked first) and that
    /// every stream of `append.expected` is still at its expected version
    /// ([`BackendError::Conflict`] otherwise). Nothing is written unless everything is.
    ///
    /// # Errors
    ///
    /// [`BackendError::InvalidAppend`] for input that breaks the rules of [`Append`],
    /// [`BackendError::Conflict`] when a stream moved, and database errors.
    fn append(&mut self, append: &Append<'_>) -> Result<Appended, BackendError>;

    /// The version of `stream`: the seq of its last row, 0 for a stream never written.
    ///
    /// # Errors
    ///
    /// Database errors.
    fn version(&mut self, stream: u32) -> Result<u64, BackendError>;

    /// The version of every stream that has rows, by stream.
    ///
    /// # Errors
    ///
    /// Database errors.
    fn versions(&mut self) -> Result<Vec<(u32, u64)>, BackendError>;

    /// At most `limit` rows with a position greater than `after`, in position order. A follower
    /// that calls it again with the last position it saw never misses a row, even while other
    /// connections commit.
    ///
    /// # Errors
    ///
    /// Database errors.
    fn read_all(&mut self, after: u64, limit: usize) -> Result<Vec<Row>, BackendError>;

    /// At most `limit` rows of `stream` with a seq greater than `after_seq`, in seq order.
    ///
    /// # Errors
    ///
    /// Database errors.
    fn read_stream(
        &mut self,
        stream: u32,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<Row>, BackendError>;

    /// Hands out `count` (≥ 1) fresh identifiers of `kind` and returns the first: the caller owns
    /// `first..first + count`. Identifiers are ≥ 1 and never handed out twice, even to
    /// concurrent callers; this is committed at once, outside of any append.
    ///
    /// # Errors
    ///
    /// [`BackendError::InvalidArgument`] for `count == 0`, [`BackendError::IdsExhausted`] past
    /// `u32::MAX`, and database errors.
    fn allocate(&mut self, kind: IdKind, count: u32) -> Result<u32, BackendError>;

    /// Makes sure the next identifier of `kind` handed out is greater than `at_least` (for
    /// identifiers that came from elsewhere, such as an imported snapshot). Never lowers it.
    ///
    /// # Errors
    ///
    /// Database errors.
    fn raise(&mut self, kind: IdKind, at_least: u32) -> Result<(), BackendError>;

    /// Saves a snapshot of the state at `position`. A snapshot at the same position replaces the
    /// one saved before. Only the two newest snapshots are kept (the newest, and the one before
    /// it in case the newest turns out unreadable): snapshots are whole directories, and a store
    /// that kept every one would grow by a directory per snapshot.
    ///
    /// # Errors
    ///
    /// Database errors.
    fn save_snapshot(&mut self, position: u64, body: &str) -> Result<(), BackendError>;

    /// The snapshot at the highest position, if any: `(position, body)`.
    ///
    /// # Errors
    ///
    /// Database errors.
    fn latest_snapshot(&mut self) -> Result<Option<(u64, String)>, BackendError>;
}

/// One stream of a validated append: the version it must be at and the version it will be at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreamPlan {
    pub(crate) stream: u32,
    pub(crate) expected: u64,
    pub(crate) new_version: u64,
}

/// The largest value the databases' signed 64-bit columns hold.
pub(crate) const MAX_STORED: u64 = i64::MAX as u64;

impl Append<'_> {
    /// Checks the rules listed on [`Append`] and returns the streams, sorted by stream (the
    /// order in which both backends lock them, so that two appends never deadlock).
    ///
    /// # Errors
    ///
    /// [`BackendError::InvalidAppend`] naming the rule, the stream and the numbers.
    pub fn validate(&self) -> Result<Vec<(u32, u64, u64)>, BackendError> {
        Ok(self
            .plan()?
            .into_iter()
            .map(|p| (p.stream, p.expected, p.new_version))
            .collect())
    }

    pub(crate) fn plan(&self) -> Result<Vec<StreamPlan>, BackendError> {
        let invalid = |detail: String| BackendError::InvalidAppend { detail };
        if self.rows.is_empty() && self.command.is_none() {
            return Err(invalid(
                "no rows and no command ID: nothing to append (an append without rows must \
                 carry the command ID it records)"
                    .to_owned(),
            ));
        }
        if let Some(command) = self.command
            && command.is_empty()
        {
            return Err(invalid("the command ID is empty".to_owned()));
        }
        // stream -> (expected, next seq)
        let mut next: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
        for &(stream, expected) in self.expected {
            if expected >= MAX_STORED {
                return Err(invalid(format!(
                    "stream {stream}: expected version {expected} is out of range"
                )));
            }
            if next.insert(stream, (expected, expected + 1)).is_some() {
                return Err(invalid(format!(
                    "stream {stream} is listed twice in the expected versions"
                )));
            }
        }
        for (index, row) in self.rows.iter().enumerate() {
            let Some((expected, seq)) = next.get_mut(&row.stream) else {
                return Err(invalid(format!(
                    "row {index} is for stream {}, which has no expected version",
                    row.stream
                )));
            };
            if row.seq != *seq {
                return Err(invalid(format!(
                    "row {index} of stream {} has seq {} but the stream expects version {} and \
                     this append's rows so far, so its next seq is {}",
                    row.stream, row.seq, expected, seq
                )));
            }
            if *seq >= MAX_STORED {
                return Err(invalid(format!(
                    "stream {}: seq {seq} is out of range",
                    row.stream
                )));
            }
            *seq += 1;
        }
        Ok(next
            .into_iter()
            .map(|(stream, (expected, next_seq))| StreamPlan {
                stream,
                expected,
                new_version: next_seq - 1,
            })
            .collect())
    }
}

/// Converts a stored signed integer back, refusing negative values (a damaged store).
pub(crate) fn stored_u64(value: i64, what: &str, location: &str) -> Result<u64, BackendError> {
    u64::try_from(value).map_err(|_| BackendError::NotAStore {
        location: location.to_owned(),
        detail: format!("{what} is negative ({value})"),
    })
}

/// Converts a stored signed integer to `u32`, refusing values out of range (a damaged store).
pub(crate) fn stored_u32(value: i64, what: &str, location: &str) -> Result<u32, BackendError> {
    u32::try_from(value).map_err(|_| BackendError::NotAStore {
        location: location.to_owned(),
        detail: format!("{what} is out of range ({value})"),
    })
}

/// A `u64` for a signed 64-bit column, or an error naming it.
pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, BackendError> {
    i64::try_from(value).map_err(|_| BackendError::InvalidAppend {
        detail: format!("{what} {value} is out of range (at most {})", i64::MAX),
    })
}

/// A `limit` for SQL: `usize` clamped to `i64`.
pub(crate) fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// The next identifier after `last` for `count` more, or [`BackendError::IdsExhausted`].
pub(crate) fn next_ids(kind: IdKind, last: u64, count: u32) -> Result<(u32, u64), BackendError> {
    if count == 0 {
        return Err(BackendError::InvalidArgument {
            detail: format!("allocate {kind} identifiers: count is 0, at least 1 is needed"),
        });
    }
    let new_last = last + u64::from(count);
    let first = u32::try_from(last + 1)
        .ok()
        .filter(|_| new_last <= u64::from(u32::MAX));
    match first {
        Some(first) => Ok((first, new_last)),
        None => Err(BackendError::IdsExhausted { kind, last, count }),
    }
}

/// Refuses a store whose `meta` says a schema this release cannot read.
pub(crate) fn check_schema_version(
    found: Option<&str>,
    location: &str,
) -> Result<(), BackendError> {
    let Some(found) = found else {
        return Err(BackendError::NotAStore {
            location: location.to_owned(),
            detail: "its meta table has no schema_version".to_owned(),
        });
    };
    let Ok(found) = found.trim().parse::<u32>() else {
        return Err(BackendError::NotAStore {
            location: location.to_owned(),
            detail: format!("its schema_version is not a number: {found:?}"),
        });
    };
    if found > KNOWN_SCHEMA_VERSION {
        return Err(BackendError::NewerSchema {
            found,
            known: KNOWN_SCHEMA_VERSION,
        });
    }
    if found < 1 {
        return Err(BackendError::NotAStore {
            location: location.to_owned(),
            detail: format!("its schema_version {found} was never written by any release"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(stream: u32, seq: u64) -> NewRow {
        NewRow {
            stream,
            seq,
            schema: 1,
            body: "{}".to_owned(),
        }
    }

    #[test]
    fn ev005_rows_must_follow_their_streams_expected_versions() {
        let rows = [row(1, 3), row(2, 1), row(1, 4)];
        let ok = Append {
            command: None,
            expected: &[(2, 0), (1, 2), (5, 7)],
            rows: &rows,
        };
        assert_eq!(
            ok.validate().unwrap(),
            vec![(1, 2, 4), (2, 0, 1), (5, 7, 7)]
        );
        let gap = Append {
            command: None,
            expected: &[(1, 2), (2, 0)],
            rows: &[row(1, 3), row(1, 5)],
        };
        assert!(matches!(
            gap.validate(),
            Err(BackendError::InvalidAppend { .. })
        ));
        let unlisted = Append {
            command: None,
            expected: &[(1, 0)],
            rows: &[row(2, 1)],
        };
        assert!(matches!(
            unlisted.validate(),
            Err(BackendError::InvalidAppend { .. })
        ));
        let twice = Append {
            command: None,
            expected: &[(1, 0), (1, 0)],
            rows: &[row(1, 1)],
        };
        assert!(twice.validate().is_err());
        let nothing = Append {
            command: None,
            expected: &[(1, 0)],
            rows: &[],
        };
        assert!(nothing.validate().is_err());
        let command_only = Append {
            command: Some("c"),
            expected: &[(1, 0)],
            rows: &[],
        };
        assert_eq!(command_only.validate().unwrap(), vec![(1, 0, 0)]);
    }

    #[test]
    fn identifiers_stop_at_the_largest_u32() {
        assert_eq!(next_ids(IdKind::Va, 0, 3).unwrap(), (1, 3));
        assert!(next_ids(IdKind::Va, u64::from(u32::MAX) - 1, 1).is_ok());
        assert!(matches!(
            next_ids(IdKind::Va, u64::from(u32::MAX) - 1, 2),
            Err(BackendError::IdsExhausted { .. })
        ));
        assert!(next_ids(IdKind::Va, 0, 0).is_err());
    }
}
