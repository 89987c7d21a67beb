//! Quote validation speed (issue 4): quotes of 1, 100 and 1,000 lines against a directory of
//! 10,000 Smart Accounts, every line valid or every line with findings, compared with one
//! `is_allowed` check measured in the same run.
//!
//! `cargo bench --bench validate` runs criterion and then prints medians of its own timing
//! loop with the ratios the issue sets targets for: per-line cost ≤ 10× `is_allowed` (valid),
//! ≤ 30× (findings), 1,000 lines ≤ 11× 100 lines. `cargo test --benches` runs every benchmark
//! once against a small directory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use jiff::civil::date;
use smart_accounts::quote::{
    Assignment, Country, Deal, DealKind, EndCustomer, Line, Quote, Term, VaRef,
};
use smart_accounts::{
    AccountKind, Action, Actor, Directory, Inheritance, NewUser, OrgId, OrgKind, PolicyCalendar,
    Role, SaId, Stage, Target, UserId, VaId, validate,
};

/// The directory of the benchmark and the handles it needs.
struct Bench {
    dir: Directory,
    partner: OrgId,
    customers: Vec<SaId>,
    /// A VA User on `EMEA` of the first customer, and `EMEA-Sales` below it.
    user: UserId,
    target: VaId,
}

const VA_NAMES: [&str; 4] = ["EMEA", "EMEA-Sales", "Americas", "Finance"];

/// `accounts` Customer accounts `c0.example.com`, … each with four Virtual Accounts, plus a
/// partner with its holding account. Built through the public commands, deterministically.
fn build(accounts: usize) -> Bench {
    let mut dir = Directory::new();
    let at: jiff::Timestamp = "2026-01-05T09:00:00Z".parse().unwrap();
    let mut customers = Vec::with_capacity(accounts);
    let mut first = None;
    for i in 0..accounts {
        let org = dir
            .register_organization(&format!("Customer {i}"), OrgKind::Customer)
            .unwrap();
        let admin = dir
            .register_user(NewUser {
                cco_id: Some(format!("admin{i}")),
                email: format!("admin@c{i}.example.com"),
                org,
                kind: Default::default(),
            })
            .unwrap();
        let me = Actor::User(admin);
        let sa = dir
            .request_account(
                &me,
                at,
                AccountKind::Customer,
                &format!("Customer {i}"),
                Some(&format!("c{i}.example.com")),
                admin,
            )
            .unwrap();
        let emea = dir.create_va(&me, at, sa, None, VA_NAMES[0]).unwrap();
        let sales = dir.create_va(&me, at, sa, Some(emea), VA_NAMES[1]).unwrap();
        let americas = dir.create_va(&me, at, sa, None, VA_NAMES[2]).unwrap();
        dir.create_va(&me, at, sa, Some(americas), VA_NAMES[3])
            .unwrap();
        if first.is_none() {
            let user = dir
                .register_user(NewUser {
                    cco_id: Some("va-user".into()),
                    email: format!("user@c{i}.example.com"),
                    org,
                    kind: Default::default(),
                })
                .unwrap();
            dir.assign_role(
                &me,
                at,
                user,
                Target::Va(emea),
                Role::VaUser,
                Inheritance::AccountAndChildren,
            )
            .unwrap();
            first = Some((user, sales));
        }
        customers.push(sa);
    }
    let partner = dir
        .register_organization("Partner", OrgKind::Partner)
        .unwrap();
    let padmin = dir
        .register_user(NewUser {
            cco_id: Some("partner-admin".into()),
            email: "admin@partner.example.net".into(),
            org: partner,
            kind: Default::default(),
        })
        .unwrap();
    dir.request_account(
        &Actor::User(padmin),
        at,
        AccountKind::PartnerHolding,
        "Partner Holding",
        Some("partner.example.net"),
        padmin,
    )
    .unwrap();
    // The customer after it has 1,000 more Virtual Accounts, `Site-0` … `Site-999`, so that
    // every line of a quote can name a different one.
    let middle = customers[accounts / 2 + 1];
    let contact = dir.account(middle).unwrap().contact();
    for i in 0..SIZES[2] {
        dir.create_va(
            &Actor::User(contact),
            at,
            middle,
            None,
            &format!("Site-{i}"),
        )
        .unwrap();
    }
    let (user, target) = first.unwrap();
    Bench {
        dir,
        partner,
        customers,
        user,
        target,
    }
}

