//! The typed store (EV005) against real databases: a SQLite file and the PostgreSQL server of
//! `SMART_ACCOUNTS_PG`. Each behaviour runs for both backends (`<behaviour>::sqlite`,
//! `<behaviour>::postgres`).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;

use common::{Fixture, PgFixture, SqliteFixture, Tamper, assign_one};
use jiff::Timestamp;
use proptest::prelude::*;
use smart_accounts::fixtures::{self, World};
use smart_accounts::license::{DeviceId, LicenseCommand};
use smart_accounts::strategies::{self, AT};
use smart_accounts::{
    AccountKind, Actor, Command, CommandId, Directory, Error, NewUser, OrgKind, RuleId, StreamId,
    UserKind,
};
use smart_accounts_store::{
    Append, Appended, Backend, BackendError, IdKind, Options, Row, Store, StoreError,
};

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A store holding the fixture world, and the world.
fn world_store<F: Fixture>(f: &F) -> (Store<F::B>, World) {
    let w = fixtures::world().unwrap();
    let mut store = Store::open(f.open(), w.dir.config().clone()).unwrap();
    store.import(&w.dir).unwrap();
    assert_eq!(store.directory(), &w.dir);
    (store, w)
}

fn id(text: &str) -> Option<CommandId> {
    Some(CommandId::parse(text).unwrap())
}

fn create_va(w: &World, name: &str) -> Command {
    Command::CreateVa {
        sa: w.acme.sa,
        parent: None,
        name: name.to_owned(),
    }
}

fn all_rows<B: Backend>(b: &mut B) -> Vec<Row> {
    b.read_all(0, usize::MAX).unwrap()
}

