//! Licenses and devices: entitlements in Virtual Account pools and in the License Registration
//! Portal record, how they move (LIC003, LIC004, LIC009), who consumes them (LIC006, LIC010,
//! DEV001), holding stock per order line (LIC011), and the queries on them: compliance, holding
//! aging and its notifications (LIC008), days undelivered (LIC007), reporting status (DEV002)
//! and procurement history (EV002).
//!
//! The state lives inside each [`SmartAccount`](crate::SmartAccount), so replaying an account's events rebuilds it
//! (EV003) and account equality covers it. Every change is a [`LicenseChange`] inside
//! [`Change::License`](crate::Change::License), applied by the same `apply` as every other change: checks first, then
//! the mutation, so a refused change leaves the account as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::accounts::kinds::{AccountKind, AccountStatus};
use crate::base::dates::{add_days, days_between_i32, utc_date};
use crate::base::error::{Entity, Error};
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::base::limits::{check_name, clip};
use crate::rules::RuleId;
use used_keys::{UsedKey, UsedKeys};

/// The most license types one transfer request may name (LIC009, the CSSM API's limit).
pub const MAX_TRANSFER_TYPES: usize = 10;
/// Longest SKU, idempotency key, transfer ID, order ID or device ID, in characters.
pub const MAX_REF: usize = 100;
/// A report is "due soon" within this many days of its deadline (DEV002).
pub const DUE_SOON_DAYS: i32 = 30;

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $rule:expr, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
        pub struct $name(Arc<str>);

        impl $name {
            /// Validates the text: trimmed, 1 to 100 characters, no whitespace inside, no
            /// control characters.
            ///
            /// # Errors
            ///
            /// [`Error::InvalidName`] naming the rule and the value.
            pub fn parse(value: &str) -> Result<$name, Error> {
                let checked = check_name(value, MAX_REF).and_then(|v| {
                    if v.chars().any(char::is_whitespace) {
                        Err("it contains spaces")
                    } else {
                        Ok(v)
                    }
                });
                checked
                    .map(|v| $name(Arc::from(v)))
                    .map_err(|reason| Error::InvalidName {
                        rule: $rule,
                        field: $field,
                        value: clip(value),
                        reason,
                    })
            }

            /// The text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", &*self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(value: String) -> Result<Self, Error> {
                $name::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0.to_string()
            }
        }

        /// Arbitrary values go through the parser: built from a small alphabet (or a few
        /// known values, so generated ones collide), never around validation.
        #[cfg(feature = "arbitrary")]
        impl<'a> arbitrary::Arbitrary<'a> for $name {
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                const KNOWN: &[&str] = &["A-1", "C9300-DNA-E-24-3Y", "ISE-PLS-LIC", "k1"];
                const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
                let text = if u.ratio(1, 2)? {
                    (*u.choose(KNOWN)?).to_owned()
                } else {
                    let len = u.int_in_range(1..=24)?;
                    let mut out = String::with_capacity(len);
                    for _ in 0..len {
                        out.push(char::from(*u.choose(ALPHABET)?));
                    }
                    out
                };
                $name::parse(&text).map_err(|_| arbitrary::Error::IncorrectFormat)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                $name::parse(s)
            }
        }
    };
}

text_id!(
    /// A product SKU, e.g. `C9300-DNA-E-24-3Y` (LIC001). Cheap to clone.
    Sku,
    RuleId::LIC001,
    "sku"
);
text_id!(
    /// A device (product instance) identifier, e.g. its serial number (DEV001).
    DeviceId,
    RuleId::DEV001,
    "device id"
);
text_id!(
    /// The identifier shared by the two events of a transfer between Smart Accounts (LIC004),
    /// supplied by the caller; it also makes a retried request a no-op (LIC009).
    TransferId,
    RuleId::LIC004,
    "transfer id"
);
text_id!(
    /// A caller-supplied idempotency key of a transfer between Virtual Accounts (LIC009).
    IdempotencyKey,
    RuleId::LIC009,
    "idempotency key"
);
impl IdempotencyKey {
    /// A key recorded from a valid one (LIC009): its text is not checked again.
    pub(crate) fn recorded(text: &str) -> IdempotencyKey {
        IdempotencyKey(Arc::from(text))
    }
}

text_id!(
    /// The code of a reservation (LIC010), supplied by the caller: a specific license
    /// reservation's authorization code, or any name the customer gives it. It is how the
    /// reservation is released.
    ReservationCode,
    RuleId::LIC010,
    "reservation code"
);
text_id!(
    /// An order identifier of the ordering system (LIC002, EV002).
    OrderId,
    RuleId::LIC002,
    "order id"
);

/// Smart or Classic (PAK) (LIC001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum LicenseKind {
    /// A Smart license: deposited into a Virtual Account pool.
    Smart,
    /// A Classic license (PAK): kept in the account's License Registration Portal record until
    /// converted to Smart (LIC002).
    Classic,
}

/// How long a license runs (LIC001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Term {
    /// Never expires.
    Perpetual,
    /// A term subscription. It starts when its order line ships (LIC007), so `start` is the
    /// ship date; it ends at `end`, strictly after `start`.
    Subscription {
        /// The first day (the ship date).
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        start: Date,
        /// The last day.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        end: Date,
    },
}

impl Term {
    /// A term subscription from `start` to `end`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTerm`] (LIC001) when `end` is not after `start`.
    pub fn subscription(start: Date, end: Date) -> Result<Term, Error> {
        let term = Term::Subscription { start, end };
        term.check_bounds()?;
        Ok(term)
    }