fn quote(bench: &Bench, customer: usize, lines: Vec<Line>) -> Quote {
    Quote {
        deal: Deal {
            id: "D-1".into(),
            kind: DealKind::RnsdTransactional,
        },
        partner: bench.partner,
        distributor: None,
        end_customer: EndCustomer {
            name: format!("Customer {customer}"),
            domain: Some(
                smart_accounts::Domain::parse(&format!("c{customer}.example.com")).unwrap(),
            ),
            country: Country::US,
        },
        lines,
    }
}

/// Every line assigned to a named Virtual Account of the end customer's Active account.
fn valid(bench: &Bench, n: usize) -> Quote {
    let customer = bench.customers.len() / 2;
    let sa = bench.customers[customer];
    let lines = (0..n)
        .map(|i| {
            Line::new(&format!("{i}.0"), "C9300-NW-E-24", 1).assigned(Assignment::Account {
                sa: sa.into(),
                va: Some(VaRef::Name(VA_NAMES[i % VA_NAMES.len()].into())),
            })
        })
        .collect();
    quote(bench, customer, lines)
}

/// Every line assigned to a different Virtual Account of the end customer's account: each
/// assignment is resolved on its own (the worst case for valid lines).
fn valid_distinct(bench: &Bench, n: usize) -> Quote {
    let customer = bench.customers.len() / 2 + 1;
    let sa = bench.customers[customer];
    let lines = (0..n)
        .map(|i| {
            Line::new(&format!("{i}.0"), "C9300-NW-E-24", 1).assigned(Assignment::Account {
                sa: sa.into(),
                va: Some(VaRef::Name(format!("Site-{i}"))),
            })
        })
        .collect();
    quote(bench, customer, lines)
}

/// Every line assigned to a different account that does not exist: each finding has its own
/// text (the worst case for lines with findings).
fn findings_distinct(bench: &Bench, n: usize) -> Quote {
    let customer = bench.customers.len() / 2;
    let lines = (0..n)
        .map(|i| {
            Line::new(&format!("{i}.0"), "C9300-NW-E-24", 1).assigned(Assignment::Account {
                sa: SaId::new(9_000_000 + i as u32).into(),
                va: None,
            })
        })
        .collect();
    quote(bench, customer, lines)
}

/// Every line with at least one finding: unassigned, unknown account, unknown Virtual Account,
/// another company's account in the default Virtual Account, a subscription with an unknown
/// account.
fn findings(bench: &Bench, n: usize) -> Quote {
    let customer = bench.customers.len() / 2;
    let other = bench.customers[(customer + 1) % bench.customers.len()];
    let lines = (0..n)
        .map(|i| {
            let line = Line::new(&format!("{i}.0"), "C9300-NW-E-24", 1);
            match i % 4 {
                0 => line,
                1 => line.assigned(Assignment::Account {
                    sa: SaId::new(9_000_000).into(),
                    va: None,
                }),
                2 => line.assigned(Assignment::Account {
                    sa: bench.customers[customer].into(),
                    va: Some(VaRef::Name("Mars".into())),
                }),
                _ => {
                    let mut l = line.assigned(Assignment::Account {
                        sa: other.into(),
                        va: None,
                    });
                    l.term = Term::Subscription { months: 36 };
                    l
                }
            }
        })
        .collect();
    quote(bench, customer, lines)
}

const SIZES: [usize; 3] = [1, 100, 1000];

type Make = fn(&Bench, usize) -> Quote;

/// The quote families: name and builder.
const FAMILIES: [(&str, Make); 4] = [
    ("valid", valid),
    ("valid-distinct", valid_distinct),
    ("findings", findings),
    ("findings-distinct", findings_distinct),
];

fn run_criterion(c: &mut Criterion, bench: &Bench) {
    let calendar = PolicyCalendar::default();
    let day = date(2026, 3, 2);
    let mut group = c.benchmark_group("validate");
    group.bench_function("is_allowed", |b| {
        b.iter(|| {
            bench.dir.is_allowed(
                black_box(bench.user),
                black_box(Action::ManageLicenses),
                black_box(Target::Va(bench.target)),
            )
        });
    });
    for (name, make) in FAMILIES {
        for n in SIZES {
            let q = make(bench, n);
            group.bench_with_input(BenchmarkId::new(name, n), &q, |b, q| {
                b.iter(|| validate(&bench.dir, black_box(q), Stage::Submit, day, &calendar));
            });
        }
    }
    group.finish();
}

