//! The PostgreSQL backend, through the synchronous `postgres` client.
//!
//! **Not from inside a tokio runtime**: the synchronous client runs its own runtime and panics
//! when called from a thread that is already driving one (an `async fn`, a `#[tokio::main]`
//! function). From async code, use it on a `tokio::task::spawn_blocking` thread or a thread of
//! its own.
//!
//! Connections are made without TLS (`NoTls`): use it over loopback or a Unix socket only.
//!
//! # How the guarantees are kept
//!
//! - **Optimistic concurrency**: an append runs in one transaction (READ COMMITTED). It first
//!   records its command ID (`INSERT … ON CONFLICT DO NOTHING` into `commands`, whose primary key
//!   makes a concurrent twin wait for the first one's outcome and then find it: a duplicate),
//!   then moves each stream with `UPDATE streams SET version = new WHERE stream = s AND
//!   version = expected` (a stream at version 0 first gets its row with `INSERT … ON CONFLICT
//!   DO NOTHING`). Zero rows updated is a conflict. The row lock taken by the update makes a
//!   concurrent writer of the same stream wait, then re-check the version and fail. Streams are
//!   locked in stream order, so two appends never deadlock. The `UNIQUE (stream, seq)` of
//!   `events` is the backstop; a unique violation still comes out as
//!   [`BackendError::Conflict`] or [`Appended::Duplicate`], never as an opaque error.
//! - **Positions in commit order**: positions come from an identity sequence, and a sequence
//!   alone can make a lower position visible *after* a higher one (transaction A takes 5, B
//!   takes 6, B commits, a follower reads 6, A commits: 5 would be skipped). An append therefore
//!   takes a transaction-scoped advisory lock ([`POSITION_LOCK`],
//!   `pg_advisory_xact_lock`) right before it inserts its rows, after all its checks, and holds
//!   it to its commit. Positions are then taken by one transaction at a time, and PostgreSQL
//!   makes a commit visible before it releases the transaction's locks: whoever sees position
//!   `p` also sees every committed position below `p`, so `read_all(after = last)` never skips
//!   one. The price is that the *last step* of appends (insert and commit) is serialized across
//!   all streams; the checks before it still run in parallel. The alternative, an `xid8`
//!   column and reading only rows of transactions below the snapshot's `xmin`, keeps commits
//!   parallel but reads in transaction order rather than position order, so a follower would
//!   need a `(xid, position)` cursor instead of a position, and a long transaction would hold
//!   back every follower: the simpler contract won.
//! - **Identifiers**: `allocate` is its own short transaction on the `ids` table (one row per
//!   kind, `UPDATE … RETURNING`), outside of appends.
//! - **Schema**: created on first connect, under another advisory lock ([`SCHEMA_LOCK`]) so
//!   that concurrent first connections do not race; tables live in the connection's current
//!   schema (`search_path`).

use std::fmt;
use std::str::FromStr;

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls, Statement};

use super::{
    Append, Appended, Backend, BackendError, IdKind, KNOWN_SCHEMA_VERSION, Row, StreamPlan,
    check_schema_version, limit_i64, next_ids, stored_u32, stored_u64, to_i64,
};

/// The key of the transaction-scoped advisory lock that serializes the assignment of positions
/// (see the module's documentation). Advisory locks are per database.
pub const POSITION_LOCK: i64 = 0x736d_6163_6374_0001;

/// The key of the advisory lock held while the tables are checked or created.
pub const SCHEMA_LOCK: i64 = 0x736d_6163_6374_0002;

