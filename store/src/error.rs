//! [`StoreError`]: what the typed [`crate::Store`] reports, each naming its rule.

use smart_accounts::{Error, RuleId};

use crate::backend::BackendError;

/// What went wrong in a [`crate::Store`], with what a person needs to act on it.
///
/// Every variant names its rule ([`StoreError::rule`]): a refused command its own rule, a
/// conflict and anything about stored events EV005 (streams and versions) or EV004 (a log
/// re-checked as the commands it records).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The command was refused: by a rule, or because another writer committed to one of its
    /// streams first ([`Error::Conflict`], EV005). Nothing was appended and the directory is
    /// as it was (after catching up with the store).
    #[error(transparent)]
    Refused(#[from] Error),
    /// The database failed or refused (I/O, a lock held too long, a damaged file, a newer
    /// schema). Nothing was appended by the call that failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A stored event cannot be read: its body is not an event, it was written in a newer
    /// format, or it does not belong where it is stored.
    #[error(
        "{rule}: the stored event at position {position} (stream {stream}, seq {seq}) cannot be \
         read: {detail}",
        rule = self.rule()
    )]
    Row {
        /// The event's position in the store.
        position: u64,
        /// Its stream number (0 for the directory).
        stream: u32,
        /// Its seq in the stream.
        seq: u64,
        /// What is wrong, with the path of the bad field.
        detail: String,
    },
    /// Stored events that no command could have written: re-checked as the commands they
    /// record (EV004) or as the registrations and claims of the directory's stream (EV005),
    /// they were refused. The store stops at the events before them.
    #[error(
        "{rule}: the stored events at positions {first} to {last} are refused: {error}",
        rule = self.rule()
    )]
    Replay {
        /// The first position of the events refused together.
        first: u64,
        /// The last.
        last: u64,
        /// Why, naming the stream, the event and the rule.
        error: Error,
    },
    /// The stored snapshot cannot be read or does not describe a valid directory.
    #[error(
        "{rule}: the snapshot stored at position {position} is refused at {path}: {detail}",
        rule = self.rule()
    )]
    Snapshot {
        /// The snapshot's position.
        position: u64,
        /// Where in the snapshot, e.g. `accounts[2].vas[5]`.
        path: String,
        /// What is wrong.
        detail: String,
        /// The rule the snapshot breaks.
        broken: RuleId,
    },
    /// An earlier call found stored events no command could have written; this store stopped
    /// there and refuses to work on a state it cannot vouch for. Open the store again once the
    /// events are repaired.
    #[error(
        "EV004: this store stopped after position {position}, before stored events that were \
         refused; open it again once they are repaired"
    )]
    Stopped {
        /// The last position applied.
        position: u64,
    },
    /// A directory can only be imported into an empty store.
    #[error(
        "EV005: a directory can only be imported into an empty store, and this one holds events \
         up to position {position}"
    )]
    NotEmpty {
        /// The store's last position.
        position: u64,
    },
    /// [`crate::Store::import`] met a command ID whose events span streams; the store records
    /// a command ID with one append, so the directory cannot be imported stream by stream.
    #[error(
        "EV005: the command ID `{command}` has events on two streams, which an import cannot \
         keep; import a directory whose commands with IDs touch one stream each"
    )]
    SpansStreams {
        /// The command ID.
        command: String,
    },
}

impl StoreError {
    /// The rule the error is about.
    #[must_use]
    pub fn rule(&self) -> RuleId {
        match self {
            StoreError::Refused(error) | StoreError::Replay { error, .. } => error.rule(),
            StoreError::Snapshot { broken, .. } => *broken,
            StoreError::Stopped { .. } => RuleId::EV004,
            StoreError::Backend(_)
            | StoreError::Row { .. }
            | StoreError::NotEmpty { .. }
            | StoreError::SpansStreams { .. } => RuleId::EV005,
        }
    }

    /// Whether another writer committed first: plan the command again on the current state
    /// (the store has caught up) and retry.
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            StoreError::Refused(Error::Conflict { .. })
                | StoreError::Backend(BackendError::Conflict { .. })
        )
    }
}
