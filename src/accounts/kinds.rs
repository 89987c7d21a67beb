//! What a Smart Account is: its kind (SA001), its status (SA008), what names it (SA003), and
//! whether a Virtual Account is listed to partners (VA007).

use std::fmt;

use crate::base::text::{Domain, Email};

/// The three kinds of Smart Account (SA001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum AccountKind {
    /// A company's own account, named by its domain.
    Customer,
    /// A partner's or distributor's account that parks orders until the customer's account is
    /// known (SA007); nothing is activated in it (LIC005).
    PartnerHolding,
    /// An account for a person with only a public email domain, named by that email (SA005,
    /// SA006).
    LimitedUse,
}

impl fmt::Display for AccountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccountKind::Customer => "Customer",
            AccountKind::PartnerHolding => "Partner Holding",
            AccountKind::LimitedUse => "Limited Use",
        })
    }
}

/// Whether a Smart Account can be used yet (SA008), or how its request ended (SA010).
///
/// A request ends Active (its contact activated it) or closed: declined by its contact,
/// withdrawn by its requester, or lapsed unanswered. A closed request is kept as a record
/// ([`crate::SmartAccount::closed_at`], its log) and frees its identifier; it is never used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum AccountStatus {
    /// Requested on someone's behalf; waiting for the authorised contact to activate it.
    Pending,
    /// In use.
    Active,
    /// The authorised contact declined the request (SA010).
    Declined,
    /// The requester withdrew the request (SA010).
    Withdrawn,
    /// The request was left unanswered for [`crate::Config::account_request_lapse_days`]
    /// (SA010).
    Lapsed,
}

impl AccountStatus {
    /// Whether the request was closed without activation (declined, withdrawn or lapsed,
    /// SA010): the account is only a record and its identifier is free.
    #[must_use]
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            AccountStatus::Declined | AccountStatus::Withdrawn | AccountStatus::Lapsed
        )
    }
}

impl AccountStatus {
    /// The status in lowercase words, as messages and `Display` write it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Pending => "pending",
            AccountStatus::Active => "active",
            AccountStatus::Declined => "declined",
            AccountStatus::Withdrawn => "withdrawn",
            AccountStatus::Lapsed => "lapsed",
        }
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What names a Smart Account: a domain (Customer, Partner Holding) or, for a Limited Use
/// account, its creator's email.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Identifier {
    /// An account domain identifier (SA003).
    Domain(Domain),
    /// The email of a Limited Use account's creator (SA005).
    Email(Email),
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identifier::Domain(d) => d.fmt(f),
            Identifier::Email(e) => e.fmt(f),
        }
    }
}

/// Whether a Virtual Account is listed to partners picking one in CCW (VA007).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Visibility {
    /// Listed. The default, and always the case for the default Virtual Account.
    #[default]
    Unrestricted,
    /// Not listed: an order can name it only by its exact name (Q010).
    Restricted,
}