    fn check_bounds(self) -> Result<(), Error> {
        match self {
            Term::Subscription { start, end } if end <= start => {
                Err(Error::InvalidTerm { start, end })
            }
            _ => Ok(()),
        }
    }
}

/// A license type: what a pool holds and what a transfer line names. Two entitlements of the
/// same SKU with different terms are different types.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct License {
    /// The SKU.
    pub sku: Sku,
    /// Perpetual or a term subscription.
    pub term: Term,
}

impl License {
    /// A perpetual license of `sku`.
    #[must_use]
    pub fn perpetual(sku: Sku) -> License {
        License {
            sku,
            term: Term::Perpetual,
        }
    }
}

impl fmt::Display for License {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.term {
            Term::Perpetual => write!(f, "{} (perpetual)", self.sku),
            Term::Subscription { start, end } => write!(f, "{} ({start} to {end})", self.sku),
        }
    }
}

/// An order line: the order and the line number within it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OrderLine {
    /// The order.
    pub order: OrderId,
    /// The line number.
    pub line: u32,
}

impl fmt::Display for OrderLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.order, self.line)
    }
}

/// One line of a transfer: a license type and a quantity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct TransferLine {
    /// The license type.
    pub license: License,
    /// How many, at least 1.
    pub quantity: u64,
}

/// Part or all of one order line moved between accounts (LIC011): the order line, its license
/// type and how many of it move. Named in [`LicenseCommand::AssignFromHolding`] and
/// [`LicenseCommand::VendorReassign`] and recorded in the [`CrossSaTransfer`] of their events.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OrderLineMove {
    /// The order line.
    pub order: OrderLine,
    /// Its license type.
    pub license: License,
    /// How many of it move, at least 1: all that waits of it, or part.
    pub quantity: u64,
}

/// A deposit on order fulfilment (LIC002), as recorded in the event and in the procurement
/// history (EV002).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Deposit {
    /// The order line fulfilled.
    pub order: OrderLine,
    /// The license type.
    pub license: License,
    /// Smart (into `va`) or Classic (into the License Registration Portal record).
    pub kind: LicenseKind,
    /// How many.
    pub quantity: u64,
    /// The Virtual Account of a Smart deposit: the one named on the line or else the default.
    /// `None` for Classic.
    #[cfg_attr(feature = "serde", serde(default))]
    pub va: Option<VaId>,
    /// The organization that procured it.
    pub procured_by: OrgId,
    /// Whether the order was Smart-Account-mandatory (LIC008: in holding it must be moved).
    #[cfg_attr(feature = "serde", serde(default))]
    pub sa_mandatory: bool,
    /// Whether this deposit is a true-up of overage (LIC006).
    #[cfg_attr(feature = "serde", serde(default))]
    pub true_up: bool,
}

/// One entry of the procurement history (EV002): a deposit and when it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Procurement {
    /// The deposit.
    pub deposit: Deposit,
    /// When it was deposited.
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::timestamp")
    )]
    pub at: Timestamp,
}

/// Which of the two LIC004 exceptions moved licenses between Smart Accounts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum CrossSaPath {
    /// (a) Assignment from a Partner Holding Account to an Active Customer or Limited Use
    /// account.
    HoldingAssignment,
    /// (b) Re-assignment by vendor support, when a wrong account was selected.
    VendorReassignment {
        /// The support case number.
        case: String,
    },
}

/// A transfer between two Smart Accounts (LIC004). The same record is the payload of the
/// event in each account's log ([`LicenseChange::Sent`], [`LicenseChange::Received`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CrossSaTransfer {
    /// The shared transfer ID.
    pub id: TransferId,
    /// Which exception allows it.
    pub path: CrossSaPath,
    /// The source account.
    pub from_sa: SaId,
    /// The source Virtual Account.
    pub from_va: VaId,
    /// The destination account.
    pub to_sa: SaId,
    /// The destination Virtual Account.
    pub to_va: VaId,
    /// What moves.
    pub lines: Vec<TransferLine>,
    /// The order lines that move (LIC011): empty when none was named, and the source gave its
    /// oldest licenses of each type; else they make up `lines` exactly. Left out of the JSON
    /// when empty, so events of earlier releases read and write unchanged.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub order_lines: Vec<OrderLineMove>,
}

/// Where a lot of licenses came from: an order line, or a transfer from another account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Origin {
    /// Deposited on fulfilment of this order line.
    Order(OrderLine),
    /// Received by this transfer.
    Transfer(TransferId),
}

/// Licenses waiting in a holding account (LIC008), oldest first, one lot per order line or
/// transfer they arrived by (LIC011): a move that names order lines takes from their lots, one
/// that names none draws first-in first-out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct HoldingLot {
    /// Where they came from.
    pub origin: Origin,
    /// The license type.
    pub license: License,
    /// How many are still waiting.
    pub quantity: u64,
    /// The day they arrived in the holding account (UTC date of the event).
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::date")
    )]
    pub since: Date,
    /// Whether the order was Smart-Account-mandatory.
    pub sa_mandatory: bool,
}

/// Term licenses that reached a customer (LIC007): when.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Delivery {
    /// Where they came from.
    pub origin: Origin,
    /// The license type (a term subscription).
    pub license: License,
    /// How many.
    pub quantity: u64,
    /// The day they reached this account.
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::date")
    )]
    pub on: Date,
}

