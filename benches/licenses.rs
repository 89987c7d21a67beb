//! License benchmarks (issue 3, performance part), each beside its baseline in the same run.
//!
//! - `transfer_10k`: one transfer between two Virtual Accounts of a 10,000-VA account holding
//!   100,000 entitlements (10 license types in every VA), event included, against one
//!   `is_allowed` check in the same directory. Target: transfer ≤ 50 × `is_allowed`.
//! - `compliance`: a compliance pass over a 1,000-VA account with 100,000 entitlements and
//!   50,000 devices, against one plain pass summing the same quantities from a `Vec`; and the
//!   same pass over 10,000 entitlements. Targets: ≤ 3 × the plain pass, and 10 × the data ≤
//!   11 × the time.
//!
//! Under `cargo bench` the models have the sizes above; under `cargo test --benches` (no
//! `--bench` argument) they are 100 times smaller so the run stays fast.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use smart_accounts::{
    AccountKind, Action, Actor, DeviceId, Directory, IdempotencyKey, Inheritance, License,
    LicenseCommand, LicenseKind, NewUser, OrderId, OrderLine, OrgId, OrgKind, Role, SaId, Sku,
    Target, TransferLine, UserId, VaId,
};

fn full() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn at() -> Timestamp {
    "2026-01-05T09:00:00Z".parse().unwrap()
}

struct Model {
    dir: Directory,
    sa: SaId,
    vas: Vec<VaId>,
    types: Vec<License>,
    /// SA User: manages licenses everywhere in the account.
    user: UserId,
}

/// One Customer account with `vas` Virtual Accounts (groups of 100 under top-level parents)
/// and `types` license types deposited into every one of them.
fn model(vas: usize, types: usize) -> Model {
    let mut dir = Directory::new();
    let t = at();
    let org = dir
        .register_organization("Bench Corp", OrgKind::Customer)
        .unwrap();
    let admin = user(&mut dir, org, "admin");
    let bob = user(&mut dir, org, "bob");
    let admin_actor = Actor::User(admin);
    let sa = dir
        .request_account(
            &admin_actor,
            t,
            AccountKind::Customer,
            "Bench",
            Some("bench.example"),
            admin,
        )
        .unwrap();
    dir.assign_role(
        &admin_actor,
        t,
        bob,
        Target::Account(sa),
        Role::SaUser,
        Inheritance::AccountAndChildren,
    )
    .unwrap();
    let mut all = vec![dir.account(sa).unwrap().default_va()];
    let mut parent = None;
    while all.len() < vas {
        let i = all.len();
        let p = if i % 100 == 1 { None } else { parent };
        let va = dir
            .create_va(&admin_actor, t, sa, p, &format!("VA-{i}"))
            .unwrap();
        if p.is_none() {
            parent = Some(va);
        }
        all.push(va);
    }
    let types: Vec<License> = (0..types)
        .map(|i| License::perpetual(Sku::parse(&format!("SKU-{i:03}")).unwrap()))
        .collect();
    let order = OrderId::parse("BENCH").unwrap();
    let mut line = 0u32;
    for va in &all {
        for license in &types {
            line += 1;
            dir.license(
                &Actor::Fulfilment,
                t,
                LicenseCommand::Deposit {
                    sa,
                    va: Some(*va),
                    order: OrderLine {
                        order: order.clone(),
                        line,
                    },
                    license: license.clone(),
                    kind: LicenseKind::Smart,
                    quantity: 1_000,
                    procured_by: org,
                    sa_mandatory: false,
                },
            )
            .unwrap();
        }
    }
    Model {
        dir,
        sa,
        vas: all,
        types,
        user: bob,
    }
}

fn user(dir: &mut Directory, org: OrgId, name: &str) -> UserId {
    dir.register_user(NewUser {
        cco_id: Some(name.into()),
        email: format!("{name}@bench.example"),
        org,
        kind: Default::default(),
    })
    .unwrap()
}

/// `per_va` devices in every Virtual Account, each consuming 1 of a license type.
fn add_devices(m: &mut Model, per_va: usize) {
    let actor = Actor::User(m.user);
    let installed = "2026-01-01".parse().unwrap();
    let mut n = 0usize;
    for va in m.vas.clone() {
        for _ in 0..per_va {
            let device = DeviceId::parse(&format!("DEV-{n}")).unwrap();
            let license = m.types[n % m.types.len()].clone();
            m.dir
                .register_device(&actor, at(), device.clone(), va, installed)
                .unwrap();
            m.dir.consume(&actor, at(), device, license, 1).unwrap();
            n += 1;
        }
    }
}