const CREATE: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE streams (stream BIGINT PRIMARY KEY, version BIGINT NOT NULL);
CREATE TABLE events (
    position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    command TEXT,
    schema BIGINT NOT NULL,
    body TEXT NOT NULL,
    CONSTRAINT events_stream_seq UNIQUE (stream, seq)
);
CREATE TABLE commands (command TEXT PRIMARY KEY);
CREATE TABLE ids (kind TEXT PRIMARY KEY, last BIGINT NOT NULL);
CREATE TABLE snapshots (position BIGINT PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO ids (kind, last) VALUES ('organization', 0), ('user', 0), ('account', 0), ('va', 0);
";

/// A connection to a PostgreSQL store. Open one per thread.
pub struct Postgres {
    client: Client,
    location: String,
    statements: Statements,
}

/// The statements of appends and reads, prepared once per connection: preparing one costs a
/// round trip to the server, which an append would otherwise pay for each statement.
struct Statements {
    command: Statement,
    create: Statement,
    update: Statement,
    lock: Statement,
    insert: Statement,
    read_all: Statement,
    read_stream: Statement,
}

impl Statements {
    fn prepare(client: &mut Client) -> Result<Statements, BackendError> {
        let mut prepare = |sql: &str| client.prepare(sql).map_err(pg);
        Ok(Statements {
            command: prepare("INSERT INTO commands (command) VALUES ($1) ON CONFLICT DO NOTHING")?,
            create: prepare(
                "INSERT INTO streams (stream, version) VALUES ($1, 0) ON CONFLICT DO NOTHING",
            )?,
            update: prepare("UPDATE streams SET version = $3 WHERE stream = $1 AND version = $2")?,
            lock: prepare("SELECT pg_advisory_xact_lock($1)")?,
            insert: prepare(
                "INSERT INTO events (stream, seq, command, schema, body) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING position",
            )?,
            read_all: prepare(
                "SELECT position, stream, seq, command, schema, body FROM events \
                 WHERE position > $1 ORDER BY position LIMIT $2",
            )?,
            read_stream: prepare(
                "SELECT position, stream, seq, command, schema, body FROM events \
                 WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )?,
        })
    }
}

impl fmt::Debug for Postgres {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Postgres")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

fn pg(source: postgres::Error) -> BackendError {
    BackendError::Postgres { source }
}

/// Why an append's transaction stopped early.
enum Stop {
    Duplicate(String),
    Conflict { stream: u32, expected: u64 },
    Error(BackendError),
}

impl From<postgres::Error> for Stop {
    fn from(e: postgres::Error) -> Stop {
        Stop::Error(pg(e))
    }
}

impl From<BackendError> for Stop {
    fn from(e: BackendError) -> Stop {
        Stop::Error(e)
    }
}

impl Postgres {
    /// Connects to the database of `url` (`postgresql://user@host:port/db` or
    /// `host=… dbname=…`) without TLS, and creates the tables when the database has none.
    ///
    /// # Errors
    ///
    /// [`BackendError::Postgres`] when the URL is malformed or the server unreachable;
    /// [`BackendError::NewerSchema`] for a store written by a newer release;
    /// [`BackendError::NotAStore`] for a database with other tables.
    pub fn connect(url: &str) -> Result<Postgres, BackendError> {
        let config = Config::from_str(url).map_err(pg)?;
        Postgres::connect_config(&config)
    }

    /// [`Postgres::connect`] with a ready [`Config`].
    ///
    /// # Errors
    ///
    /// As [`Postgres::connect`].
    pub fn connect_config(config: &Config) -> Result<Postgres, BackendError> {
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                postgres::config::Host::Tcp(name) => name.clone(),
                postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let location = format!(
            "PostgreSQL database {} on {}",
            config.get_dbname().unwrap_or("(default)"),
            hosts.join(",")
        );
        let mut client = config.connect(NoTls).map_err(pg)?;
        setup(&mut client, &location)?;
        let statements = Statements::prepare(&mut client)?;
        Ok(Postgres {
            client,
            location,
            statements,
        })
    }
}

/// Creates the tables in a database that has none, or checks the schema version of a store.
fn setup(client: &mut Client, location: &str) -> Result<(), BackendError> {
    let mut tx = client.transaction().map_err(pg)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .map_err(pg)?;
    let tables: i64 = tx
        .query_one(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()",
            &[],
        )
        .map_err(pg)?
        .get(0);
    let has_meta: bool = tx
        .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])
        .map_err(pg)?
        .get(0);
    if tables == 0 {
        tx.batch_execute(CREATE).map_err(pg)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', $1)",
            &[&KNOWN_SCHEMA_VERSION.to_string()],
        )
        .map_err(pg)?;
        tx.commit().map_err(pg)?;
        return Ok(());
    }
    if !has_meta {
        return Err(BackendError::NotAStore {
            location: location.to_owned(),
            detail: format!(
                "its schema has {tables} tables but no meta table: another application's \
                 database?"
            ),
        });
    }
    let found: Option<String> = tx
        .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])
        .map_err(pg)?
        .map(|r| r.get(0));
    tx.commit().map_err(pg)?;
    check_schema_version(found.as_deref(), location)
}

