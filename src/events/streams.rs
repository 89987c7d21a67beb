//! Streams (EV005): every change is an event of a stream, the directory's own stream
//! (organizations, users, and the claims of identifiers that span accounts) or one Smart
//! Account's stream. A command is planned into the events it would append ([`Plan`]) and
//! committed only while every stream it touches is still at the version it was planned on.
//!
//! The types here are plain data; the directory plans and commits them
//! ([`crate::Directory::plan`], [`crate::Directory::commit`]).

use jiff::Timestamp;

use crate::accounts::kinds::Identifier;
use crate::base::error::Error;
pub use crate::base::ids::StreamId;
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::directory::people::{Organization, User};
pub use crate::events::command_id::{CommandId, MAX_COMMAND_ID};
use crate::events::event::{Event, RecordedActor};
use crate::licenses::license::DeviceId;

/// The version of the event format this release writes and reads. A reader refuses events of
/// a newer version ([`check_schema`]) instead of misreading them.
pub const SCHEMA_VERSION: u32 = 1;

/// Refuses events written in a newer format than this release knows (EV005).
///
/// # Errors
///
/// [`Error::NewerSchema`] when `found` is above [`SCHEMA_VERSION`].
///
/// # Examples
///
/// ```
/// use smart_accounts::{check_schema, SCHEMA_VERSION};
///
/// check_schema(SCHEMA_VERSION)?;
/// let newer = check_schema(SCHEMA_VERSION + 1).unwrap_err();
/// assert!(newer.to_string().contains("newer release"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_schema(found: u32) -> Result<(), Error> {
    if found > SCHEMA_VERSION {
        return Err(Error::NewerSchema {
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// One event of the directory's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DirectoryEvent {
    /// Position in the directory's stream, from 1 without gaps.
    pub seq: u64,
    /// When it happened (never before the event above it).
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::timestamp")
    )]
    pub at: Timestamp,
    /// Who did it.
    pub actor: RecordedActor,
    /// The caller's identifier of the command, if it gave one.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub command: Option<CommandId>,
    /// What changed.
    pub change: DirectoryChange,
}

/// What changed in the directory's stream.
///
/// `#[non_exhaustive]`: later capabilities add changes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[non_exhaustive]
pub enum DirectoryChange {
    /// An organization was registered.
    OrganizationRegistered {
        /// The organization.
        organization: Organization,
    },
    /// A user was registered (SA004).
    UserRegistered {
        /// The user.
        // Shared with the directory's own record of the user, not copied.
        user: std::sync::Arc<User>,
    },
    /// A new account claimed its identifier, a domain (SA003) or a Limited Use email (SA005).
    /// Written in the same commit as the account's creation, so two writers creating accounts
    /// with one identifier both append to this stream and the second one conflicts.
    IdentifierClaimed {
        /// The account.
        sa: SaId,
        /// Its identifier.
        identifier: Identifier,
    },
    /// A closed request (declined, withdrawn or lapsed, SA010) freed its identifier, which a
    /// new request may then claim. Written in the same commit as the closing event.
    IdentifierReleased {
        /// The account.
        sa: SaId,
        /// Its identifier.
        identifier: Identifier,
    },
    /// An account registered a device (DEV001: a device belongs to one account). Written in
    /// the same commit as the registration, so two writers registering one device in two
    /// accounts both append to this stream and the second one conflicts.
    DeviceClaimed {
        /// The account.
        sa: SaId,
        /// The device.
        device: DeviceId,
    },
    /// An account removed a device, which another account may then register.
    DeviceReleased {
        /// The account.
        sa: SaId,
        /// The device.
        device: DeviceId,
    },
    /// An order record changed (Q011).
    Order(crate::orders::records::OrderChange),
}

/// An event of either kind of stream, as a store returns them and
/// [`crate::Directory::follow`] takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum StreamEvent {
    /// An event of the directory's stream.
    Directory(DirectoryEvent),
    /// An event of a Smart Account's stream.
    Account(Event),
}