/// A device (product instance) registered to a Virtual Account (DEV001).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Device {
    /// Its identifier.
    pub id: DeviceId,
    /// The Virtual Account it is registered to.
    pub va: VaId,
    /// The day its software was installed (starts the first-report clock, DEV002).
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::date")
    )]
    pub installed: Date,
    /// The last software upgrade or feature change, if any.
    #[cfg_attr(feature = "serde", serde(default))]
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::option_date")
    )]
    pub changed: Option<Date>,
    /// The last usage report, if any.
    #[cfg_attr(feature = "serde", serde(default))]
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::option_date")
    )]
    pub reported: Option<Date>,
    /// Whether it has ever consumed a license (a device that never did needs no report).
    #[cfg_attr(feature = "serde", serde(default))]
    pub ever_consumed: bool,
    /// What it consumes now, by license type (LIC006). Serialized as a list of
    /// `{license, quantity}`.
    #[cfg_attr(feature = "serde", serde(default, with = "as_lines"))]
    #[cfg_attr(feature = "schemars", schemars(with = "Vec<TransferLine>"))]
    pub consumption: BTreeMap<License, u64>,
}

/// A change to the licenses or devices of one Smart Account, carried by [`Change::License`](crate::Change::License).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum LicenseChange {
    /// Licenses were deposited on order fulfilment (LIC002, EV002).
    Deposited(Box<Deposit>),
    /// Classic licenses were converted to Smart and put into a pool (LIC002).
    ClassicConverted {
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
        /// The receiving Virtual Account.
        va: VaId,
    },
    /// Licenses moved between two Virtual Accounts of the account (LIC003, LIC009).
    Transferred {
        /// The caller's idempotency key.
        key: IdempotencyKey,
        /// The source.
        from: VaId,
        /// The destination.
        to: VaId,
        /// What moved.
        lines: Vec<TransferLine>,
    },
    /// Licenses left this account for another (LIC004).
    Sent(Box<CrossSaTransfer>),
    /// Licenses arrived from another account (LIC004).
    Received(Box<CrossSaTransfer>),
    /// Available licenses were reserved (LIC010).
    Reserved {
        /// The Virtual Account.
        va: VaId,
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
    },
    /// A reservation was released (LIC010).
    ReservationReleased {
        /// The Virtual Account.
        va: VaId,
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
    },
    /// Available licenses were reserved under a code (LIC010).
    ReservedWithCode(Box<Reservation>),
    /// The reservation with this code was released, as it was made (LIC010).
    ReleasedByCode(Box<Reservation>),
    /// A member of a holding account opted in to (`opt_in`) or out of fulfilment notices
    /// for it (LIC008).
    FulfilmentNoticesChosen {
        /// The member.
        user: UserId,
        /// In (`true`) or out.
        opt_in: bool,
    },
    /// The ordering system sent the notification with this ID (LIC008), on the event's day.
    NotificationSent {
        /// The notification's ID in the account.
        id: u64,
    },
    /// A recipient acknowledged the notification with this ID (LIC008), on the event's day.
    NotificationAcknowledged {
        /// The notification's ID in the account.
        id: u64,
        /// The recipient.
        by: UserId,
    },
    /// A device was registered (DEV001).
    DeviceRegistered {
        /// The device.
        device: DeviceId,
        /// Its Virtual Account.
        va: VaId,
        /// The day its software was installed.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        installed: Date,
    },
    /// A device moved to another Virtual Account of the account, with its consumption.
    DeviceMoved {
        /// The device.
        device: DeviceId,
        /// The new Virtual Account.
        va: VaId,
    },
    /// A device was removed; its consumption was released.
    DeviceRemoved {
        /// The device.
        device: DeviceId,
    },
    /// A device consumed licenses from its Virtual Account's pool (LIC006).
    Consumed {
        /// The device.
        device: DeviceId,
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
    },
    /// A device released licenses it consumed (LIC006).
    ConsumptionReleased {
        /// The device.
        device: DeviceId,
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
    },
    /// A device's software was upgraded or its features changed (DEV002).
    DeviceChanged {
        /// The device.
        device: DeviceId,
        /// The day.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        on: Date,
    },
    /// A device's usage report was received (DEV002).
    UsageReported {
        /// The device.
        device: DeviceId,
        /// The day.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        on: Date,
    },
    /// An opening balance carried over from a snapshot or another system: one item of state,
    /// checked like the change that would have produced it.
    Opening(Box<Opening>),
}

/// One item of an opening balance ([`LicenseChange::Opening`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Opening {
    /// A pool's purchased and reserved quantities (consumption comes with the devices).
    Pool(PoolBalance),
    /// Classic licenses in the License Registration Portal record.
    Classic(ClassicBalance),
    /// A device with its reporting data and consumption.
    Device(Device),
    /// An entry of the procurement history.
    Procurement(Procurement),
    /// Licenses waiting in a holding account.
    Lot(HoldingLot),
    /// A term subscription delivered to a customer.
    Delivery(Delivery),
    /// An idempotency key already used, with its request.
    Key(KeyRecord),
    /// A transfer between accounts already recorded.
    Transfer(CrossSaTransfer),
    /// A reservation with a code (its quantity is part of its pool's reserved quantity).
    Reservation(Reservation),
    /// A notification record of a holding account (LIC008).
    Notification(NotificationRecord),
    /// A member of a holding account opted in to fulfilment notices (LIC008).
    FulfilmentNotices(UserId),
}

