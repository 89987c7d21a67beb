//! The `smart-accounts` binary as a user runs it: every subcommand, standard input, a closed
//! pipe, hostile snapshots, large inputs. Each test runs the real binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod common;

use common::{demo_store, run, sample};
use smart_accounts::Verdict;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn validate_exits_0_allowed_and_1_blocked_and_says_demo_first() {
    let dir = tmp();
    for (want, code) in [(Verdict::Allowed, 0), (Verdict::Blocked, 1)] {
        let (quote, stage, date) = sample(want);
        std::fs::write(dir.path().join("q.json"), &quote).unwrap();
        let r = run(
            &[
                "validate", "q.json", "--demo", "--stage", &stage, "--date", &date,
            ],
            None,
            dir.path(),
        );
        assert_eq!(r.code, Some(code), "{want:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.lines().next().unwrap().starts_with("demo:"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn validate_without_a_source_or_a_date_is_exit_2_naming_what_is_missing() {
    let dir = tmp();
    let (quote, stage, date) = sample(Verdict::Blocked);
    std::fs::write(dir.path().join("q.json"), &quote).unwrap();
    let r = run(&["validate", "q.json", "--stage", &stage], None, dir.path());
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("--date"), "{}", r.stderr);
    assert!(
        r.stderr.contains("--store") && r.stderr.contains("--demo"),
        "{}",
        r.stderr
    );
    let r = run(
        &["validate", "q.json", "--stage", &stage, "--date", &date],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("--directory"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "no verdict without data: {}", r.stdout);
}

#[test]
fn validate_reads_stdin_and_writes_json() {
    let dir = tmp();
    let (quote, stage, date) = sample(Verdict::Blocked);
    let r = run(
        &[
            "validate", "-", "--demo", "--stage", &stage, "--date", &date, "--format", "json",
        ],
        Some(format!("\u{feff}{quote}").as_bytes()),
        dir.path(),
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["verdict"], "blocked");
    assert!(
        r.stderr.starts_with("demo:"),
        "the notice goes to stderr in JSON: {}",
        r.stderr
    );
}

#[test]
fn validate_bad_input_names_the_file_and_the_field() {
    let dir = tmp();
    let (quote, stage, date) = sample(Verdict::Allowed);
    let mut value: serde_json::Value = serde_json::from_str(&quote).unwrap();
    value["lines"][0]["quantity"] = serde_json::json!("ten");
    std::fs::write(dir.path().join("bad.json"), value.to_string()).unwrap();
    let r = run(
        &[
            "validate", "bad.json", "--demo", "--stage", &stage, "--date", &date,
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(2));
    // A one-line file reads as a stream of one quote: the line is named too.
    assert!(
        r.stderr.contains("bad.json: line 1: lines[0].quantity"),
        "{}",
        r.stderr
    );
    std::fs::write(
        dir.path().join("bad.json"),
        serde_json::to_string_pretty(&value).unwrap(),
    )
    .unwrap();
    let r = run(
        &[
            "validate", "bad.json", "--demo", "--stage", &stage, "--date", &date,
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("bad.json: lines[0].quantity"),
        "{}",
        r.stderr
    );
}

fn stream(lines: usize) -> (String, String, String) {
    let (allowed, stage, date) = sample(Verdict::Allowed);
    let mut text = String::new();
    for _ in 0..lines {
        text.push_str(&allowed);
        text.push('\n');
    }
    (text, stage, date)
}

#[test]
fn validate_a_json_lines_stream_one_report_a_line_and_bad_lines_exit_2() {
    let dir = tmp();
    let (mut text, stage, date) = stream(3);
    text.push_str("{\"not\": \"a quote\"}\n");
    let r = run(
        &[
            "validate", "-", "--demo", "--stage", &stage, "--date", &date, "--format", "json",
        ],
        Some(text.as_bytes()),
        dir.path(),
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 4);
    for line in &lines[..3] {
        let report: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(report["verdict"], "allowed");
    }
    assert!(lines[3].contains("\"line\":4"), "{}", lines[3]);
    assert!(r.stderr.contains("stdin: line 4:"), "{}", r.stderr);
}

#[test]
fn validate_a_large_stream_and_a_quote_with_100k_lines() {
    let dir = tmp();
    let (text, stage, date) = stream(20_000);
    std::fs::write(dir.path().join("many.jsonl"), &text).unwrap();
    let r = run(
        &[
            "validate",
            "many.jsonl",
            "--demo",
            "--stage",
            &stage,
            "--date",
            &date,
            "--format",
            "json",
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 20_000);

    // One quote of 100,000 lines, each a copy of the first with its own line ID.
    let (quote, stage, date) = sample(Verdict::Blocked);
    let mut value: serde_json::Value = serde_json::from_str(&quote).unwrap();
    let first = value["lines"][0].clone();
    let lines: Vec<serde_json::Value> = (0..100_000)
        .map(|i| {
            let mut line = first.clone();
            line["id"] = serde_json::json!(format!("{i}.0"));
            line
        })
        .collect();
    value["lines"] = serde_json::Value::Array(lines);
    std::fs::write(dir.path().join("big.json"), value.to_string()).unwrap();
    let r = run(
        &[
            "validate", "big.json", "--demo", "--stage", &stage, "--date", &date, "--format",
            "json",
        ],
        None,
        dir.path(),
    );
    assert!(matches!(r.code, Some(0 | 1)), "{:?} {}", r.code, r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(report.get("verdict").is_some());
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_verdict() {
    let dir = tmp();
    let (text, stage, date) = stream(5_000);
    std::fs::write(dir.path().join("many.jsonl"), &text).unwrap();
    let script = format!(
        "\"$0\" validate many.jsonl --demo --stage {stage} --date {date} --format json | head -1 >/dev/null; echo \"${{PIPESTATUS[0]}}\""
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script, common::BIN])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.trim(), "0", "exit code of validate: {stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

#[test]
fn hostile_snapshots_exit_0_1_or_2_never_abort() {
    let dir = tmp();
    let (quote, stage, date) = sample(Verdict::Allowed);
    std::fs::write(dir.path().join("q.json"), &quote).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut snapshots: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    std::fs::write(dir.path().join("nested.json"), nested).unwrap();
    std::fs::write(dir.path().join("truncated.json"), "{\"accounts\": [").unwrap();
    std::fs::write(
        dir.path().join("ids.json"),
        "{\"accounts\": [{\"id\": 4294967296}]}",
    )
    .unwrap();
    snapshots.extend(["nested.json", "truncated.json", "ids.json"].map(|n| dir.path().join(n)));
    for snapshot in snapshots {
        // Under a 2 GiB address-space limit, as CI runs the loader: an abort would be 134.
        let script = "ulimit -v 2097152; exec \"$0\" validate q.json --directory \"$1\" --stage \"$2\" --date \"$3\"";
        let out = std::process::Command::new("bash")
            .args([
                "-c",
                script,
                common::BIN,
                snapshot.to_str().unwrap(),
                &stage,
                &date,
            ])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "{}: {code:?}",
            snapshot.display()
        );
        let name = snapshot.file_name().unwrap().to_str().unwrap();
        if ["nested.json", "truncated.json", "ids.json"].contains(&name) {
            assert_eq!(code, Some(2), "{name}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains(name), "{stderr}");
        }
    }
}

#[test]
fn check_explain_and_who_can_answer_with_names() {
    let dir = tmp();
    let r = run(
        &[
            "check",
            "alice@acme.com",
            "manage_licenses",
            "acme.com/EMEA",
            "--demo",
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "alice@acme.com may manage licenses on acme.com/EMEA as SA Admin on acme.com"
        ),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("user:") && !r.stdout.contains("va:"),
        "{}",
        r.stdout
    );

    let r = run(
        &[
            "explain",
            "hank@globex.com",
            "view-account",
            "acme.com/EMEA",
            "--demo",
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(1), "denied is exit 1: {}", r.stdout);
    assert!(
        r.stdout.contains("denied") && r.stdout.contains("hank@globex.com"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("would be allowed by"), "{}", r.stdout);

    let r = run(
        &[
            "check",
            "nobody@acme.com",
            "view_account",
            "acme.com",
            "--demo",
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("SA004") && r.stderr.contains("nobody@acme.com"),
        "{}",
        r.stderr
    );

    let r = run(
        &["check", "alice", "fly", "acme.com", "--demo"],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("unknown action `fly`"), "{}", r.stderr);

    let r = run(
        &[
            "who-can",
            "manage_licenses",
            "acme.com/EMEA",
            "--demo",
            "--format",
            "json",
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let answer: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let users: Vec<&str> = answer["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"].as_str().unwrap())
        .collect();
    assert!(
        users.contains(&"alice@acme.com") && users.contains(&"erin@acme.com"),
        "{users:?}"
    );
}

#[test]
fn advise_and_dot_on_a_snapshot() {
    let dir = tmp();
    let r = run(
        &["snapshot", "export", "--demo", "-o", "demo.json"],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(
        &[
            "advise",
            "--directory",
            "demo.json",
            "--date",
            "2026-02-01",
            "--account",
            "acme.com",
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("BP009") && r.stdout.contains("acme.com/Labs/"),
        "{}",
        r.stdout
    );
    let r = run(&["advise", "--directory", "demo.json"], None, dir.path());
    assert_eq!(r.code, Some(2), "advise needs a date");
    let r = run(
        &[
            "dot",
            "acme.com",
            "--directory",
            "demo.json",
            "--date",
            "2026-02-01",
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.starts_with("digraph"), "{}", r.stdout);
}

#[test]
fn store_init_import_migrate_events_and_export_round_trip() {
    let dir = tmp();
    let r = run(
        &[
            "validate",
            "q.json",
            "--store",
            "missing.sqlite",
            "--stage",
            "order",
            "--date",
            "2026-02-01",
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("store init"),
        "a missing store is not created silently: {}",
        r.stderr
    );
    assert!(!dir.path().join("missing.sqlite").exists());

    let r = run(&["store", "init", "new.sqlite"], None, dir.path());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let store = demo_store(dir.path());
    let store = store.to_str().unwrap();
    let r = run(&["store", "migrate", store], None, dir.path());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("schema version 1"), "{}", r.stdout);
    let r = run(
        &["snapshot", "import", "demo.json", "--store", store],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(2), "a second import is refused");
    assert!(r.stderr.contains("EV005"), "{}", r.stderr);

    let r = run(
        &[
            "events", "--store", store, "--stream", "acme.com", "--after", "2",
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let first: serde_json::Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["seq"], 3);
    assert_eq!(first["stream"], "acme.com");

    let r = run(&["snapshot", "export", "--store", store], None, dir.path());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let exported: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo.json")).unwrap())
            .unwrap();
    assert_eq!(exported["accounts"], original["accounts"]);

    let (quote, stage, date) = sample(Verdict::Allowed);
    std::fs::write(dir.path().join("q.json"), &quote).unwrap();
    let r = run(
        &[
            "validate", "q.json", "--store", store, "--stage", &stage, "--date", &date,
        ],
        None,
        dir.path(),
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.starts_with("demo:"));
}

#[test]
fn help_and_version_exit_0_and_unknown_arguments_2() {
    let dir = tmp();
    assert_eq!(run(&["--help"], None, dir.path()).code, Some(0));
    assert_eq!(run(&["--version"], None, dir.path()).code, Some(0));
    assert_eq!(
        run(&["validate", "--bogus"], None, dir.path()).code,
        Some(2)
    );
}
