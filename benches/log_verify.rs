//! Log verification is linear in the size of the log (issue 11, EV004).
//!
//! One Customer Smart Account whose log holds N commands by its SA Admin: Virtual Accounts
//! created in a tree eight wide (each also given a VA role for one user in a hundred), so every
//! event is re-checked as the command it records (permission as of its date, names, levels,
//! fresh identifiers). The group `log_verify` loads the snapshot with its log from JSON text at
//! N = 20,000 and 160,000 Virtual Accounts in one run; linear verification costs 8× for 8× the
//! input (the target is at most 10×).
//!
//! `cargo test --benches` loads 1,000 and 8,000 once each, to stay quick in a debug build.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use jiff::Timestamp;
use smart_accounts::{
    AccountKind, Actor, Directory, Inheritance, NewUser, OrgKind, Role, Target, UserKind, VaId,
};

/// Children per Virtual Account in the generated tree.
const WIDTH: usize = 8;

/// The JSON text of a directory with one account whose log creates `vas` Virtual Accounts.
fn logged_json(vas: usize) -> String {
    let mut dir = Directory::new();
    let acme = dir
        .register_organization("Acme", OrgKind::Customer)
        .unwrap();
    let user = |dir: &mut Directory, k: usize| {
        dir.register_user(NewUser {
            cco_id: Some(format!("user{k}")),
            email: format!("user{k}@acme.com"),
            org: acme,
            kind: UserKind::Individual,
        })
        .unwrap()
    };
    let admin = user(&mut dir, 0);
    let helpers: Vec<_> = (1..=vas / 100 + 1).map(|k| user(&mut dir, k)).collect();
    let start: Timestamp = "2026-01-05T09:00:00Z".parse().unwrap();
    let me = Actor::User(admin);
    let sa = dir
        .request_account(
            &me,
            start,
            AccountKind::Customer,
            "Acme",
            Some("acme.com"),
            admin,
        )
        .unwrap();
    let mut created: Vec<VaId> = Vec::with_capacity(vas);
    for k in 0..vas {
        // One second apart, parents first: the first eight at the top, then eight under each.
        let at = start
            .checked_add(jiff::SignedDuration::from_secs(k as i64 + 1))
            .unwrap();
        let parent = k.checked_sub(WIDTH).map(|p| created[p / WIDTH]);
        let va = dir
            .create_va(&me, at, sa, parent, &format!("VA {k}"))
            .unwrap();
        created.push(va);
        if k % 100 == 0 {
            let helper = helpers[k / 100];
            dir.assign_role(
                &me,
                at,
                helper,
                Target::Va(va),
                Role::VaUser,
                Inheritance::AccountAndChildren,
            )
            .unwrap();
        }
    }
    serde_json::to_string(&dir).unwrap()
}

fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn log_verify(c: &mut Criterion) {
    let sizes: [usize; 2] = if benchmarking() {
        [20_000, 160_000]
    } else {
        [1_000, 8_000]
    };
    let texts: Vec<(usize, String)> = sizes.iter().map(|n| (*n, logged_json(*n))).collect();
    let mut group = c.benchmark_group("log_verify");
    group.sample_size(10);
    for (n, text) in &texts {
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), text, |b, text| {
            b.iter(|| {
                let dir: Directory = serde_json::from_str(black_box(text)).unwrap();
                black_box(dir)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, log_verify);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
