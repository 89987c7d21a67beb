//! Permission-check and command benchmarks (issue 2, performance part).
//!
//! One Smart Account with 1,000 Virtual Accounts (a chain reaching level 10, most VAs at levels
//! 6–10) and 2,000 users holding one role binding each (5% on the account, the rest on a random
//! VA, mostly "account and children"), queried with 10,000 fixed (user, action, VA) triples of
//! which about a third are allowed. Everything is built through the public commands from a fixed
//! seed, so every run measures the same directory.
//!
//! Groups:
//! - `check_1k`: the dense-table baseline, `is_allowed`, `check` and `is_allowed_many` over the
//!   10,000 queries (throughput is per query), and `check_denied_explained`: `check` on the
//!   denied queries alone, each naming its near miss (ROLE009; throughput per denied query);
//! - `check_100k`: `is_allowed` over 10,000 queries on 100,000 VAs and 200,000 users;
//! - `commands_10k`: one command on a 10,000-VA account (the undo that keeps the state constant
//!   is not timed), and building that account from scratch.
//!
//! `cargo bench` also prints an interleaved fastest-of-200 cross-check of the four query loops
//! (see [`interleaved`]), because the machine the figures come from is shared.
//!
//! `cargo test --benches` runs every routine once on the same models (about 5 s in a debug
//! build, most of it building the 100,000-VA model).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use smart_accounts::{
    AccountKind, Action, Actor, Command, Directory, Inheritance, NewUser, OrgKind, Reason, Role,
    Target, UserId, VaId,
};

use model::{MIX, MIX_BITS, Model, QUERIES, Query, Rng, SEED, at, mix_bit, model, shape};

mod model;

/// The baseline: one byte per (user, VA) with a bit per action of [`MIX`].
struct Dense {
    table: Vec<u8>,
    first_user: u32,
    first_va: u32,
    vas: usize,
}

impl Dense {
    fn new(m: &Model) -> Dense {
        let first_user = m.users.iter().map(|u| u.get()).min().unwrap();
        let first_va = m.vas.iter().map(|v| v.get()).min().unwrap();
        // IDs are dense in this model: one account, nothing deleted.
        assert_eq!(
            m.users.iter().map(|u| u.get()).max().unwrap() - first_user + 1,
            m.users.len() as u32
        );
        assert_eq!(
            m.vas.iter().map(|v| v.get()).max().unwrap() - first_va + 1,
            m.vas.len() as u32
        );
        let mut table = vec![0u8; m.users.len() * m.vas.len()];
        for user in &m.users {
            for va in &m.vas {
                let set = m.dir.actions_of(*user, Target::Va(*va));
                let byte = MIX
                    .iter()
                    .filter(|(a, _)| set.contains(*a))
                    .fold(0u8, |acc, (a, _)| acc | mix_bit(*a));
                let i = (user.get() - first_user) as usize * m.vas.len()
                    + (va.get() - first_va) as usize;
                table[i] = byte;
            }
        }
        Dense {
            table,
            first_user,
            first_va,
            vas: m.vas.len(),
        }
    }

    #[inline]
    fn allowed(&self, user: UserId, action: Action, va: VaId) -> bool {
        let i = (user.get() - self.first_user) as usize * self.vas
            + (va.get() - self.first_va) as usize;
        self.table[i] & MIX_BITS[action as usize] != 0
    }
}

fn count_allowed(dir: &Directory, queries: &[Query]) -> usize {
    queries
        .iter()
        .filter(|(u, a, v)| dir.is_allowed(*u, *a, Target::Va(*v)))
        .count()
}

/// The queries as `is_allowed_many` takes them.
fn batch_of(queries: &[Query]) -> Vec<(UserId, Action, Target)> {
    queries
        .iter()
        .map(|&(u, a, v)| (u, a, Target::Va(v)))
        .collect()
}

/// `is_allowed_many` over the whole batch, counted like [`count_allowed`].
fn count_allowed_many(dir: &Directory, batch: &[(UserId, Action, Target)]) -> usize {
    dir.is_allowed_many(batch)
        .into_iter()
        .filter(|a| *a)
        .count()
}

/// The 1,000-VA model and its baseline table, built once and shared with `check_100k`.
fn small() -> &'static (Model, Dense) {
    static SMALL: OnceLock<(Model, Dense)> = OnceLock::new();
    SMALL.get_or_init(|| {
        let m = model(1_000, 2_000, QUERIES, SEED);
        let dense = Dense::new(&m);
        (m, dense)
    })
}

fn baseline_count(dense: &Dense, queries: &[Query]) -> usize {
    queries
        .iter()
        .filter(|(u, a, v)| dense.allowed(*u, *a, *v))
        .count()
}

fn check_count(dir: &Directory, queries: &[Query]) -> usize {
    queries
        .iter()
        .filter(|(u, a, v)| black_box(dir.check(*u, *a, Target::Va(*v))).is_allowed())
        .count()
}

