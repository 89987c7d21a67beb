//! `smart-accounts events`: a store's events since a version, one JSON object a line:
//! `{"stream": "acme.com", "stream_id": 3, "seq": 8, "position": 120, "command": "req-7",
//! "event": {…}}`. The event is the stored body as it is (the core crate's event format).

use serde_json::Value;
use smart_accounts::StreamId;
use smart_accounts_store::{Backend as _, Row};

use crate::names;
use crate::out::{Fail, Result, Stdout, json_line};
use crate::source::{AnyStore, Need, open_store};

/// Arguments of `events`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The store: a SQLite file or a `postgres://` URL.
    #[arg(long, value_name = "DB")]
    pub(crate) store: String,
    /// The stream: `directory`, or an account (domain, email or name); without it, every
    /// stream in commit order.
    #[arg(long, value_name = "STREAM")]
    pub(crate) stream: Option<String>,
    /// Only events after this version of the stream (its seq), or after this position of the
    /// store when no stream is named.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) after: u64,
}

/// How many rows one read asks for.
const PAGE: usize = 4096;

/// Runs `events`.
///
/// # Errors
///
/// A store that does not open, an unknown stream.
pub(crate) fn run(args: &Args, out: &mut Stdout) -> Result<u8> {
    let mut store = open_store(&args.store, Need::Existing)?;
    let stream = match &args.stream {
        None => None,
        Some(text) => Some(stream_of(&store, text)?),
    };
    let mut after = args.after;
    loop {
        let rows = match stream {
            Some(stream) => store
                .backend_mut()
                .read_stream(stream.number(), after, PAGE),
            None => store.backend_mut().read_all(after, PAGE),
        }
        .map_err(|e| Fail::new(format!("store: {e}")))?;
        for row in &rows {
            out.line(&json_line(&row_json(store.directory(), row))?)?;
            after = if stream.is_some() {
                row.seq
            } else {
                row.position
            };
            if out.is_closed() {
                return Ok(0);
            }
        }
        if rows.len() < PAGE {
            return Ok(0);
        }
    }
}

/// The stream a name gives: `directory` or an account.
///
/// # Errors
///
/// An unknown account.
pub(crate) fn stream_of(store: &AnyStore, text: &str) -> Result<StreamId> {
    if text == "directory" {
        return Ok(StreamId::Directory);
    }
    let account = names::find_account(store.directory(), text)?;
    Ok(StreamId::Account(account.id()))
}

/// A stored row as the JSON object of a line.
pub(crate) fn row_json(dir: &smart_accounts::Directory, row: &Row) -> Value {
    let stream = StreamId::from_number(row.stream);
    let event: Value = serde_json::from_str(&row.body).unwrap_or(Value::String(row.body.clone()));
    serde_json::json!({
        "stream": stream_name(dir, stream),
        "stream_id": row.stream,
        "seq": row.seq,
        "position": row.position,
        "command": row.command,
        "event": event,
    })
}

/// A stream's name: `directory` or the account's identifier.
pub(crate) fn stream_name(dir: &smart_accounts::Directory, stream: StreamId) -> String {
    match stream {
        StreamId::Directory => "directory".to_owned(),
        StreamId::Account(sa) => names::account(dir, sa),
    }
}
