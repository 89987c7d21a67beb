//! Deals, quotes and orders as an ordering system ("CCW-like") hands them to [`crate::validate()`]:
//! the deal, the quoting partner and optional distributor, the end customer, and the lines with
//! their Smart Account assignments (Q002).
//!
//! A quote and an order have the same shape: the [`crate::Stage`] passed to the validator says
//! whether it is being submitted, placed or changed after booking.
//!
//! # How an assignment names its accounts
//!
//! - A Smart Account ([`SaRef`]) by its stable [`SaId`], as picked from a domain search
//!   (SA009), by its domain identifier (`acme.com`) or, for a Limited Use account, by its email.
//!   Whether it is a customer's account or a Partner Holding Account is the directory's
//!   business: the kind comes from there, never from the quote.
//! - A Virtual Account, optionally, by name ([`VaRef::Name`]) or by identifier
//!   ([`VaRef::Id`]). An Unrestricted Virtual Account matches its name ignoring case, like the
//!   uniqueness rule VA003; a Restricted one (VA007) matches only its exact name, byte for byte,
//!   and never by identifier: Restricted Virtual Accounts are not listed to partners, so an
//!   identifier can only have been guessed (Q010). No Virtual Account means the account's
//!   default one (LIC002).

use std::fmt;
use std::sync::Arc;

use crate::base::ids::{OrgId, SaId, VaId};
use crate::base::limits::clip;
use crate::base::text::{Domain, Email};

/// The JSON forms of deal kinds and account references (hand-written: plain strings and
/// numbers, older forms still read).
#[cfg(feature = "serde")]
mod serde_forms;

/// Why a country code, or another validated value of a quote, was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Q008: `{value}` is not a valid {what}: {reason}")]
pub struct InvalidValue {
    what: &'static str,
    value: String,
    reason: &'static str,
}

impl InvalidValue {
    /// What kind of value it was meant to be, e.g. "country code".
    #[must_use]
    pub fn what(&self) -> &'static str {
        self.what
    }
    /// The offending text (clipped to 80 characters).
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// An ISO 3166-1 alpha-2 country code such as `US` or `JP`.
///
/// The format is checked (two uppercase ASCII letters) and the code ranges that ISO 3166-1
/// reserves for private use (`AA`, `QM`–`QZ`, `XA`–`XZ`, `ZZ`) are refused, because they never
/// name a country; the list of assigned codes is not built in (it changes, and only `JP` carries a
/// rule here, Q005).
///
/// # Examples
///
/// ```
/// use smart_accounts::quote::Country;
///
/// assert_eq!(Country::parse("JP")?, Country::JP);
/// assert!(Country::parse("jp").is_err());
/// assert!(Country::parse("Japan").is_err());
/// assert!(Country::parse("XX").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct Country([u8; 2]);

impl Country {
    /// Japan, excluded from the quote-time policy (Q005).
    pub const JP: Country = Country(*b"JP");
    /// The United States.
    pub const US: Country = Country(*b"US");
    /// Germany.
    pub const DE: Country = Country(*b"DE");

    /// Checks a country code.
    ///
    /// # Errors
    ///
    /// [`InvalidValue`] when the text is not two uppercase ASCII letters or is a private-use code.
    pub fn parse(value: &str) -> Result<Country, InvalidValue> {
        let err = |reason| InvalidValue {
            what: "country code",
            value: clip(value),
            reason,
        };
        let &[a, b] = value.as_bytes() else {
            return Err(err(
                "it must be two uppercase letters (ISO 3166-1 alpha-2), like JP",
            ));
        };
        if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() {
            return Err(err(
                "it must be two uppercase letters (ISO 3166-1 alpha-2), like JP",
            ));
        }
        let private =
            matches!((a, b), (b'A', b'A') | (b'Z', b'Z') | (b'X', _)) || (a == b'Q' && b >= b'M');
        if private {
            return Err(err(
                "ISO 3166-1 reserves it for private use; it names no country",
            ));
        }
        Ok(Country([a, b]))
    }

    /// The code as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Country {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Country::parse(s)
    }
}

impl TryFrom<String> for Country {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Country::parse(&value)
    }
}