/// Median nanoseconds per call of `f`, over `samples` batches of about 20 ms.
fn median_ns(samples: usize, mut f: impl FnMut()) -> f64 {
    let mut per_batch = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..per_batch {
            f();
        }
        if start.elapsed() >= Duration::from_millis(20) {
            break;
        }
        per_batch *= 2;
    }
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            start.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Calls of `f` per batch of about 10 ms.
fn batch(mut f: impl FnMut()) -> u64 {
    let mut per_batch = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..per_batch {
            f();
        }
        if start.elapsed() >= Duration::from_millis(10) {
            return per_batch;
        }
        per_batch *= 2;
    }
}

/// Interleaved timing of `a` and `b` (a batch of one, then a batch of the other, `samples`
/// times), so that the load of a shared machine weighs on both alike: the medians of their
/// nanoseconds per call and the median of the ratios b / a of neighbouring batches.
fn paired(samples: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64, f64) {
    let (na, nb) = (batch(&mut a), batch(&mut b));
    let time = |n: u64, f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        start.elapsed().as_nanos() as f64 / n as f64
    };
    let mut ta = Vec::with_capacity(samples);
    let mut tb = Vec::with_capacity(samples);
    let mut ratios = Vec::with_capacity(samples);
    for _ in 0..samples {
        let x = time(na, &mut a);
        let y = time(nb, &mut b);
        ta.push(x);
        tb.push(y);
        ratios.push(y / x);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut ta), median(&mut tb), median(&mut ratios))
}

fn report(bench: &Bench) {
    let calendar = PolicyCalendar::default();
    let day = date(2026, 3, 2);
    let check = || {
        black_box(bench.dir.is_allowed(
            black_box(bench.user),
            Action::ManageLicenses,
            Target::Va(bench.target),
        ));
    };
    let allowed = median_ns(31, check);
    let account = bench
        .dir
        .account(bench.customers[bench.customers.len() / 2 + 1])
        .unwrap();
    let small = bench
        .dir
        .account(bench.customers[bench.customers.len() / 2])
        .unwrap();
    let by_name_small = median_ns(31, || {
        black_box(small.va_by_name(black_box("Americas")));
    });
    let by_name = median_ns(31, || {
        black_box(account.va_by_name(black_box("Site-500")));
    });
    println!(
        "\nMedians ({} Smart Accounts), per-line cost against one is_allowed ({allowed:.1} ns):",
        bench.customers.len()
    );
    println!(
        "(one SmartAccount::va_by_name: {by_name_small:.1} ns = {:.1}× is_allowed on a {}-VA account, {by_name:.1} ns = {:.1}× on the {}-VA account of the -distinct quotes)",
        by_name_small / allowed,
        small.va_count(),
        by_name / allowed,
        account.va_count(),
    );
    println!(
        "Each row times is_allowed and the quote in alternating batches; the ratio is the median of neighbouring batches."
    );
    println!(
        "| quote | lines | median per quote | per line | is_allowed | per line / is_allowed | target |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (name, make) in FAMILIES {
        let target = if name.starts_with("valid") {
            10.0
        } else {
            30.0
        };
        for n in SIZES {
            let q = make(bench, n);
            let (reference, ns, ratio) = paired(31, check, || {
                black_box(validate(
                    &bench.dir,
                    black_box(&q),
                    Stage::Submit,
                    day,
                    &calendar,
                ));
            });
            let per_line = ratio / n as f64;
            println!(
                "| {name} | {n} | {:.2} µs | {:.1} ns | {reference:.1} ns | {per_line:.1}× | ≤ {target}× {} |",
                ns / 1000.0,
                ns / n as f64,
                if per_line <= target { "ok" } else { "MISSED" }
            );
        }
    }
    for (name, make) in FAMILIES {
        let (q100, q1000) = (make(bench, 100), make(bench, 1000));
        let run = |q: &Quote| {
            black_box(validate(
                &bench.dir,
                black_box(q),
                Stage::Submit,
                day,
                &calendar,
            ));
        };
        let (_, _, ratio) = paired(31, || run(&q100), || run(&q1000));
        println!(
            "linearity {name}: 1,000 lines / 100 lines = {ratio:.2}× (target ≤ 11×) {}",
            if ratio <= 11.0 { "ok" } else { "MISSED" }
        );
    }
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    // `cargo test --benches` runs each benchmark once: a small directory keeps that fast.
    let bench = build(if benching { 10_000 } else { 200 });
    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    run_criterion(&mut c, &bench);
    c.final_summary();
    if benching {
        report(&bench);
    }
}
