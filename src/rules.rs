//! The rule catalog ([`crate::_rules`], `docs/RULES.md`): every rule has a stable ID, a title and a source.
//!
//! Every error ([`crate::Error`]), event and finding of this crate names the [`RuleId`] it comes
//! from, so a caller can look the rule up, count findings by rule, or link to documentation.

use std::fmt;
use std::str::FromStr;

macro_rules! rules {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $title:literal, $source:literal; )*) => {
        /// A rule of the catalog ([`crate::_rules`]), by its stable ID.
        ///
        /// The variants are the IDs themselves. [`RuleId::code`] gives the ID as text
        /// (`"SA003"`), [`RuleId::title`] a one-line statement of the rule and
        /// [`RuleId::source`] the documents it comes from. [`RuleId::ALL`] holds every rule of
        /// the catalog, including those not enforced yet ([`RuleId::is_enforced`]); the catalog
        /// grows, so the enum is `#[non_exhaustive]`.
        ///
        /// # Examples
        ///
        /// ```
        /// use smart_accounts::RuleId;
        ///
        /// let rule: RuleId = "VA001".parse()?;
        /// assert_eq!(rule, RuleId::VA001);
        /// assert!(rule.title().contains("10"));
        /// assert!("VA999".parse::<RuleId>().is_err());
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[allow(clippy::upper_case_acronyms, reason = "the variants are the catalog's IDs, spelled as in docs/RULES.md")]
        #[non_exhaustive]
        pub enum RuleId {
            $( $(#[$doc])* #[doc = $title] $variant, )*
        }

        impl RuleId {
            /// Every rule of the catalog, in catalog order.
            pub const ALL: &'static [RuleId] = &[ $( RuleId::$variant, )* ];

            /// The ID as text, e.g. `"SA003"`.
            #[must_use]
            pub const fn code(self) -> &'static str {
                match self { $( RuleId::$variant => $code, )* }
            }

            /// A one-line statement of the rule.
            #[must_use]
            pub const fn title(self) -> &'static str {
                match self { $( RuleId::$variant => $title, )* }
            }

            /// Where the rule comes from: seed document numbers (`000`–`004`), public Cisco
            /// documentation, or "expected" for rules users of such a system expect.
            #[must_use]
            pub const fn source(self) -> &'static str {
                match self { $( RuleId::$variant => $source, )* }
            }
        }

        impl FromStr for RuleId {
            type Err = UnknownRuleError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $code => Ok(RuleId::$variant), )*
                    _ => Err(UnknownRuleError { code: crate::base::limits::clip(s) }),
                }
            }
        }
    };
}

