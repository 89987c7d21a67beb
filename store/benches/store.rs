//! The typed [`Store`] against the databases' own limits (EV005), and a rebuild against a
//! snapshot load (EV004).
//!
//! Groups, each measuring the two sides of its ratio in one run:
//!
//! - `commit_sqlite`: a batch of N commands (200 under `cargo bench`), each with a command ID,
//!   executed through `Store<Sqlite>` on a real file (WAL, `synchronous=FULL`), against
//!   **plain SQL**: the very same rows (stream, seq, command ID, JSON body; captured from a
//!   `Store` run beforehand) written with rusqlite into the same tables, with the same pragmas,
//!   one `BEGIN IMMEDIATE … COMMIT` per command holding what the backend's append does (the
//!   command-ID insert, the stream-version update, the event inserts). Two workloads:
//!   `create_va` (`Command::CreateVa` on Acme by its SA Admin `alice` in the fixture world) and
//!   `assign` (`LicenseCommand::AssignFromHolding` of one license from the Nimbus holding to
//!   Sam's Bikes: two streams per append). `CreateVa` hands out a Virtual Account identifier,
//!   which the store allocates in a transaction of its own before the append (a second
//!   durable commit), so `create_va` is also measured as `plain_sql_with_ids`: plain SQL plus
//!   that allocation transaction. **Target: the store at most 2× plain SQL.** Throughput is
//!   in commands per second. Every sample starts from a fresh copy of one template file
//!   (the fixture world, imported), so both sides write the same rows onto the same state.
//! - `commit_postgres`: the same through `Store<Postgres>` against plain SQL over the
//!   `postgres` crate in the backend's transactions (statements prepared once per connection,
//!   the position advisory lock included). Each sample gets a fresh database copied from a
//!   template database (`CREATE DATABASE … TEMPLATE`); all are dropped afterwards. Skipped,
//!   with one line saying so, when `SMART_ACCOUNTS_PG` is not set. The server of
//!   `scripts/pg.sh` runs with `fsync=off`: its figures are round trips and server work, not
//!   disk flushes.
//! - `rebuild_100k`: a directory of about 100,000 Virtual Accounts, every one created by a
//!   logged command, rebuilt from a SQLite store with [`Store::rebuild`] (every event read,
//!   decoded and re-checked as its command) against loading the same state from the store's
//!   own JSON snapshot (`serde_json::from_str::<Snapshot>` and [`Directory::from_snapshot`],
//!   which also replays the logs it carries). **Target: at most 2×.**
//!
//! After the groups it prints the spread of commands per second (min / median / max over 5
//! runs of each side, the sides alternating) for each backend and workload, with the median
//! CPU time per command of the bench's thread (Linux: SQLite's work is in it, the PostgreSQL
//! server's is not) and the store's median time over each plain side's.
//!
//! `cargo test --benches` runs each routine once on small sizes (20 commands, 2,000 Virtual
//! Accounts, one spread run), to stay quick in a debug build.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::RefCell;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use rusqlite::{Connection, TransactionBehavior, params};
use smart_accounts::fixtures::{self, World};
use smart_accounts::license::{
    LicenseCommand, LicenseKind, OrderId, OrderLine, TransferId, TransferLine,
};
use smart_accounts::{
    Actor, Command, CommandId, Config, Directory, IdKind as CoreKind, Snapshot, StreamEvent, VaId,
};
use smart_accounts_store::backend::postgres::POSITION_LOCK;
use smart_accounts_store::{Append, Backend, IdKind, NewRow, Postgres, Sqlite, Store};

/// Children per Virtual Account in the tree of the rebuilt directory.
const WIDTH: usize = 8;

/// Whether this is `cargo bench` (criterion gets `--bench`) rather than `cargo test --benches`.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The sizes of one run: full under `cargo bench`, small under `cargo test --benches`.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    /// Commands per timed batch.
    commands: usize,
    /// Virtual Accounts created by commands in the rebuilt directory.
    vas: usize,
    /// Runs of each side for the printed spread.
    runs: usize,
}

