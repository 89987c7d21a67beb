//! Several writers on one store (EV005): threads and separate processes issuing conflicting
//! commands, and a writer process killed with SIGKILL at random points and restarted.
//!
//! The processes are this test binary run again with `--ignored --exact child_writer` and the
//! child's orders in environment variables; the child prints one line per command it finished,
//! which the parent reads.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command as Process, Stdio};
use std::str::FromStr;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use common::{Fixture, PgFixture, SqliteFixture, assign_one, pg_url};
use smart_accounts::fixtures::{self, World};
use smart_accounts::license::{LicenseCommand, LicenseKind, OrderId, OrderLine};
use smart_accounts::{Actor, Command, CommandId, Config, Directory, SaId};
use smart_accounts_store::{Backend, Options, Postgres, Row, Sqlite, Store, StoreError};

// ---------------------------------------------------------------------------------------------
// The commands.

/// The `k`-th command of a writer: Virtual Accounts on Acme (every writer's commands touch
/// that one account, so they conflict), Virtual Accounts on an account of the writer's own
/// (and some asked for by someone without the right), licenses from the partner's holding account to Sam's Bikes (a
/// transfer between two accounts), and deposits into the holding account that keep it stocked.
fn command(w: &World, writer: usize, k: usize) -> (Actor, Command) {
    let own: [(SaId, Actor); 2] = [
        (w.solo.sa, Actor::User(w.solo.sam)),
        (w.distributor.holding, Actor::User(w.distributor.admin)),
    ];
    match k % 4 {
        0 => (
            Actor::User(w.acme.alice),
            create_va(w.acme.sa, format!("W{writer} {k}")),
        ),
        // Bob is no administrator of Acme: refused by a rule.
        1 if k % 8 == 5 => (
            Actor::User(w.acme.bob),
            create_va(w.acme.sa, format!("W{writer} {k}")),
        ),
        1 => {
            let (sa, actor) = own[writer % own.len()].clone();
            (actor, create_va(sa, format!("W{writer} {k}")))
        }
        2 => assign_one(w, &format!("t-{writer}-{k}")),
        _ => deposit(w, &format!("o-{writer}-{k}")),
    }
}

fn create_va(sa: SaId, name: String) -> Command {
    Command::CreateVa {
        sa,
        parent: None,
        name,
    }
}

fn deposit(w: &World, order: &str) -> (Actor, Command) {
    let command = LicenseCommand::Deposit {
        sa: w.partner.holding,
        va: None,
        order: OrderLine {
            order: OrderId::parse(order).unwrap(),
            line: 1,
        },
        license: w.licensing.holding_dna.clone(),
        kind: LicenseKind::Smart,
        quantity: 2,
        procured_by: w.partner.org,
        sa_mandatory: false,
    };
    (Actor::Fulfilment, Command::License(command))
}

fn command_id(writer: usize, k: usize) -> CommandId {
    CommandId::parse(&format!("w{writer}-c{k}")).unwrap()
}

/// How a command ended for its writer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Committed, with this many events.
    Committed(usize),
    /// Refused because another writer committed first.
    Conflict,
    /// Refused by a rule.
    Refused(String),
}

impl Outcome {
    fn of(result: &Result<smart_accounts::Committed, StoreError>) -> Outcome {
        match result {
            Ok(c) => Outcome::Committed(c.directory.len() + c.accounts.len()),
            Err(e) if e.is_conflict() => Outcome::Conflict,
            Err(StoreError::Refused(e)) => Outcome::Refused(e.rule().code().to_owned()),
            Err(other) => panic!("a writer failed: {other}"),
        }
    }

    fn line(&self, id: &CommandId) -> String {
        match self {
            Outcome::Committed(n) => format!("committed {id} {n} end"),
            Outcome::Conflict => format!("conflict {id} end"),
            Outcome::Refused(rule) => format!("refused {id} {rule} end"),
        }
    }

