//! A load benchmark, bounded in count and time, loopback only; ignored by default:
//!
//! ```text
//! cargo test -p smart-accounts-cli --release --test load -- --ignored --nocapture
//! ```
//!
//! 8 concurrent clients validate quotes and run checks against a real `serve` on a SQLite store
//! of the demo data: requests per second, p50/p99 latency, zero errors; compared in the same run
//! with calling `validate` in-process (the limit), and the service's startup time.

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