impl From<Country> for String {
    fn from(value: Country) -> Self {
        value.as_str().to_owned()
    }
}

/// The kind of a deal: the quote-time policy (Q004) is scoped by it.
///
/// In JSON a plain string: `"RNSD Transactional"` (any case; the older `"rnsd_transactional"`
/// too) or the name of another kind (`"Standard"`). The older form `{"other": "Standard"}` is
/// still read.
///
/// # Examples
///
/// ```
/// use smart_accounts::quote::DealKind;
///
/// assert_eq!(DealKind::from_name("rnsd transactional"), DealKind::RnsdTransactional);
/// assert_eq!(DealKind::from_name("Standard"), DealKind::Other("Standard".into()));
/// assert_eq!(DealKind::RnsdTransactional.name(), "RNSD Transactional");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DealKind {
    /// A Reusable Non-Standard Discount Transactional Deal: since 2021-01-04 it cannot be
    /// submitted until every Smart-Account-required line has an assignment (Q004).
    RnsdTransactional,
    /// Any other kind, by name (e.g. `"Standard"`, `"Promotion"`).
    Other(String),
}

impl DealKind {
    /// The kind a name stands for: RNSD Transactional for `RNSD Transactional` in any case (and
    /// the older `rnsd_transactional`), any other name as it is.
    #[must_use]
    pub fn from_name(name: &str) -> DealKind {
        if name.eq_ignore_ascii_case(RNSD) || name == "rnsd_transactional" {
            DealKind::RnsdTransactional
        } else {
            DealKind::Other(name.to_owned())
        }
    }

    /// The name, as JSON writes it: `RNSD Transactional` or the other kind's name, unclipped.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            DealKind::RnsdTransactional => RNSD,
            DealKind::Other(name) => name,
        }
    }
}

/// The name of [`DealKind::RnsdTransactional`].
const RNSD: &str = "RNSD Transactional";

impl fmt::Display for DealKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DealKind::RnsdTransactional => f.write_str("RNSD Transactional"),
            DealKind::Other(name) => f.write_str(&clip(name)),
        }
    }
}

/// A deal: its identifier and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Deal {
    /// The deal identifier, as the ordering system shows it.
    pub id: String,
    /// RNSD Transactional or another kind.
    pub kind: DealKind,
}

/// The company the licenses are for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct EndCustomer {
    /// The company name.
    pub name: String,
    /// The company domain, when known (`acme.com`): assigned accounts are compared with it
    /// (Q007).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub domain: Option<Domain>,
    /// The country, ISO 3166-1 alpha-2 (`JP` is excluded from Q004, Q005).
    pub country: Country,
}

/// Whether a product needs a Smart Account (the "SA" icon of CCW).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum SaRequirement {
    /// The line shows "Smart Account Required" until assigned (Q001).
    Mandatory,
    /// An assignment is possible and recommended, not required.
    Optional,
    /// The product delivers nothing to a Smart Account.
    NotApplicable,
}

/// How the licenses of a line are delivered (LIC001, LIC002): the license catalog's own kind,
/// Smart (deposited into the assigned Virtual Account) or Classic (PAK, recorded against the
/// assigned Smart Account).
pub use crate::licenses::license::LicenseKind;

/// How long the licenses of a line last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Term {
    /// No end.
    Perpetual,
    /// A term subscription: its clock starts when the line ships (LIC007).
    Subscription {
        /// Length in months.
        months: u16,
    },
}

/// A line identifier, unique within its quote (`"1.0"`, `"L-20"`, …).
///
/// The text is shared: every finding about a line holds the identifier without copying it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineId(Arc<str>);

impl LineId {
    /// The identifier as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&clip(&self.0))
    }
}

impl From<&str> for LineId {
    fn from(value: &str) -> Self {
        LineId(Arc::from(value))
    }
}

impl From<String> for LineId {
    fn from(value: String) -> Self {
        LineId(Arc::from(value))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for LineId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for LineId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(LineId::from)
    }
}