impl StreamEvent {
    /// The stream the event belongs to.
    #[must_use]
    pub fn stream(&self) -> StreamId {
        match self {
            StreamEvent::Directory(_) => StreamId::Directory,
            StreamEvent::Account(e) => StreamId::Account(e.sa),
        }
    }
    /// Its position in its stream.
    #[must_use]
    pub fn seq(&self) -> u64 {
        match self {
            StreamEvent::Directory(e) => e.seq,
            StreamEvent::Account(e) => e.seq,
        }
    }
    /// When it happened.
    #[must_use]
    pub fn at(&self) -> Timestamp {
        match self {
            StreamEvent::Directory(e) => e.at,
            StreamEvent::Account(e) => e.at,
        }
    }
    /// The caller's identifier of the command that made it, if it gave one.
    #[must_use]
    pub fn command(&self) -> Option<&CommandId> {
        match self {
            StreamEvent::Directory(e) => e.command.as_ref(),
            StreamEvent::Account(e) => e.command.as_ref(),
        }
    }
}

/// A kind of identifier the directory hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum IdKind {
    /// [`OrgId`].
    Organization,
    /// [`UserId`].
    User,
    /// [`SaId`].
    Account,
    /// [`VaId`].
    Va,
}

/// Identifiers a command hands out, supplied by the caller (a store's sequences) instead of
/// the directory's own counters. A kind left `None` comes from the directory's counters, which
/// is right for one writer; writers sharing a store take them from the store, so that writers
/// of different accounts never collide (see DESIGN.md, "How are identifiers allocated when
/// several writers share a store?"). [`crate::Command::fresh_ids`] says which kinds a command
/// needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FreshIds {
    /// For [`crate::Command::RegisterOrganization`].
    pub organization: Option<OrgId>,
    /// For [`crate::Command::RegisterUser`].
    pub user: Option<UserId>,
    /// For [`crate::Command::RequestAccount`].
    pub account: Option<SaId>,
    /// For [`crate::Command::RequestAccount`] (its default Virtual Account) and
    /// [`crate::Command::CreateVa`].
    pub va: Option<VaId>,
}

/// A command planned against the current state: the events it would append and the versions
/// of the streams it was decided on. Nothing has changed yet: a plan is a dry run ("what
/// if"), and [`crate::Directory::commit`] applies it only while those streams are still at
/// those versions (EV005).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub(crate) command: Option<CommandId>,
    pub(crate) expected: Vec<(StreamId, u64)>,
    pub(crate) directory: Vec<DirectoryEvent>,
    pub(crate) accounts: Vec<Event>,
    /// The command ID was committed before: committing the plan returns those events.
    pub(crate) repeat: bool,
}

impl Plan {
    /// The caller's identifier of the command.
    #[must_use]
    pub fn command(&self) -> Option<&CommandId> {
        self.command.as_ref()
    }
    /// Every stream the command touches, with the version it was planned on, by stream.
    #[must_use]
    pub fn expected(&self) -> &[(StreamId, u64)] {
        &self.expected
    }
    /// The events it appends to the directory's stream.
    #[must_use]
    pub fn directory_events(&self) -> &[DirectoryEvent] {
        &self.directory
    }
    /// The events it appends to Smart Account streams, in order.
    #[must_use]
    pub fn account_events(&self) -> &[Event] {
        &self.accounts
    }
    /// Every event, the directory's first, as a store appends them.
    #[must_use]
    pub fn events(&self) -> Vec<StreamEvent> {
        self.directory
            .iter()
            .cloned()
            .map(StreamEvent::Directory)
            .chain(self.accounts.iter().cloned().map(StreamEvent::Account))
            .collect()
    }
    /// Whether the command changes nothing (a retry of a license request, or of a command
    /// ID already committed).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.directory.is_empty() && self.accounts.is_empty()
    }
    /// Whether its command ID was committed before: committing it changes nothing and returns
    /// the events of that first run.
    #[must_use]
    pub fn is_repeat(&self) -> bool {
        self.repeat
    }
}

/// What a commit appended: the events of the command, or for a repeated command ID the
/// events of its first run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committed {
    /// Events of the directory's stream.
    pub directory: Vec<DirectoryEvent>,
    /// Events of Smart Account streams.
    pub accounts: Vec<Event>,
    /// The command ID had been committed before; nothing was appended now.
    pub repeated: bool,
}

/// A planned command, before it is laid out as events: changes to one account, the two sides
/// of a transfer between accounts, or a change of the directory's stream.
#[derive(Debug)]
pub(crate) enum Planned {
    One(SaId, Vec<crate::events::event::Change>),
    Pair {
        from: SaId,
        sent: crate::events::event::Change,
        to: SaId,
        received: crate::events::event::Change,
    },
    Directory(DirectoryChange),
}