/// A reservation with a code (LIC010): `quantity` licenses of `license` kept out of the
/// available quantity of the pool of `va` for a device that cannot report its use (a specific
/// license reservation), until it is released by its code. `device` names that device when the
/// customer knows it; such devices are usually not registered (they do not report), so the
/// name is not checked against the registered devices.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Reservation {
    /// Its code, unique in the account.
    pub code: ReservationCode,
    /// The Virtual Account whose pool holds it.
    pub va: VaId,
    /// The license type.
    pub license: License,
    /// How many, at least 1.
    pub quantity: u64,
    /// The device it is for, when known.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub device: Option<DeviceId>,
}

/// A pool's balance in a snapshot or opening balance.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PoolBalance {
    /// The Virtual Account.
    pub va: VaId,
    /// The license type.
    pub license: License,
    /// Purchased quantity.
    pub purchased: u64,
    /// Reserved quantity (LIC010).
    #[cfg_attr(feature = "serde", serde(default))]
    pub reserved: u64,
}

/// A used idempotency key and the transfer it made (LIC009).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct KeyRecord {
    /// The key.
    pub key: IdempotencyKey,
    /// The source.
    pub from: VaId,
    /// The destination.
    pub to: VaId,
    /// What moved.
    pub lines: Vec<TransferLine>,
}

/// A license or device command. Run it with [`crate::Directory::execute`] as
/// [`crate::Command::License`], or through the typed methods of [`crate::Directory`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum LicenseCommand {
    /// Order fulfilment deposits licenses (LIC002). Only [`crate::Actor::Fulfilment`].
    Deposit {
        /// The account assigned on the order line.
        sa: SaId,
        /// The Virtual Account named on the line; the default when `None`.
        va: Option<VaId>,
        /// The order line.
        order: OrderLine,
        /// The license type.
        license: License,
        /// Smart or Classic.
        kind: LicenseKind,
        /// How many.
        quantity: u64,
        /// Who procured it.
        procured_by: OrgId,
        /// Whether the order is Smart-Account-mandatory (LIC008).
        sa_mandatory: bool,
    },
    /// Order fulfilment deposits exactly a pool's current shortfall (a true-up, LIC006).
    TrueUp {
        /// The Virtual Account in overage.
        va: VaId,
        /// The license type.
        license: License,
        /// The true-up order line.
        order: OrderLine,
        /// Who procured it.
        procured_by: OrgId,
    },
    /// Convert Classic licenses of the License Registration Portal record to Smart (LIC002).
    ConvertClassic {
        /// The account.
        sa: SaId,
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
        /// The receiving Virtual Account; the default when `None`.
        va: Option<VaId>,
    },
    /// Move licenses between two Virtual Accounts of one account (LIC003, LIC009).
    Transfer {
        /// The source.
        from: VaId,
        /// The destination.
        to: VaId,
        /// At most 10 license types.
        lines: Vec<TransferLine>,
        /// The caller's idempotency key: a retry with the same key and request is a no-op.
        key: IdempotencyKey,
    },
    /// Assign licenses from a holding account to an Active Customer or Limited Use account
    /// (LIC004 a).
    AssignFromHolding {
        /// The transfer ID shared by both events; a retry with the same ID is a no-op.
        transfer: TransferId,
        /// The holding account's Virtual Account.
        from: VaId,
        /// The customer's account.
        to_sa: SaId,
        /// The customer's Virtual Account; its default when `None`.
        to_va: Option<VaId>,
        /// At most 10 license types; may be empty when `order_lines` are named.
        lines: Vec<TransferLine>,
        /// The order lines moved (LIC011), each once: when named, `lines` may be left empty
        /// (it is their totals by license type) or must equal their totals. When none is
        /// named, the source gives its oldest licenses of each type (the earlier behaviour).
        #[cfg_attr(feature = "serde", serde(default))]
        order_lines: Vec<OrderLineMove>,
    },
    /// Vendor support re-assigns licenses to the right account (LIC004 b). Only
    /// [`crate::Actor::VendorSupport`], whose case number is recorded.
    VendorReassign {
        /// The transfer ID shared by both events.
        transfer: TransferId,
        /// The source Virtual Account.
        from: VaId,
        /// The right account.
        to_sa: SaId,
        /// Its Virtual Account; its default when `None`.
        to_va: Option<VaId>,
        /// At most 10 license types; may be empty when `order_lines` are named.
        lines: Vec<TransferLine>,
        /// The order lines moved (LIC011), each once: when named, `lines` may be left empty
        /// (it is their totals by license type) or must equal their totals. When none is
        /// named, the source gives its oldest licenses of each type (the earlier behaviour).
        #[cfg_attr(feature = "serde", serde(default))]
        order_lines: Vec<OrderLineMove>,
    },
    /// Reserve available licenses (LIC010).
    Reserve {
        /// The Virtual Account.
        va: VaId,
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
    },
    /// Release a reservation (LIC010): reserved licenses that no code holds.
    ReleaseReservation {
        /// The Virtual Account.
        va: VaId,
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
    },
    /// Reserve available licenses under a code, for a device that cannot report (LIC010).
    ReserveWithCode(Reservation),
    /// Release the reservation with this code, all of it (LIC010).
    ReleaseByCode {
        /// The account holding it.
        sa: SaId,
        /// Its code.
        code: ReservationCode,
    },
    /// The acting member of a holding account opts in to (`opt_in`) or out of the fulfilment
    /// notices of that account (LIC008): once in, every deposit there yields a
    /// [`NotificationKind::Fulfilled`] notice addressed to them.
    FulfilmentNotices {
        /// The holding account.
        sa: SaId,
        /// In (`true`) or out.
        opt_in: bool,
    },
    /// The ordering system marks a notification sent (LIC008). Only
    /// [`crate::Actor::Fulfilment`]; the notification must be [`NotificationState::Yielded`].
    MarkNotificationSent {
        /// The holding account.
        sa: SaId,
        /// The notification's ID in the account.
        id: u64,
    },
    /// The acting user, a recipient who is still a member, acknowledges a notification
    /// (LIC008), once.
    AcknowledgeNotification {
        /// The holding account.
        sa: SaId,
        /// The notification's ID in the account.
        id: u64,
    },
    /// Register a device (DEV001).
    RegisterDevice {
        /// The device; unique across the directory.
        device: DeviceId,
        /// Its Virtual Account.
        va: VaId,
        /// The day its software was installed.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        installed: Date,
    },
    /// Move a device to another Virtual Account of the same account (DEV001).
    MoveDevice {
        /// The device.
        device: DeviceId,
        /// The new Virtual Account.
        va: VaId,
    },
    /// Remove a device, releasing what it consumes.
    RemoveDevice {
        /// The device.
        device: DeviceId,
    },
    /// A device consumes licenses from its Virtual Account's pool; overage is allowed (LIC006).
    Consume {
        /// The device.
        device: DeviceId,
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
    },
    /// A device releases licenses it consumes (LIC006).
    Release {
        /// The device.
        device: DeviceId,
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
    },
    /// Record a software upgrade or feature change of a device (DEV002).
    RecordChange {
        /// The device.
        device: DeviceId,
        /// The day.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        on: Date,
    },
    /// Record a usage report of a device (DEV002).
    RecordReport {
        /// The device.
        device: DeviceId,
        /// The day.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        on: Date,
    },
}