    /// Parses a child's line; `None` for anything else (libtest's own output, a line cut
    /// short by SIGKILL).
    fn parse(line: &str) -> Option<(String, Outcome)> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["committed", id, n, "end"] => {
                Some((id.to_string(), Outcome::Committed(n.parse().ok()?)))
            }
            ["conflict", id, "end"] => Some((id.to_string(), Outcome::Conflict)),
            ["refused", id, rule, "end"] => {
                Some((id.to_string(), Outcome::Refused(rule.to_string())))
            }
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Where a writer finds the store: a SQLite file or a PostgreSQL database, named in text so a
// child process can be told.

trait Located: Fixture {
    fn location(&self) -> String;
}

impl Located for SqliteFixture {
    fn location(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }
}

impl Located for PgFixture {
    fn location(&self) -> String {
        format!("postgres:{}", self.db)
    }
}

/// Runs `f` with a new connection to the store at `location`.
fn with_backend<T>(location: &str, f: impl WithBackend<T>) -> T {
    if let Some(path) = location.strip_prefix("sqlite:") {
        f.run(Sqlite::open(path).unwrap())
    } else if let Some(db) = location.strip_prefix("postgres:") {
        let mut config = postgres::Config::from_str(&pg_url()).unwrap();
        config.dbname(db);
        f.run(Postgres::connect_config(&config).unwrap())
    } else {
        panic!("unknown store location {location}")
    }
}

trait WithBackend<T> {
    fn run<B: Backend + 'static>(self, backend: B) -> T;
}

/// The store holding the fixture world, and a replica of it that reads two rows at a time (so
/// that commands, transfers included, span its reads).
fn prepare<F: Fixture>(f: &F) -> (World, Store<F::B>) {
    let w = fixtures::world().unwrap();
    let mut store = Store::open(f.open(), w.dir.config().clone()).unwrap();
    store.import(&w.dir).unwrap();
    let tiny = Options {
        snapshot_every: None,
        page: 2,
        ..Options::default()
    };
    let replica = Store::open_with(f.open(), w.dir.config().clone(), tiny).unwrap();
    (w, replica)
}

/// After the writers: a rebuild from every event equals a reopened store and the replica
/// following the writers; every command is committed exactly once with all its events, or refused with nothing
/// stored; every stream's seqs run 1, 2, … without a gap.
fn check_outcomes<F: Fixture>(
    f: &F,
    config: &Config,
    mut replica: Store<F::B>,
    outcomes: &BTreeMap<String, Outcome>,
) -> Directory {
    let rebuilt = Store::rebuild(f.open(), config.clone()).unwrap();
    let reopened = Store::open(f.open(), config.clone()).unwrap();
    assert_eq!(reopened.directory(), &rebuilt);
    replica.catch_up().unwrap();
    assert_eq!(replica.directory(), &rebuilt);
    let rows: Vec<Row> = f.open().read_all(0, usize::MAX).unwrap();
    let mut by_command: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    let mut seqs: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for row in &rows {
        if let Some(id) = &row.command {
            by_command.entry(id.clone()).or_default().push(row);
        }
        seqs.entry(row.stream).or_default().push(row.seq);
    }
    for (stream, seqs) in seqs {
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, expected, "stream {stream} has a gap or a repeat");
    }
    for (id, outcome) in outcomes {
        let stored = by_command.get(id).map_or(0, Vec::len);
        let command = CommandId::parse(id).unwrap();
        match outcome {
            Outcome::Committed(n) => {
                assert_eq!(stored, *n, "{id}: {n} events acknowledged, {stored} stored");
                assert!(rebuilt.is_committed(&command), "{id}");
            }
            Outcome::Conflict | Outcome::Refused(_) => {
                assert_eq!(stored, 0, "{id} was refused but has events");
                assert!(!rebuilt.is_committed(&command), "{id}");
            }
        }
    }
    rebuilt
}

// ---------------------------------------------------------------------------------------------
// Eight writers as threads.

const WRITERS: usize = 8;
const COMMANDS: usize = 24;

/// One writer's whole run on its own connection.
fn run_writer<B: Backend>(backend: B, w: &World, writer: usize) -> Vec<(String, Outcome)> {
    let mut store = Store::open(backend, w.dir.config().clone()).unwrap();
    (0..COMMANDS)
        .map(|k| {
            let (actor, command) = command(w, writer, k);
            let id = command_id(writer, k);
            let result = store.execute(&actor, w.at, command, Some(id.clone()));
            (id.to_string(), Outcome::of(&result))
        })
        .collect()
}

