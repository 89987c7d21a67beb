//! End to end: the real `serve` process on 127.0.0.1 with a real SQLite store in a temporary
//! directory, spoken to over real HTTP. Every endpoint, 401/403, 400 with the path, 413, a
//! restart that keeps every committed command, and two clients racing on one account.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use smart_accounts::{Verdict, fixtures};

const ALICE: &str = "alice-token-0123456789";
const BOB: &str = "bob-token-0123456789ab";
const HANK: &str = "hank-token-0123456789";
const FULFILMENT: &str = "fulfilment-token-0123456789";
const SUPPORT: &str = "support-token-0123456789";

/// A running service; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path, store: &Path, max_body: usize) -> Server {
        let tokens = dir.join("tokens.json");
        std::fs::write(
            &tokens,
            json!({"tokens": [
                {"token": ALICE, "actor": {"user": "alice@acme.com"}},
                {"token": BOB, "actor": {"user": "bob"}},
                {"token": HANK, "actor": {"user": "hank@globex.com"}},
                {"token": FULFILMENT, "actor": "fulfilment"},
                {"token": SUPPORT, "actor": {"vendor_support": {"case": "CASE-1"}}},
            ]})
            .to_string(),
        )
        .unwrap();
        let mut child = Command::new(common::BIN)
            .args([
                "serve",
                "--store",
                store.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .args([
                "--tokens",
                tokens.to_str().unwrap(),
                "--max-body",
                &max_body.to_string(),
            ])
            .args(["--follow-ms", "50"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the service starts");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .expect(&line)
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Server { child, url }
    }

    /// SIGTERM, and the exit code of a graceful shutdown, plus the logs.
    fn stop(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut logs = String::new();
                if let Some(mut err) = self.child.stderr.take() {
                    use std::io::Read as _;
                    let _ = err.read_to_string(&mut logs);
                }
                return (status.code(), logs);
            }
            assert!(std::time::Instant::now() < deadline, "no graceful shutdown");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// `(status, body)` of a request with an optional token and body.
fn call(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, Value) {
    let agent = agent();
    let mut response = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(url);
            if let Some(t) = token {
                r = r.header("Authorization", &format!("Bearer {t}"));
            }
            r.call().unwrap()
        }
        (_, body) => {
            let mut r = agent.post(url).header("Content-Type", "application/json");
            if let Some(t) = token {
                r = r.header("Authorization", &format!("Bearer {t}"));
            }
            r.send(body.unwrap_or("")).unwrap()
        }
    };
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = common::demo_store(dir.path());
    (dir, store)
}

fn validate_body(want: Verdict) -> String {
    let (quote, stage, date) = common::sample(want);
    format!("{{\"quote\": {quote}, \"stage\": \"{stage}\", \"date\": \"{date}\"}}")
}

fn create_va(name: &str, expected: Option<u64>) -> String {
    let w = fixtures::world().unwrap();
    let command = smart_accounts::Command::CreateVa {
        sa: w.acme.sa,
        parent: None,
        name: name.into(),
    };
    let mut body = json!({ "command": command });
    if let Some(version) = expected {
        body["expected"] = json!([{ "stream": "acme.com", "version": version }]);
    }
    body.to_string()
}

#[test]
fn health_openapi_and_the_checked_in_document_agree() {
    let (dir, store) = setup();
    let server = Server::start(dir.path(), &store, 1 << 20);
    let (status, health) = call("GET", &format!("{}/healthz", server.url), None, None);
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    let (status, served) = call(
        "GET",
        &format!("{}/v1/openapi.json", server.url),
        None,
        None,
    );
    assert_eq!(status, 200);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let checked_in: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(
        served, checked_in,
        "cli/openapi.json is stale: run `cargo run -p smart-accounts-cli -- openapi > cli/openapi.json`"
    );
    let (status, _) = call("GET", &format!("{}/v1/nothing", server.url), None, None);
    assert_eq!(status, 404);
}

#[test]
fn validate_check_explain_who_can_and_advice_answer_with_names() {
    let (dir, store) = setup();
    let server = Server::start(dir.path(), &store, 1 << 20);
    let u = &server.url;
    let (status, answer) = call(
        "POST",
        &format!("{u}/v1/quotes/validate"),
        Some(FULFILMENT),
        Some(&validate_body(Verdict::Allowed)),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["allowed"], true);
    let (status, answer) = call(
        "POST",
        &format!("{u}/v1/quotes/validate"),
        Some(BOB),
        Some(&validate_body(Verdict::Blocked)),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["allowed"], false);
    assert_eq!(answer["report"]["verdict"], "blocked");

    let check =
        json!({"user": "bob@acme.com", "action": "manage_licenses", "target": "acme.com/EMEA"})
            .to_string();
    let (status, answer) = call("POST", &format!("{u}/v1/check"), Some(ALICE), Some(&check));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({"allowed": true, "user": "bob@acme.com", "action": "manage_licenses", "target": "acme.com/EMEA"})
    );
    let (status, answer) = call(
        "POST",
        &format!("{u}/v1/explain"),
        Some(ALICE),
        Some(&check),
    );
    assert_eq!(status, 200, "{answer}");
    let explanation = answer["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("bob@acme.com") && !explanation.contains("user:"),
        "{explanation}"
    );

    let who = json!({"action": "manage_licenses", "target": "acme.com/EMEA"}).to_string();
    let (status, answer) = call(
        "POST",
        &format!("{u}/v1/who-can"),
        Some(SUPPORT),
        Some(&who),
    );
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["user"] == "erin@acme.com"),
        "{answer}"
    );

    let (status, answer) = call(
        "GET",
        &format!("{u}/v1/advice?account=acme.com&date=2026-02-01"),
        Some(ALICE),
        None,
    );
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["advice"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["rule"] == "BP009"),
        "{answer}"
    );
    let (status, answer) = call(
        "GET",
        &format!("{u}/v1/advice?date=2026-02-01"),
        Some(SUPPORT),
        None,
    );
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn no_token_401_unknown_token_401_and_no_permission_403_naming_the_rule() {
    let (dir, store) = setup();
    let server = Server::start(dir.path(), &store, 1 << 20);
    let u = &server.url;
    let body = validate_body(Verdict::Allowed);
    let (status, answer) = call(
        "POST",
        &format!("{u}/v1/quotes/validate"),
        None,
        Some(&body),
    );
    assert_eq!(status, 401, "{answer}");
    let (status, _) = call(
        "POST",
        &format!("{u}/v1/quotes/validate"),
        Some("not-a-known-token-at-all"),
        Some(&body),
    );
    assert_eq!(status, 401);

    let check =
        json!({"user": "bob@acme.com", "action": "manage_licenses", "target": "acme.com/EMEA"})
            .to_string();
    let (status, answer) = call("POST", &format!("{u}/v1/explain"), Some(HANK), Some(&check));
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["rule"], "ROLE005");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("hank@globex.com"),
        "{answer}"
    );

    let (status, answer) = call(
        "POST",
        &format!("{u}/v1/commands"),
        Some(HANK),
        Some(&create_va("Hank's", None)),
    );
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["rule"].as_str().unwrap().starts_with("ROLE"),
        "{answer}"
    );

    let (status, answer) = call(
        "GET",
        &format!("{u}/v1/streams/acme.com/events"),
        Some(BOB),
        None,
    );
    assert_eq!(status, 403, "an SA User may not read the log: {answer}");
    assert!(answer["rule"].is_string(), "{answer}");
    let (status, _) = call(
        "GET",
        &format!("{u}/v1/streams/acme.com/events"),
        Some(FULFILMENT),
        None,
    );
    assert_eq!(status, 403);
    let (status, answer) = call("GET", &format!("{u}/v1/advice"), Some(ALICE), None);
    assert_eq!(status, 403, "{answer}");

    // Tokens never reach the logs.
    let (code, logs) = server.stop();
    assert_eq!(code, Some(0), "{logs}");
    for token in [
        ALICE,
        BOB,
        HANK,
        FULFILMENT,
        SUPPORT,
        "not-a-known-token-at-all",
    ] {
        assert!(!logs.contains(token), "a token in the logs: {logs}");
    }
    assert!(logs.contains("request"), "{logs}");
}

