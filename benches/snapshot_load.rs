//! Snapshot loading is linear in the size of the input (issue 11, EV004).
//!
//! One Customer Smart Account with N Virtual Accounts (a tree eight wide, six levels deep at
//! 160,000), one SA Admin and one VA role per 100 Virtual Accounts, loaded from JSON text with
//! `serde_json::from_str::<Directory>`: parsing, then every check of
//! [`Directory::from_snapshot`] and the fast index. The group `snapshot_load` measures N =
//! 20,000 and 160,000 in one run; linear loading costs 8× for 8× the input (the target is at
//! most 10×; before it was made linear, 38×). After the group it prints a fastest-of-3
//! cross-check of the ratio.
//!
//! `SNAPSHOT_LOAD_WRITE=path N` (e.g. `SNAPSHOT_LOAD_WRITE=/tmp/va100k.json cargo bench --bench
//! snapshot_load -- 100000`) writes the N-VA snapshot to `path` and exits, for measuring peak
//! memory with `/usr/bin/time -v target/release/examples/load_snapshot path`.
//!
//! `cargo test --benches` loads 2,000 and 16,000 once each, to stay quick in a debug build.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use smart_accounts::{
    AccountKind, AccountSnapshot, AccountStatus, Binding, Config, Directory, Domain, Email,
    Identifier, Inheritance, OrgId, OrgKind, Organization, Role, SaId, Snapshot, User, UserId,
    UserKind, VaId, VaSnapshot, Visibility,
};

/// Children per Virtual Account in the generated tree.
const WIDTH: u32 = 8;
/// Top-level Virtual Accounts.
const TOP: u32 = 8;

/// The JSON text of a one-account snapshot with `vas` Virtual Accounts.
fn snapshot_json(vas: u32) -> String {
    let owner = OrgId::new(1);
    let admin = UserId::new(1);
    let users: Vec<User> = (1..=vas / 100 + 1)
        .map(|k| User {
            id: UserId::new(k),
            cco_id: Some(format!("user{k}").into()),
            email: Email::parse(&format!("user{k}@acme.com")).unwrap(),
            org: owner,
            kind: UserKind::Individual,
        })
        .collect();
    // Virtual Account k (1-based): the first TOP are top-level, each later one hangs below the
    // one WIDTH times closer to the root, listed in increasing order (parents first).
    let list: Vec<VaSnapshot> = (1..=vas)
        .map(|k| VaSnapshot {
            id: VaId::new(k),
            name: format!("VA {k}"),
            parent: (k > TOP).then(|| VaId::new((k - TOP - 1) / WIDTH + 1)),
            visibility: Visibility::Unrestricted,
        })
        .collect();
    let mut roles = vec![Binding {
        user: admin,
        va: None,
        role: Role::SaAdmin,
        inheritance: Inheritance::AccountAndChildren,
        expires: None,
    }];
    roles.extend(users.iter().skip(1).map(|u| Binding {
        user: u.id,
        va: Some(VaId::new(u.id.get() * 97 % vas + 1)),
        role: Role::VaUser,
        inheritance: Inheritance::AccountAndChildren,
        expires: None,
    }));
    let snapshot = Snapshot {
        orders: Vec::new(),
        directory_events: Vec::new(),
        config: Config::default(),
        organizations: vec![Organization {
            id: owner,
            name: "Acme".into(),
            kind: OrgKind::Customer,
        }],
        users,
        accounts: vec![AccountSnapshot {
            id: SaId::new(1),
            kind: AccountKind::Customer,
            status: AccountStatus::Active,
            name: "Acme".into(),
            identifier: Identifier::Domain(Domain::parse("acme.com").unwrap()),
            owner,
            contact: admin,
            created_at: "2026-01-05T09:00:00Z".parse().unwrap(),
            closed_at: None,
            default_va: VaId::new(1),
            vas: list,
            roles,
            agreement: None,
            access_requests: Vec::new(),
            access_reviews: Vec::new(),
            licenses: Default::default(),
            events: Vec::new(),
        }],
    };
    serde_json::to_string(&snapshot).unwrap()
}

fn load(json: &str) -> Directory {
    serde_json::from_str(json).unwrap()
}

fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn snapshot_load(c: &mut Criterion) {
    let sizes: [u32; 2] = if benchmarking() {
        [20_000, 160_000]
    } else {
        [2_000, 16_000]
    };
    let texts: Vec<(u32, String)> = sizes.iter().map(|n| (*n, snapshot_json(*n))).collect();
    for (n, text) in &texts {
        let dir = load(text);
        let count: usize = dir.accounts().map(|a| a.vas().count()).sum();
        assert_eq!(count, *n as usize);
        eprintln!("snapshot of {n} VAs: {} bytes of JSON", text.len());
    }
    let mut group = c.benchmark_group("snapshot_load");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    for (n, text) in &texts {
        group.throughput(Throughput::Elements(u64::from(*n)));
        group.bench_with_input(BenchmarkId::from_parameter(n), text, |b, text| {
            b.iter(|| black_box(load(black_box(text))));
        });
    }
    group.finish();
    if benchmarking() {
        let fastest = |text: &str| {
            (0..3)
                .map(|_| {
                    let start = Instant::now();
                    black_box(load(text));
                    start.elapsed()
                })
                .min()
                .unwrap_or_default()
        };
        let small = fastest(&texts[0].1);
        let large = fastest(&texts[1].1);
        eprintln!(
            "fastest of 3: {} VAs {small:?}, {} VAs {large:?}, ratio {:.2} (linear: {:.0})",
            texts[0].0,
            texts[1].0,
            large.as_secs_f64() / small.as_secs_f64(),
            f64::from(texts[1].0) / f64::from(texts[0].0),
        );
    }
}

fn main() {
    if let Some(path) = std::env::var_os("SNAPSHOT_LOAD_WRITE") {
        let n: u32 = std::env::args()
            .skip(1)
            .find_map(|a| a.parse().ok())
            .unwrap_or(100_000);
        let text = snapshot_json(n);
        std::fs::write(&path, &text).unwrap();
        eprintln!(
            "wrote {n} VAs, {} bytes, to {}",
            text.len(),
            path.to_string_lossy()
        );
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

// `main` is written out (as `criterion_main!` would) to add the `SNAPSHOT_LOAD_WRITE` mode.
criterion_group!(benches, snapshot_load);
