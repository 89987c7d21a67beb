//! Stable finding codes: every kind of [`Finding`](crate::validate::Finding) the validator
//! reports has its own code, its rule's ID plus a sub-code (`Q007.default-va`), so that a caller
//! in any language can act on a finding without reading its text.
//!
//! The set is closed ([`FindingCode::ALL`]); a code never changes its meaning, and one that is
//! no longer produced stays listed. The table is in [`crate::validate`]'s docs and in
//! `docs/FINDINGS.md`, both generated from [`FindingCode::ALL`] by [`FindingCode::table`].

use std::fmt;

use crate::rules::RuleId;

macro_rules! finding_codes {
    ($($(#[$doc:meta])* $variant:ident = ($code:literal, $rule:ident, $about:literal),)*) => {
        /// The stable code of a kind of finding: its rule plus a sub-code. Serialized as the
        /// code text, e.g. `"Q007.default-va"`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[non_exhaustive]
        pub enum FindingCode {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\n`", $code, "`: ", $about)]
                #[cfg_attr(feature = "serde", serde(rename = $code))]
                $variant,
            )*
        }

        impl FindingCode {
            /// Every code, grouped by rule in catalog order.
            pub const ALL: &'static [FindingCode] = &[$(FindingCode::$variant),*];

            /// The code as text, e.g. `"Q007.default-va"`.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(FindingCode::$variant => $code,)*
                }
            }

            /// The rule the finding comes from: the code's prefix.
            #[must_use]
            pub const fn rule(self) -> RuleId {
                match self {
                    $(FindingCode::$variant => RuleId::$rule,)*
                }
            }

            /// What the finding says, in one line, for the code tables.
            #[must_use]
            pub const fn about(self) -> &'static str {
                match self {
                    $(FindingCode::$variant => $about,)*
                }
            }
        }
    };
}