rules! {
    SA001 = "SA001", "There are three kinds of Smart Account: Customer, Partner Holding, Limited Use", "003";
    SA002 = "SA002", "Every Smart Account has exactly one default Virtual Account, created with it; it can move to another top-level VA and cannot be deleted", "002, 003; CSSM help";
    SA003 = "SA003", "The account domain identifier is a valid DNS name, unique across the directory", "002";
    SA004 = "SA004", "The creator of a Customer Smart Account has a Cisco.com ID and an email whose domain matches the requested domain", "002, 001";
    SA005 = "SA005", "A public email domain is never a Customer Smart Account domain; its users get a Limited Use Smart Account", "003";
    SA006 = "SA006", "A Limited Use Smart Account has limited functions: no domain search, no nested VAs, one user besides its creator", "003 (limits expected)";
    SA007 = "SA007", "A Partner Holding Account belongs to one partner or distributor; customers get no role on it", "001, 003, 004";
    SA008 = "SA008", "A Smart Account is Pending until its authorised contact activates it; Pending licenses cannot be used", "001";
    SA009 = "SA009", "Search by domain lists the Smart Accounts of that domain and its prefixed forms, never Limited Use ones", "001";
    SA010 = "SA010", "An SA request has a lifecycle: activated or declined by its contact, withdrawn by its requester, or lapsed; its domain is freed and the outcome recorded", "002; expected";
    SA011 = "SA011", "A user of the owning organization may request access to an existing Smart Account; an SA Admin approves with a role and scope, or rejects", "001";
    VA001 = "VA001", "Virtual Accounts nest at most 10 levels deep", "002";
    VA002 = "VA002", "There is no limit on the number of Virtual Accounts", "001";
    VA003 = "VA003", "A Virtual Account name has 1 to 100 characters, no control characters, and is unique in its Smart Account ignoring case", "expected";
    VA004 = "VA004", "Licenses, devices and Virtual Accounts move only within one Smart Account, never into a cycle", "004, 001";
    VA005 = "VA005", "A Virtual Account can be deleted only when it holds no licenses, devices or child Virtual Accounts", "expected";
    VA006 = "VA006", "Virtual Account names are visible to partners in CCW", "002";
    VA007 = "VA007", "A Virtual Account is Unrestricted or Restricted; the default Virtual Account is always Unrestricted", "CSSM help (public Cisco KB)";
    ROLE001 = "ROLE001", "Smart Account roles are Admin, User, Viewer, Approver; Virtual Account roles are Admin, User, Viewer", "002";
    ROLE002 = "ROLE002", "A user holds at most one role on one Smart Account or Virtual Account; changing a role is a separate command", "002";
    ROLE003 = "ROLE003", "A user may hold roles on many accounts; effective permissions are the union", "002";
    ROLE004 = "ROLE004", "A Smart Account role covers every Virtual Account; a Virtual Account role covers that account only or also its children", "002; CSSM help (public Cisco KB)";
    ROLE005 = "ROLE005", "The permission matrix: everything not granted is denied", "002, 004";
    ROLE006 = "ROLE006", "Smart Account Admins assign any role; Virtual Account Admins assign roles within their own scope only", "002";
    ROLE007 = "ROLE007", "The last Smart Account Admin cannot be removed, downgraded or given an expiry date; only SA Admin roles in force count", "expected";
    ROLE008 = "ROLE008", "The creator or the activating contact of a Smart Account becomes its first Smart Account Admin", "002";
    ROLE009 = "ROLE009", "A permission check says why it allowed or denied; a denial names the nearest binding that does not reach, and text for people names users, accounts and Virtual Accounts", "expected";
    ROLE010 = "ROLE010", "Reverse queries list complete results in a stable order, each with a dated form that agrees with the dated check", "expected";
    PTR001 = "PTR001", "A partner user has access to a Customer Smart Account only by the customer's explicit role assignment", "001, 002";
    PTR002 = "PTR002", "A partner may ask for admin access when requesting an account; until the customer approves, it has none", "002";
    PTR003 = "PTR003", "Partner access can be scoped to Virtual Accounts and revoked at any time; partner actions are recorded with the partner organization", "002";
    PTR004 = "PTR004", "In 2-tier selling a distributor may assign its own or its reseller's holding account", "001";
    PTR005 = "PTR005", "Partner requests and grants can expire; unanswered requests lapse after a configurable period", "expected";
    PTR006 = "PTR006", "The customer keeps control: another organization's user never revokes, changes or sets an expiry on a role of the owner's users, and an active account keeps an SA Admin of its owner in force", "002";
    LIC001 = "LIC001", "A license entitlement has a SKU, a quantity, a kind (Smart or Classic) and a perpetual or term duration", "001";
    LIC002 = "LIC002", "Order fulfilment deposits Smart licenses into the assigned Virtual Account (default when none) and Classic licenses into the License Registration Portal record", "001";
    LIC003 = "LIC003", "Licenses move freely between Virtual Accounts of one Smart Account", "004";
    LIC004 = "LIC004", "Licenses never move between Smart Accounts, except from a holding account to a customer, or by vendor support with a case number", "004, 001, 000";
    LIC005 = "LIC005", "Licenses cannot be activated or consumed in a holding account or a Pending Smart Account", "001, 003";
    LIC006 = "LIC006", "Devices consume licenses from their Virtual Account's pool; overage is allowed and shows as shortfall", "001";
    LIC007 = "LIC007", "A term subscription starts when it ships; the days it ran undelivered are reported", "001";
    LIC008 = "LIC008", "Licenses age in holding accounts; SA-mandatory orders there yield a notification to move them", "000, 001";
    LIC009 = "LIC009", "A transfer moves available quantity, names at most 10 license types, and is idempotent by key", "CSSM API (public clients); expected";
    LIC010 = "LIC010", "A reservation takes available quantity out of the pool until released", "003; CSSM help";
    LIC011 = "LIC011", "Holding stock is kept per order line: assignments and vendor re-assignments name the order lines they move, and aging and notices refer to them", "000, 001";
    DEV001 = "DEV001", "A device is registered to one Virtual Account of an Active Customer or Limited Use Smart Account and never leaves it", "003 (expected)";
    DEV002 = "DEV002", "Smart Licensing Using Policy reporting is due on a policy of first report, frequency and report on change", "003; Cisco SLP guides";
    Q001 = "Q001", "A Smart-Account-required line shows \"Smart Account Required\" until assigned; such an order cannot be placed unassigned", "001";
    Q002 = "Q002", "An assignment names an existing account, a holding account, a new-account request or a delegation to the end customer", "001, 000";
    Q003 = "Q003", "An assigned Smart Account exists, a named Virtual Account belongs to it, and a holding account belongs to the quoting partner or distributor", "001";
    Q004 = "Q004", "Quote submission follows the date-effective Smart Account policy calendar", "000";
    Q005 = "Q005", "End customers in Japan are excluded from the quote-time policy", "000";
    Q006 = "Q006", "An order assigned to a Pending or only initiated Smart Account goes on Smart Account Hold", "CCW";
    Q007 = "Q007", "Warnings that prevent lost and misdelivered licenses", "000, 001, 002";
    Q008 = "Q008", "Validation returns every finding and a verdict; malformed input never panics", "expected";
    Q009 = "Q009", "A booked line's assignment can be changed only by vendor support", "CCW (public Cisco KB)";
    Q010 = "Q010", "A Restricted Virtual Account is found only by its exact name and is never revealed", "CSSM help";
    Q011 = "Q011", "An order on Smart Account Hold is released line by line when an Active Smart Account is assigned; booking locks the assignment, fulfilment deposits it", "001, 000 (CCW)";
    EV001 = "EV001", "Every change to a Smart Account appends an event; refused commands append nothing", "002";
    EV002 = "EV002", "Procurement history records each deposit: license, quantity, time, order and procurer", "004";
    EV003 = "EV003", "Replaying a Smart Account's events from empty rebuilds exactly the same state", "expected";
    EV004 = "EV004", "A log from outside is evidence: each event is re-checked as the command it records, times never decrease, and loading never allocates out of proportion", "expected";
    EV005 = "EV005", "Every change is an event of a stream with a version; a command decided on an older version is refused, a retried command ID is a no-op, and a replica equals the writer", "expected (event-sourced systems of record)";
    AGR001 = "AGR001", "The Smart Licensing agreement is accepted by a Smart Account Admin or Approver, and recorded", "002, 004";
    BP001 = "BP001", "Keep the number of Smart Accounts per company domain limited", "002";
    BP002 = "BP002", "A Smart Account should be created by an individual, not a team alias", "002";
    BP003 = "BP003", "Virtual Account names should not contain internal or confidential words", "002";
    BP004 = "BP004", "Limit the number of Smart Account Admins", "002";
    BP005 = "BP005", "Partners should hold Virtual Account roles rather than Smart Account roles, each partner on its own Virtual Accounts", "002";
    BP006 = "BP006", "Review partner access periodically", "002";
    BP007 = "BP007", "Do not leave licenses in the default Virtual Account when other Virtual Accounts exist", "002";
    BP008 = "BP008", "One holding account per partner, and no licenses aging in holding", "001, 000";
    BP009 = "BP009", "A nested Virtual Account tree within one level of the maximum depth", "002";
}