/// One pool's compliance status (per Virtual Account and license type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compliance<'a> {
    /// The Virtual Account.
    pub va: VaId,
    /// The license type.
    pub license: &'a License,
    /// Purchased quantity.
    pub purchased: u64,
    /// Consumed by the Virtual Account's devices.
    pub consumed: u64,
    /// Reserved (LIC010).
    pub reserved: u64,
    /// Purchased minus consumed minus reserved, never below zero.
    pub available: u64,
    /// Consumed plus reserved beyond purchased: the overage to reconcile (LIC006).
    pub shortfall: u64,
}

/// Licenses aging in a holding account, as of a date (LIC008).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldingAge {
    /// The holding account.
    pub sa: SaId,
    /// The lot.
    pub lot: HoldingLot,
    /// Days since it arrived.
    pub age_days: i32,
}

/// A notification (LIC008): a Smart-Account-mandatory order waits in a holding account and
/// must be moved to the customer's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The holding account.
    pub sa: SaId,
    /// Its members, who receive the notification (every user with a role on it).
    pub recipients: Vec<UserId>,
    /// The waiting licenses.
    pub lot: HoldingLot,
    /// Days waited.
    pub age_days: i32,
}

impl fmt::Display for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = match &self.lot.origin {
            Origin::Order(o) => o.to_string(),
            Origin::Transfer(t) => format!("transfer {t}"),
        };
        write!(
            f,
            "LIC008: {} x {} of {origin} has waited {} days in holding account `{}`; the order is smart-account-mandatory and must be moved to the customer's smart account",
            self.lot.quantity, self.lot.license, self.age_days, self.sa
        )
    }
}

/// What a notification record of a holding account says (LIC008).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum NotificationKind {
    /// A Smart-Account-mandatory order line was deposited in holding and must be moved to the
    /// customer's account; addressed to every member of the holding account.
    MustMove,
    /// An order line was deposited (fulfilled) in holding; addressed to the members who opted
    /// in to fulfilment notices.
    Fulfilled,
}

/// Where a notification record stands (LIC008): yielded by the arrival, then sent by the
/// ordering system, then acknowledged by one recipient. A notification may be acknowledged
/// before it is sent (a member saw it first); nothing follows an acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum NotificationState {
    /// Recorded on the day of its lot's arrival (`lot.since`), not sent yet.
    Yielded,
    /// Sent by the ordering system.
    Sent {
        /// The day it was sent.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        on: Date,
    },
    /// Acknowledged by a recipient.
    Acknowledged {
        /// The recipient who acknowledged it.
        by: UserId,
        /// The day.
        #[cfg_attr(
            feature = "schemars",
            schemars(schema_with = "crate::base::schema::date")
        )]
        on: Date,
    },
}

/// A notification of a Partner Holding account, kept as a record (LIC008). The apply of the
/// deposit into the holding account creates it (no event of its own), so replaying the log
/// rebuilds it; its state then changes by [`LicenseChange::NotificationSent`] and
/// [`LicenseChange::NotificationAcknowledged`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct NotificationRecord {
    /// Its ID: the account's sequence number of notifications, 1, 2, …
    pub id: u64,
    /// What it says.
    pub kind: NotificationKind,
    /// The lot it is about, as it arrived (origin, license type, quantity, day in `since`).
    pub lot: HoldingLot,
    /// Who it is addressed to: the members at the time ([`NotificationKind::MustMove`]) or
    /// the members then opted in ([`NotificationKind::Fulfilled`]), by user ID.
    pub recipients: Vec<UserId>,
    /// Where it stands.
    pub state: NotificationState,
}

impl NotificationRecord {
    /// Whether it is still open: not acknowledged.
    #[must_use]
    pub fn is_open(&self) -> bool {
        !matches!(self.state, NotificationState::Acknowledged { .. })
    }
}

