//! The backends against real databases: SQLite files in a temporary directory and the
//! PostgreSQL server of `SMART_ACCOUNTS_PG` (started by `scripts/test.sh`). Each behaviour is one
//! generic body run for both backends (`<behaviour>::sqlite`, `<behaviour>::postgres`).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

mod common;

use common::{Fixture, SqliteFixture, Tamper};
use smart_accounts_store::{Append, Appended, Backend, BackendError, IdKind, NewRow, Row, Sqlite};

fn row(stream: u32, seq: u64, body: &str) -> NewRow {
    NewRow {
        stream,
        seq,
        schema: 1,
        body: body.to_owned(),
    }
}

fn append<B: Backend>(
    b: &mut B,
    command: Option<&str>,
    expected: &[(u32, u64)],
    rows: &[NewRow],
) -> Result<Appended, BackendError> {
    b.append(&Append {
        command,
        expected,
        rows,
    })
}

fn positions(appended: &Appended) -> (u64, u64) {
    match appended {
        Appended::Committed { positions: Some(p) } => *p,
        other => panic!("expected rows committed, got {other:?}"),
    }
}

fn all_rows<B: Backend>(b: &mut B) -> Vec<Row> {
    b.read_all(0, usize::MAX).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Round trip.

both!(
    ev005_appended_rows_read_back_in_position_order_with_versions_and_seqs,
    round_trip
);
fn round_trip<F: Fixture>(f: &F) {
    let mut b = f.open();
    assert_eq!(b.version(0).unwrap(), 0);
    assert!(b.versions().unwrap().is_empty());
    assert!(all_rows(&mut b).is_empty());

    let first = append(
        &mut b,
        Some("c1"),
        &[(0, 0), (7, 0)],
        &[
            row(0, 1, r#"{"a":1}"#),
            row(7, 1, r#"{"b":"é"}"#),
            row(0, 2, "{}"),
        ],
    )
    .unwrap();
    let (p1, p3) = positions(&first);
    assert!(p1 >= 1 && p3 > p1);
    let second = append(&mut b, None, &[(7, 1)], &[row(7, 2, "[1,2]")]).unwrap();
    let (p4, p4b) = positions(&second);
    assert_eq!(p4, p4b);
    assert!(p4 > p3, "a later append's positions come after");

    assert_eq!(b.version(0).unwrap(), 2);
    assert_eq!(b.version(7).unwrap(), 2);
    assert_eq!(b.version(8).unwrap(), 0);
    assert_eq!(b.versions().unwrap(), vec![(0, 2), (7, 2)]);

    let rows = all_rows(&mut b);
    let summary: Vec<(u32, u64, Option<&str>, &str)> = rows
        .iter()
        .map(|r| (r.stream, r.seq, r.command.as_deref(), r.body.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (0, 1, Some("c1"), r#"{"a":1}"#),
            (7, 1, Some("c1"), r#"{"b":"é"}"#),
            (0, 2, Some("c1"), "{}"),
            (7, 2, None, "[1,2]"),
        ]
    );
    assert!(rows.windows(2).all(|w| w[0].position < w[1].position));
    assert_eq!(rows[0].position, p1);
    assert_eq!(rows[3].position, p4);
    assert!(rows.iter().all(|r| r.schema == 1));

    // read_all after a position, with a limit.
    let after = b.read_all(rows[1].position, 1).unwrap();
    assert_eq!(after, vec![rows[2].clone()]);
    assert!(b.read_all(p4, 10).unwrap().is_empty());

    // read_stream after a seq.
    let s7: Vec<u64> = b
        .read_stream(7, 0, 10)
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(s7, vec![1, 2]);
    let s7_after = b.read_stream(7, 1, 10).unwrap();
    assert_eq!(s7_after.len(), 1);
    assert_eq!(s7_after[0].body, "[1,2]");
    assert_eq!(b.read_stream(0, 0, 1).unwrap().len(), 1);
    assert!(b.read_stream(9, 0, 10).unwrap().is_empty());

    // Another connection sees the same.
    let mut other = f.open();
    assert_eq!(all_rows(&mut other), rows);
}

both!(
    snapshots_are_saved_the_latest_comes_back_and_only_two_are_kept,
    snapshots
);
fn snapshots<F: Fixture + Tamper>(f: &F) {
    let mut b = f.open();
    assert_eq!(b.latest_snapshot().unwrap(), None);
    b.save_snapshot(5, r#"{"at":5}"#).unwrap();
    b.save_snapshot(12, r#"{"at":12}"#).unwrap();
    b.save_snapshot(9, r#"{"at":9}"#).unwrap();
    assert_eq!(
        b.latest_snapshot().unwrap(),
        Some((12, r#"{"at":12}"#.to_owned()))
    );
    b.save_snapshot(12, r#"{"at":"12 again"}"#).unwrap();
    assert_eq!(
        f.open().latest_snapshot().unwrap(),
        Some((12, r#"{"at":"12 again"}"#.to_owned()))
    );
    // Only the two newest are kept: without 12, the latest is 9, and without 9 there is none
    // (5 was pruned).
    f.execute("DELETE FROM snapshots WHERE position = 12");
    assert_eq!(
        b.latest_snapshot().unwrap(),
        Some((9, r#"{"at":9}"#.to_owned()))
    );
    f.execute("DELETE FROM snapshots WHERE position = 9");
    assert_eq!(b.latest_snapshot().unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Conflicts and duplicates.

both!(
    ev005_a_stale_expected_version_is_a_conflict_and_writes_nothing,
    stale_version
);
fn stale_version<F: Fixture>(f: &F) {
    let mut b = f.open();
    append(&mut b, None, &[(1, 0)], &[row(1, 1, "a"), row(1, 2, "b")]).unwrap();
    let before = all_rows(&mut b);

    // Stream 2 would be fine; stream 1 moved to 2: nothing of the append is written.
    let err = append(
        &mut b,
        Some("late"),
        &[(2, 0), (1, 1)],
        &[row(2, 1, "x"), row(1, 2, "y")],
    )
    .unwrap_err();
    match &err {
        BackendError::Conflict {
            stream,
            expected,
            actual,
        } => assert_eq!((*stream, *expected, *actual), (1, 1, 2)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("stream 1")
            && message.contains("version 1")
            && message.contains("version 2"),
        "{message}"
    );
    assert_eq!(all_rows(&mut b), before);
    assert_eq!(b.version(2).unwrap(), 0);
    assert_eq!(b.versions().unwrap(), vec![(1, 2)]);

    // Its command ID was not recorded either: the same command with the right version commits.
    let ok = append(&mut b, Some("late"), &[(1, 2)], &[row(1, 3, "y")]).unwrap();
    positions(&ok);

    // Expecting a version a stream never reached is a conflict too.
    let err = append(&mut b, None, &[(3, 4)], &[row(3, 5, "z")]).unwrap_err();
    assert!(matches!(
        err,
        BackendError::Conflict {
            stream: 3,
            expected: 4,
            actual: 0
        }
    ));
    // A new stream expected at 0 by one writer and already written by another.
    append(&mut b, None, &[(4, 0)], &[row(4, 1, "first")]).unwrap();
    let err = append(&mut f.open(), None, &[(4, 0)], &[row(4, 1, "second")]).unwrap_err();
    assert!(matches!(
        err,
        BackendError::Conflict {
            stream: 4,
            expected: 0,
            actual: 1
        }
    ));
}

both!(
    ev005_a_stream_listed_only_to_be_checked_is_a_conflict_when_it_moved,
    checked_stream
);
fn checked_stream<F: Fixture>(f: &F) {
    let mut b = f.open();
    append(&mut b, None, &[(1, 0)], &[row(1, 1, "a")]).unwrap();
    // Read stream 1 at version 1, write stream 2: fine while stream 1 is at 1.
    append(&mut b, None, &[(1, 1), (2, 0)], &[row(2, 1, "b")]).unwrap();
    assert_eq!(b.version(1).unwrap(), 1);
    append(&mut b, None, &[(1, 1)], &[row(1, 2, "moves")]).unwrap();
    let err = append(&mut b, None, &[(1, 1), (2, 1)], &[row(2, 2, "c")]).unwrap_err();
    assert!(matches!(
        err,
        BackendError::Conflict {
            stream: 1,
            expected: 1,
            actual: 2
        }
    ));
    assert_eq!(b.version(2).unwrap(), 1);
    // A checked stream at version 0 that has never been written is not listed as written.
    append(&mut b, None, &[(9, 0), (2, 1)], &[row(2, 2, "d")]).unwrap();
    assert_eq!(b.versions().unwrap(), vec![(1, 2), (2, 2)]);
}

both!(
    ev005_a_duplicate_command_id_writes_nothing_even_after_its_streams_moved,
    duplicate_command
);
fn duplicate_command<F: Fixture>(f: &F) {
    let mut b = f.open();
    let first = append(&mut b, Some("cmd-1"), &[(1, 0)], &[row(1, 1, "a")]).unwrap();
    positions(&first);
    // The retry after a lost acknowledgement: same command, same (now stale) expected version.
    let retry = append(&mut b, Some("cmd-1"), &[(1, 0)], &[row(1, 1, "a")]).unwrap();
    assert_eq!(
        retry,
        Appended::Duplicate {
            command: "cmd-1".to_owned()
        }
    );
    // Even when others have moved the stream since, and with other rows.
    append(&mut b, Some("cmd-2"), &[(1, 1)], &[row(1, 2, "b")]).unwrap();
    let again = append(
        &mut f.open(),
        Some("cmd-1"),
        &[(1, 2), (5, 0)],
        &[row(1, 3, "other"), row(5, 1, "other")],
    )
    .unwrap();
    assert!(matches!(again, Appended::Duplicate { .. }));
    let rows = all_rows(&mut b);
    assert_eq!(rows.len(), 2);
    assert_eq!(b.versions().unwrap(), vec![(1, 2)]);

    // A command that changes nothing is recorded, and its retry is a duplicate.
    let empty = append(&mut b, Some("noop"), &[(1, 2)], &[]).unwrap();
    assert_eq!(empty, Appended::Committed { positions: None });
    assert!(matches!(
        append(&mut b, Some("noop"), &[(1, 2)], &[]).unwrap(),
        Appended::Duplicate { .. }
    ));
    assert_eq!(all_rows(&mut b).len(), 2);
}

both!(
    invalid_appends_are_refused_before_anything_is_written,
    invalid_appends
);
fn invalid_appends<F: Fixture>(f: &F) {
    let mut b = f.open();
    type Case = (Option<&'static str>, Vec<(u32, u64)>, Vec<NewRow>);
    let cases: Vec<Case> = vec![
        (None, vec![(1, 0)], vec![row(2, 1, "unlisted stream")]),
        (None, vec![(1, 0)], vec![row(1, 2, "gap")]),
        (None, vec![(1, 0)], vec![row(1, 1, "a"), row(1, 3, "gap")]),
        (None, vec![(1, 0), (1, 0)], vec![row(1, 1, "listed twice")]),
        (None, vec![(1, 0)], vec![]),
        (Some(""), vec![(1, 0)], vec![row(1, 1, "empty command")]),
        (
            None,
            vec![(1, u64::MAX - 1)],
            vec![row(1, u64::MAX, "huge")],
        ),
    ];
    for (command, expected, rows) in &cases {
        let err = append(&mut b, *command, expected, rows).unwrap_err();
        assert!(
            matches!(err, BackendError::InvalidAppend { .. }),
            "{expected:?} {rows:?}: {err:?}"
        );
    }
    assert!(all_rows(&mut b).is_empty());
    assert!(b.versions().unwrap().is_empty());
    assert!(matches!(
        b.allocate(IdKind::User, 0),
        Err(BackendError::InvalidArgument { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Concurrency.

const THREADS: usize = 8;

both!(
    ev005_concurrent_appends_commit_once_or_conflict_and_leave_no_gaps,
    concurrent_appends
);
fn concurrent_appends<F: Fixture>(f: &F) {
    const PER_THREAD: usize = 30;
    const SHARED: u32 = 1;
    let barrier = Barrier::new(THREADS);
    let started = Instant::now();
    // Per thread: (commands committed, rows committed, conflicts).
    let results: Vec<(Vec<(String, usize)>, usize)> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || {
                    let mut b = f.open();
                    let own = 100 + u32::try_from(t).unwrap();
                    let mut committed = Vec::new();
                    let mut conflicts = 0;
                    barrier.wait();
                    for i in 0..PER_THREAD {
                        // Retry with the re-read version until it commits.
                        for attempt in 0.. {
                            let command = format!("t{t}-i{i}-a{attempt}");
                            let shared_v = b.version(SHARED).unwrap();
                            let own_v = b.version(own).unwrap();
                            let (expected, rows) = match i % 3 {
                                // The shared stream alone.
                                0 => (
                                    vec![(SHARED, shared_v)],
                                    vec![row(SHARED, shared_v + 1, &command)],
                                ),
                                // Its own stream alone (never conflicts).
                                1 => (vec![(own, own_v)], vec![row(own, own_v + 1, &command)]),
                                // Both at once, two rows on the shared stream.
                                _ => (
                                    vec![(own, own_v), (SHARED, shared_v)],
                                    vec![
                                        row(SHARED, shared_v + 1, &command),
                                        row(own, own_v + 1, &command),
                                        row(SHARED, shared_v + 2, &command),
                                    ],
                                ),
                            };
                            match append(&mut b, Some(&command), &expected, &rows) {
                                Ok(Appended::Committed { positions: Some(_) }) => {
                                    committed.push((command, rows.len()));
                                    break;
                                }
                                Err(BackendError::Conflict { stream, .. }) => {
                                    assert_eq!(stream, SHARED, "only the shared stream conflicts");
                                    conflicts += 1;
                                }
                                other => panic!("neither committed nor a conflict: {other:?}"),
                            }
                        }
                    }
                    (committed, conflicts)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();

    let mut b = f.open();
    let rows = all_rows(&mut b);
    let committed: BTreeMap<String, usize> = results
        .iter()
        .flat_map(|(c, _)| c.iter().cloned())
        .collect();
    let conflicts: usize = results.iter().map(|(_, n)| n).sum();
    assert_eq!(committed.len(), THREADS * PER_THREAD);
    // Every committed append's rows are there, once; no refused append left a row.
    let mut by_command: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        *by_command.entry(r.command.as_deref().unwrap()).or_default() += 1;
        assert_eq!(r.body, r.command.clone().unwrap());
    }
    let expected_rows: BTreeMap<&str, usize> =
        committed.iter().map(|(c, n)| (c.as_str(), *n)).collect();
    assert_eq!(by_command, expected_rows);
    // Every stream's seqs are 1..=n, and its version is n.
    let mut seqs: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for r in &rows {
        seqs.entry(r.stream).or_default().push(r.seq);
    }
    for (stream, list) in &seqs {
        let mut sorted = list.clone();
        sorted.sort_unstable();
        let n = u64::try_from(sorted.len()).unwrap();
        assert_eq!(sorted, (1..=n).collect::<Vec<_>>(), "stream {stream}");
        assert_eq!(list, &sorted, "stream {stream}: seqs in position order");
        assert_eq!(b.version(*stream).unwrap(), n);
    }
    assert_eq!(seqs.len(), THREADS + 1);
    assert!(rows.windows(2).all(|w| w[0].position < w[1].position));
    let appends = committed.len();
    println!(
        "{}: {appends} appends ({} rows) committed by {THREADS} threads in {:.2} s, {conflicts} \
         conflicts retried: {:.0} appends/s",
        f.name(),
        rows.len(),
        elapsed.as_secs_f64(),
        appends as f64 / elapsed.as_secs_f64()
    );
}

both!(
    a_follower_reading_after_its_last_position_sees_every_row_once_in_order,
    follower
);
fn follower<F: Fixture>(f: &F) {
    const WRITERS: usize = 6;
    const APPENDS: usize = 25;
    let done = AtomicBool::new(false);
    let seen: Vec<Row> = thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut b = f.open();
            let mut last = 0;
            let mut seen = Vec::new();
            loop {
                // Read `done` before reading: a last read after the writers finished sees all.
                let finished = done.load(Ordering::SeqCst);
                let batch = b.read_all(last, 7).unwrap();
                if let Some(r) = batch.last() {
                    last = r.position;
                }
                let empty = batch.is_empty();
                seen.extend(batch);
                if finished && empty {
                    return seen;
                }
            }
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                s.spawn(move || {
                    let mut b = f.open();
                    let stream = u32::try_from(w).unwrap() + 1;
                    for i in 0..APPENDS {
                        let v = u64::try_from(i * 2).unwrap();
                        append(
                            &mut b,
                            None,
                            &[(stream, v)],
                            &[row(stream, v + 1, "x"), row(stream, v + 2, "y")],
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, Ordering::SeqCst);
        reader.join().unwrap()
    });
    assert!(
        seen.windows(2).all(|w| w[0].position < w[1].position),
        "position order"
    );
    let distinct: BTreeSet<(u32, u64)> = seen.iter().map(|r| (r.stream, r.seq)).collect();
    assert_eq!(distinct.len(), seen.len(), "no row twice");
    assert_eq!(seen.len(), WRITERS * APPENDS * 2, "no row missed");
    assert_eq!(seen, all_rows(&mut f.open()));
}

both!(
    concurrent_allocations_never_hand_out_an_identifier_twice,
    concurrent_allocations
);
fn concurrent_allocations<F: Fixture>(f: &F) {
    const PER_THREAD: u32 = 40;
    let barrier = Arc::new(Barrier::new(THREADS));
    let ranges: Vec<(IdKind, u32, u32)> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let barrier = Arc::clone(&barrier);
                s.spawn(move || {
                    let mut b = f.open();
                    barrier.wait();
                    let mut got = Vec::new();
                    for i in 0..PER_THREAD {
                        let kind = if i % 4 == 0 {
                            IdKind::Account
                        } else {
                            IdKind::Va
                        };
                        let count = 1 + (i + u32::try_from(t).unwrap()) % 3;
                        got.push((kind, b.allocate(kind, count).unwrap(), count));
                    }
                    got
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut ids: BTreeMap<IdKind, BTreeSet<u32>> = BTreeMap::new();
    for (kind, first, count) in &ranges {
        assert!(*first >= 1);
        for id in *first..*first + *count {
            assert!(
                ids.entry(*kind).or_default().insert(id),
                "{kind} {id} handed out twice"
            );
        }
    }
    // Without gaps, in fact: each kind's identifiers are 1..=n.
    for set in ids.values() {
        let n = u32::try_from(set.len()).unwrap();
        assert_eq!(
            set.iter().copied().collect::<Vec<_>>(),
            (1..=n).collect::<Vec<_>>()
        );
    }
    // Other kinds are untouched; raise moves a kind up, never down.
    let mut b = f.open();
    assert_eq!(b.allocate(IdKind::Organization, 1).unwrap(), 1);
    b.raise(IdKind::User, 1000).unwrap();
    b.raise(IdKind::User, 10).unwrap();
    assert_eq!(b.allocate(IdKind::User, 2).unwrap(), 1001);
    assert_eq!(b.allocate(IdKind::User, 1).unwrap(), 1003);
    b.raise(IdKind::User, u32::MAX - 1).unwrap();
    assert_eq!(b.allocate(IdKind::User, 1).unwrap(), u32::MAX);
    assert!(matches!(
        b.allocate(IdKind::User, 1),
        Err(BackendError::IdsExhausted {
            kind: IdKind::User,
            ..
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// Stores this release cannot use.

both!(
    a_store_written_by_a_newer_schema_is_refused_as_from_a_newer_release,
    newer_schema
);
fn newer_schema<F: Tamper>(f: &F) {
    drop(f.open());
    f.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    let err = f.try_open().unwrap_err();
    assert!(
        matches!(
            err,
            BackendError::NewerSchema {
                found: 99,
                known: 1
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("written by a newer release"),
        "{err}"
    );
}

both!(
    a_database_of_another_application_is_not_taken_for_a_store,
    another_application
);
fn another_application<F: Tamper>(f: &F) {
    f.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
    let err = f.try_open().unwrap_err();
    assert!(matches!(err, BackendError::NotAStore { .. }), "{err:?}");
    assert!(err.to_string().contains("no meta table"), "{err}");
}

both!(
    eight_connections_opening_a_new_store_at_once_all_succeed,
    concurrent_creation
);
fn concurrent_creation<F: Fixture>(f: &F) {
    let barrier = Barrier::new(THREADS);
    thread::scope(|s| {
        for t in 0..THREADS {
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                let mut b = f.open();
                let stream = u32::try_from(t).unwrap();
                append(&mut b, None, &[(stream, 0)], &[row(stream, 1, "hello")]).unwrap();
            });
        }
    });
    assert_eq!(f.open().versions().unwrap().len(), THREADS);
}

// ---------------------------------------------------------------------------------------------
// Damaged SQLite files: a clear error, never a panic.

/// A store file with `rows` rows of about 1 KiB, closed (its WAL checkpointed into the file).
fn filled_sqlite(rows: u64) -> SqliteFixture {
    let f = SqliteFixture::new();
    let mut b = f.open();
    let body = format!("\"{}\"", "x".repeat(1000));
    for seq in 1..=rows {
        append(&mut b, None, &[(1, seq - 1)], &[row(1, seq, &body)]).unwrap();
    }
    drop(b);
    assert!(!PathBuf::from(format!("{}-wal", f.path.display())).exists());
    f
}

fn assert_corrupt(result: Result<Sqlite, BackendError>) -> String {
    match result {
        Err(e @ BackendError::Corrupt { .. }) => {
            let message = e.to_string();
            assert!(
                message.contains("store.sqlite"),
                "names the file: {message}"
            );
            message
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn sqlite_a_file_of_garbage_is_reported_as_not_a_database() {
    let f = SqliteFixture::new();
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&f.path, garbage).unwrap();
    let message = assert_corrupt(Sqlite::open(&f.path));
    assert!(message.contains("not a SQLite database"), "{message}");
    // A text file too.
    std::fs::write(&f.path, "hello, this is not a database\n").unwrap();
    assert_corrupt(Sqlite::open(&f.path));
}

#[test]
fn sqlite_a_truncated_database_file_is_reported_as_truncated() {
    let f = filled_sqlite(200);
    let len = std::fs::metadata(&f.path).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&f.path)
        .unwrap();
    file.set_len(len / 2).unwrap();
    drop(file);
    // SQLite finds the missing pages ("malformed"), or the size check does ("truncated").
    let message = assert_corrupt(Sqlite::open(&f.path));
    assert!(
        message.contains("truncated") || message.contains("malformed"),
        "{message}"
    );
    // Cut inside the header.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&f.path)
        .unwrap();
    file.set_len(50).unwrap();
    drop(file);
    assert_corrupt(Sqlite::open(&f.path));
}

#[test]
fn sqlite_bytes_overwritten_in_the_middle_of_a_database_are_reported_as_corrupt() {
    let f = filled_sqlite(200);
    let mut bytes = std::fs::read(&f.path).unwrap();
    let page = 4096;
    let middle = (bytes.len() / page / 2) * page;
    for (i, b) in bytes[middle..middle + page].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37) ^ 0xA5;
    }
    std::fs::write(&f.path, bytes).unwrap();
    // The damage is found when opening or, for a page the open does not read, by reading the
    // rows or by a full check; never a panic, never wrong rows in silence.
    match Sqlite::open(&f.path) {
        Err(e) => {
            assert_corrupt(Err(e));
        }
        Ok(mut b) => {
            let read = b.read_all(0, usize::MAX);
            assert!(
                matches!(read, Err(BackendError::Corrupt { .. })),
                "{read:?}"
            );
            let verify = b.verify();
            assert!(
                matches!(verify, Err(BackendError::Corrupt { .. })),
                "{verify:?}"
            );
        }
    }
}

#[test]
fn sqlite_verify_passes_on_a_sound_store() {
    let f = filled_sqlite(20);
    f.open().verify().unwrap();
}