impl Postgres {
    fn try_append(
        &mut self,
        append: &Append<'_>,
        plan: &[StreamPlan],
    ) -> Result<Option<(u64, u64)>, Stop> {
        let Postgres {
            client,
            location,
            statements: st,
        } = self;
        let mut tx = client.transaction()?;
        if let Some(command) = append.command {
            let inserted = tx.execute(&st.command, &[&command])?;
            if inserted == 0 {
                return Err(Stop::Duplicate(command.to_owned()));
            }
        }
        for p in plan {
            let stream = i64::from(p.stream);
            if p.expected == 0 {
                tx.execute(&st.create, &[&stream])?;
            }
            let expected = to_i64(p.expected, "version")?;
            let new_version = to_i64(p.new_version, "version")?;
            if tx.execute(&st.update, &[&stream, &expected, &new_version])? == 0 {
                return Err(Stop::Conflict {
                    stream: p.stream,
                    expected: p.expected,
                });
            }
        }
        let mut positions: Option<(u64, u64)> = None;
        if !append.rows.is_empty() {
            tx.execute(&st.lock, &[&POSITION_LOCK])?;
            for row in append.rows {
                let position: i64 = tx
                    .query_one(
                        &st.insert,
                        &[
                            &i64::from(row.stream),
                            &to_i64(row.seq, "seq")?,
                            &append.command,
                            &i64::from(row.schema),
                            &row.body,
                        ],
                    )?
                    .get(0);
                let position = stored_u64(position, "a position", location)?;
                positions = Some(match positions {
                    None => (position, position),
                    Some((first, _)) => (first, position),
                });
            }
        }
        tx.commit()?;
        Ok(positions)
    }

    /// After a unique violation (a concurrent writer won a race the checks could not see):
    /// the duplicate command or the stream that moved.
    fn explain_unique_violation(
        &mut self,
        append: &Append<'_>,
        plan: &[StreamPlan],
        source: BackendError,
    ) -> Result<Appended, BackendError> {
        if let Some(command) = append.command {
            let known = self
                .client
                .query_opt("SELECT 1 FROM commands WHERE command = $1", &[&command])
                .map_err(pg)?;
            if known.is_some() {
                return Ok(Appended::Duplicate {
                    command: command.to_owned(),
                });
            }
        }
        for p in plan {
            let actual = self.version(p.stream)?;
            if actual != p.expected {
                return Err(BackendError::Conflict {
                    stream: p.stream,
                    expected: p.expected,
                    actual,
                });
            }
        }
        Err(source)
    }

    fn rows(
        &mut self,
        read: fn(&Statements) -> &Statement,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, BackendError> {
        let location = &self.location;
        self.client
            .query(read(&self.statements), params)
            .map_err(pg)?
            .into_iter()
            .map(|r| {
                Ok(Row {
                    position: stored_u64(r.try_get(0).map_err(pg)?, "a position", location)?,
                    stream: stored_u32(r.try_get(1).map_err(pg)?, "a stream", location)?,
                    seq: stored_u64(r.try_get(2).map_err(pg)?, "a seq", location)?,
                    command: r.try_get(3).map_err(pg)?,
                    schema: stored_u32(r.try_get(4).map_err(pg)?, "a schema version", location)?,
                    body: r.try_get(5).map_err(pg)?,
                })
            })
            .collect()
    }
}

impl Backend for Postgres {
    fn append(&mut self, append: &Append<'_>) -> Result<Appended, BackendError> {
        let plan = append.plan()?;
        match self.try_append(append, &plan) {
            Ok(positions) => Ok(Appended::Committed { positions }),
            Err(Stop::Duplicate(command)) => Ok(Appended::Duplicate { command }),
            Err(Stop::Conflict { stream, expected }) => {
                let actual = self.version(stream)?;
                Err(BackendError::Conflict {
                    stream,
                    expected,
                    actual,
                })
            }
            Err(Stop::Error(BackendError::Postgres { source }))
                if source.code() == Some(&SqlState::UNIQUE_VIOLATION) =>
            {
                self.explain_unique_violation(append, &plan, BackendError::Postgres { source })
            }
            Err(Stop::Error(e)) => Err(e),
        }
    }