/// How an assignment names a Smart Account: by its identifier, its domain identifier
/// (Customer and Partner Holding accounts) or its email (Limited Use accounts, SA005).
///
/// In JSON a number is an identifier (`"sa": 3`), a string with `@` an email
/// (`"sa": "pat@gmail.com"`), any other string a domain (`"sa": "acme.com"`). A domain or
/// email that names no account is a finding (Q003), not an error.
///
/// # Examples
///
/// ```
/// use smart_accounts::quote::SaRef;
/// use smart_accounts::SaId;
///
/// assert_eq!(SaRef::parse("acme.com")?.to_string(), "acme.com");
/// assert!(matches!(SaRef::parse("pat@gmail.com")?, SaRef::Email(_)));
/// assert_eq!(SaRef::from(SaId::new(3)).to_string(), "3");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum SaRef {
    /// By identifier.
    Id(SaId),
    /// By domain identifier (`acme.com`, `emea.acme.com`).
    Domain(Domain),
    /// By email: a Limited Use account.
    Email(Email),
}

impl SaRef {
    /// A domain or an email reference from text: an email when it contains `@`.
    ///
    /// # Errors
    ///
    /// [`crate::Error`] (SA003, SA005) when the text is no valid domain or email.
    pub fn parse(text: &str) -> Result<SaRef, crate::Error> {
        if text.contains('@') {
            Email::parse(text).map(SaRef::Email)
        } else {
            Domain::parse(text).map(SaRef::Domain)
        }
    }
}

impl From<SaId> for SaRef {
    fn from(value: SaId) -> Self {
        SaRef::Id(value)
    }
}

impl fmt::Display for SaRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaRef::Id(id) => write!(f, "{}", id.get()),
            SaRef::Domain(domain) => domain.fmt(f),
            SaRef::Email(email) => email.fmt(f),
        }
    }
}

/// How an assignment names a Virtual Account (see the [module docs](self) for the matching
/// rules and Q010).
///
/// In JSON a string is a name (`"va": "EMEA"`), a number an identifier (`"va": 7`); the older
/// forms `{"name": "EMEA"}` and `{"id": 7}` are still read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum VaRef {
    /// By name: ignoring case for an Unrestricted Virtual Account, exactly for a Restricted one.
    Name(String),
    /// By identifier: finds Unrestricted Virtual Accounts only.
    Id(VaId),
}

impl fmt::Display for VaRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VaRef::Name(name) => f.write_str(&clip(name)),
            VaRef::Id(id) => id.fmt(f),
        }
    }
}

/// The end customer's person an assignment is initiated with: for a new account request, its
/// authorised contact (SA004); for a delegation, who will assign or create the account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Contact {
    /// The Cisco.com ID, when the person has one (a new account's contact needs one, SA004).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub cco_id: Option<String>,
    /// The email address.
    pub email: Email,
}

/// A line's Smart Account assignment (Q002).
///
/// An existing account ([`Assignment::Account`]) *identifies* the assignment; a request for a
/// new account or a delegation *initiates* it. At order placement an initiated assignment, or
/// one to a Pending account, puts the order on Smart Account Hold (Q006).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Assignment {
    /// An existing Smart Account: the customer's own (Customer or Limited Use) or a Partner
    /// Holding Account of the quoting partner or distributor (Q003, PTR004); optionally one of
    /// its Virtual Accounts, else its default one.
    Account {
        /// The Smart Account: by identifier, domain or email.
        sa: SaRef,
        /// The Virtual Account, if one is named.
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        va: Option<VaRef>,
    },
    /// A request for a new Smart Account for the end customer: a Customer account for
    /// `domain`, or without a domain a Limited Use account identified by the contact's (public)
    /// email (SA004, SA005).
    NewAccount {
        /// The requested account domain identifier; `None` asks for a Limited Use account.
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        domain: Option<Domain>,
        /// The authorised contact, who will activate the account.
        contact: Contact,
    },
    /// Delegation to the end customer's contact, who will assign an account or create one.
    Delegate {
        /// The customer's contact.
        contact: Contact,
    },
}

impl Assignment {
    /// An existing account (by identifier, domain or email), optionally one of its Virtual
    /// Accounts.
    #[must_use]
    pub fn account(sa: impl Into<SaRef>, va: Option<VaRef>) -> Assignment {
        Assignment::Account { sa: sa.into(), va }
    }

