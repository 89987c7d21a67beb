//! Memory of the directory at scale (issue 16): the 100,000-VA / 200,000-user model of
//! `check.rs`, with its event logs, measured two ways in one process:
//!
//! - **live heap**, from the allocator's own counts (`stats_alloc` wraps the system allocator):
//!   bytes allocated and not freed by the directory once built, everything else dropped;
//! - **resident set**, `VmRSS` of `/proc/self/status` after the build minus before it (what the
//!   operating system charges, allocator slack and freed-but-kept pages included; Linux only).
//!
//! The live heap counts the spare capacity of vectors that grew by doubling, most of which the
//! process never touches; so it also gives the heap of an exact copy (`clone`), and breaks that
//! down: **per event handed out** (the heap that owned copies of every logged event take,
//! divided by their count: what a reader of `Directory::events` holds, not what the packed log
//! keeps), **per Virtual Account** (the difference to a model with half the VAs), **per user**
//! (the difference to a model with half the users).
//!
//! `cargo bench --bench memory` measures the full size (about a minute in release);
//! `cargo test --benches` runs it on a 1,000-VA model to stay quick.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::alloc::System;

use smart_accounts::{Directory, Event, UserId};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

use model::{SEED, model};

mod model;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes the allocator handed out and has not been given back since `region` began.
fn live(region: &Region<'_, System>) -> i64 {
    let s = region.change();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64 + s.bytes_reallocated as i64
}

/// The resident set of this process in bytes, when the system says (Linux).
fn resident() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: i64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// What one build measured.
struct Measured {
    /// The live heap of the directory as built, spare capacity of its growing vectors included.
    built: i64,
    /// The heap of an exact copy of it (`clone` allocates what is used, no spare capacity).
    exact: i64,
    /// How much the resident set grew while building it, when the system says.
    resident: Option<i64>,
}

/// Builds the `vas` / `users` model and measures its directory.
fn directory_heap(vas: usize, users: usize) -> (Measured, Directory) {
    let before = resident();
    let region = Region::new(GLOBAL);
    let m = model(vas, users, 0, SEED);
    let dir = m.dir;
    drop((m.users, m.vas, m.queries));
    let built = live(&region);
    let resident = resident().zip(before).map(|(after, before)| after - before);
    let region = Region::new(GLOBAL);
    let copy = dir.clone();
    let exact = live(&region);
    drop(copy);
    let measured = Measured {
        built,
        exact,
        resident,
    };
    (measured, dir)
}

/// The heap an exact copy of every event of the directory takes, and how many there are.
fn event_heap(dir: &Directory, admin: UserId) -> (i64, usize) {
    let region = Region::new(GLOBAL);
    let directory = dir.directory_events().to_vec();
    let mut count = directory.len();
    let mut copies: Vec<Vec<Event>> = Vec::new();
    for sa in dir.accounts().map(|a| a.id()).collect::<Vec<_>>() {
        let events = dir.events(admin, sa).unwrap().to_vec();
        count += events.len();
        copies.push(events);
    }
    let bytes = live(&region);
    drop((copies, directory));
    (bytes, count)
}

fn mib(bytes: i64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (vas, users) = if full {
        (100_000, 200_000)
    } else {
        (1_000, 2_000)
    };
    let (
        Measured {
            built,
            exact,
            resident,
        },
        dir,
    ) = directory_heap(vas, users);
    let admin = dir.users().next().map(|u| u.id).unwrap();
    let (events_heap, events) = event_heap(&dir, admin);
    println!("directory of {vas} VAs and {users} users, with its {events} events:");
    if let Some(grew) = resident {
        println!(
            "  resident set: grew by {:.1} MiB while building it",
            mib(grew)
        );
    }
    println!(
        "  live heap as built: {:.1} MiB; an exact copy: {:.1} MiB",
        mib(built),
        mib(exact)
    );
    println!(
        "  the events handed out as owned copies: {:.1} MiB, {:.0} bytes per event",
        mib(events_heap),
        events_heap as f64 / events as f64
    );
    drop(dir);
    let half_vas = directory_heap(vas / 2, users).0.exact;
    let half_users = directory_heap(vas, users / 2).0.exact;
    println!(
        "  per Virtual Account, its event included: {:.0} bytes (exact copy with {} VAs: {:.1} MiB)",
        (exact - half_vas) as f64 / (vas - vas / 2) as f64,
        vas / 2,
        mib(half_vas)
    );
    println!(
        "  per user with one role, their two events included: {:.0} bytes (exact copy with {} users: {:.1} MiB)",
        (exact - half_users) as f64 / (users - users / 2) as f64,
        users / 2,
        mib(half_users)
    );
}