#[test]
fn malformed_json_and_unknown_fields_are_400_with_the_path_and_big_bodies_413() {
    let (dir, store) = setup();
    let server = Server::start(dir.path(), &store, 64 * 1024);
    let u = &server.url;
    let (status, answer) = call(
        "POST",
        &format!("{u}/v1/check"),
        Some(ALICE),
        Some("{\"user\": "),
    );
    assert_eq!(status, 400, "{answer}");
    let (quote, _, _) = common::sample(Verdict::Allowed);
    let mut bad: Value = serde_json::from_str(&quote).unwrap();
    bad["lines"][1]["quantity"] = json!("ten");
    let body = json!({"quote": bad, "stage": "order", "date": "2026-02-01"}).to_string();
    let (status, answer) = call(
        "POST",
        &format!("{u}/v1/quotes/validate"),
        Some(ALICE),
        Some(&body),
    );
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["path"], "quote.lines[1].quantity");
    let body =
        json!({"user": "bob", "action": "view_account", "target": "acme.com", "colour": "red"})
            .to_string();
    let (status, answer) = call("POST", &format!("{u}/v1/check"), Some(ALICE), Some(&body));
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("colour"),
        "{answer}"
    );
    let big = format!("{{\"user\": \"{}\"}}", "x".repeat(100 * 1024));
    let (status, answer) = call("POST", &format!("{u}/v1/check"), Some(ALICE), Some(&big));
    assert_eq!(status, 413, "{answer}");
}