impl Sizes {
    /// The sizes for this run.
    fn now() -> Sizes {
        if benchmarking() {
            Sizes {
                commands: 200,
                vas: 100_000,
                runs: 5,
            }
        } else {
            Sizes {
                commands: 20,
                vas: 2_000,
                runs: 1,
            }
        }
    }
}

/// The two kinds of command committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workload {
    /// `Command::CreateVa` on Acme by `alice`: one event in one stream, one fresh identifier.
    CreateVa,
    /// `LicenseCommand::AssignFromHolding` of one license from the Nimbus holding to Sam's
    /// Bikes by the holding's admin: one event in each of two streams.
    Assign,
}

impl Workload {
    /// Both workloads.
    const ALL: [Workload; 2] = [Workload::CreateVa, Workload::Assign];

    /// The name in benchmark IDs.
    fn name(self) -> &'static str {
        match self {
            Workload::CreateVa => "create_va",
            Workload::Assign => "assign",
        }
    }

    /// The `k`-th command of the workload: actor, command and command ID.
    fn command(self, w: &World, k: usize) -> (Actor, Command, CommandId) {
        let id = CommandId::parse(&format!("bench-{}-{k}", self.name())).unwrap();
        match self {
            Workload::CreateVa => (
                Actor::User(w.acme.alice),
                Command::CreateVa {
                    sa: w.acme.sa,
                    parent: None,
                    name: format!("Bench VA {k}"),
                },
                id,
            ),
            Workload::Assign => (
                Actor::User(w.partner.admin),
                Command::License(LicenseCommand::AssignFromHolding {
                    transfer: TransferId::parse(&format!("bench-transfer-{k}")).unwrap(),
                    from: w.partner.holding_default,
                    to_sa: w.solo.sa,
                    to_va: None,
                    lines: vec![TransferLine {
                        license: w.licensing.holding_dna.clone(),
                        quantity: 1,
                    }],
                    order_lines: Vec::new(),
                }),
                id,
            ),
        }
    }

    /// The commands `0..n`, built before any timing starts.
    fn commands(self, w: &World, n: usize) -> Vec<(Actor, Command, CommandId)> {
        (0..n).map(|k| self.command(w, k)).collect()
    }
}

/// The fixture world with a million more licenses in the Nimbus holding, enough for every
/// assignment of any run.
fn bench_world() -> World {
    let mut w = fixtures::world().unwrap();
    let deposit = LicenseCommand::Deposit {
        sa: w.partner.holding,
        va: None,
        order: OrderLine {
            order: OrderId::parse("BENCH-1").unwrap(),
            line: 1,
        },
        license: w.licensing.holding_dna.clone(),
        kind: LicenseKind::Smart,
        quantity: 1_000_000,
        procured_by: w.partner.org,
        sa_mandatory: true,
    };
    w.dir
        .execute(&Actor::Fulfilment, w.at, Command::License(deposit))
        .unwrap();
    w
}

/// One command's append as the store made it: what plain SQL writes again.
#[derive(Debug, Clone)]
struct Captured {
    /// The command ID.
    command: String,
    /// `(stream, expected version, new version)` in stream order, as the backends lock them.
    streams: Vec<(u32, u64, u64)>,
    /// The rows, with their JSON bodies, in append order.
    rows: Vec<NewRow>,
    /// The identifiers the store allocates for the command, each in a transaction of its own.
    ids: Vec<IdKind>,
}

/// The store's counter of a kind of identifier.
fn store_kind(kind: CoreKind) -> IdKind {
    match kind {
        CoreKind::Organization => IdKind::Organization,
        CoreKind::User => IdKind::User,
        CoreKind::Account => IdKind::Account,
        CoreKind::Va => IdKind::Va,
    }
}