/// Runs `body` for a fresh SQLite file (`sqlite`) and a fresh PostgreSQL database (`postgres`).
macro_rules! both_stores {
    ($name:ident, $body:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$body(&crate::common::SqliteFixture::new());
            }
            #[test]
            fn postgres() {
                super::$body(&crate::common::PgFixture::new());
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Running commands.

both_stores!(
    ev005_commands_run_through_the_store_and_a_reopened_store_equals_the_writer,
    run_and_reopen
);
fn run_and_reopen<F: Fixture>(f: &F) {
    let (mut store, w) = world_store(f);
    let alice = Actor::User(w.acme.alice);
    let made = store
        .execute(&alice, w.at, create_va(&w, "Oceania"), id("va-1"))
        .unwrap();
    assert_eq!(made.accounts.len(), 1);
    let (actor, assign) = assign_one(&w, "xfer-1");
    let moved = store.execute(&actor, w.at, assign, id("xfer-1")).unwrap();
    let streams: Vec<StreamId> = moved
        .accounts
        .iter()
        .map(|e| StreamId::Account(e.sa))
        .collect();
    assert_eq!(
        streams,
        [
            StreamId::Account(w.partner.holding),
            StreamId::Account(w.solo.sa)
        ]
    );
    let org = Command::RegisterOrganization {
        name: "Umbrella".into(),
        kind: OrgKind::Customer,
    };
    store
        .execute(&Actor::Fulfilment, w.at, org, id("org-1"))
        .unwrap();
    let umbrella = store.directory().organizations().last().unwrap().id;
    let user = Command::RegisterUser {
        user: NewUser {
            cco_id: Some("ursula".into()),
            email: "ursula@umbrella.com".into(),
            org: umbrella,
            kind: UserKind::Individual,
        },
    };
    store
        .execute(&Actor::Fulfilment, w.at, user, id("user-1"))
        .unwrap();
    let ursula = store.directory().users().last().unwrap().id;
    let request = Command::RequestAccount {
        kind: AccountKind::Customer,
        name: "Umbrella".into(),
        domain: Some("umbrella.com".into()),
        contact: ursula,
    };
    let created = store
        .execute(&Actor::User(ursula), w.at, request, id("sa-1"))
        .unwrap();
    assert_eq!(created.directory.len(), 1, "the domain is claimed");

    let config = w.dir.config().clone();
    let reopened = Store::open(f.open(), config.clone()).unwrap();
    assert_eq!(reopened.directory(), store.directory());
    assert_eq!(reopened.position(), store.position());
    let rebuilt = Store::rebuild(f.open(), config).unwrap();
    assert_eq!(&rebuilt, store.directory());
}

both_stores!(
    ev005_a_refused_command_appends_nothing_and_takes_no_identifier,
    refused_changes_nothing
);
fn refused_changes_nothing<F: Fixture>(f: &F) {
    let (mut store, w) = world_store(f);
    let before = store.directory().clone();
    let rows = all_rows(store.backend_mut()).len();
    let bob = Actor::User(w.acme.bob); // not an admin of Acme
    let err = store
        .execute(&bob, w.at, create_va(&w, "Oceania"), id("va-1"))
        .unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
    assert!(err.to_string().starts_with(err.rule().code()), "{err}");
    assert_eq!(store.directory(), &before);
    assert_eq!(all_rows(store.backend_mut()).len(), rows);
    // The next Virtual Account gets the identifier the refused one would have had.
    let alice = Actor::User(w.acme.alice);
    let made = store
        .execute(&alice, w.at, create_va(&w, "Oceania"), id("va-2"))
        .unwrap();
    let mut expected = before.clone();
    let planned = expected
        .execute(&alice, w.at, create_va(&w, "Oceania"))
        .unwrap();
    assert_eq!(made.accounts[0].change, planned[0].change);
}

both_stores!(
    ev005_a_retried_command_id_appends_nothing_and_returns_the_first_events_on_any_writer,
    retried_command
);
fn retried_command<F: Fixture>(f: &F) {
    let (mut store, w) = world_store(f);
    let config = w.dir.config().clone();
    let mut other = Store::open(f.open(), config).unwrap();
    let (actor, assign) = assign_one(&w, "xfer-1");
    let first = store
        .execute(&actor, w.at, assign.clone(), id("xfer-1"))
        .unwrap();
    let rows = all_rows(store.backend_mut()).len();
    // The other writer has not seen it yet; the database recognises the command ID.
    let again = other.execute(&actor, w.at, assign, id("xfer-1")).unwrap();
    assert!(again.repeated);
    assert_eq!(again.accounts, first.accounts);
    assert_eq!(all_rows(other.backend_mut()).len(), rows);
    assert_eq!(other.directory(), store.directory());
    // A different command under a used ID is still the first command's answer.
    let alice = Actor::User(w.acme.alice);
    let same_id = store
        .execute(&alice, w.at, create_va(&w, "Oceania"), id("xfer-1"))
        .unwrap();
    assert!(same_id.repeated);
    assert_eq!(same_id.accounts, first.accounts);
}

/// A backend that lets another writer commit right before the first append it forwards: the
/// race between a writer's catch-up and its append, made to happen every time.
#[derive(Debug)]
struct Interleaved<B: Backend> {
    inner: B,
    other: Option<(Store<B>, Actor, Command)>,
}

impl<B: Backend> Backend for Interleaved<B> {
    fn append(&mut self, append: &Append<'_>) -> Result<Appended, BackendError> {
        if let Some((mut other, actor, command)) = self.other.take() {
            other.execute(&actor, AT, command, None).unwrap();
        }
        self.inner.append(append)
    }
    fn version(&mut self, stream: u32) -> Result<u64, BackendError> {
        self.inner.version(stream)
    }
    fn versions(&mut self) -> Result<Vec<(u32, u64)>, BackendError> {
        self.inner.versions()
    }
    fn read_all(&mut self, after: u64, limit: usize) -> Result<Vec<Row>, BackendError> {
        self.inner.read_all(after, limit)
    }
    fn read_stream(&mut self, s: u32, after: u64, limit: usize) -> Result<Vec<Row>, BackendError> {
        self.inner.read_stream(s, after, limit)
    }
    fn allocate(&mut self, kind: IdKind, count: u32) -> Result<u32, BackendError> {
        self.inner.allocate(kind, count)
    }
    fn raise(&mut self, kind: IdKind, at_least: u32) -> Result<(), BackendError> {
        self.inner.raise(kind, at_least)
    }
    fn save_snapshot(&mut self, position: u64, body: &str) -> Result<(), BackendError> {
        self.inner.save_snapshot(position, body)
    }
    fn latest_snapshot(&mut self) -> Result<Option<(u64, String)>, BackendError> {
        self.inner.latest_snapshot()
    }
}

both_stores!(
    ev005_a_writer_overtaken_between_plan_and_append_gets_a_conflict_naming_both_versions,
    overtaken_writer
);
fn overtaken_writer<F: Fixture>(f: &F) {
    let (store, w) = world_store(f);
    let config = w.dir.config().clone();
    let version = store.directory().version(StreamId::Account(w.acme.sa));
    drop(store);
    let alice = Actor::User(w.acme.alice);
    let other = Store::open(f.open(), config.clone()).unwrap();
    let racing = Interleaved {
        inner: f.open(),
        other: Some((other, alice.clone(), create_va(&w, "LATAM"))),
    };
    let mut store = Store::open(racing, config.clone()).unwrap();
    let err = store
        .execute(&alice, w.at, create_va(&w, "Oceania"), id("va-1"))
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert_eq!(err.rule(), RuleId::EV005);
    match &err {
        StoreError::Refused(Error::Conflict {
            stream,
            expected,
            actual,
        }) => {
            assert_eq!(*stream, StreamId::Account(w.acme.sa));
            assert_eq!((*expected, *actual), (version, version + 1));
        }
        other => panic!("expected a conflict, got {other}"),
    }
    // Nothing of the refused command is stored; the writer has caught up with the other.
    let rebuilt = Store::rebuild(f.open(), config).unwrap();
    assert_eq!(&rebuilt, store.directory());
    assert!(!rebuilt.is_committed(&CommandId::parse("va-1").unwrap()));
    // Planned again on the current state, it commits.
    store
        .execute(&alice, w.at, create_va(&w, "Oceania"), id("va-1"))
        .unwrap();
}

fn register_device(device: &str, va: smart_accounts::VaId) -> Command {
    Command::License(LicenseCommand::RegisterDevice {
        device: DeviceId::parse(device).unwrap(),
        va,
        installed: jiff::civil::date(2026, 1, 2),
    })
}

both_stores!(
    ev005_dev001_two_writers_registering_one_device_in_two_accounts_conflict_and_one_wins,
    one_device_two_writers
);
fn one_device_two_writers<F: Fixture>(f: &F) {
    let (store, w) = world_store(f);
    let config = w.dir.config().clone();
    drop(store);
    let other = Store::open(f.open(), config.clone()).unwrap();
    let alice = Actor::User(w.acme.alice);
    let racing = Interleaved {
        inner: f.open(),
        other: Some((other, alice, register_device("SN-1", w.acme.emea))),
    };
    let mut store = Store::open(racing, config.clone()).unwrap();
    let sam = Actor::User(w.solo.sam);
    let solo_va = w.dir.account(w.solo.sa).unwrap().default_va();
    let err = store
        .execute(&sam, w.at, register_device("SN-1", solo_va), None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Refused(Error::Conflict {
                stream: StreamId::Directory,
                ..
            })
        ),
        "{err}"
    );
    let again = store
        .execute(&sam, w.at, register_device("SN-1", solo_va), None)
        .unwrap_err();
    assert_eq!(again.rule(), RuleId::DEV001, "{again}");
    let rebuilt = Store::rebuild(f.open(), config).unwrap();
    assert_eq!(&rebuilt, store.directory());
}

both_stores!(
    ev005_a_store_starts_from_its_latest_snapshot_and_the_events_after_it,
    snapshots
);
fn snapshots<F: Fixture + Tamper>(f: &F) {
    let w = fixtures::world().unwrap();
    let config = w.dir.config().clone();
    let options = Options {
        snapshot_every: Some(3),
        ..Options::default()
    };
    let mut store = Store::open_with(f.open(), config.clone(), options).unwrap();
    store.import(&w.dir).unwrap();
    let alice = Actor::User(w.acme.alice);
    for k in 0..7 {
        let name = format!("Region {k}");
        store
            .execute(&alice, w.at, create_va(&w, &name), None)
            .unwrap();
    }
    let (at, _) = store.backend_mut().latest_snapshot().unwrap().unwrap();
    assert!(at > 0 && at < store.position(), "snapshot at {at}");
    // Remove every event up to the snapshot: a store that opens equal can only have started
    // from the snapshot.
    f.execute(&format!("DELETE FROM events WHERE position <= {at}"));
    let reopened = Store::open(f.open(), config).unwrap();
    assert_eq!(reopened.directory(), store.directory());
}

both_stores!(
    ev005_importing_into_a_store_with_events_is_refused,
    import_twice
);
fn import_twice<F: Fixture>(f: &F) {
    let (mut store, w) = world_store(f);
    let err = store.import(&w.dir).unwrap_err();
    assert!(matches!(err, StoreError::NotEmpty { .. }), "{err}");
    assert_eq!(err.rule(), RuleId::EV005);
}

both_stores!(
    ev005_a_directory_with_a_command_id_on_two_streams_is_refused_before_anything_is_written,
    import_spanning
);
fn import_spanning<F: Fixture>(f: &F) {
    let mut w = fixtures::world().unwrap();
    let (actor, assign) = assign_one(&w, "xfer-1");
    let plan = w.dir.plan(&actor, w.at, assign, id("xfer-1")).unwrap();
    w.dir.commit(plan).unwrap();
    let mut store = Store::open(f.open(), w.dir.config().clone()).unwrap();
    let err = store.import(&w.dir).unwrap_err();
    assert!(matches!(err, StoreError::SpansStreams { .. }), "{err}");
    assert!(all_rows(store.backend_mut()).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Stored events that are not what they claim: refused with the position and the rule.

fn tampered<F: Fixture + Tamper>(f: &F, sql: &str) -> StoreError {
    let (store, w) = world_store(f);
    drop(store);
    f.execute(sql);
    Store::open_with(
        f.open(),
        w.dir.config().clone(),
        Options {
            snapshot_every: None,
            ..Options::default()
        },
    )
    .map(|_| ())
    .unwrap_err()
}

/// The statement that removes the import's snapshot, so that opening reads every event.
const NO_SNAPSHOT: &str = "DELETE FROM snapshots;";

both_stores!(
    ev005_an_event_whose_body_does_not_read_is_refused_with_its_position_and_field,
    garbled_body
);
fn garbled_body<F: Fixture + Tamper>(f: &F) {
    let err = tampered(
        f,
        &format!(
            "{NO_SNAPSHOT} UPDATE events SET body = replace(body, '\"seq\":', '\"seq\":\"x\",\"q\":') \
             WHERE position = 3"
        ),
    );
    match &err {
        StoreError::Row {
            position, detail, ..
        } => {
            assert_eq!(*position, 3);
            assert!(detail.contains("seq"), "{detail}");
        }
        other => panic!("expected a row error, got {other}"),
    }
    assert!(err.to_string().starts_with("EV005"), "{err}");
}

both_stores!(
    ev005_an_event_written_by_a_newer_release_is_refused_saying_so,
    newer_event
);
fn newer_event<F: Fixture + Tamper>(f: &F) {
    let err = tampered(
        f,
        &format!("{NO_SNAPSHOT} UPDATE events SET schema = 2 WHERE position = 5"),
    );
    assert!(matches!(err, StoreError::Row { position: 5, .. }), "{err}");
    assert!(err.to_string().contains("newer release"), "{err}");
}

both_stores!(
    ev005_an_event_stored_under_another_stream_is_refused,
    moved_event
);
fn moved_event<F: Fixture + Tamper>(f: &F) {
    let err = tampered(
        f,
        &format!(
            "{NO_SNAPSHOT} UPDATE events SET stream = 999 WHERE position = \
             (SELECT max(position) FROM events)"
        ),
    );
    assert!(matches!(err, StoreError::Row { .. }), "{err}");
}

both_stores!(
    ev004_a_forged_event_no_command_could_write_is_refused_and_the_store_stops,
    forged_event
);
fn forged_event<F: Fixture + Tamper>(f: &F) {
    let (mut store, w) = world_store(f);
    let alice = Actor::User(w.acme.alice);
    store
        .execute(&alice, w.at, create_va(&w, "Oceania"), None)
        .unwrap();
    let position = store.position();
    let config = w.dir.config().clone();
    let mut follower = Store::open(f.open(), config).unwrap();
    // Bob, a plain user, is made the author of the last Virtual Account's creation.
    f.execute(&format!(
        "UPDATE events SET body = replace(body, '\"user\":{}', '\"user\":{}') WHERE position = \
         {position}",
        w.acme.alice.get(),
        w.acme.bob.get()
    ));
    let body = &all_rows(store.backend_mut())
        .into_iter()
        .find(|r| r.position == position)
        .unwrap()
        .body;
    assert!(
        body.contains(&format!("\"user\":{}", w.acme.bob.get())),
        "{body}"
    );
    f.execute(NO_SNAPSHOT);
    let err = Store::open(f.open(), w.dir.config().clone()).unwrap_err();
    assert!(matches!(err, StoreError::Replay { .. }), "{err}");
    assert_eq!(err.rule(), RuleId::EV004, "{err}");
    // A follower that already applied it is unaffected; one that meets it stops.
    follower.catch_up().unwrap();
    assert_eq!(follower.directory(), store.directory());
}

#[test]
fn ev005_a_truncated_store_file_is_a_clear_error_not_a_panic() {
    let f = SqliteFixture::new();
    let (store, w) = world_store(&f);
    drop(store);
    let len = std::fs::metadata(&f.path).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&f.path)
        .unwrap();
    file.set_len(len / 3).unwrap();
    drop(file);
    let _ = std::fs::remove_file(f.path.with_extension("sqlite-wal"));
    let err = smart_accounts_store::Sqlite::open(&f.path)
        .map_err(StoreError::from)
        .and_then(|b| Store::open(b, w.dir.config().clone()).map(|_| ()))
        .unwrap_err();
    assert_eq!(err.rule(), RuleId::EV005);
    assert!(
        err.to_string().contains(&f.path.display().to_string()),
        "{err}"
    );
}

both_stores!(
    ev005_a_snapshot_that_is_not_a_directory_is_refused_with_its_path,
    bad_snapshot
);
fn bad_snapshot<F: Fixture + Tamper>(f: &F) {
    let err = tampered(
        f,
        "UPDATE snapshots SET body = replace(body, '\"organizations\":[', \
         '\"organizations\":[7,')",
    );
    match &err {
        StoreError::Snapshot { path, .. } => assert!(path.starts_with("organizations"), "{path}"),
        other => panic!("expected a snapshot error, got {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The property: a store, a replica following it and a rebuild all equal an in-memory writer.

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

fn same_as_memory<F: Fixture>(
    f: &F,
    mut memory: Directory,
    commands: Vec<(Actor, Command)>,
    days: &[u8],
) -> Result<(), TestCaseError> {
    let config = memory.config().clone();
    let mut store = Store::open(f.open(), config.clone()).unwrap();
    store.import(&memory).unwrap();
    // The replica reads two rows at a time, so commands and runs of events span its reads.
    let tiny = Options {
        snapshot_every: None,
        page: 2,
        ..Options::default()
    };
    let mut replica = Store::open_with(f.open(), config.clone(), tiny).unwrap();
    prop_assert_eq!(replica.directory(), &memory);
    let mut now: Timestamp = AT;
    for (k, (actor, command)) in commands.into_iter().enumerate() {
        let hours = 24 * i64::from(days.get(k).copied().unwrap_or(0));
        now = now
            .checked_add(jiff::SignedDuration::from_hours(hours))
            .unwrap();
        let command_id = CommandId::parse(&format!("cmd-{k}")).ok();
        let expected = memory
            .plan(&actor, now, command.clone(), command_id.clone())
            .and_then(|plan| memory.commit(plan));
        let got = store.execute(&actor, now, command, command_id);
        match (&expected, &got) {
            (Ok(e), Ok(g)) => prop_assert_eq!(e, g),
            (Err(e), Err(g)) => prop_assert_eq!(e.rule(), g.rule(), "{} / {}", e, g),
            _ => prop_assert!(false, "step {}: memory {:?}, store {:?}", k, expected, got),
        }
        prop_assert_eq!(
            store.directory(),
            &memory,
            "the store differs after step {}",
            k
        );
        replica.catch_up().unwrap();
        prop_assert_eq!(
            replica.directory(),
            &memory,
            "the replica differs after step {}",
            k
        );
        let rebuilt = Store::rebuild(f.open(), config.clone()).unwrap();
        prop_assert_eq!(&rebuilt, &memory, "the rebuild differs after step {}", k);
    }
    let mut rows: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for row in all_rows(store.backend_mut()) {
        rows.entry(row.stream).or_default().push(row.seq);
    }
    for (stream, seqs) in rows {
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        prop_assert_eq!(seqs, expected, "stream {} has a gap", stream);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Random commands as time advances, run through a SQLite store and on an in-memory
    /// directory: after every step the store's directory, a replica following the store and a
    /// directory rebuilt from the store's events all equal the in-memory one.
    #[test]
    fn ev005_a_sqlite_store_its_replica_and_its_rebuild_equal_the_in_memory_directory(
        (memory, commands) in strategies::directory_and_commands(1..20),
        days in prop::collection::vec(0u8..=40, 20),
    ) {
        same_as_memory(&SqliteFixture::new(), memory, commands, &days)?;
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases().div_ceil(2)))]

    /// The same through a PostgreSQL database (half the cases: each creates a database of its
    /// own, which costs more than the whole case on SQLite).
    #[test]
    fn ev005_a_postgres_store_its_replica_and_its_rebuild_equal_the_in_memory_directory(
        (memory, commands) in strategies::directory_and_commands(1..20),
        days in prop::collection::vec(0u8..=40, 20),
    ) {
        same_as_memory(&PgFixture::new(), memory, commands, &days)?;
    }
}
