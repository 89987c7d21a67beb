//! A load benchmark, bounded in count and time, loopback only; ignored by default:
//!
//! ```text
//! cargo test -p smart-accounts-cli --release --test load -- --ignored --nocapture
//! ```
//!
//! 8 concurrent clients validate quotes and run checks against a real `serve` on a SQLite store
//! of the demo data: requests per second, p50/p99 latency, zero errors; compared in the same run
//! with calling `validate` in-process (the limit), and the service's startup time. A second
//! test measures the startup of `serve` on a store of 100,000 accounts beside `Store::open` and
//! `Store::rebuild` in-process.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use smart_accounts::{PolicyCalendar, Verdict, fixtures, validate};

const CLIENTS: usize = 8;
const PER_CLIENT: usize = 500;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[test]
#[ignore = "a benchmark: run with --ignored --nocapture, preferably --release"]
fn load_8_clients_against_serve_and_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::demo_store(dir.path());
    let tokens = dir.path().join("tokens.json");
    std::fs::write(
        &tokens,
        r#"{"tokens": [{"token": "load-token-0123456789", "actor": "fulfilment"}]}"#,
    )
    .unwrap();
    let started = Instant::now();
    let mut child = Command::new(common::BIN)
        .args([
            "serve",
            "--store",
            store.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .args(["--tokens", tokens.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let startup = started.elapsed();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();

    let (quote, stage, date) = common::sample(Verdict::Allowed);
    let validate_body =
        format!("{{\"quote\": {quote}, \"stage\": \"{stage}\", \"date\": \"{date}\"}}");
    let check_body =
        r#"{"user": "bob@acme.com", "action": "manage_licenses", "target": "acme.com/EMEA"}"#
            .to_owned();
    let run_started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let url = url.clone();
            let (validate_body, check_body) = (validate_body.clone(), check_body.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                let mut latencies = Vec::with_capacity(PER_CLIENT);
                let mut errors = 0;
                for k in 0..PER_CLIENT {
                    let (path, body) = if (i + k) % 2 == 0 {
                        ("/v1/quotes/validate", &validate_body)
                    } else {
                        ("/v1/check", &check_body)
                    };
                    let t = Instant::now();
                    let response = agent
                        .post(&format!("{url}{path}"))
                        .header("Authorization", "Bearer load-token-0123456789")
                        .send(body.as_str());
                    match response {
                        Ok(mut r) if r.status() == 200 => {
                            let _ = r.body_mut().read_to_string();
                        }
                        _ => errors += 1,
                    }
                    latencies.push(t.elapsed());
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.join().unwrap();
        latencies.extend(l);
        errors += e;
    }
    let wall = run_started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    latencies.sort();
    let requests = latencies.len();

    // The limit: the same validation in-process, one thread.
    let world = fixtures::world().unwrap();
    let parsed: smart_accounts::Quote = serde_json::from_str(&quote).unwrap();
    let calendar = PolicyCalendar::cisco();
    let day: jiff::civil::Date = date.parse().unwrap();
    let stage: smart_accounts::Stage = stage.parse().unwrap();
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(validate(
            &world.dir,
            std::hint::black_box(&parsed),
            stage,
            day,
            &calendar,
        ));
    }
    let in_process = t.elapsed();

    println!("serve startup (demo store, process start to listening): {startup:?}");
    println!(
        "serve: {requests} requests from {CLIENTS} clients in {wall:?}: {:.0} req/s, p50 {:?}, p99 {:?}, {errors} errors",
        requests as f64 / wall.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
    );
    println!(
        "in-process validate: {n} in {in_process:?}: {:.0} validations/s on one thread, {:?} each",
        n as f64 / in_process.as_secs_f64(),
        in_process / n
    );
    assert_eq!(errors, 0);
}

/// A directory of `n` Customer accounts (each with its organization, its SA Admin and its
/// default Virtual Account), loaded from a snapshot: the logs are rebuilt as an import.
fn big_directory(n: u32) -> smart_accounts::Directory {
    use smart_accounts::{
        AccountKind, AccountSnapshot, AccountStatus, Binding, Config, Domain, Email, Identifier,
        Inheritance, OrgId, OrgKind, Organization, Role, SaId, Snapshot, User, UserId, UserKind,
        VaId, VaSnapshot, Visibility,
    };
    let created_at: jiff::Timestamp = "2026-01-05T09:00:00Z".parse().unwrap();
    let snapshot = Snapshot {
        orders: Vec::new(),
        config: Config::default(),
        organizations: (1..=n)
            .map(|k| Organization {
                id: OrgId::new(k),
                name: format!("Company {k}"),
                kind: OrgKind::Customer,
            })
            .collect(),
        users: (1..=n)
            .map(|k| User {
                id: UserId::new(k),
                cco_id: Some(format!("admin{k}").into()),
                email: Email::parse(&format!("admin@c{k}.com")).unwrap(),
                org: OrgId::new(k),
                kind: UserKind::Individual,
            })
            .collect(),
        accounts: (1..=n)
            .map(|k| AccountSnapshot {
                id: SaId::new(k),
                kind: AccountKind::Customer,
                status: AccountStatus::Active,
                name: format!("Company {k}"),
                identifier: Identifier::Domain(Domain::parse(&format!("c{k}.com")).unwrap()),
                owner: OrgId::new(k),
                contact: UserId::new(k),
                created_at,
                closed_at: None,
                default_va: VaId::new(k),
                vas: vec![VaSnapshot {
                    id: VaId::new(k),
                    name: "DEFAULT".into(),
                    parent: None,
                    visibility: Visibility::Unrestricted,
                }],
                roles: vec![Binding {
                    user: UserId::new(k),
                    va: None,
                    role: Role::SaAdmin,
                    inheritance: Inheritance::AccountAndChildren,
                    expires: None,
                }],
                agreement: None,
                access_requests: Vec::new(),
                access_reviews: Vec::new(),
                licenses: Default::default(),
                events: Vec::new(),
            })
            .collect(),
        directory_events: Vec::new(),
    };
    smart_accounts::Directory::from_snapshot(snapshot).unwrap()
}

/// The startup cost of `serve` on a store of 100,000 accounts: from the start of the process to
/// listening (the latest snapshot and the events after it, re-checked), beside `Store::open`
/// in-process and a full rebuild from the events.
#[test]
#[ignore = "a benchmark: run with --ignored --nocapture, preferably --release"]
fn startup_on_a_100k_account_store() {
    use smart_accounts_store::{Sqlite, Store};
    const ACCOUNTS: u32 = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.sqlite");
    let t = Instant::now();
    let directory = big_directory(ACCOUNTS);
    let built = t.elapsed();
    let config = directory.config().clone();
    let t = Instant::now();
    let mut store = Store::open(Sqlite::open(&path).unwrap(), config.clone()).unwrap();
    store.import(&directory).unwrap();
    let imported = t.elapsed();
    let events = store.position();
    drop(store);
    let file_bytes = std::fs::metadata(&path).unwrap().len();

    let tokens = dir.path().join("tokens.json");
    std::fs::write(
        &tokens,
        r#"{"tokens": [{"token": "load-token-0123456789", "actor": "fulfilment"}]}"#,
    )
    .unwrap();
    let mut startups = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let mut child = Command::new(common::BIN)
            .args(["serve", "--store", path.to_str().unwrap()])
            .args([
                "--listen",
                "127.0.0.1:0",
                "--tokens",
                tokens.to_str().unwrap(),
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        startups.push(started.elapsed());
        assert!(line.starts_with("listening on "), "{line}");
        let _ = child.kill();
        let _ = child.wait();
    }
    startups.sort();
    let t = Instant::now();
    let opened = Store::open(Sqlite::open(&path).unwrap(), config.clone()).unwrap();
    let open_in_process = t.elapsed();
    assert_eq!(opened.directory(), &directory);
    drop(opened);
    let t = Instant::now();
    let rebuilt = Store::rebuild(Sqlite::open(&path).unwrap(), config).unwrap();
    let rebuild = t.elapsed();
    assert_eq!(&rebuilt, &directory);
    println!(
        "store of {ACCOUNTS} accounts: {events} events, {:.1} MB file; directory built in \
         {built:.2?}, imported in {imported:.2?}",
        file_bytes as f64 / 1e6
    );
    println!(
        "serve startup to listening: median {:.2?} (min {:.2?}, max {:.2?}, 3 starts); \
         Store::open in-process {open_in_process:.2?}; Store::rebuild from every event \
         {rebuild:.2?}",
        startups[1], startups[0], startups[2]
    );
}