/// Runs the workload's first `n` commands through `store` and records each append: the
/// versions the command was planned on and the rows of the events it committed.
fn capture<B: Backend>(
    store: &mut Store<B>,
    w: &World,
    workload: Workload,
    n: usize,
) -> Vec<Captured> {
    workload
        .commands(w, n)
        .into_iter()
        .map(|(actor, command, id)| {
            let plan = store
                .directory()
                .plan(&actor, w.at, command.clone(), Some(id.clone()))
                .unwrap();
            let expected: Vec<(u32, u64)> = plan
                .expected()
                .iter()
                .map(|(stream, version)| (stream.number(), *version))
                .collect();
            let ids = command
                .fresh_ids()
                .iter()
                .copied()
                .map(store_kind)
                .collect();
            let committed = store
                .execute(&actor, w.at, command, Some(id.clone()))
                .unwrap();
            let rows: Vec<NewRow> = committed
                .directory
                .into_iter()
                .map(StreamEvent::Directory)
                .chain(committed.accounts.into_iter().map(StreamEvent::Account))
                .map(|event| NewRow {
                    stream: event.stream().number(),
                    seq: event.seq(),
                    schema: smart_accounts::SCHEMA_VERSION,
                    body: serde_json::to_string(&event).unwrap(),
                })
                .collect();
            let streams = Append {
                command: Some(id.as_str()),
                expected: &expected,
                rows: &rows,
            }
            .validate()
            .unwrap();
            Captured {
                command: id.as_str().to_owned(),
                streams,
                rows,
                ids,
            }
        })
        .collect()
}

/// The wall-clock time of a timed part, and the CPU time of this thread meanwhile where the
/// system says (Linux).
#[derive(Debug, Clone, Copy)]
struct Timed {
    /// Wall-clock time: what the benchmarks measure.
    wall: Duration,
    /// CPU time of this thread, `None` where `/proc/thread-self/schedstat` is missing.
    cpu: Option<Duration>,
}

/// A started clock: wall-clock and this thread's CPU time.
#[derive(Debug)]
struct Clock {
    /// When it started.
    wall: Instant,
    /// This thread's CPU time then.
    cpu: Option<Duration>,
}

impl Clock {
    /// Starts.
    fn start() -> Clock {
        Clock {
            cpu: thread_cpu(),
            wall: Instant::now(),
        }
    }

    /// Stops.
    fn stop(self) -> Timed {
        let wall = self.wall.elapsed();
        let cpu = thread_cpu()
            .zip(self.cpu)
            .map(|(now, then)| now.saturating_sub(then));
        Timed { wall, cpu }
    }
}

/// The CPU time this thread has used (the first field of Linux's
/// `/proc/thread-self/schedstat`, in nanoseconds); `None` elsewhere.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Executes `commands` through `store`, timed.
fn run_store<B: Backend>(
    store: &mut Store<B>,
    at: jiff::Timestamp,
    commands: Vec<(Actor, Command, CommandId)>,
) -> Timed {
    let clock = Clock::start();
    for (actor, command, id) in commands {
        black_box(store.execute(&actor, at, command, Some(id)).unwrap());
    }
    clock.stop()
}

/// `count / elapsed`, per second.
fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

/// The bench's settings for a commit group: 10 samples of whole batches.
fn commit_settings(group: &mut BenchmarkGroup<'_, WallTime>, sizes: Sizes) {
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(sizes.commands as u64));
}

// ---------------------------------------------------------------------------------------------
// SQLite.

/// A copy of a template SQLite file, removed with its WAL and shared-memory files when
/// dropped.
#[derive(Debug)]
struct FileCopy {
    /// The copy.
    path: PathBuf,
}

impl FileCopy {
    /// Copies `template` to a new file beside it.
    fn of(template: &Path) -> FileCopy {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = template.with_file_name(format!("copy-{n}.sqlite"));
        std::fs::copy(template, &path).unwrap();
        FileCopy { path }
    }
}

impl Drop for FileCopy {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.path.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
}

/// The SQLite template: the bench world imported into a store file, closed (checkpointed).
#[derive(Debug)]
struct SqliteSide {
    /// The temporary directory of every file of the bench.
    _dir: tempfile::TempDir,
    /// The template file.
    template: PathBuf,
    /// The directory's configuration.
    config: Config,
}