#[test]
fn commands_commit_conflict_409_and_survive_a_restart() {
    let (dir, store) = setup();
    let server = Server::start(dir.path(), &store, 1 << 20);
    let u = server.url.clone();
    let (status, answer) = call(
        "GET",
        &format!("{u}/v1/streams/acme.com/events?after=0&limit=1"),
        Some(ALICE),
        None,
    );
    assert_eq!(status, 200, "{answer}");
    let version = answer["version"].as_u64().unwrap();
    assert_eq!(answer["events"].as_array().unwrap().len(), 1);

    // Two clients read the same version and race: one wins, the other gets 409.
    let racers: Vec<_> = ["Oceania", "Antarctica"]
        .into_iter()
        .map(|name| {
            let url = format!("{u}/v1/commands");
            let body = create_va(name, Some(version));
            std::thread::spawn(move || call("POST", &url, Some(ALICE), Some(&body)))
        })
        .collect();
    let mut results: Vec<(u16, Value)> = racers.into_iter().map(|t| t.join().unwrap()).collect();
    results.sort_by_key(|r| r.0);
    assert_eq!(results[0].0, 200, "{:?}", results);
    assert_eq!(results[1].0, 409, "{:?}", results);
    let conflict = &results[1].1;
    assert_eq!(conflict["rule"], "EV005");
    assert_eq!(conflict["stream"], "acme.com");
    assert_eq!(conflict["expected"], version);
    assert_eq!(conflict["actual"], version + 1);
    assert_eq!(results[0].1["versions"][0]["version"], version + 1);

    // A command ID makes a retry a no-op; a rule that refuses names itself (VA003: names).
    let once = json!({"command": serde_json::from_str::<Value>(&create_va("Nordics", None)).unwrap()["command"], "command_id": "req-nordics"}).to_string();
    let (status, first) = call(
        "POST",
        &format!("{u}/v1/commands"),
        Some(ALICE),
        Some(&once),
    );
    assert_eq!(status, 200, "{first}");
    let (status, again) = call(
        "POST",
        &format!("{u}/v1/commands"),
        Some(ALICE),
        Some(&once),
    );
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["repeated"], true);
    let (status, answer) = call(
        "POST",
        &format!("{u}/v1/commands"),
        Some(ALICE),
        Some(&create_va("nordics", None)),
    );
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["rule"], "VA003");

    let (status, events) = call(
        "GET",
        &format!("{u}/v1/streams/acme.com/events?after={version}"),
        Some(SUPPORT),
        None,
    );
    assert_eq!(status, 200, "{events}");
    assert_eq!(events["events"].as_array().unwrap().len(), 2);
    let (status, directory) = call(
        "GET",
        &format!("{u}/v1/streams/directory/events"),
        Some(FULFILMENT),
        None,
    );
    assert_eq!(status, 200, "{directory}");

    let (code, logs) = server.stop();
    assert_eq!(code, Some(0), "graceful shutdown: {logs}");
    let server = Server::start(dir.path(), &store, 1 << 20);
    let u = &server.url;
    for va in [
        "Nordics",
        if results[0].1["account_events"]
            .to_string()
            .contains("Oceania")
        {
            "Oceania"
        } else {
            "Antarctica"
        },
    ] {
        let check = json!({"user": "alice@acme.com", "action": "manage_licenses", "target": format!("acme.com/{va}")}).to_string();
        let (status, answer) = call("POST", &format!("{u}/v1/check"), Some(ALICE), Some(&check));
        assert_eq!(status, 200, "{va} after the restart: {answer}");
        assert_eq!(answer["allowed"], true);
    }
    let (_, after) = call(
        "GET",
        &format!("{u}/v1/streams/acme.com/events?after=0"),
        Some(ALICE),
        None,
    );
    assert_eq!(after["version"], version + 2);
}