impl RuleId {
    /// The rules this version of the crate enforces, each with at least one test that names its
    /// ID (`tests/meta/rule_coverage.rs` fails when one has none). Later capabilities extend this list.
    pub const ENFORCED: &'static [RuleId] = &[
        RuleId::SA001,
        RuleId::SA002,
        RuleId::SA003,
        RuleId::SA004,
        RuleId::SA005,
        RuleId::SA006,
        RuleId::SA007,
        RuleId::SA008,
        RuleId::SA009,
        RuleId::SA010,
        RuleId::SA011,
        RuleId::VA001,
        RuleId::VA002,
        RuleId::VA003,
        RuleId::VA004,
        RuleId::VA005,
        RuleId::VA006,
        RuleId::VA007,
        RuleId::ROLE001,
        RuleId::ROLE002,
        RuleId::ROLE003,
        RuleId::ROLE004,
        RuleId::ROLE005,
        RuleId::ROLE006,
        RuleId::ROLE007,
        RuleId::ROLE008,
        RuleId::ROLE009,
        RuleId::ROLE010,
        RuleId::LIC001,
        RuleId::LIC002,
        RuleId::LIC003,
        RuleId::LIC004,
        RuleId::LIC005,
        RuleId::LIC006,
        RuleId::LIC007,
        RuleId::LIC008,
        RuleId::LIC009,
        RuleId::LIC010,
        RuleId::LIC011,
        RuleId::DEV001,
        RuleId::DEV002,
        RuleId::PTR004,
        RuleId::Q001,
        RuleId::Q002,
        RuleId::Q003,
        RuleId::Q004,
        RuleId::Q005,
        RuleId::Q006,
        RuleId::Q007,
        RuleId::Q008,
        RuleId::Q009,
        RuleId::Q010,
        RuleId::Q011,
        RuleId::EV001,
        RuleId::EV002,
        RuleId::EV003,
        RuleId::EV004,
        RuleId::EV005,
        RuleId::AGR001,
        RuleId::PTR001,
        RuleId::PTR002,
        RuleId::PTR003,
        RuleId::PTR005,
        RuleId::PTR006,
        RuleId::BP001,
        RuleId::BP002,
        RuleId::BP003,
        RuleId::BP004,
        RuleId::BP005,
        RuleId::BP006,
        RuleId::BP007,
        RuleId::BP008,
        RuleId::BP009,
    ];

    /// Whether this version of the crate enforces the rule (see [`RuleId::ENFORCED`]).
    #[must_use]
    pub fn is_enforced(self) -> bool {
        RuleId::ENFORCED.contains(&self)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The error of parsing a [`RuleId`] from text that is no rule of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{code}` is not a rule ID of the catalog")]
pub struct UnknownRuleError {
    code: String,
}

#[cfg(feature = "serde")]
impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

/// A rule ID in JSON: one of the codes of [`RuleId::ALL`].
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for RuleId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("RuleId")
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<&str> = RuleId::ALL.iter().map(|r| r.code()).collect();
        schemars::json_schema!({"type": "string", "enum": codes, "description": "A rule ID of the catalog (docs/RULES.md)."})
    }
}
