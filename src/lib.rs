#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod account;
pub mod advisor;
mod check;
mod directory;
pub mod dot;
mod error;
mod event;
mod evidence;
mod id_table;
mod ids;
pub mod license;
mod licensing;
mod model;
mod partners;
pub mod policy;
pub mod quote;
pub mod rules;
mod snapshot;
mod text;
pub mod validate;

#[cfg(feature = "fixtures")]
pub mod fixtures;
#[cfg(feature = "proptest")]
pub mod strategies;

#[cfg(feature = "proptest")]
pub mod quote_strategies;

pub use account::{
    Acceptance, AccessRequest, AccessReview, Binding, MAX_LEVEL, RequestStatus, SmartAccount,
    VirtualAccount,
};
pub use check::{Decision, Effect, Holder, Reason, Via};
pub use directory::{Command, Config, DEFAULT_REQUEST_LAPSE_DAYS, Directory};
pub use error::{Entity, Error};
pub use event::{Change, Event, RecordedActor};
pub use ids::{OrgId, SaId, UserId, VaId};
pub use license::{
    Compliance, Device, DeviceId, IdempotencyKey, License, LicenseChange, LicenseCommand,
    LicenseKind, OrderId, OrderLine, ReportingPolicy, ReportingStatus, Sku, Term, TransferId,
    TransferLine,
};
pub use model::{
    AccountKind, AccountStatus, Action, ActionSet, Actor, Identifier, Inheritance, NewUser,
    OrgKind, Organization, Role, RoleSet, Target, User, UserKind, Visibility,
};
pub use partners::PartnerAccess;
pub use policy::PolicyCalendar;
pub use quote::Quote;
pub use rules::RuleId;
pub use snapshot::{AccountSnapshot, LicenseSnapshot, Snapshot, SnapshotError, VaSnapshot};
pub use text::{Domain, Email, MAX_CCO_ID, MAX_DOMAIN, MAX_EMAIL, MAX_NAME, clip};
pub use validate::{Report, Stage, Verdict, validate};

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
