//! People: organizations and users, and the data of a user to register.

use crate::base::ids::{OrgId, UserId};
use crate::base::text::Email;
use compact_str::CompactString;

/// What an organization is to the vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum OrgKind {
    /// A company that buys and uses licenses.
    Customer,
    /// A reseller that quotes and orders for customers.
    Partner,
    /// A distributor that orders for reseller partners (2-tier).
    Distributor,
}

impl OrgKind {
    /// Whether the organization sells (partner or distributor) rather than buys.
    #[must_use]
    pub fn is_seller(self) -> bool {
        matches!(self, OrgKind::Partner | OrgKind::Distributor)
    }
}

/// A registered organization.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Organization {
    /// Its identifier.
    pub id: OrgId,
    /// Its display name.
    pub name: String,
    /// Customer, partner or distributor.
    pub kind: OrgKind,
}

/// Whether a login belongs to one person or to a shared mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum UserKind {
    /// One person: the recommended kind of Smart Account creator.
    #[default]
    Individual,
    /// A team alias: allowed, but the advisor flags it as creator (BP002).
    TeamAlias,
}

/// A registered user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct User {
    /// Its identifier.
    pub id: UserId,
    /// The Cisco.com login, when the user has one (creating an account needs one, SA004).
    // Inline up to 24 bytes, like the email's text: most users take one allocation.
    pub cco_id: Option<CompactString>,
    /// The email address; its domain decides which account domains the user may create.
    pub email: Email,
    /// The organization the user belongs to.
    pub org: OrgId,
    /// A person or a team alias.
    pub kind: UserKind,
}

/// The data of a user to register.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct NewUser {
    /// The Cisco.com login, if any.
    pub cco_id: Option<String>,
    /// The email address, validated on registration.
    pub email: String,
    /// The organization the user belongs to.
    pub org: OrgId,
    /// A person or a team alias.
    #[cfg_attr(feature = "serde", serde(default))]
    pub kind: UserKind,
}