/// The queries of `queries` that are denied: the ones whose `check` names a near miss
/// (ROLE009), timed apart by `check_denied_explained`.
fn denied_of(dir: &Directory, queries: &[Query]) -> Vec<Query> {
    queries
        .iter()
        .copied()
        .filter(|(u, a, v)| !dir.is_allowed(*u, *a, Target::Va(*v)))
        .collect()
}

/// Explained denials: `check` on denied queries, counting those that name a near miss.
fn denied_count(dir: &Directory, queries: &[Query]) -> usize {
    queries
        .iter()
        .filter(|(u, a, v)| {
            matches!(
                black_box(dir.check(*u, *a, Target::Va(*v))).reason,
                Reason::NotGranted { near: Some(_), .. }
            )
        })
        .count()
}

fn check_1k(c: &mut Criterion) {
    let (m, dense) = small();
    let allowed = count_allowed(&m.dir, &m.queries);
    let fraction = allowed as f64 / m.queries.len() as f64;
    eprintln!(
        "model 1k: {} VAs, {} users, {} queries, {:.1}% allowed",
        m.vas.len(),
        m.users.len(),
        m.queries.len(),
        fraction * 100.0
    );
    assert!(
        (0.28..=0.40).contains(&fraction),
        "about a third of the queries should be allowed, got {fraction:.3}"
    );
    for (u, a, v) in &m.queries {
        let fast = m.dir.is_allowed(*u, *a, Target::Va(*v));
        assert_eq!(fast, dense.allowed(*u, *a, *v), "baseline vs is_allowed");
        assert_eq!(fast, m.dir.check(*u, *a, Target::Va(*v)).is_allowed());
    }

    let mut group = c.benchmark_group("check_1k");
    group.throughput(Throughput::Elements(m.queries.len() as u64));
    group.bench_function("baseline_dense", |b| {
        b.iter(|| baseline_count(black_box(dense), black_box(&m.queries)))
    });
    group.bench_function("is_allowed", |b| {
        b.iter(|| count_allowed(black_box(&m.dir), black_box(&m.queries)))
    });
    group.bench_function("check", |b| {
        b.iter(|| check_count(black_box(&m.dir), black_box(&m.queries)))
    });
    let batch = batch_of(&m.queries);
    assert_eq!(count_allowed_many(&m.dir, &batch), allowed);
    group.bench_function("is_allowed_many", |b| {
        b.iter(|| count_allowed_many(black_box(&m.dir), black_box(&batch)))
    });
    // Per denied query (issue 15: at most 10x the dense baseline per query).
    let denied = denied_of(&m.dir, &m.queries);
    eprintln!(
        "model 1k: {} denied queries, {} of them name a near miss",
        denied.len(),
        denied_count(&m.dir, &denied)
    );
    group.throughput(Throughput::Elements(denied.len() as u64));
    group.bench_function("check_denied_explained", |b| {
        b.iter(|| denied_count(black_box(&m.dir), black_box(&denied)))
    });
    group.finish();
}

fn check_100k(c: &mut Criterion) {
    let start = Instant::now();
    let m = model(100_000, 200_000, QUERIES, SEED ^ 0x100);
    let allowed = count_allowed(&m.dir, &m.queries);
    eprintln!(
        "model 100k: {} VAs, {} users, built in {:.2?}, {:.1}% of {} queries allowed",
        m.vas.len(),
        m.users.len(),
        start.elapsed(),
        allowed as f64 * 100.0 / m.queries.len() as f64,
        m.queries.len()
    );
    let mut group = c.benchmark_group("check_100k");
    group.throughput(Throughput::Elements(m.queries.len() as u64));
    group.bench_function("is_allowed", |b| {
        b.iter(|| count_allowed(black_box(&m.dir), black_box(&m.queries)))
    });
    let batch = batch_of(&m.queries);
    assert_eq!(count_allowed_many(&m.dir, &batch), allowed);
    group.bench_function("is_allowed_many", |b| {
        b.iter(|| count_allowed_many(black_box(&m.dir), black_box(&batch)))
    });
    group.finish();
    if std::env::args().any(|a| a == "--bench") {
        interleaved(&m);
    }
}

/// The fastest of `reps` runs of `f`, in nanoseconds per query.
fn fastest(reps: usize, queries: usize, mut f: impl FnMut() -> usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..reps {
        let start = Instant::now();
        black_box(f());
        best = best.min(start.elapsed().as_secs_f64());
    }
    best * 1e9 / queries as f64
}