impl SqliteSide {
    /// Imports `w` into a new store file.
    fn new(w: &World) -> SqliteSide {
        let dir = tempfile::tempdir().unwrap();
        let template = dir.path().join("template.sqlite");
        let config = w.dir.config().clone();
        let mut store = Store::open(Sqlite::open(&template).unwrap(), config.clone()).unwrap();
        store.import(&w.dir).unwrap();
        drop(store);
        let mut wal = template.as_os_str().to_owned();
        wal.push("-wal");
        assert!(
            !Path::new(&wal).exists(),
            "the template is checkpointed when its last connection closes"
        );
        SqliteSide {
            _dir: dir,
            template,
            config,
        }
    }

    /// A store on a fresh copy of the template, opened (untimed), and the copy.
    fn store(&self) -> (Store<Sqlite>, FileCopy) {
        let copy = FileCopy::of(&self.template);
        let store = Store::open(Sqlite::open(&copy.path).unwrap(), self.config.clone()).unwrap();
        (store, copy)
    }

    /// Times `n` commands of `workload` through a store on a fresh copy.
    fn store_batch(&self, w: &World, workload: Workload, n: usize) -> Timed {
        let (mut store, _copy) = self.store();
        run_store(&mut store, w.at, workload.commands(w, n))
    }

    /// Times the captured appends written with plain SQL on a fresh copy.
    fn plain_batch(&self, script: &[Captured], with_ids: bool) -> Timed {
        let copy = FileCopy::of(&self.template);
        plain_sqlite(&copy.path, script, with_ids)
    }
}

/// Plain SQLite: the backend's pragmas, then each captured append as one `BEGIN IMMEDIATE …
/// COMMIT` with the backend's statements (prepared once per connection), preceded with
/// `with_ids` by the backend's identifier allocation, a transaction of its own per identifier.
fn plain_sqlite(path: &Path, script: &[Captured], with_ids: bool) -> Timed {
    let mut conn = Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(30)).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert!(mode.eq_ignore_ascii_case("wal"));
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF;")
        .unwrap();
    let clock = Clock::start();
    for c in script {
        if with_ids {
            for kind in &c.ids {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .unwrap();
                let last: i64 = tx
                    .prepare_cached("SELECT last FROM ids WHERE kind = ?1")
                    .unwrap()
                    .query_row([kind.name()], |r| r.get(0))
                    .unwrap();
                tx.prepare_cached(
                    "INSERT INTO ids (kind, last) VALUES (?1, ?2) \
                     ON CONFLICT (kind) DO UPDATE SET last = excluded.last",
                )
                .unwrap()
                .execute(params![kind.name(), last + 1])
                .unwrap();
                tx.commit().unwrap();
            }
        }
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .unwrap();
        let inserted = tx
            .prepare_cached("INSERT INTO commands (command) VALUES (?1) ON CONFLICT DO NOTHING")
            .unwrap()
            .execute([&c.command])
            .unwrap();
        assert_eq!(inserted, 1, "a new command ID");
        for &(stream, expected, new_version) in &c.streams {
            let stream = i64::from(stream);
            if expected == 0 {
                tx.prepare_cached(
                    "INSERT INTO streams (stream, version) VALUES (?1, 0) ON CONFLICT DO NOTHING",
                )
                .unwrap()
                .execute([stream])
                .unwrap();
            }
            let updated = tx
                .prepare_cached(
                    "UPDATE streams SET version = ?3 WHERE stream = ?1 AND version = ?2",
                )
                .unwrap()
                .execute(params![
                    stream,
                    i64::try_from(expected).unwrap(),
                    i64::try_from(new_version).unwrap()
                ])
                .unwrap();
            assert_eq!(updated, 1, "the stream is at the captured version");
        }
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO events (stream, seq, command, schema, body) \
                     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING position",
                )
                .unwrap();
            for row in &c.rows {
                let position: i64 = insert
                    .query_row(
                        params![
                            i64::from(row.stream),
                            i64::try_from(row.seq).unwrap(),
                            c.command,
                            i64::from(row.schema),
                            row.body
                        ],
                        |r| r.get(0),
                    )
                    .unwrap();
                black_box(position);
            }
        }
        tx.commit().unwrap();
    }
    clock.stop()
}