    /// Whether the assignment only initiates an account (a request or a delegation).
    #[must_use]
    pub fn is_initiated(&self) -> bool {
        !matches!(self, Assignment::Account { .. })
    }
}

/// A quote or order line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Line {
    /// The line identifier, unique in the quote.
    pub id: LineId,
    /// The product SKU.
    pub sku: String,
    /// How many; at least 1.
    pub quantity: u32,
    /// Whether the product needs a Smart Account.
    pub requirement: SaRequirement,
    /// Smart or Classic licenses.
    pub license: LicenseKind,
    /// Perpetual or a term subscription.
    pub term: Term,
    /// Whether the line is booked: its assignment is then fixed for the partner (Q009).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "std::ops::Not::not")
    )]
    pub booked: bool,
    /// The Smart Account assignment (Q002), if any.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub assignment: Option<Assignment>,
    /// A change the partner asks for: the assignment the line should get instead. On a line
    /// that is not booked it replaces [`Line::assignment`]; on a booked line any different
    /// value is refused (Q009).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub new_assignment: Option<Assignment>,
}

impl Line {
    /// A line for `quantity` of `sku`: Smart-Account-mandatory, Smart licenses, perpetual, not
    /// booked, unassigned.
    #[must_use]
    pub fn new(id: &str, sku: &str, quantity: u32) -> Line {
        Line {
            id: LineId::from(id),
            sku: sku.to_owned(),
            quantity,
            requirement: SaRequirement::Mandatory,
            license: LicenseKind::Smart,
            term: Term::Perpetual,
            booked: false,
            assignment: None,
            new_assignment: None,
        }
    }

    /// The same line with an assignment.
    #[must_use]
    pub fn assigned(mut self, assignment: Assignment) -> Line {
        self.assignment = Some(assignment);
        self
    }

    /// The assignment that counts: for a line that is not booked, a requested new assignment
    /// when there is one, else the current one; for a booked line, the current one.
    #[must_use]
    pub fn effective_assignment(&self) -> Option<&Assignment> {
        if self.booked {
            self.assignment.as_ref()
        } else {
            self.new_assignment.as_ref().or(self.assignment.as_ref())
        }
    }
}

/// A quote (or order): one deal, its parties and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Quote {
    /// The deal.
    pub deal: Deal,
    /// The quoting partner (reseller): an organization of the directory.
    pub partner: OrgId,
    /// In 2-tier selling, the distributor ordering for the partner (PTR004).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub distributor: Option<OrgId>,
    /// The end customer.
    pub end_customer: EndCustomer,
    /// The lines, in the order they are shown.
    pub lines: Vec<Line>,
}

/// Arbitrary country codes and line IDs: codes go through [`Country::parse`] (mostly real
/// ones, so quotes are often valid), line IDs are short so that generated ones collide.
#[cfg(feature = "arbitrary")]
mod arbitrary_quote {
    use super::{Country, DealKind, LineId};
    use arbitrary::{Arbitrary, Result, Unstructured};

    /// Through [`DealKind::from_name`], so that every generated kind survives a JSON round trip.
    impl<'a> Arbitrary<'a> for DealKind {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(match Option::<String>::arbitrary(u)? {
                None => DealKind::RnsdTransactional,
                Some(name) => DealKind::from_name(&name),
            })
        }
    }

    impl<'a> Arbitrary<'a> for Country {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            const KNOWN: &[&str] = &["JP", "US", "DE", "FR", "GB", "IN"];
            let code = if u.ratio(3, 4)? {
                (*u.choose(KNOWN)?).to_owned()
            } else {
                let a = char::from(u.int_in_range(b'A'..=b'Z')?);
                let b = char::from(u.int_in_range(b'A'..=b'Z')?);
                format!("{a}{b}")
            };
            Country::parse(&code).map_err(|_| arbitrary::Error::IncorrectFormat)
        }
    }

    impl<'a> Arbitrary<'a> for LineId {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let n = u.int_in_range(1..=4_u8)?;
            Ok(LineId::from(format!("{n}.0").as_str()))
        }
    }
}