#[test]
fn the_service_follows_another_writer_of_the_store() {
    let (dir, store) = setup();
    let server = Server::start(dir.path(), &store, 1 << 20);
    let (_, before) = call("GET", &format!("{}/healthz", server.url), None, None);
    // Another process writes to the same store: a second service on the same file.
    let other = Server::start(dir.path(), &store, 1 << 20);
    let (status, answer) = call(
        "POST",
        &format!("{}/v1/commands", other.url),
        Some(ALICE),
        Some(&create_va("Benelux", None)),
    );
    assert_eq!(status, 200, "{answer}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, now) = call("GET", &format!("{}/healthz", server.url), None, None);
        if now["position"].as_u64() > before["position"].as_u64() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the first service never caught up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Q011 over HTTP: the fulfilment system places an order whose line names Globex's Pending
/// account; the record shows the line on hold, naming what it waits for; Globex's contact
/// activates the account and the line is ready. Other companies' users may not read it.
#[test]
fn an_order_record_is_placed_read_and_released_over_http() {
    let (dir, store) = setup();
    let server = Server::start(dir.path(), &store, 1 << 20);
    let u = server.url.clone();
    let w = fixtures::world().unwrap();
    let quote = fixtures::quotes::sample(&w, "q006-pending")
        .unwrap()
        .unwrap()
        .quote;
    let place = smart_accounts::Command::Order(smart_accounts::records::OrderCommand::Place {
        order: smart_accounts::license::OrderId::parse("CCW-1001").unwrap(),
        quote,
    });
    let body = json!({ "command": place }).to_string();
    let (status, answer) = call(
        "POST",
        &format!("{u}/v1/commands"),
        Some(FULFILMENT),
        Some(&body),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["versions"][0]["stream"], "directory");

    let url = format!("{u}/v1/orders/CCW-1001");
    let (status, answer) = call("GET", &url, Some(FULFILMENT), None);
    assert_eq!(status, 200, "{answer}");
    let line = &answer["lines"][0];
    assert_eq!(line["line"], 1);
    assert_eq!(line["state"], "on_hold");
    let waits = line["waits_for"].as_str().unwrap();
    assert!(waits.contains("globex.com"), "names the account: {waits}");
    assert_eq!(answer["order"]["id"], "CCW-1001");

    // A customer's user is not the seller: 403 naming Q011. Unknown and malformed IDs.
    let (status, answer) = call("GET", &url, Some(ALICE), None);
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["rule"], "Q011");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("alice@acme.com")
    );
    let (status, answer) = call("GET", &format!("{u}/v1/orders/CCW-9"), Some(SUPPORT), None);
    assert_eq!(
        (status, answer["rule"].as_str()),
        (404, Some("Q011")),
        "{answer}"
    );
    let (status, _) = call("GET", &format!("{u}/v1/orders/a%20b"), Some(SUPPORT), None);
    assert_eq!(status, 400);

    // Globex's contact activates the account: the same commit releases the line.
    let activate = smart_accounts::Command::ActivateAccount { sa: w.globex.sa };
    let body = json!({ "command": activate }).to_string();
    let (status, answer) = call("POST", &format!("{u}/v1/commands"), Some(HANK), Some(&body));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["directory_events"].as_array().unwrap().len(),
        1,
        "{answer}"
    );
    let (status, answer) = call("GET", &url, Some(SUPPORT), None);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["lines"][0]["state"], "ready");
    assert_eq!(answer["lines"][0]["account"], "globex.com");
    assert!(answer["lines"][0]["waits_for"].is_null());
}