finding_codes! {
    /// The quote names no Smart Account for a Smart-Account-required line.
    Q001Unassigned = ("Q001.unassigned", Q001, "a Smart-Account-required line has no assignment (\"Smart Account Required\"): info at submission, error when ordered"),
    /// An optional line with Smart licenses is ordered without an account.
    Q001OptionalUnassigned = ("Q001.optional-unassigned", Q001, "an ordered line with Smart licenses and an optional assignment has none: they are assigned after delivery"),
    /// An assignment on a line that delivers nothing to an account.
    Q002NotApplicable = ("Q002.not-applicable", Q002, "the product delivers nothing to a Smart Account; the assignment has no effect"),
    /// A delegate outside the end customer's domain.
    Q002ForeignDelegate = ("Q002.foreign-delegate", Q002, "the delegate's email is not at the end customer's domain"),
    /// The quoting partner is unknown.
    Q003UnknownPartner = ("Q003.unknown-partner", Q003, "the quoting partner is no organization of the directory"),
    /// The quoting partner is a customer.
    Q003PartnerNotSeller = ("Q003.partner-not-seller", Q003, "the quoting partner is a customer, not a partner or distributor"),
    /// The assigned Smart Account does not exist.
    Q003UnknownAccount = ("Q003.unknown-account", Q003, "no Smart Account has the assigned identifier, domain or email"),
    /// The named Virtual Account does not exist in the account (or is Restricted, Q010).
    Q003UnknownVa = ("Q003.unknown-va", Q003, "the named Virtual Account is not found in the assigned Smart Account (also for a Restricted one not named exactly, Q010)"),
    /// Another organization's holding account on a 1-tier deal.
    Q003ForeignHolding = ("Q003.foreign-holding", Q003, "a Partner Holding Account of another organization than the quoting partner (1-tier deal)"),
    /// The policy monitors the deal.
    Q004Monitored = ("Q004.monitored", Q004, "the Smart Account policy in force monitors this unassigned line at submission"),
    /// The policy blocks the deal.
    Q004Blocked = ("Q004.blocked", Q004, "the Smart Account policy in force blocks submission while this line is unassigned"),
    /// The end customer's country is exempt.
    Q005ExemptCountry = ("Q005.exempt-country", Q005, "the end customer's country is exempt from the quote-time policy (quote-wide)"),
    /// A new account is only requested.
    Q006NewAccount = ("Q006.new-account", Q006, "a new Smart Account is only requested: an order goes on Smart Account Hold"),
    /// The assignment is delegated to the customer.
    Q006Delegated = ("Q006.delegated", Q006, "the assignment is delegated to the end customer: an order goes on Smart Account Hold"),
    /// The assigned account is Pending.
    Q006Pending = ("Q006.pending", Q006, "the assigned Smart Account is Pending (SA008): an order goes on Smart Account Hold"),
    /// A holding account although the customer has an Active account.
    Q007CustomerHasAccount = ("Q007.customer-has-account", Q007, "a holding account is assigned although the end customer has an Active Smart Account"),
    /// A term subscription into a holding account.
    Q007HoldingSubscription = ("Q007.holding-subscription", Q007, "a term subscription goes to a holding account, where its term runs while the licenses wait (LIC007)"),
    /// The account's domain differs from the end customer's.
    Q007DomainMismatch = ("Q007.domain-mismatch", Q007, "the assigned Smart Account's domain does not match the end customer's domain"),
    /// No VA named although the account has others than the default one.
    Q007DefaultVa = ("Q007.default-va", Q007, "no Virtual Account named: the licenses go to the default one although the account has others"),
    /// A new account for a company that already has one.
    Q007CompanyHasAccount = ("Q007.company-has-account", Q007, "a new account is requested for a company that already has a Smart Account under a related domain (BP001)"),
    /// A new account's domain differs from the end customer's.
    Q007RequestedDomainMismatch = ("Q007.requested-domain-mismatch", Q007, "the requested new account's domain does not match the end customer's domain"),
    /// The deal has no identifier.
    Q008NoDealId = ("Q008.no-deal-id", Q008, "the deal has no identifier (quote-wide)"),
    /// The deal kind has no name.
    Q008NoDealKind = ("Q008.no-deal-kind", Q008, "the deal kind has no name (quote-wide)"),
    /// The end customer has no name.
    Q008NoCustomerName = ("Q008.no-customer-name", Q008, "the end customer has no name (quote-wide)"),
    /// The quote has no lines.
    Q008NoLines = ("Q008.no-lines", Q008, "the quote has no lines (quote-wide)"),
    /// Two lines with one identifier.
    Q008DuplicateLineId = ("Q008.duplicate-line-id", Q008, "another line has the same identifier"),
    /// A line without identifier.
    Q008NoLineId = ("Q008.no-line-id", Q008, "the line has no identifier"),
    /// A line without SKU.
    Q008NoSku = ("Q008.no-sku", Q008, "the line has no SKU"),
    /// A SKU over 100 characters.
    Q008SkuTooLong = ("Q008.sku-too-long", Q008, "the SKU is longer than 100 characters"),
    /// A quantity of 0.
    Q008ZeroQuantity = ("Q008.zero-quantity", Q008, "the quantity is 0"),
    /// A subscription of 0 months.
    Q008ZeroTerm = ("Q008.zero-term", Q008, "the subscription term is 0 months"),
    /// A booked line's assignment changed by the partner.
    Q009BookedChange = ("Q009.booked-change", Q009, "the line is booked: only vendor support re-assigns it (LIC004)"),
    /// A new account whose domain already names one.
    Sa003DomainTaken = ("SA003.domain-taken", SA003, "the requested domain already identifies a Smart Account"),
    /// A new account's contact without Cisco.com ID.
    Sa004NoCcoId = ("SA004.no-cco-id", SA004, "the new account's contact has no valid Cisco.com ID"),
    /// A new account's contact at another domain.
    Sa004ContactDomain = ("SA004.contact-domain", SA004, "the contact's email is not at the requested domain or a domain it prefixes"),
    /// A public email domain requested as a Customer account.
    Sa005PublicDomain = ("SA005.public-domain", SA005, "a public email domain can never name a Customer Smart Account"),
    /// A Limited Use account for a contact with a company email.
    Sa005NotPublicEmail = ("SA005.not-public-email", SA005, "a Limited Use account is requested for a contact whose email domain is not public"),
    /// A Limited Use account that already exists.
    Sa005LimitedUseExists = ("SA005.limited-use-exists", SA005, "the contact's email already identifies a Limited Use Smart Account"),
    /// The distributor is unknown.
    Ptr004UnknownDistributor = ("PTR004.unknown-distributor", PTR004, "the distributor is no organization of the directory (quote-wide)"),
    /// The distributor is not a distributor organization.
    Ptr004NotDistributor = ("PTR004.not-distributor", PTR004, "the distributor is not a distributor organization (quote-wide)"),
    /// The distributor is the quoting partner.
    Ptr004DistributorIsPartner = ("PTR004.distributor-is-partner", PTR004, "the distributor and the quoting partner are the same organization (quote-wide)"),
    /// Another organization's holding account on a 2-tier deal.
    Ptr004ForeignHolding = ("PTR004.foreign-holding", PTR004, "a Partner Holding Account of neither the quoting partner nor the distributor (2-tier deal)"),
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`FindingCode`] from text that is none of [`FindingCode::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Q008: `{0}` is not a finding code")]
pub struct UnknownCodeError(String);

impl std::str::FromStr for FindingCode {
    type Err = UnknownCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FindingCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCodeError(crate::base::limits::clip(s)))
    }
}

impl FindingCode {
    /// The table of every code, its rule and what it means, as Markdown: the table of
    /// `docs/FINDINGS.md` (a test keeps the file in step).
    #[must_use]
    pub fn table() -> String {
        use std::fmt::Write as _;
        let mut out = String::from("| code | rule | finding |\n| --- | --- | --- |\n");
        for code in FindingCode::ALL {
            // Writing to a `String` cannot fail.
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                code.as_str(),
                code.rule(),
                code.about()
            );
        }
        out
    }
}
