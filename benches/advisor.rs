//! The advisor over a directory of 100,000 Smart Accounts, against one plain pass over the same
//! accounts, Virtual Accounts and role bindings, measured in the same run (issue 5: the advisor
//! should cost at most 5× the plain pass).
//!
//! The directory is built through the public commands: 100,000 customer organizations with one
//! Customer Smart Account each (4 Virtual Accounts, 2 customer users with roles), 1,000 partner
//! organizations whose users hold a Virtual Account role on most accounts, and a sprinkling of
//! findings: confidential VA names, partner SA roles, too many admins, deep trees, old grants,
//! companies with two accounts.
//!
//! `cargo bench --bench advisor` prints criterion's estimates and then a summary line with the
//! medians of 15 timed runs of each and their ratio. `cargo test --benches` runs both once on a
//! 2,000-account directory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use jiff::Timestamp;
use jiff::civil::Date;
use smart_accounts::advisor::{AdvisorConfig, Scope, advise};
use smart_accounts::{
    AccountKind, Actor, Directory, Inheritance, NewUser, OrgKind, Role, Target, UserKind,
};

const PARTNERS: usize = 1_000;

fn build(accounts: usize) -> Directory {
    let mut dir = Directory::new();
    let base: Timestamp = "2025-01-06T09:00:00Z".parse().unwrap();
    let partner_users: Vec<_> = (0..PARTNERS)
        .map(|p| {
            let org = dir
                .register_organization(&format!("Partner {p}"), OrgKind::Partner)
                .unwrap();
            dir.register_user(NewUser {
                cco_id: Some(format!("p{p}")),
                email: format!("sales@partner{p}.net"),
                org,
                kind: UserKind::Individual,
            })
            .unwrap()
        })
        .collect();
    for i in 0..accounts {
        let org = dir
            .register_organization(&format!("Customer {i}"), OrgKind::Customer)
            .unwrap();
        let user = |dir: &mut Directory, name: &str| {
            dir.register_user(NewUser {
                cco_id: Some(format!("{name}{i}")),
                email: format!("{name}@c{i}.example"),
                org,
                kind: if name == "team" && i % 97 == 0 {
                    UserKind::TeamAlias
                } else {
                    UserKind::Individual
                },
            })
            .unwrap()
        };
        let admin = user(&mut dir, "team");
        let ops = user(&mut dir, "ops");
        let me = Actor::User(admin);
        // Accounts created over 400 days: the oldest partner grants are past the review period.
        let at = base
            .checked_add(jiff::SignedDuration::from_hours(24 * (i % 400) as i64))
            .unwrap();
        let sa = dir
            .request_account(
                &me,
                at,
                AccountKind::Customer,
                "",
                Some(&format!("c{i}.example")),
                admin,
            )
            .unwrap();
        if i % 211 == 0 {
            // A second account of the same company, on a prefixed domain (BP001).
            dir.request_account(
                &me,
                at,
                AccountKind::Customer,
                "",
                Some(&format!("lab.c{i}.example")),
                admin,
            )
            .unwrap();
        }
        let emea = dir.create_va(&me, at, sa, None, "EMEA").unwrap();
        let americas = dir
            .create_va(
                &me,
                at,
                sa,
                None,
                if i % 53 == 0 {
                    "Internal-Tools"
                } else {
                    "Americas"
                },
            )
            .unwrap();
        let mut parent = emea;
        let depth = if i % 101 == 0 { 9 } else { 1 };
        for level in 0..depth {
            parent = dir
                .create_va(&me, at, sa, Some(parent), &format!("Sales-{level}"))
                .unwrap();
        }
        dir.assign_role(
            &me,
            at,
            ops,
            Target::Va(emea),
            Role::VaAdmin,
            Inheritance::AccountAndChildren,
        )
        .unwrap();
        if i % 4 != 0 {
            let partner = partner_users[i % PARTNERS];
            let (target, role) = if i % 89 == 0 {
                (Target::Account(sa), Role::SaUser)
            } else {
                (Target::Va(americas), Role::VaUser)
            };
            dir.assign_role(
                &me,
                at,
                partner,
                target,
                role,
                Inheritance::AccountAndChildren,
            )
            .unwrap();
        }
        if i % 113 == 0 {
            dir.assign_role(
                &me,
                at,
                ops,
                Target::Account(sa),
                Role::SaAdmin,
                Inheritance::AccountAndChildren,
            )
            .unwrap();
        }
    }
    dir
}

/// One plain pass over the same accounts, Virtual Accounts and role bindings: it reads each
/// account's kind and owner, each Virtual Account's name (every byte, as any report over names
/// does) and level, and each binding's user, role and expiry, and folds them into a checksum.
fn plain_pass(dir: &Directory) -> u64 {
    let mut n = 0u64;
    for account in dir.accounts() {
        n = n.wrapping_add(account.kind() as u64 + u64::from(account.owner().get()));
        for va in account.vas() {
            let name = va
                .name()
                .bytes()
                .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b));
            n = n.wrapping_add(name + va.level() as u64);
        }
        for b in account.roles() {
            n = n.wrapping_add(u64::from(b.user.get()) + b.role as u64);
            n ^= u64::from(b.expires.is_some());
        }
    }
    n
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort_unstable();
    runs[runs.len() / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let accounts = if full { 100_000 } else { 2_000 };
    let started = Instant::now();
    let dir = build(accounts);
    let built = started.elapsed();
    let on: Date = "2026-03-01".parse().unwrap();
    let config = AdvisorConfig::default();
    let advice = advise(&dir, Scope::All, on, &config);
    println!(
        "advisor bench: {} accounts, {} advice, built in {:.1?}",
        dir.accounts().count(),
        advice.len(),
        built
    );
    assert!(!advice.is_empty());

    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(if full { 10 } else { 1 }))
        .warm_up_time(Duration::from_millis(if full { 1_000 } else { 100 }))
        .configure_from_args();
    let mut group = c.benchmark_group(format!("advisor_{accounts}"));
    group.bench_function("plain_pass", |b| {
        b.iter(|| black_box(plain_pass(black_box(&dir))))
    });
    group.bench_function("advise_all", |b| {
        b.iter(|| black_box(advise(black_box(&dir), Scope::All, on, &config)))
    });
    group.finish();

    let runs = if full { 15 } else { 1 };
    let time = |f: &dyn Fn()| {
        median(
            (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed()
                })
                .collect(),
        )
    };
    let plain = time(&|| {
        black_box(plain_pass(black_box(&dir)));
    });
    let advised = time(&|| {
        black_box(advise(black_box(&dir), Scope::All, on, &config));
    });
    println!(
        "advisor bench summary: plain pass median {:.2?}, advisor median {:.2?}, ratio {:.2} (target <= 5)",
        plain,
        advised,
        advised.as_secs_f64() / plain.as_secs_f64().max(1e-9)
    );
    c.final_summary();
}