/// How long a term subscription ran before it reached a customer (LIC007).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered {
    /// Where the licenses came from.
    pub origin: Origin,
    /// The license type (a term subscription).
    pub license: License,
    /// How many.
    pub quantity: u64,
    /// The day they reached a customer, or `None` while they still wait in holding.
    pub delivered: Option<Date>,
    /// Days of the term that ran undelivered (never negative, never beyond the term).
    pub days: i32,
}

/// A Smart Licensing Using Policy reporting policy (DEV002). Each figure is in days; 0 means
/// "not required".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ReportingPolicy {
    /// First report, days after installation.
    pub first_report: u32,
    /// Then once every this many days.
    pub frequency: u32,
    /// Report after a software upgrade or feature change, within this many days.
    pub on_change: u32,
}

impl Default for ReportingPolicy {
    /// 90 / 365 / 90.
    fn default() -> Self {
        ReportingPolicy {
            first_report: 90,
            frequency: 365,
            on_change: 90,
        }
    }
}

/// A device's reporting status as of a date (DEV002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReportingStatus {
    /// No report is required (never consumed a license, or the policy requires none).
    NotRequired,
    /// The next report is due after more than 30 days.
    OnTime {
        /// The deadline.
        due: Date,
    },
    /// The next report is due within 30 days.
    DueSoon {
        /// The deadline.
        due: Date,
    },
    /// The deadline has passed.
    Overdue {
        /// The deadline.
        due: Date,
        /// Days since it.
        days: i32,
    },
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pool {
    va: VaId,
    ty: u32,
    purchased: u64,
    consumed: u64,
    reserved: u64,
}

impl Pool {
    // Reservations never exceed the purchased quantity (they take available quantity, and
    // transfers take only available quantity), so both figures are exact.
    fn available(&self) -> u64 {
        self.purchased
            .saturating_sub(self.reserved)
            .saturating_sub(self.consumed)
    }
    fn shortfall(&self) -> u64 {
        self.consumed
            .saturating_sub(self.purchased.saturating_sub(self.reserved))
    }
    fn is_empty(&self) -> bool {
        self.purchased == 0 && self.consumed == 0 && self.reserved == 0
    }
}

/// The licenses and devices of one Smart Account.
///
/// Pools are a flat vector (one slot per Virtual Account and license type, never removed) with a
/// sorted index, and license types are interned, so a compliance pass is a walk over one vector
/// and a transfer touches two index entries. Equality compares the logical content: non-empty
/// pools by Virtual Account and license type, whatever the slot order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Licenses {
    types: Vec<License>,
    type_ids: BTreeMap<License, u32>,
    pools: Vec<Pool>,
    pool_ids: BTreeMap<(VaId, u32), u32>,
    classic: BTreeMap<License, u64>,
    devices: BTreeMap<DeviceId, Device>,
    /// Used idempotency keys with the request each made, compactly (see [`UsedKeys`]).
    keys: UsedKeys,
    /// Reservations with a code (LIC010), by code.
    coded: BTreeMap<ReservationCode, Reservation>,
    /// Notification records of a holding account (LIC008), by ID.
    notices: BTreeMap<u64, NotificationRecord>,
    /// Members opted in to fulfilment notices (LIC008).
    opted_in: BTreeSet<UserId>,
    transfers: BTreeMap<TransferId, CrossSaTransfer>,
    history: Vec<Procurement>,
    order_lines: BTreeMap<OrderLine, usize>,
    lots: Vec<HoldingLot>,
    deliveries: Vec<Delivery>,
}

impl Licenses {
    fn logical_pools(&self) -> BTreeMap<(VaId, &License), (u64, u64, u64)> {
        self.pools
            .iter()
            .filter(|p| !p.is_empty())
            .filter_map(|p| {
                let license = self.types.get(p.ty as usize)?;
                Some(((p.va, license), (p.purchased, p.consumed, p.reserved)))
            })
            .collect()
    }

    /// The interned number of a license type, interning it when new.
    fn intern(&mut self, license: &License) -> u32 {
        match self.type_ids.get(license) {
            Some(ty) => *ty,
            None => {
                let ty = u32::try_from(self.types.len()).unwrap_or(u32::MAX);
                self.types.push(license.clone());
                self.type_ids.insert(license.clone(), ty);
                ty
            }
        }
    }

    /// Whether `key` was used (LIC009): `None` when it was not, `Some(true)` when for exactly
    /// this request (a retry), `Some(false)` when for another one.
    pub(crate) fn same_request(
        &self,
        key: &IdempotencyKey,
        from: VaId,
        to: VaId,
        lines: &[TransferLine],
    ) -> Option<bool> {
        let used = self.keys.get(key.as_str())?;
        let same_lines = used.lines().count() == lines.len()
            && used.lines().zip(lines).all(|((ty, quantity), line)| {
                quantity == line.quantity && self.types.get(ty as usize) == Some(&line.license)
            });
        Some(used.from == from && used.to == to && same_lines)
    }

    /// Records a used key with its request, the license types already interned.
    /// Returns `false`, changing nothing, when the key is used.
    pub(crate) fn record_key(
        &mut self,
        key: &IdempotencyKey,
        from: VaId,
        to: VaId,
        typed: impl ExactSizeIterator<Item = (u32, u64)>,
    ) -> bool {
        self.keys
            .insert(key.as_str(), UsedKey::new(from, to, typed))
    }