/// The group `commit_sqlite`.
fn commit_sqlite(
    c: &mut Criterion,
    w: &World,
    side: &SqliteSide,
    scripts: &[(Workload, Vec<Captured>)],
    sizes: Sizes,
) {
    let mut group = c.benchmark_group("commit_sqlite");
    commit_settings(&mut group, sizes);
    for (workload, script) in scripts {
        let name = workload.name();
        group.bench_function(BenchmarkId::new("store", name), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| side.store_batch(w, *workload, sizes.commands).wall)
                    .sum()
            });
        });
        group.bench_function(BenchmarkId::new("plain_sql", name), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| side.plain_batch(script, false).wall)
                    .sum()
            });
        });
        if script.iter().any(|c| !c.ids.is_empty()) {
            group.bench_function(BenchmarkId::new("plain_sql_with_ids", name), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| side.plain_batch(script, true).wall)
                        .sum()
                });
            });
        }
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL.

/// The PostgreSQL side: a connection to the server's maintenance database, a template
/// database holding the bench world, and fresh copies of it. Drops every database it made.
struct PgSide {
    /// The connection that creates and drops databases.
    admin: postgres::Client,
    /// The server's configuration, without a database.
    base: postgres::Config,
    /// The name prefix of this run's databases: `bench_<pid>`.
    prefix: String,
    /// The template database.
    template: String,
    /// The directory's configuration.
    config: Config,
    /// The number of the next copy.
    next: u32,
}

impl std::fmt::Debug for PgSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSide")
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

impl PgSide {
    /// Connects to the server of `url` and imports `w` into a template database of its own.
    fn new(url: &str, w: &World) -> Result<PgSide, String> {
        let base = postgres::Config::from_str(url).map_err(|e| format!("bad URL: {e}"))?;
        let admin = base
            .connect(postgres::NoTls)
            .map_err(|e| format!("cannot connect: {e}"))?;
        let prefix = format!("bench_{}", std::process::id());
        let template = format!("{prefix}_template");
        let mut side = PgSide {
            admin,
            base,
            prefix,
            template: template.clone(),
            config: w.dir.config().clone(),
            next: 0,
        };
        side.admin
            .batch_execute(&format!("CREATE DATABASE {template}"))
            .map_err(|e| format!("cannot create a database: {e}"))?;
        let backend = Postgres::connect_config(&side.database(&template))
            .map_err(|e| format!("cannot open the store: {e}"))?;
        let mut store = Store::open(backend, side.config.clone()).map_err(|e| e.to_string())?;
        store.import(&w.dir).map_err(|e| e.to_string())?;
        Ok(side)
    }

    /// The configuration of database `name` on the server.
    fn database(&self, name: &str) -> postgres::Config {
        let mut config = self.base.clone();
        config.dbname(name);
        config
    }

    /// A fresh copy of the template (untimed), by name. The template's last connection may
    /// still be closing on the server: the copy is retried for up to 10 s.
    fn copy(&mut self) -> String {
        let name = format!("{}_{}", self.prefix, self.next);
        self.next += 1;
        let sql = format!("CREATE DATABASE {name} TEMPLATE {}", self.template);
        let mut tries = 0;
        while let Err(e) = self.admin.batch_execute(&sql) {
            tries += 1;
            assert!(tries < 100, "cannot copy the template database: {e}");
            thread::sleep(Duration::from_millis(100));
        }
        name
    }

    /// Drops a copy whose connections are closed.
    fn drop_copy(&mut self, name: &str) {
        self.admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
    }

    /// Times `n` commands of `workload` through a store on a fresh copy.
    fn store_batch(&mut self, w: &World, workload: Workload, n: usize) -> Timed {
        let name = self.copy();
        let backend = Postgres::connect_config(&self.database(&name)).unwrap();
        let mut store = Store::open(backend, self.config.clone()).unwrap();
        let elapsed = run_store(&mut store, w.at, workload.commands(w, n));
        drop(store);
        self.drop_copy(&name);
        elapsed
    }

