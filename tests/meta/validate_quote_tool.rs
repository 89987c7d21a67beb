//! The main job (`examples/validate_quote.rs`) behaves as a Unix tool (issue 11, item 8): a
//! closed pipe ends it quietly with the documented code, echoed values are clipped, a UTF-8
//! byte-order mark is skipped. Its functions are tested in process (the example's source is
//! compiled in as a module), and the built binary is run as a real process with its stdout
//! closed by the reader.
#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

#[allow(dead_code, reason = "the example's `main` is not called here")]
#[path = "../../examples/validate_quote.rs"]
mod job;

/// A writer whose reader went away: every write fails with `BrokenPipe`.
struct ClosedPipe;

impl Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::from(io::ErrorKind::BrokenPipe))
    }
    fn flush(&mut self) -> io::Result<()> {
        Err(io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

/// A writer that fails otherwise (a full disk).
struct Full;

impl Write for Full {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("no space left on device"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn run(args: &[&str]) -> (u8, String, String) {
    let mut out = job::Output::default();
    let code = job::run(args.iter().map(|s| (*s).to_owned()), &mut out);
    (code, out.out, out.err)
}

/// A file in the temporary directory, unique to this process and `name`.
fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("validate-quote-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The sample quote `q001-unassigned` as JSON (blocked at order placement).
fn sample_quote() -> String {
    let (code, out, err) = run(&["--sample", "q001-unassigned"]);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn validate_quote_a_closed_pipe_ends_the_output_quietly_with_the_verdicts_code() {
    for code in [0, 1, 2] {
        let output = job::Output {
            out: "a report\n".repeat(10_000),
            err: String::new(),
        };
        let mut stderr = Vec::new();
        assert_eq!(
            job::finish(&output, code, &mut ClosedPipe, &mut stderr),
            code
        );
        assert!(stderr.is_empty(), "{}", String::from_utf8_lossy(&stderr));
    }
    // Any other write failure is said on stderr and exits 2 (the documented code for "bad
    // input or output").
    let output = job::Output {
        out: "a report\n".into(),
        err: String::new(),
    };
    let mut stderr = Vec::new();
    assert_eq!(job::finish(&output, 0, &mut Full, &mut stderr), 2);
    assert!(String::from_utf8_lossy(&stderr).contains("cannot write the output"));
}

#[test]
fn validate_quote_echoed_values_are_clipped() {
    let quote = sample_quote();
    let long_id = "D".repeat(1_000_000);
    let long_name = "N".repeat(100_000);
    let quote = quote
        .replacen("\"D-1001\"", &format!("\"{long_id}\""), 1)
        .replacen("\"Acme\"", &format!("\"{long_name}\""), 1);
    assert!(quote.len() > 1_000_000);
    let path = temp("long.json", quote.as_bytes());
    let (code, out, err) = run(&["--quote", path.to_str().unwrap(), "--date", "2026-02-01"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.len() < 2_000, "{} bytes echoed", out.len());
    assert!(out.contains(&format!("deal {}…", "D".repeat(80))), "{out}");
    assert!(out.contains(&format!("for {}…", "N".repeat(80))), "{out}");
    // Bad arguments and bad values are clipped too.
    let (code, _, err) = run(&[&format!("--{}", "x".repeat(10_000))]);
    assert_eq!(code, 2);
    assert!(err.len() < 1_000, "{} bytes", err.len());
    let (code, _, err) = run(&["--sample", &"s".repeat(10_000)]);
    assert_eq!(code, 2);
    assert!(err.len() < 2_000, "{} bytes", err.len());
    let bad = quote.replacen("\"quantity\":", &format!("\"{}\":", "q".repeat(10_000)), 1);
    let path = temp("bad-field.json", bad.as_bytes());
    let (code, _, err) = run(&["--quote", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.starts_with("validate-quote-"), "{err}");
    assert!(err.len() < 1_000, "{} bytes: {err}", err.len());
    let _ = std::fs::remove_file(temp("long.json", b""));
    let _ = std::fs::remove_file(path);
}

#[test]
fn validate_quote_a_leading_byte_order_mark_is_skipped() {
    let quote = sample_quote();
    let plain = temp("plain.json", quote.as_bytes());
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend_from_slice(quote.as_bytes());
    let bom = temp("bom.json", &bytes);
    let args = |p: &PathBuf| {
        run(&[
            "--quote",
            p.to_str().unwrap(),
            "--date",
            "2026-02-01",
            "--json",
        ])
    };
    let (with_bom, without) = (args(&bom), args(&plain));
    assert_eq!(with_bom, without);
    assert_eq!(with_bom.0, 1, "{}", with_bom.2);
    // A mark anywhere else is still bad JSON, named by file.
    let mut late = quote.into_bytes();
    late.extend_from_slice("\u{feff}".as_bytes());
    let late = temp("late-bom.json", &late);
    let (code, _, err) = run(&["--quote", late.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("late-bom.json: (after the value)"), "{err}");
    for p in [plain, bom, late] {
        let _ = std::fs::remove_file(p);
    }
}

/// The built example, next to this test binary's directory (`target/<profile>/examples/`).
/// `cargo test --all-features` builds the examples before it runs the tests.
fn binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile = exe.parent()?.parent()?;
    let name = format!("validate_quote{}", std::env::consts::EXE_SUFFIX);
    let path = profile.join("examples").join(name);
    path.exists().then_some(path)
}

#[test]
fn validate_quote_as_a_process_a_reader_that_stops_reading_gets_no_panic() {
    let Some(bin) = binary() else {
        eprintln!("examples/validate_quote is not built: run `cargo test --all-features`");
        return;
    };
    let quote = temp("process.json", sample_quote().as_bytes());
    let cases: [(&[&str], i32); 3] = [
        (&["--json"], 0),
        (
            &["--quote", quote.to_str().unwrap(), "--date", "2026-02-01"],
            1,
        ),
        (&["--bogus"], 2),
    ];
    for (args, expected) in cases {
        let mut child = Command::new(&bin)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away at once, as `| head -0` would.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_file(quote);
}