    /// Records a used key from a snapshot's record, interning its license types. Returns
    /// `false`, changing nothing, when the key is used.
    pub(crate) fn open_key(&mut self, k: &KeyRecord) -> bool {
        if self.keys.get(k.key.as_str()).is_some() {
            return false;
        }
        let typed: Vec<(u32, u64)> = k
            .lines
            .iter()
            .map(|l| (self.intern(&l.license), l.quantity))
            .collect();
        self.record_key(&k.key, k.from, k.to, typed.into_iter())
    }

    /// Every used key with its request, as snapshots write them: sorted by key.
    pub(crate) fn key_records(&self) -> Vec<KeyRecord> {
        let mut keys: Vec<KeyRecord> = self
            .keys
            .iter()
            .map(|(key, used)| self.key_record_of(key, used))
            .collect();
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        keys
    }

    /// The request a used key was recorded with (LIC009).
    pub(crate) fn key_record(&self, key: &str) -> Option<KeyRecord> {
        self.keys.get(key).map(|used| self.key_record_of(key, used))
    }

    fn key_record_of(&self, key: &str, used: &UsedKey) -> KeyRecord {
        KeyRecord {
            key: IdempotencyKey::recorded(key),
            from: used.from,
            to: used.to,
            lines: used
                .lines()
                .filter_map(|(ty, quantity)| {
                    let license = self.types.get(ty as usize)?.clone();
                    Some(TransferLine { license, quantity })
                })
                .collect(),
        }
    }

    fn type_id(&self, license: &License) -> Option<u32> {
        self.type_ids.get(license).copied()
    }

    fn pool(&self, va: VaId, license: &License) -> Option<&Pool> {
        let ty = self.type_id(license)?;
        let slot = self.pool_ids.get(&(va, ty))?;
        self.pools.get(*slot as usize)
    }

    /// The slot of the pool, created (empty) when missing.
    fn pool_slot(&mut self, va: VaId, license: &License) -> usize {
        let ty = self.intern(license);
        if let Some(slot) = self.pool_ids.get(&(va, ty)) {
            return *slot as usize;
        }
        new_pool(&mut self.pools, &mut self.pool_ids, va, ty)
    }

    fn pool_mut(&mut self, va: VaId, license: &License) -> Option<&mut Pool> {
        let slot = self.pool_slot(va, license);
        self.pools.get_mut(slot)
    }

    pub(crate) fn holds_anything(&self, va: VaId) -> bool {
        self.pool_ids
            .range((va, 0)..=(va, u32::MAX))
            .filter_map(|(_, slot)| self.pools.get(*slot as usize))
            .any(|p| !p.is_empty())
            || self.devices.values().any(|d| d.va == va)
    }

    pub(crate) fn knows(&self, license: &License) -> bool {
        self.type_ids.contains_key(license) || self.classic.contains_key(license)
    }
}

impl PartialEq for Licenses {
    fn eq(&self, other: &Self) -> bool {
        self.logical_pools() == other.logical_pools()
            && self.classic == other.classic
            && self.devices == other.devices
            && self.key_records() == other.key_records()
            && self.coded == other.coded
            && self.notices == other.notices
            && self.opted_in == other.opted_in
            && self.transfers == other.transfers
            && self.history == other.history
            && self.lots == other.lots
            && self.deliveries == other.deliveries
    }
}
impl Eq for Licenses {}

/// Appends an empty pool and indexes it.
fn new_pool(
    pools: &mut Vec<Pool>,
    pool_ids: &mut BTreeMap<(VaId, u32), u32>,
    va: VaId,
    ty: u32,
) -> usize {
    let slot = pools.len();
    pools.push(Pool {
        va,
        ty,
        purchased: 0,
        consumed: 0,
        reserved: 0,
    });
    pool_ids.insert((va, ty), u32::try_from(slot).unwrap_or(u32::MAX));
    slot
}

fn positive(quantity: u64, rule: RuleId) -> Result<u64, Error> {
    if quantity == 0 {
        Err(Error::InvalidQuantity {
            rule,
            quantity,
            reason: "a quantity must be at least 1",
        })
    } else {
        Ok(quantity)
    }
}

fn add(a: u64, b: u64, rule: RuleId) -> Result<u64, Error> {
    a.checked_add(b).ok_or(Error::InvalidQuantity {
        rule,
        quantity: b,
        reason: "the total would overflow",
    })
}

/// Checks the lines of a request as recorded in an event: at least one, every quantity at least
/// 1, every term valid, each license type once, at most 10 types (LIC009).
pub(crate) fn check_lines(lines: &[TransferLine]) -> Result<(), Error> {
    if lines.is_empty() {
        return Err(Error::InvalidQuantity {
            rule: RuleId::LIC009,
            quantity: 0,
            reason: "a transfer names at least one license type",
        });
    }
    for (i, line) in lines.iter().enumerate() {
        positive(line.quantity, RuleId::LIC009)?;
        line.license.term.check_bounds()?;
        if lines.iter().take(i).any(|l| l.license == line.license) {
            return Err(Error::InvalidQuantity {
                rule: RuleId::LIC009,
                quantity: line.quantity,
                reason: "a license type appears twice in one transfer; merge the lines",
            });
        }
    }
    if lines.len() > MAX_TRANSFER_TYPES {
        return Err(Error::TooManyLicenseTypes { count: lines.len() });
    }
    Ok(())
}