fn summary(outcomes: &BTreeMap<String, Outcome>) -> (usize, usize, usize) {
    let count = |f: fn(&Outcome) -> bool| outcomes.values().filter(|o| f(o)).count();
    (
        count(|o| matches!(o, Outcome::Committed(_))),
        count(|o| matches!(o, Outcome::Conflict)),
        count(|o| matches!(o, Outcome::Refused(_))),
    )
}

fn threads<F: Fixture>(f: &F) {
    let (w, replica) = prepare(f);
    let w = Arc::new(w);
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (w, barrier, backend) = (Arc::clone(&w), Arc::clone(&barrier), f.open());
            thread::spawn(move || {
                barrier.wait();
                run_writer(backend, &w, writer)
            })
        })
        .collect();
    let outcomes: BTreeMap<String, Outcome> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(outcomes.len(), WRITERS * COMMANDS);
    let (committed, conflicts, refused) = summary(&outcomes);
    eprintln!(
        "{}: {committed} committed, {conflicts} conflicts, {refused} refused by a rule",
        f.name()
    );
    assert!(committed > 0);
    check_outcomes(f, w.dir.config(), replica, &outcomes);
}

#[test]
fn ev005_eight_writer_threads_on_a_sqlite_store_commit_each_command_once_or_not_at_all() {
    threads(&SqliteFixture::new());
}

#[test]
fn ev005_eight_writer_threads_on_a_postgres_store_commit_each_command_once_or_not_at_all() {
    threads(&PgFixture::new());
}

// ---------------------------------------------------------------------------------------------
// Child processes.

/// This test binary, run again as a child writer.
fn child(location: &str, mode: &str, writer: usize, start: usize) -> Process {
    let mut process = Process::new(std::env::current_exe().unwrap());
    process
        .args(["child_writer", "--exact", "--ignored", "--nocapture"])
        .env("SMART_ACCOUNTS_CHILD", mode)
        .env("SMART_ACCOUNTS_CHILD_STORE", location)
        .env("SMART_ACCOUNTS_CHILD_WRITER", writer.to_string())
        .env("SMART_ACCOUNTS_CHILD_START", start.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    process
}

fn parse_outcomes(stdout: &[u8]) -> Vec<(String, Outcome)> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(Outcome::parse)
        .collect()
}

fn processes<F: Located>(f: &F) {
    let (w, replica) = prepare(f);
    let children: Vec<_> = (0..WRITERS)
        .map(|writer| child(&f.location(), "writer", writer, 0).spawn().unwrap())
        .collect();
    let mut outcomes = BTreeMap::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "a writer process failed");
        outcomes.extend(parse_outcomes(&output.stdout));
    }
    assert_eq!(outcomes.len(), WRITERS * COMMANDS, "every command reported");
    let (committed, conflicts, refused) = summary(&outcomes);
    eprintln!(
        "{} processes: {committed} committed, {conflicts} conflicts, {refused} refused by a rule",
        f.name()
    );
    assert!(committed > 0);
    check_outcomes(f, w.dir.config(), replica, &outcomes);
}

#[test]
fn ev005_eight_writer_processes_on_a_sqlite_store_commit_each_command_once_or_not_at_all() {
    processes(&SqliteFixture::new());
}

#[test]
fn ev005_eight_writer_processes_on_a_postgres_store_commit_each_command_once_or_not_at_all() {
    processes(&PgFixture::new());
}

