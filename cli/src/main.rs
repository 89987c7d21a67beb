//! `smart-accounts`: the rules engine for Smart Accounts as a program, for ordering systems
//! that are not written in Rust.
//!
//! - `validate`: a quote (or a JSON-lines stream of quotes) against a store, a snapshot or the
//!   demo data, for a stage on a date; exit 0 allowed, 1 blocked, 2 bad input.
//! - `check`, `explain`, `who-can`, `advise`, `dot`: questions about a directory, answered with
//!   names.
//! - `events`, `snapshot export|import`, `store init|migrate`: the store.
//! - `serve`: an HTTP JSON API over a store (see `cli/openapi.json`).
//!
//! Every subcommand behaves as a Unix tool: a closed standard output (`| head -1`) ends it
//! quietly with the exit code of what was done, and bad input exits 2 with a message that
//! names the rule where one applies, the file and the path of the bad field.

mod cmd;
mod json;
mod names;
mod out;
mod query;
mod serve;
mod source;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::out::{Fail, Stdout};

/// The rules engine for Smart Accounts: validate quotes, check permissions, run a store, or
/// serve all of it over HTTP.
#[derive(Debug, Parser)]
#[command(name = "smart-accounts", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Validates a quote or a JSON-lines stream of quotes (exit 0 allowed, 1 blocked, 2 bad input).
    Validate(cmd::validate::Args),
    /// May a user do an action on a target? One line; exit 0 allowed, 1 denied.
    Check(cmd::check::Args),
    /// As `check`, with the whole explanation (ROLE009).
    Explain(cmd::check::Args),
    /// The users allowed an action on a target (ROLE010).
    WhoCan(cmd::who_can::Args),
    /// Best-practice advice (BP001–BP009) for an account or the whole directory.
    Advise(cmd::advise::Args),
    /// An account's tree as Graphviz DOT.
    Dot(cmd::dot::Args),
    /// A store's events since a version, one JSON object a line.
    Events(cmd::events::Args),
    /// Between JSON snapshots and stores.
    #[command(subcommand)]
    Snapshot(cmd::snapshot::Cmd),
    /// Creates or migrates a store.
    #[command(subcommand)]
    Store(cmd::store::Cmd),
    /// Serves the HTTP JSON API over a store.
    Serve(serve::Args),
    /// Prints the OpenAPI 3.1 document of the HTTP API (as served at `/v1/openapi.json`).
    Openapi,
}

/// Runs the subcommand and returns its exit code.
fn run(command: Command, out: &mut Stdout) -> Result<u8, Fail> {
    match command {
        Command::Validate(args) => cmd::validate::run(&args, out),
        Command::Check(args) => cmd::check::run(&args, false, out),
        Command::Explain(args) => cmd::check::run(&args, true, out),
        Command::WhoCan(args) => cmd::who_can::run(&args, out),
        Command::Advise(args) => cmd::advise::run(&args, out),
        Command::Dot(args) => cmd::dot::run(&args, out),
        Command::Events(args) => cmd::events::run(&args, out),
        Command::Snapshot(cmd) => cmd::snapshot::run(&cmd, out),
        Command::Store(cmd) => cmd::store::run(&cmd, out),
        Command::Serve(args) => serve::run(&args, out),
        Command::Openapi => {
            out.line(&out::json_pretty(&serve::openapi::document())?)?;
            Ok(0)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors name what is missing and exit 2; `--help` and `--version` exit 0.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let mut out = out::stdout();
    let code = match run(cli.command, &mut out).and_then(|code| out.flush().map(|()| code)) {
        Ok(code) => code,
        Err(Fail(message)) => {
            let _ = out.flush();
            let _ = writeln!(std::io::stderr().lock(), "smart-accounts: {message}");
            2
        }
    };
    ExitCode::from(code)
}