    fn version(&mut self, stream: u32) -> Result<u64, BackendError> {
        let v: Option<i64> = self
            .client
            .query_opt(
                "SELECT version FROM streams WHERE stream = $1",
                &[&i64::from(stream)],
            )
            .map_err(pg)?
            .map(|r| r.get(0));
        stored_u64(v.unwrap_or(0), "a stream version", &self.location)
    }

    fn versions(&mut self) -> Result<Vec<(u32, u64)>, BackendError> {
        let location = &self.location;
        self.client
            .query(
                "SELECT stream, version FROM streams WHERE version > 0 ORDER BY stream",
                &[],
            )
            .map_err(pg)?
            .into_iter()
            .map(|r| {
                Ok((
                    stored_u32(r.try_get(0).map_err(pg)?, "a stream", location)?,
                    stored_u64(r.try_get(1).map_err(pg)?, "a stream version", location)?,
                ))
            })
            .collect()
    }

    fn read_all(&mut self, after: u64, limit: usize) -> Result<Vec<Row>, BackendError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        self.rows(|s| &s.read_all, &[&after, &limit_i64(limit)])
    }

    fn read_stream(
        &mut self,
        stream: u32,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<Row>, BackendError> {
        let after = i64::try_from(after_seq).unwrap_or(i64::MAX);
        self.rows(
            |s| &s.read_stream,
            &[&i64::from(stream), &after, &limit_i64(limit)],
        )
    }

    fn allocate(&mut self, kind: IdKind, count: u32) -> Result<u32, BackendError> {
        let location = self.location.clone();
        let mut tx = self.client.transaction().map_err(pg)?;
        tx.execute(
            "INSERT INTO ids (kind, last) VALUES ($1, 0) ON CONFLICT DO NOTHING",
            &[&kind.name()],
        )
        .map_err(pg)?;
        // FOR UPDATE: concurrent allocators of this kind queue here, briefly.
        let last: i64 = tx
            .query_one(
                "SELECT last FROM ids WHERE kind = $1 FOR UPDATE",
                &[&kind.name()],
            )
            .map_err(pg)?
            .get(0);
        let last = stored_u64(last, "an identifier counter", &location)?;
        let (first, new_last) = next_ids(kind, last, count)?;
        tx.execute(
            "UPDATE ids SET last = $2 WHERE kind = $1",
            &[&kind.name(), &to_i64(new_last, "identifier")?],
        )
        .map_err(pg)?;
        tx.commit().map_err(pg)?;
        Ok(first)
    }

    fn raise(&mut self, kind: IdKind, at_least: u32) -> Result<(), BackendError> {
        self.client
            .execute(
                "INSERT INTO ids (kind, last) VALUES ($1, $2) \
                 ON CONFLICT (kind) DO UPDATE SET last = greatest(ids.last, excluded.last)",
                &[&kind.name(), &i64::from(at_least)],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn save_snapshot(&mut self, position: u64, body: &str) -> Result<(), BackendError> {
        self.client
            .execute(
                "INSERT INTO snapshots (position, body) VALUES ($1, $2) \
                 ON CONFLICT (position) DO UPDATE SET body = excluded.body",
                &[&to_i64(position, "snapshot position")?, &body],
            )
            .map_err(pg)?;
        self.client
            .execute(
                "DELETE FROM snapshots WHERE position NOT IN \
                 (SELECT position FROM snapshots ORDER BY position DESC LIMIT 2)",
                &[],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn latest_snapshot(&mut self) -> Result<Option<(u64, String)>, BackendError> {
        let row = self
            .client
            .query_opt(
                "SELECT position, body FROM snapshots ORDER BY position DESC LIMIT 1",
                &[],
            )
            .map_err(pg)?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((
                stored_u64(
                    r.try_get(0).map_err(pg)?,
                    "a snapshot position",
                    &self.location,
                )?,
                r.try_get(1).map_err(pg)?,
            ))),
        }
    }
}