    /// Times the captured appends written with plain SQL on a fresh copy.
    fn plain_batch(&mut self, script: &[Captured], with_ids: bool) -> Timed {
        let name = self.copy();
        let elapsed = plain_postgres(&self.database(&name), script, with_ids);
        self.drop_copy(&name);
        elapsed
    }
}

impl Drop for PgSide {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.template);
        if let Err(e) = self.admin.batch_execute(&sql) {
            eprintln!("could not drop the database {}: {e}", self.template);
        }
    }
}

/// Plain PostgreSQL: each captured append as one transaction with the backend's statements
/// (prepared once per connection, before the clock starts), the position advisory lock
/// included; with `with_ids`, preceded by the backend's identifier allocation, a transaction
/// of its own per identifier.
fn plain_postgres(config: &postgres::Config, script: &[Captured], with_ids: bool) -> Timed {
    let mut client = config.connect(postgres::NoTls).unwrap();
    let command = client
        .prepare("INSERT INTO commands (command) VALUES ($1) ON CONFLICT DO NOTHING")
        .unwrap();
    let create = client
        .prepare("INSERT INTO streams (stream, version) VALUES ($1, 0) ON CONFLICT DO NOTHING")
        .unwrap();
    let update = client
        .prepare("UPDATE streams SET version = $3 WHERE stream = $1 AND version = $2")
        .unwrap();
    let lock = client.prepare("SELECT pg_advisory_xact_lock($1)").unwrap();
    let insert = client
        .prepare(
            "INSERT INTO events (stream, seq, command, schema, body) \
             VALUES ($1, $2, $3, $4, $5) RETURNING position",
        )
        .unwrap();
    let id_row = client
        .prepare("INSERT INTO ids (kind, last) VALUES ($1, 0) ON CONFLICT DO NOTHING")
        .unwrap();
    let id_last = client
        .prepare("SELECT last FROM ids WHERE kind = $1 FOR UPDATE")
        .unwrap();
    let id_set = client
        .prepare("UPDATE ids SET last = $2 WHERE kind = $1")
        .unwrap();
    let clock = Clock::start();
    for c in script {
        if with_ids {
            for kind in &c.ids {
                let mut tx = client.transaction().unwrap();
                tx.execute(&id_row, &[&kind.name()]).unwrap();
                let last: i64 = tx.query_one(&id_last, &[&kind.name()]).unwrap().get(0);
                tx.execute(&id_set, &[&kind.name(), &(last + 1)]).unwrap();
                tx.commit().unwrap();
            }
        }
        let mut tx = client.transaction().unwrap();
        assert_eq!(tx.execute(&command, &[&c.command]).unwrap(), 1);
        for &(stream, expected, new_version) in &c.streams {
            let stream = i64::from(stream);
            if expected == 0 {
                tx.execute(&create, &[&stream]).unwrap();
            }
            let expected = i64::try_from(expected).unwrap();
            let new_version = i64::try_from(new_version).unwrap();
            let updated = tx
                .execute(&update, &[&stream, &expected, &new_version])
                .unwrap();
            assert_eq!(updated, 1, "the stream is at the captured version");
        }
        if !c.rows.is_empty() {
            tx.execute(&lock, &[&POSITION_LOCK]).unwrap();
        }
        for row in &c.rows {
            let position: i64 = tx
                .query_one(
                    &insert,
                    &[
                        &i64::from(row.stream),
                        &i64::try_from(row.seq).unwrap(),
                        &c.command,
                        &i64::from(row.schema),
                        &row.body,
                    ],
                )
                .unwrap()
                .get(0);
            black_box(position);
        }
        tx.commit().unwrap();
    }
    clock.stop()
}

