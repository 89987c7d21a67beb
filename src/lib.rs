#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The rooms: one folder per section of the rule catalog (see DESIGN.md, "Where is rule X?").
mod accounts;
pub mod advisor;
mod base;
mod directory;
pub mod dot;
mod events;
mod licenses;
mod orders;
mod partners;
mod roles;
pub mod rules;
mod snapshot;
#[cfg(feature = "fixtures")]
mod testing;

// The public modules, at the paths they have always had (`rules` stays at the top: it is the
// index of the rooms).
pub use licenses::license;
pub use orders::{policy, quote, records, validate};
#[cfg(feature = "fixtures")]
pub use testing::fixtures;
#[cfg(feature = "proptest")]
pub use testing::{quote_strategies, reference, strategies};

pub use accounts::account::{
    Acceptance, AccessRequest, AccessReview, Binding, RequestStatus, SmartAccount,
};
pub use accounts::kinds::{AccountKind, AccountStatus, Identifier, Visibility};
pub use accounts::tree::{MAX_LEVEL, VirtualAccount};
pub use base::error::{Entity, Error};
pub use base::ids::{OrgId, SaId, UserId, VaId};
pub use base::limits::{MAX_CCO_ID, MAX_DOMAIN, MAX_EMAIL, MAX_NAME, clip};
pub use base::text::{Domain, Email};
pub use directory::people::{NewUser, OrgKind, Organization, User, UserKind};
pub use directory::{Command, Config, DEFAULT_REQUEST_LAPSE_DAYS, Directory};
pub use events::event::{Change, Event, RecordedActor};
pub use events::log::{DirectoryEvents, Events};
pub use events::streams::{
    CommandId, Committed, DirectoryChange, DirectoryEvent, FreshIds, IdKind, MAX_COMMAND_ID, Plan,
    SCHEMA_VERSION, StreamEvent, StreamId, check_schema,
};
#[doc(no_inline)] // documented in its public module, as before the rooms
pub use license::{
    Compliance, Device, DeviceId, IdempotencyKey, License, LicenseChange, LicenseCommand,
    LicenseKind, LicenseSnapshot, NotificationKind, NotificationRecord, NotificationState, OrderId,
    OrderLine, OrderLineMove, ReportingPolicy, ReportingStatus, Reservation, ReservationCode, Sku,
    Term, TransferId, TransferLine,
};
pub use partners::PartnerAccess;
#[doc(no_inline)] // documented in its public module, as before the rooms
pub use policy::PolicyCalendar;
#[doc(no_inline)] // documented in its public module, as before the rooms
pub use quote::Quote;
pub use roles::check::{Decision, Effect, Holder, NearMiss, Reason, Shortfall, Via};
pub use roles::explain::Explained;
pub use roles::matrix::{Action, ActionSet, Actor, Inheritance, Role, RoleSet, Target};
pub use rules::RuleId;
pub use snapshot::{AccountSnapshot, Snapshot, SnapshotError, VaSnapshot};
#[doc(no_inline)] // documented in its public module, as before the rooms
pub use validate::{FindingCode, Report, Stage, Verdict, validate};

/// Design notes: why the crate is built the way it is.
pub mod _design {
    #![doc = include_str!("../DESIGN.md")]
}

/// The rule catalog: every rule ID with its title, source, the files that enforce it and the
/// tests that prove it (generated from [`RuleId`] and checked by the test suite).
pub mod _rules {
    #![doc = include_str!("../docs/RULES.md")]
}

/// The changelog.
pub mod _changelog {
    // Keep a Changelog headings such as `## [Unreleased]` are not intra-doc links.
    #![allow(rustdoc::broken_intra_doc_links)]
    #![doc = include_str!("../CHANGELOG.md")]
}
