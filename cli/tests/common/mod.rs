//! What the CLI and service tests share: running the real binary, the demo data as files, and
//! sample quotes.

#![allow(dead_code, reason = "each test binary uses part of it")]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use smart_accounts::fixtures::{self, quotes};
use smart_accounts::{Stage, Verdict};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_smart-accounts");

/// What a run printed and its exit code.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary with `args` and `stdin`.
pub fn run(args: &[&str], stdin: Option<&[u8]>, cwd: &Path) -> Run {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("the binary ends");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A sample quote with the verdict `want`: its JSON, stage and date as text.
pub fn sample(want: Verdict) -> (String, String, String) {
    let world = fixtures::world().unwrap();
    let sample = quotes::samples(&world)
        .unwrap()
        .into_iter()
        .find(|s| s.expected == want && s.stage != Stage::Submit)
        .expect("a sample with that verdict");
    let stage = serde_json::to_value(sample.stage).unwrap();
    (
        serde_json::to_string(&sample.quote).unwrap(),
        stage.as_str().unwrap().to_owned(),
        sample.date.to_string(),
    )
}

/// Writes the demo directory as a snapshot and imports it into a new SQLite store in `dir`.
pub fn demo_store(dir: &Path) -> PathBuf {
    let snapshot = dir.join("demo.json");
    let store = dir.join("accounts.sqlite");
    let export = run(
        &[
            "snapshot",
            "export",
            "--demo",
            "-o",
            snapshot.to_str().unwrap(),
        ],
        None,
        dir,
    );
    assert_eq!(export.code, Some(0), "{}", export.stderr);
    let import = run(
        &[
            "snapshot",
            "import",
            snapshot.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
        ],
        None,
        dir,
    );
    assert_eq!(import.code, Some(0), "{}", import.stderr);
    store
}