/// The group `commit_postgres`.
fn commit_postgres(
    c: &mut Criterion,
    w: &World,
    side: &mut PgSide,
    scripts: &[(Workload, Vec<Captured>)],
    sizes: Sizes,
) {
    let mut group = c.benchmark_group("commit_postgres");
    commit_settings(&mut group, sizes);
    for (workload, script) in scripts {
        let name = workload.name();
        group.bench_function(BenchmarkId::new("store", name), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| side.store_batch(w, *workload, sizes.commands).wall)
                    .sum()
            });
        });
        group.bench_function(BenchmarkId::new("plain_sql", name), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| side.plain_batch(script, false).wall)
                    .sum()
            });
        });
        if script.iter().any(|c| !c.ids.is_empty()) {
            group.bench_function(BenchmarkId::new("plain_sql_with_ids", name), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| side.plain_batch(script, true).wall)
                        .sum()
                });
            });
        }
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Rebuilding 100,000 Virtual Accounts.

/// The fixture world plus `vas` Virtual Accounts on Acme, each created by a logged command of
/// `alice`: a tree eight wide (the first eight at the top, then eight under each, parents
/// first).
fn large_directory(vas: usize) -> (Directory, Config) {
    let w = fixtures::world().unwrap();
    let mut dir = w.dir;
    let alice = Actor::User(w.acme.alice);
    let mut created: Vec<VaId> = Vec::with_capacity(vas);
    for k in 0..vas {
        let parent = k.checked_sub(WIDTH).map(|p| created[p / WIDTH]);
        let va = dir
            .create_va(&alice, w.at, w.acme.sa, parent, &format!("Bench VA {k}"))
            .unwrap();
        created.push(va);
    }
    let config = dir.config().clone();
    (dir, config)
}

/// Loads a directory from the JSON text of a snapshot.
fn load_snapshot(json: &str) -> Directory {
    let snapshot: Snapshot = serde_json::from_str(json).unwrap();
    Directory::from_snapshot(snapshot).unwrap()
}

