//! Events as rows: the JSON body of a [`StreamEvent`], and the checks a stored row passes
//! before the directory sees it (EV005: its format version, its stream, its seq and its
//! command ID must be what the row says).

use smart_accounts::{SCHEMA_VERSION, StreamEvent, check_schema};

use crate::backend::{NewRow, Row};
use crate::error::StoreError;

/// The row of an event: its stream, seq, the format version this release writes, and the
/// event as JSON.
pub(crate) fn encode(event: &StreamEvent) -> Result<NewRow, StoreError> {
    let body = serde_json::to_string(event).map_err(|error| StoreError::Row {
        position: 0,
        stream: event.stream().number(),
        seq: event.seq(),
        detail: format!("the event cannot be written as JSON: {error}"),
    })?;
    Ok(NewRow {
        stream: event.stream().number(),
        seq: event.seq(),
        schema: SCHEMA_VERSION,
        body,
    })
}

/// The event of a stored row, checked against the row: a newer format is refused with an error
/// saying so, a body that is not an event names the bad field's path, and an event that claims
/// another stream, seq or command ID than its row is refused (it was not written by this
/// crate, or was changed since).
pub(crate) fn decode(row: &Row) -> Result<StreamEvent, StoreError> {
    let problem = |detail: String| StoreError::Row {
        position: row.position,
        stream: row.stream,
        seq: row.seq,
        detail,
    };
    check_schema(row.schema).map_err(|error| problem(error.to_string()))?;
    let mut reader = serde_json::Deserializer::from_str(&row.body);
    let event: StreamEvent = serde_path_to_error::deserialize(&mut reader)
        .map_err(|error| problem(format!("at `{}`: {}", error.path(), error.inner())))?;
    reader
        .end()
        .map_err(|error| problem(format!("text after the event: {error}")))?;
    if event.stream().number() != row.stream {
        return Err(problem(format!(
            "the event belongs to {}, not to the stream it is stored in",
            event.stream()
        )));
    }
    if event.seq() != row.seq {
        return Err(problem(format!(
            "the event says seq {}, its row seq {}",
            event.seq(),
            row.seq
        )));
    }
    if event.command().map(|c| c.as_str()) != row.command.as_deref() {
        return Err(problem(
            "the event's command ID differs from its row's".to_owned(),
        ));
    }
    Ok(event)
}