/// The child: runs a writer's commands on the store it is told, printing each outcome.
#[test]
#[ignore = "run as a child process by the writer and crash tests"]
fn child_writer() {
    let mode = std::env::var("SMART_ACCOUNTS_CHILD").expect("run by the writer tests");
    let location = std::env::var("SMART_ACCOUNTS_CHILD_STORE").unwrap();
    let writer: usize = std::env::var("SMART_ACCOUNTS_CHILD_WRITER")
        .unwrap()
        .parse()
        .unwrap();
    let start: usize = std::env::var("SMART_ACCOUNTS_CHILD_START")
        .unwrap()
        .parse()
        .unwrap();
    struct Child {
        mode: String,
        writer: usize,
        start: usize,
    }
    impl WithBackend<()> for Child {
        fn run<B: Backend + 'static>(self, backend: B) {
            let w = fixtures::world().unwrap();
            let (end, options) = match self.mode.as_str() {
                "writer" => (COMMANDS, Options::default()),
                // Snapshots often, so that kills also land while one is written.
                _ => (
                    usize::MAX,
                    Options {
                        snapshot_every: Some(40),
                        ..Options::default()
                    },
                ),
            };
            let mut store = Store::open_with(backend, w.dir.config().clone(), options).unwrap();
            let mut out = std::io::stdout().lock();
            for k in self.start..end {
                let (actor, command) = command(&w, self.writer, k);
                let id = command_id(self.writer, k);
                let result = store.execute(&actor, w.at, command, Some(id.clone()));
                writeln!(out, "{}", Outcome::of(&result).line(&id)).unwrap();
                out.flush().unwrap();
            }
        }
    }
    with_backend(
        &location,
        Child {
            mode,
            writer,
            start,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// A writer killed with SIGKILL, 50 times.

const RESTARTS: usize = 50;

/// A small deterministic generator for the kill delays (no randomness from outside, so a
/// failure can be replayed).
fn delays(seed: u64) -> impl Iterator<Item = Duration> {
    let mut state = seed;
    std::iter::from_fn(move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        Some(Duration::from_millis(30 + state % 400))
    })
}

fn crash<F: Located>(f: &F) {
    let (w, replica) = prepare(f);
    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut next = 0;
    let mut killed = 0;
    for delay in delays(0x5eed_cafe).take(RESTARTS) {
        let mut process = child(&f.location(), "crash", 0, next).spawn().unwrap();
        thread::sleep(delay);
        if process.try_wait().unwrap().is_none() {
            killed += 1;
        }
        process.kill().unwrap(); // SIGKILL
        let output = process.wait_with_output().unwrap();
        for (id, outcome) in parse_outcomes(&output.stdout) {
            let k: usize = id.rsplit_once('c').unwrap().1.parse().unwrap();
            next = next.max(k + 1);
            outcomes.insert(id, outcome);
        }
    }
    assert!(
        killed >= RESTARTS * 9 / 10,
        "only {killed} of {RESTARTS} children were killed"
    );
    let (committed, _, refused) = summary(&outcomes);
    eprintln!(
        "{}: {RESTARTS} kills, {committed} commands acknowledged, {refused} refused, {next} \
         attempted",
        f.name()
    );
    assert!(committed > RESTARTS, "too few commands to say anything");
    // Every acknowledged command is there whole, none is half there, and the directory the
    // events rebuild passes the log's re-check (EV004) again as a snapshot.
    let rebuilt = check_outcomes(f, w.dir.config(), replica, &outcomes);
    let transfers: BTreeSet<String> = outcomes
        .iter()
        .filter(|(id, o)| {
            matches!(o, Outcome::Committed(_))
                && id.rsplit_once('c').unwrap().1.parse::<usize>().unwrap() % 4 == 2
        })
        .map(|(id, _)| id.clone())
        .collect();
    for id in &transfers {
        let first = rebuilt
            .committed_as(&CommandId::parse(id).unwrap())
            .unwrap();
        let streams: BTreeSet<SaId> = first.accounts.iter().map(|e| e.sa).collect();
        assert_eq!(streams.len(), 2, "{id}: both sides of the transfer");
    }
    assert!(
        !transfers.is_empty(),
        "no transfer between accounts was acknowledged"
    );
    let again = Directory::from_snapshot(rebuilt.to_snapshot()).unwrap();
    assert_eq!(again, rebuilt);
}

#[test]
fn ev005_a_writer_killed_50_times_on_a_sqlite_store_loses_no_acknowledged_command() {
    crash(&SqliteFixture::new());
}

#[test]
fn ev005_a_writer_killed_50_times_on_a_postgres_store_loses_no_acknowledged_command() {
    crash(&PgFixture::new());
}
