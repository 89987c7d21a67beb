//! The event log: every change to a Smart Account is an [`Event`] (EV001); replaying an
//! account's events from empty rebuilds it exactly (EV003).

use jiff::Timestamp;
use jiff::civil::Date;

use crate::accounts::kinds::{AccountKind, AccountStatus, Identifier, Visibility};
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::roles::matrix::{Inheritance, Role};

/// Who caused an event, as recorded: a user together with their organization (so partner
/// actions stay attributable, PTR003), the ordering system, or vendor support with its case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum RecordedActor {
    /// A user, with the organization they belonged to.
    User {
        /// The user.
        user: UserId,
        /// Their organization.
        org: OrgId,
    },
    /// The ordering system.
    Fulfilment,
    /// Vendor support.
    VendorSupport {
        /// The support case number.
        case: String,
    },
    /// Loaded from a snapshot that carried no event log: the log was rebuilt from the stated
    /// state, so it replays to it (EV003) without pretending anyone made those changes.
    Imported,
}

/// One change to a Smart Account, in its log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Event {
    /// The account whose log holds the event.
    pub sa: SaId,
    /// Position in the account's log, from 1 without gaps.
    pub seq: u64,
    /// When it happened (passed in by the caller).
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::timestamp")
    )]
    pub at: Timestamp,
    /// Who did it.
    pub actor: RecordedActor,
    /// The caller's identifier of the command that made it, if it gave one (EV005).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub command: Option<crate::events::command_id::CommandId>,
    /// What changed.
    pub change: Change,
}

/// What changed. Each variant carries everything needed to apply it again on replay.
///
/// `#[non_exhaustive]`: later capabilities add changes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Change {
    /// The account was created, with its default Virtual Account (SA002).
    AccountCreated {
        /// Customer, Partner Holding or Limited Use.
        kind: AccountKind,
        /// Display name.
        name: String,
        /// Domain or (Limited Use) email.
        identifier: Identifier,
        /// The owning organization.
        owner: OrgId,
        /// The authorised contact, who activates a Pending account.
        contact: UserId,
        /// Pending or Active.
        status: AccountStatus,
        /// The default Virtual Account created with it.
        default_va: VaId,
    },
    /// The authorised contact activated a Pending account (SA008).
    AccountActivated,
    /// The authorised contact declined a Pending request (SA010): the account is closed and
    /// its identifier freed.
    AccountDeclined,
    /// The requester withdrew a Pending request (SA010): the account is closed and its
    /// identifier freed.
    AccountRequestWithdrawn,
    /// A Pending request was left unanswered for the configured period and lapsed (SA010):
    /// the account is closed and its identifier freed.
    AccountRequestLapsed,
    /// The requester named another authorised contact for a Pending request (SA010, SA004).
    ContactChanged {
        /// The new contact.
        contact: UserId,
    },
    /// The account's display name changed.
    AccountRenamed {
        /// The new name.
        name: String,
    },
    /// A Virtual Account was created.
    VaCreated {
        /// The new Virtual Account.
        va: VaId,
        /// Its parent, or `None` at the top level.
        parent: Option<VaId>,
        /// Its name.
        name: String,
    },
    /// A Virtual Account was renamed.
    VaRenamed {
        /// The Virtual Account.
        va: VaId,
        /// The new name.
        name: String,
    },
    /// A Virtual Account moved, with its subtree.
    VaMoved {
        /// The Virtual Account.
        va: VaId,
        /// The new parent, or `None` for the top level.
        parent: Option<VaId>,
    },
    /// A Virtual Account was deleted.
    VaDeleted {
        /// The Virtual Account.
        va: VaId,
    },
    /// The default designation moved (SA002).
    DefaultVaMoved {
        /// The new default.
        va: VaId,
    },
    /// A Virtual Account became Restricted or Unrestricted (VA007).
    VaVisibilitySet {
        /// The Virtual Account.
        va: VaId,
        /// The new visibility.
        visibility: Visibility,
    },
    /// A role was assigned.
    RoleAssigned {
        /// The user.
        user: UserId,
        /// `None` for the account, or the Virtual Account.
        va: Option<VaId>,
        /// The role.
        role: Role,
        /// How far a Virtual Account role reaches.
        inheritance: Inheritance,
    },
    /// A held role was changed.
    RoleChanged {
        /// The user.
        user: UserId,
        /// `None` for the account, or the Virtual Account.
        va: Option<VaId>,
        /// The new role.
        role: Role,
        /// The new reach.
        inheritance: Inheritance,
    },
    /// A role was revoked.
    RoleRevoked {
        /// The user.
        user: UserId,
        /// `None` for the account, or the Virtual Account.
        va: Option<VaId>,
    },
    /// The Smart Licensing agreement was accepted (AGR001).
    AgreementAccepted {
        /// Who accepted it.
        by: UserId,
    },
    /// A held role got an expiry date, or lost it (PTR005).
    RoleExpirySet {
        /// The user.
        user: UserId,
        /// `None` for the account, or the Virtual Account.
        va: Option<VaId>,
        /// The first day the role allows nothing, or `None` for no expiry.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::option_date")
        )]
        expires: Option<Date>,
    },
    /// A partner user asked for a role on this customer account (PTR002).
    AccessRequested {
        /// The request's identifier within the account: 1, 2, … in the order asked.
        request: u64,
        /// The partner user.
        user: UserId,
        /// Their organization.
        org: OrgId,
        /// `None` for a Smart Account role, or the Virtual Account.
        va: Option<VaId>,
        /// The role asked for.
        role: Role,
        /// How far a Virtual Account role would reach.
        inheritance: Inheritance,
        /// The expiry asked for, if any.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::option_date")
        )]
        expires: Option<Date>,
    },
    /// A customer SA Admin approved a partner access request; the role assignment follows in
    /// the same command (PTR001, PTR002).
    AccessApproved {
        /// The request (its sequence number).
        request: u64,
        /// The customer SA Admin.
        by: UserId,
    },
    /// A customer SA Admin rejected a partner access request, or withdrew it by revoking the
    /// partner's access (PTR002, PTR003).
    AccessRejected {
        /// The request (its sequence number).
        request: u64,
        /// The customer user.
        by: UserId,
    },
    /// A customer user reviewed partner access (PTR003, BP006).
    AccessReviewed {
        /// Who reviewed.
        by: UserId,
        /// The partner organization reviewed, or `None` for every partner.
        org: Option<OrgId>,
    },
    /// Licenses or devices changed (LIC, DEV rules).
    License(crate::licenses::license::LicenseChange),
}