/// Merges the lines of a request that name one license type twice (summing the quantities),
/// then checks them with [`check_lines`]. Allocates only when there is something to merge.
pub(crate) fn merge_lines(lines: Vec<TransferLine>) -> Result<Vec<TransferLine>, Error> {
    let duplicated = lines
        .iter()
        .enumerate()
        .any(|(i, line)| lines.iter().take(i).any(|l| l.license == line.license));
    let lines = if duplicated {
        let mut merged: BTreeMap<License, u64> = BTreeMap::new();
        for line in lines {
            positive(line.quantity, RuleId::LIC009)?;
            let total = merged.entry(line.license).or_insert(0);
            *total = add(*total, line.quantity, RuleId::LIC009)?;
        }
        merged
            .into_iter()
            .map(|(license, quantity)| TransferLine { license, quantity })
            .collect()
    } else {
        lines
    };
    // Count the types before anything else so an 11th type is named as such.
    if lines.len() > MAX_TRANSFER_TYPES {
        return Err(Error::TooManyLicenseTypes { count: lines.len() });
    }
    check_lines(&lines)?;
    Ok(lines)
}

/// Classic licenses of a License Registration Portal record, in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ClassicBalance {
    /// The license type.
    pub license: License,
    /// How many.
    pub quantity: u64,
}

/// The licenses and devices of a Smart Account in a snapshot. Loading pushes each item through
/// the account's `apply` as an opening balance ([`crate::license::Opening`]), so it is checked
/// like the change that would have produced it; errors name paths such as
/// `accounts[0].licenses.devices[2]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
// Every list may be left out: an absent one is empty (the struct's `Default`).
#[cfg_attr(feature = "serde", serde(default))]
pub struct LicenseSnapshot {
    /// Pools: purchased and reserved per Virtual Account and license type. An entry with
    /// neither keeps a license type the account has held and holds nowhere now: a device may
    /// still consume it (LIC006, a shortfall).
    pub pools: Vec<PoolBalance>,
    /// The License Registration Portal record (Classic licenses).
    pub classic: Vec<ClassicBalance>,
    /// Devices, with what they consume (which makes the pools' consumed quantities).
    pub devices: Vec<Device>,
    /// The procurement history (EV002).
    pub procurement: Vec<Procurement>,
    /// Licenses waiting in a holding account (LIC008), oldest first.
    pub holding: Vec<HoldingLot>,
    /// Term subscriptions delivered to this customer account (LIC007).
    pub deliveries: Vec<Delivery>,
    /// Idempotency keys already used (LIC009).
    pub keys: Vec<KeyRecord>,
    /// Transfers between accounts already recorded (LIC004).
    pub transfers: Vec<CrossSaTransfer>,
    /// Reservations with a code (LIC010), each part of its pool's reserved quantity.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub reservations: Vec<Reservation>,
    /// Notification records of a holding account (LIC008), by ID.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub notifications: Vec<NotificationRecord>,
    /// Members of a holding account opted in to fulfilment notices (LIC008).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub fulfilment_notices: Vec<UserId>,
}

impl LicenseSnapshot {
    /// The opening-balance items, in loading order, each with its path below `licenses`.
    pub(crate) fn items(&self) -> Vec<(String, Opening)> {
        fn each<'a, T: Clone>(
            field: &'a str,
            items: &'a [T],
            wrap: fn(T) -> Opening,
        ) -> impl Iterator<Item = (String, Opening)> + 'a {
            let path = move |i| format!(".licenses.{field}[{i}]");
            items
                .iter()
                .enumerate()
                .map(move |(i, item)| (path(i), wrap(item.clone())))
        }
        each("pools", &self.pools, Opening::Pool)
            .chain(each("classic", &self.classic, Opening::Classic))
            .chain(each("procurement", &self.procurement, Opening::Procurement))
            .chain(each("holding", &self.holding, Opening::Lot))
            .chain(each("deliveries", &self.deliveries, Opening::Delivery))
            .chain(each("keys", &self.keys, Opening::Key))
            .chain(each("transfers", &self.transfers, Opening::Transfer))
            .chain(each("devices", &self.devices, Opening::Device))
            .chain(each(
                "reservations",
                &self.reservations,
                Opening::Reservation,
            ))
            .chain(each(
                "fulfilment_notices",
                &self.fulfilment_notices,
                Opening::FulfilmentNotices,
            ))
            .chain(each(
                "notifications",
                &self.notifications,
                Opening::Notification,
            ))
            .collect()
    }
}

/// Takes `quantity` out of `lots`, in their order, as far as they hold it (LIC008, LIC011).
fn take_from<'a>(lots: impl Iterator<Item = &'a mut HoldingLot>, quantity: u64) {
    let mut left = quantity;
    for lot in lots {
        if left == 0 {
            break;
        }
        let take = lot.quantity.min(left);
        lot.quantity -= take;
        left -= take;
    }
}

mod ledger;
mod notices;
pub(crate) mod order_lines;
mod reservations;
mod used_keys;

#[cfg(feature = "serde")]
mod as_lines {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serializer};

    use super::{License, TransferLine};

    pub(super) fn serialize<S: Serializer>(
        map: &BTreeMap<License, u64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter().map(|(license, quantity)| TransferLine {
            license: license.clone(),
            quantity: *quantity,
        }))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<License, u64>, D::Error> {
        let lines = Vec::<TransferLine>::deserialize(d)?;
        let mut map = BTreeMap::new();
        for line in lines {
            if map.insert(line.license, line.quantity).is_some() {
                return Err(serde::de::Error::custom(
                    "LIC006: a license type appears twice in a device's consumption",
                ));
            }
        }
        Ok(map)
    }
}