/// A cross-check that resists a busy machine: the four query loops, interleaved, each timed
/// as the fastest of 200 runs (one run of 10,000 queries fits between two preemptions, so the
/// fastest is an uncontended one). Printed beside criterion's statistics, not instead of them.
fn interleaved(big: &Model) {
    let (m, dense) = small();
    for round in 1..=3 {
        let base = fastest(200, QUERIES, || {
            baseline_count(black_box(dense), black_box(&m.queries))
        });
        let fast = fastest(200, QUERIES, || {
            count_allowed(black_box(&m.dir), black_box(&m.queries))
        });
        let explained = fastest(200, QUERIES, || {
            check_count(black_box(&m.dir), black_box(&m.queries))
        });
        let denied = denied_of(&m.dir, &m.queries);
        let near = fastest(200, denied.len(), || {
            denied_count(black_box(&m.dir), black_box(&denied))
        });
        let large = fastest(200, big.queries.len(), || {
            count_allowed(black_box(&big.dir), black_box(&big.queries))
        });
        eprintln!(
            "interleaved fastest-of-200, round {round}: baseline {base:.2} ns/query, \
             is_allowed {fast:.2} ns ({:.2}x baseline), check {explained:.2} ns ({:.2}x), \
             explained denial {near:.2} ns ({:.2}x), \
             is_allowed at 100k {large:.2} ns ({:.2}x the 1k figure)",
            fast / base,
            explained / base,
            near / base,
            large / fast
        );
    }
}

/// Times `timed` once per iteration on a fresh copy of `base`; `undo` (not timed) restores the
/// state after each, so every timed command sees the same account.
fn per_command<T>(
    base: &Directory,
    iters: u64,
    mut timed: impl FnMut(&mut Directory) -> T,
    mut undo: impl FnMut(&mut Directory, T),
) -> Duration {
    let mut dir = base.clone();
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let out = timed(&mut dir);
        total += start.elapsed();
        undo(&mut dir, out);
    }
    total
}

fn commands_10k(c: &mut Criterion) {
    let vas = 10_000;
    let m = model(vas, 20_000, 0, SEED ^ 0x10);
    let at = at();
    let actor = Actor::User(m.admin);
    let mut dir = m.dir;
    // A user without roles, and a level-5 VA to create below and to bind to.
    let fresh = dir
        .register_user(NewUser {
            cco_id: Some("fresh".into()),
            email: "fresh@acme.com".into(),
            org: dir.user(m.admin).unwrap().org,
            kind: Default::default(),
        })
        .unwrap();
    let parent = *m
        .vas
        .iter()
        .find(|v| dir.va(**v).unwrap().level() == 5)
        .unwrap();
    let target = Target::Va(parent);
    let base = dir;

    let mut group = c.benchmark_group("commands_10k");
    group.bench_function("create_va", |b| {
        b.iter_custom(|iters| {
            per_command(
                &base,
                iters,
                |d| {
                    d.create_va(&actor, at, m.sa, Some(parent), "bench-new")
                        .unwrap()
                },
                |d, new| {
                    d.execute(&actor, at, Command::DeleteVa { va: new })
                        .unwrap();
                },
            )
        })
    });
    group.bench_function("delete_va", |b| {
        b.iter_custom(|iters| {
            let mut dir = base.clone();
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let new = dir
                    .create_va(&actor, at, m.sa, Some(parent), "bench-new")
                    .unwrap();
                let start = Instant::now();
                dir.execute(&actor, at, Command::DeleteVa { va: new })
                    .unwrap();
                total += start.elapsed();
            }
            total
        })
    });
    let assign = |d: &mut Directory| {
        d.assign_role(
            &actor,
            at,
            fresh,
            target,
            Role::VaUser,
            Inheritance::AccountAndChildren,
        )
        .unwrap();
    };
    let revoke = |d: &mut Directory| {
        d.execute(
            &actor,
            at,
            Command::RevokeRole {
                user: fresh,
                target,
            },
        )
        .unwrap();
    };
    group.bench_function("assign_role", |b| {
        b.iter_custom(|iters| per_command(&base, iters, assign, |d, ()| revoke(d)))
    });
    group.bench_function("revoke_role", |b| {
        b.iter_custom(|iters| {
            let mut dir = base.clone();
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                assign(&mut dir);
                let start = Instant::now();
                revoke(&mut dir);
                total += start.elapsed();
            }
            total
        })
    });

    // Building the same account from scratch: request it, then every VA creation.
    let mut rng = Rng(SEED ^ 0x10);
    let shape = shape(vas, &mut rng);
    let empty = {
        let mut d = Directory::new();
        let org = d.register_organization("Acme", OrgKind::Customer).unwrap();
        d.register_user(NewUser {
            cco_id: Some("user-0".into()),
            email: "user-0@acme.com".into(),
            org,
            kind: Default::default(),
        })
        .unwrap();
        d
    };
    let admin = empty.users().next().unwrap().id;
    let builder = Actor::User(admin);
    group.sample_size(10);
    group.bench_function("build_sa", |b| {
        b.iter_batched(
            || empty.clone(),
            |mut d| {
                let sa = d
                    .request_account(
                        &builder,
                        at,
                        AccountKind::Customer,
                        "Acme",
                        Some("acme.com"),
                        admin,
                    )
                    .unwrap();
                let mut ids = vec![d.account(sa).unwrap().default_va()];
                for (parent, name) in shape.parents.iter().zip(&shape.names).skip(1) {
                    let parent = parent.map(|p| ids[p]);
                    ids.push(d.create_va(&builder, at, sa, parent, name).unwrap());
                }
                assert_eq!(d.account(sa).unwrap().va_count(), vas);
                d
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, check_1k, check_100k, commands_10k);
criterion_main!(benches);
