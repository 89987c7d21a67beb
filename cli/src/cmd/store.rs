//! `smart-accounts store init|migrate`: create a store, or bring one to this release's schema.

use smart_accounts_store::KNOWN_SCHEMA_VERSION;

use crate::out::{Result, Stdout};
use crate::source::{Need, open_store, redact};

/// The store subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Cmd {
    /// Creates a store (a SQLite file, or the tables in a PostgreSQL database); an existing
    /// store is left as it is.
    Init {
        /// A SQLite file or a `postgres://` URL.
        #[arg(value_name = "DB")]
        store: String,
    },
    /// Checks an existing store and brings it to the schema this release writes.
    Migrate {
        /// A SQLite file or a `postgres://` URL.
        #[arg(value_name = "DB")]
        store: String,
    },
}

/// Runs a store subcommand.
///
/// # Errors
///
/// A store that cannot be opened or created, a store written by a newer release, or stored
/// events that are refused (naming the rule).
pub(crate) fn run(cmd: &Cmd, out: &mut Stdout) -> Result<u8> {
    match cmd {
        Cmd::Init { store } => {
            let opened = open_store(store, Need::CreateIfMissing)?;
            out.line(&format!(
                "store {} is ready: schema version {KNOWN_SCHEMA_VERSION}, {} smart accounts, at position {}",
                redact(store),
                opened.directory().accounts().count(),
                opened.position()
            ))?;
        }
        Cmd::Migrate { store } => {
            // Opening checks the schema version (a newer one is refused) and re-checks every
            // event; schema version 1 is the only one so far, so there is nothing to rewrite.
            let opened = open_store(store, Need::Existing)?;
            out.line(&format!(
                "store {} is at schema version {KNOWN_SCHEMA_VERSION}, the newest this release knows: nothing to migrate (every event re-checked up to position {})",
                redact(store),
                opened.position()
            ))?;
        }
    }
    Ok(0)
}
