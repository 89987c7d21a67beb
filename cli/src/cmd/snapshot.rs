//! `smart-accounts snapshot export|import`: between a JSON snapshot of a directory and a store.

use smart_accounts::Directory;

use crate::json;
use crate::out::{Fail, Result, Stdout, json_pretty};
use crate::source::{Need, SourceArgs, open_store, redact};

/// The snapshot subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Cmd {
    /// Writes the directory of a store (or a snapshot, or the demo data) as a JSON snapshot.
    Export {
        #[command(flatten)]
        source: SourceArgs,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<String>,
    },
    /// Imports a JSON snapshot into an empty store (created when missing); every event is
    /// re-checked on the way in (EV004).
    Import {
        /// The snapshot, or `-` for standard input.
        #[arg(value_name = "SNAPSHOT.json|-")]
        snapshot: String,
        /// The store: a SQLite file or a `postgres://` URL.
        #[arg(long, value_name = "DB")]
        store: String,
    },
}

/// Runs a snapshot subcommand.
///
/// # Errors
///
/// A source that does not load, a snapshot that is refused (with the path and the rule), a
/// store that is not empty (EV005).
pub(crate) fn run(cmd: &Cmd, out: &mut Stdout) -> Result<u8> {
    match cmd {
        Cmd::Export { source, output } => {
            let loaded = source.load()?;
            let text = json_pretty(&loaded.dir().to_snapshot())?;
            match output {
                None => out.line(&text)?,
                Some(path) => std::fs::write(path, format!("{text}\n")).map_err(|e| {
                    Fail::new(format!(
                        "cannot write `{}`: {e}",
                        smart_accounts::clip(path)
                    ))
                })?,
            }
            Ok(0)
        }
        Cmd::Import { snapshot, store } => {
            let dir: Directory = json::load(snapshot)?;
            let mut opened = open_store(store, Need::CreateIfMissing)?;
            opened
                .import(&dir)
                .map_err(|e| Fail::new(format!("store {}: {e}", redact(store))))?;
            out.line(&format!(
                "imported {} organizations, {} users and {} smart accounts into {} (position {})",
                dir.organizations().count(),
                dir.users().count(),
                dir.accounts().count(),
                redact(store),
                opened.position()
            ))?;
            Ok(0)
        }
    }
}