fn transfer(c: &mut Criterion) {
    let (vas, types) = if full() { (10_000, 10) } else { (100, 10) };
    let mut m = model(vas, types);
    assert_eq!(
        m.dir.account(m.sa).unwrap().compliance().count(),
        vas * types
    );
    let (a, b) = (m.vas[vas / 3], m.vas[2 * vas / 3]);
    let user = m.user;
    let mut group = c.benchmark_group("transfer_10k");
    group.bench_function("is_allowed", |bench| {
        bench.iter(|| {
            black_box(m.dir.is_allowed(
                black_box(user),
                black_box(Action::ManageLicenses),
                black_box(Target::Va(a)),
            ))
        });
    });
    let actor = Actor::User(user);
    let license = m.types[types / 2].clone();
    // Every transfer records its event and its idempotency key, so the account grows with the
    // iterations; it is reset to the pristine model (untimed) every `RESET` transfers, which
    // keeps the measured account at 0–100,000 used keys and its memory bounded.
    let now = at();
    const RESET: u64 = 100_000;
    const CHUNK: u64 = 10_000;
    let pristine = m.dir.clone();
    let mut used = 0u64;
    let mut n = 0u64;
    group.bench_function("transfer", |bench| {
        bench.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut done = 0u64;
            while done < iters {
                if used >= RESET {
                    m.dir = pristine.clone();
                    used = 0;
                }
                let chunk = CHUNK.min(iters - done).min(RESET - used);
                let inputs: Vec<_> = (0..chunk)
                    .map(|_| {
                        n += 1;
                        let (from, to) = if n.is_multiple_of(2) { (a, b) } else { (b, a) };
                        let key = IdempotencyKey::parse(&format!("bench-{n}")).unwrap();
                        let lines = vec![TransferLine {
                            license: license.clone(),
                            quantity: 1,
                        }];
                        (from, to, lines, key)
                    })
                    .collect();
                let start = Instant::now();
                for (from, to, lines, key) in inputs {
                    let events = m.dir.transfer(&actor, now, from, to, lines, key).unwrap();
                    black_box(events);
                }
                total += start.elapsed();
                done += chunk;
                used += chunk;
            }
            total
        });
    });
    group.finish();
}

/// The baseline: the same quantities in a plain `Vec`, summed in one pass.
#[derive(Clone, Copy)]
struct Row {
    va: u32,
    ty: u32,
    purchased: u64,
    consumed: u64,
    reserved: u64,
}

fn compliance(c: &mut Criterion) {
    let scale = if full() { 1 } else { 100 };
    let mut group = c.benchmark_group("compliance");
    for (label, types) in [("100k", 100usize), ("10k", 10)] {
        let vas = 1_000 / scale.min(10);
        let types = if full() { types } else { types / 10 };
        let mut m = model(vas, types);
        add_devices(&mut m, 50_000 / 1_000 / if full() { 1 } else { 10 });
        let account = m.dir.account(m.sa).unwrap();
        let rows: Vec<Row> = account
            .compliance()
            .map(|r| Row {
                va: r.va.get(),
                ty: 0,
                purchased: r.purchased,
                consumed: r.consumed,
                reserved: r.reserved,
            })
            .collect();
        assert_eq!(rows.len(), vas * types);
        group.bench_function(format!("vec_sum_{label}"), |bench| {
            bench.iter(|| {
                let rows = black_box(&rows);
                let mut sums = (0u64, 0u64, 0u64, 0u32);
                for r in rows {
                    sums.0 += r.purchased;
                    sums.1 += r.consumed;
                    sums.2 += r.reserved;
                    sums.3 ^= r.va ^ r.ty;
                }
                black_box(sums)
            });
        });
        group.bench_function(format!("compliance_{label}"), |bench| {
            bench.iter(|| {
                let account = black_box(account);
                let mut sums = (0u64, 0u64, 0u64, 0u64, 0u64);
                for r in account.compliance() {
                    sums.0 += r.purchased;
                    sums.1 += r.consumed;
                    sums.2 += r.reserved;
                    sums.3 += r.available;
                    sums.4 += r.shortfall;
                }
                black_box(sums)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, transfer, compliance);
criterion_main!(benches);