/// The group `rebuild_100k`.
fn rebuild_100k(c: &mut Criterion, sizes: Sizes) {
    let started = Instant::now();
    let (dir, config) = large_directory(sizes.vas);
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("rebuild.sqlite");
    let mut store = Store::open(Sqlite::open(&path).unwrap(), config.clone()).unwrap();
    store.import(&dir).unwrap();
    // The snapshot the import saved: what `Store::open` would load.
    let (_, json) = store.backend_mut().latest_snapshot().unwrap().unwrap();
    let events = store.position();
    drop(store);
    assert_eq!(
        Store::rebuild(Sqlite::open(&path).unwrap(), config.clone()).unwrap(),
        dir
    );
    assert_eq!(load_snapshot(&json), dir);
    eprintln!(
        "rebuild_100k: {} Virtual Accounts created by commands, {events} events in the store, \
         snapshot of {} bytes (set up in {:.1?})",
        sizes.vas,
        json.len(),
        started.elapsed()
    );
    drop(dir);

    let mut group = c.benchmark_group("rebuild_100k");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(sizes.vas as u64));
    group.bench_function(BenchmarkId::new("store_rebuild", sizes.vas), |b| {
        b.iter_with_large_drop(|| {
            Store::rebuild(Sqlite::open(&path).unwrap(), config.clone()).unwrap()
        });
    });
    group.bench_function(BenchmarkId::new("snapshot_load", sizes.vas), |b| {
        b.iter_with_large_drop(|| load_snapshot(black_box(&json)));
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// The spread of commands per second.

/// Min, median and max of `values` (not empty).
fn min_median_max(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[0],
        values[values.len() / 2],
        values[values.len() - 1],
    )
}

/// One side of a spread: its label and a timed batch of commands.
type Side<'a> = (&'static str, Box<dyn FnMut() -> Timed + 'a>);

/// Prints, for each side, the min / median / max commands per second over `runs` batches of
/// `n` commands (the sides alternate), the median CPU time per command of this thread (the
/// client's: SQLite's work included, the PostgreSQL server's not), and the first side's
/// (the store's) median time over this side's: the overhead of the store over it.
fn print_spread(
    backend: &str,
    workload: Workload,
    n: usize,
    runs: usize,
    mut sides: Vec<Side<'_>>,
) {
    let mut rates = vec![Vec::with_capacity(runs); sides.len()];
    let mut cpus = vec![Vec::with_capacity(runs); sides.len()];
    for _ in 0..runs {
        for (i, (_, batch)) in sides.iter_mut().enumerate() {
            let timed = batch();
            rates[i].push(per_second(n, timed.wall));
            if let Some(cpu) = timed.cpu {
                cpus[i].push(cpu.as_secs_f64() * 1e6 / n as f64);
            }
        }
    }
    let mut first = None;
    for ((label, _), (rates, cpus)) in sides.iter().zip(rates.into_iter().zip(cpus)) {
        let (min, median, max) = min_median_max(rates);
        let cpu = if cpus.is_empty() {
            "n/a".to_owned()
        } else {
            format!("{:.0} µs", min_median_max(cpus).1)
        };
        let first = *first.get_or_insert(median);
        eprintln!(
            "{backend:<8} {:<9} {label:<18} {min:>6.0} / {median:>6.0} / {max:>6.0} commands/s   \
             CPU {cpu:>7} per command   store time ÷ this side's ×{:.2}",
            workload.name(),
            median / first
        );
    }
}

// ---------------------------------------------------------------------------------------------

fn main() {
    let sizes = Sizes::now();
    let mut c = Criterion::default().configure_from_args();

    let w = bench_world();
    let sqlite = SqliteSide::new(&w);
    let scripts: Vec<(Workload, Vec<Captured>)> = Workload::ALL
        .iter()
        .map(|&workload| {
            let (mut store, _copy) = sqlite.store();
            (workload, capture(&mut store, &w, workload, sizes.commands))
        })
        .collect();

    commit_sqlite(&mut c, &w, &sqlite, &scripts, sizes);
    let mut postgres = match std::env::var("SMART_ACCOUNTS_PG") {
        Ok(url) if !url.is_empty() => match PgSide::new(&url, &w) {
            Ok(side) => Some(side),
            Err(why) => {
                eprintln!("commit_postgres: skipped: the server of SMART_ACCOUNTS_PG: {why}");
                None
            }
        },
        _ => {
            eprintln!(
                "commit_postgres: skipped: SMART_ACCOUNTS_PG is not set (start a server with \
                 `eval \"$(scripts/pg.sh start)\"`)"
            );
            None
        }
    };
    if let Some(side) = postgres.as_mut() {
        commit_postgres(&mut c, &w, side, &scripts, sizes);
    }
    rebuild_100k(&mut c, sizes);
    c.final_summary();

    if std::env::args().any(|a| a == "--profile-time" || a == "--list") {
        return;
    }
    eprintln!(
        "\nspread of {} runs of {} commands each, the sides alternating:",
        sizes.runs, sizes.commands
    );
    for (workload, script) in &scripts {
        let mut sides: Vec<Side<'_>> = vec![
            (
                "store",
                Box::new(|| sqlite.store_batch(&w, *workload, sizes.commands)),
            ),
            ("plain_sql", Box::new(|| sqlite.plain_batch(script, false))),
        ];
        if script.iter().any(|c| !c.ids.is_empty()) {
            sides.push((
                "plain_sql_with_ids",
                Box::new(|| sqlite.plain_batch(script, true)),
            ));
        }
        print_spread("sqlite", *workload, sizes.commands, sizes.runs, sides);
    }
    if let Some(side) = postgres.as_mut() {
        let side = RefCell::new(side);
        for (workload, script) in &scripts {
            let mut sides: Vec<Side<'_>> = vec![
                (
                    "store",
                    Box::new(|| side.borrow_mut().store_batch(&w, *workload, sizes.commands)),
                ),
                (
                    "plain_sql",
                    Box::new(|| side.borrow_mut().plain_batch(script, false)),
                ),
            ];
            if script.iter().any(|c| !c.ids.is_empty()) {
                sides.push((
                    "plain_sql_with_ids",
                    Box::new(|| side.borrow_mut().plain_batch(script, true)),
                ));
            }
            print_spread("postgres", *workload, sizes.commands, sizes.runs, sides);
        }
    }
}
