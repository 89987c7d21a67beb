//! Loads a directory snapshot (JSON) and runs one command on it: registers an organization and
//! creates a top-level Virtual Account in the first Active account, as one of its SA Admins.
//! It shows that hostile input is refused or loaded in proportionate memory, never an abort
//! (EV004); `.ci/run` runs it under a 2 GiB `ulimit -v` on the snapshots of `tests/data/`.
//!
//! ```text
//! cargo run --example load_snapshot -- tests/data/time_bomb.json
//! cargo run --example load_snapshot            # the fixture directory, through JSON
//! ```
//!
//! Exit codes: 0 when the snapshot loaded (a refused command is reported, not a failure);
//! 2 with the error message when the file cannot be read or the snapshot is refused.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use smart_accounts::{AccountStatus, Actor, Directory, OrgKind, Role, fixtures};

fn main() -> ExitCode {
    match run() {
        Ok(report) => {
            // A closed pipe (`| head -1`) ends the report quietly; the snapshot did load.
            let _ = std::io::stdout().lock().write_all(report.as_bytes());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("load_snapshot: {message}");
            ExitCode::from(2)
        }
    }
}

/// Loads the snapshot and runs the command; returns the report to print.
fn run() -> Result<String, String> {
    let mut out = String::new();
    let (source, text) = match std::env::args_os().nth(1) {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.to_string_lossy()))?;
            (path.to_string_lossy().into_owned(), text)
        }
        None => {
            let world = fixtures::world().map_err(|e| format!("fixtures: {e}"))?;
            let text = serde_json::to_string(&world.dir).map_err(|e| e.to_string())?;
            ("the fixture directory".to_owned(), text)
        }
    };
    let mut dir: Directory =
        serde_json::from_str(&text).map_err(|e| format!("{source} refused: {e}"))?;
    let vas: usize = dir.accounts().map(|a| a.vas().count()).sum();
    let _ = writeln!(
        out,
        "loaded {source} ({} bytes): {} organizations, {} users, {} smart accounts, {vas} virtual accounts",
        text.len(),
        dir.organizations().count(),
        dir.users().count(),
        dir.accounts().count(),
    );

    let _ = match dir.register_organization("Load check partner", OrgKind::Partner) {
        Ok(org) => writeln!(out, "register_organization: ok, {org}"),
        Err(e) => writeln!(out, "register_organization: refused: {e}"),
    };
    let target = dir
        .accounts()
        .filter(|a| a.status() == AccountStatus::Active)
        .find_map(|a| {
            a.roles()
                .find(|b| b.role == Role::SaAdmin && b.va.is_none() && b.expires.is_none())
                .map(|b| (a.id(), b.user))
        });
    let _ = match target {
        None => writeln!(
            out,
            "create_va: no active account with an SA Admin to run it"
        ),
        Some((sa, admin)) => {
            let at = jiff::Timestamp::now();
            match dir.create_va(&Actor::User(admin), at, sa, None, "Load check") {
                Ok(va) => writeln!(out, "create_va in {sa} as {admin}: ok, {va}"),
                Err(e) => writeln!(out, "create_va in {sa} as {admin}: refused: {e}"),
            }
        }
    };
    Ok(out)
}
