//! Licenses and devices: entitlements in Virtual Account pools and in the License Registration
//! Portal record, how they move (LIC003, LIC004, LIC009), who consumes them (LIC006, LIC010,
//! DEV001), and the queries on them: compliance, holding aging and its notifications (LIC008),
//! days undelivered (LIC007), reporting status (DEV002) and procurement history (EV002).
//!
//! The state lives inside each [`SmartAccount`], so replaying an account's events rebuilds it
//! (EV003) and account equality covers it. Every change is a [`LicenseChange`] inside
//! [`Change::License`], applied by the same `apply` as every other change: checks first, then
//! the mutation, so a refused change leaves the account as it was.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::accounts::account::SmartAccount;
use crate::accounts::kinds::{AccountKind, AccountStatus};
use crate::base::dates::{add_days, days_between_i32, utc_date};
use crate::base::error::{Entity, Error};
use crate::base::hash::WordHasher;
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::base::limits::{check_name, clip};
use crate::events::event::{Change, Event};
use crate::rules::RuleId;

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
text_id!(
    /// An order identifier of the ordering system (LIC002, EV002).
    OrderId,
    RuleId::LIC002,
    "order id"
);

/// Smart or Classic (PAK) (LIC001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Term {
    /// Never expires.
    Perpetual,
    /// A term subscription. It starts when its order line ships (LIC007), so `start` is the
    /// ship date; it ends at `end`, strictly after `start`.
    Subscription {
        /// The first day (the ship date).
        start: Date,
        /// The last day.
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
        term.check()?;
        Ok(term)
    }

    fn check(self) -> Result<(), Error> {
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
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct TransferLine {
    /// The license type.
    pub license: License,
    /// How many, at least 1.
    pub quantity: u64,
}

/// A deposit on order fulfilment (LIC002), as recorded in the event and in the procurement
/// history (EV002).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Procurement {
    /// The deposit.
    pub deposit: Deposit,
    /// When it was deposited.
    pub at: Timestamp,
}

/// Which of the two LIC004 exceptions moved licenses between Smart Accounts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
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
}

/// Where a lot of licenses came from: an order line, or a transfer from another account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Origin {
    /// Deposited on fulfilment of this order line.
    Order(OrderLine),
    /// Received by this transfer.
    Transfer(TransferId),
}

/// Licenses waiting in a holding account (LIC008), oldest first, drawn first-in first-out when
/// assigned to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
    pub since: Date,
    /// Whether the order was Smart-Account-mandatory.
    pub sa_mandatory: bool,
}

/// Term licenses that reached a customer (LIC007): when.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
    pub on: Date,
}

/// A device (product instance) registered to a Virtual Account (DEV001).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Device {
    /// Its identifier.
    pub id: DeviceId,
    /// The Virtual Account it is registered to.
    pub va: VaId,
    /// The day its software was installed (starts the first-report clock, DEV002).
    pub installed: Date,
    /// The last software upgrade or feature change, if any.
    #[cfg_attr(feature = "serde", serde(default))]
    pub changed: Option<Date>,
    /// The last usage report, if any.
    #[cfg_attr(feature = "serde", serde(default))]
    pub reported: Option<Date>,
    /// Whether it has ever consumed a license (a device that never did needs no report).
    #[cfg_attr(feature = "serde", serde(default))]
    pub ever_consumed: bool,
    /// What it consumes now, by license type (LIC006). Serialized as a list of
    /// `{license, quantity}`.
    #[cfg_attr(feature = "serde", serde(default, with = "as_lines"))]
    pub consumption: BTreeMap<License, u64>,
}

/// A change to the licenses or devices of one Smart Account, carried by [`Change::License`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
#[non_exhaustive]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum LicenseChange {
    /// Licenses were deposited on order fulfilment (LIC002, EV002).
    Deposited(Deposit),
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
    Sent(CrossSaTransfer),
    /// Licenses arrived from another account (LIC004).
    Received(CrossSaTransfer),
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
    /// A device was registered (DEV001).
    DeviceRegistered {
        /// The device.
        device: DeviceId,
        /// Its Virtual Account.
        va: VaId,
        /// The day its software was installed.
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
        on: Date,
    },
    /// A device's usage report was received (DEV002).
    UsageReported {
        /// The device.
        device: DeviceId,
        /// The day.
        on: Date,
    },
    /// An opening balance carried over from a snapshot or another system: one item of state,
    /// checked like the change that would have produced it.
    Opening(Opening),
}

/// One item of an opening balance ([`LicenseChange::Opening`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
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
}

/// A pool's balance in a snapshot or opening balance.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
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
        /// At most 10 license types.
        lines: Vec<TransferLine>,
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
        /// At most 10 license types.
        lines: Vec<TransferLine>,
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
    /// Release a reservation (LIC010).
    ReleaseReservation {
        /// The Virtual Account.
        va: VaId,
        /// The license type.
        license: License,
        /// How many.
        quantity: u64,
    },
    /// Register a device (DEV001).
    RegisterDevice {
        /// The device; unique across the directory.
        device: DeviceId,
        /// Its Virtual Account.
        va: VaId,
        /// The day its software was installed.
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
        on: Date,
    },
    /// Record a usage report of a device (DEV002).
    RecordReport {
        /// The device.
        device: DeviceId,
        /// The day.
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
    keys: HashMap<IdempotencyKey, KeyRecord, BuildHasherDefault<WordHasher>>,
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
        let ty = match self.type_ids.get(license) {
            Some(ty) => *ty,
            None => {
                let ty = u32::try_from(self.types.len()).unwrap_or(u32::MAX);
                self.types.push(license.clone());
                self.type_ids.insert(license.clone(), ty);
                ty
            }
        };
        if let Some(slot) = self.pool_ids.get(&(va, ty)) {
            return *slot as usize;
        }
        new_pool(&mut self.pools, &mut self.pool_ids, va, ty)
    }

    fn pool_mut(&mut self, va: VaId, license: &License) -> Option<&mut Pool> {
        let slot = self.pool_slot(va, license);
        self.pools.get_mut(slot)
    }

    fn holds_anything(&self, va: VaId) -> bool {
        self.pool_ids
            .range((va, 0)..=(va, u32::MAX))
            .filter_map(|(_, slot)| self.pools.get(*slot as usize))
            .any(|p| !p.is_empty())
            || self.devices.values().any(|d| d.va == va)
    }

    fn knows(&self, license: &License) -> bool {
        self.type_ids.contains_key(license) || self.classic.contains_key(license)
    }
}

impl PartialEq for Licenses {
    fn eq(&self, other: &Self) -> bool {
        self.logical_pools() == other.logical_pools()
            && self.classic == other.classic
            && self.devices == other.devices
            && self.keys == other.keys
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
        line.license.term.check()?;
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

// ---------------------------------------------------------------------------------------------
// Queries on an account
// ---------------------------------------------------------------------------------------------

impl SmartAccount {
    /// Compliance of every pool (LIC006), in pool creation order: purchased, consumed,
    /// reserved, available and shortfall per Virtual Account and license type. Empty pools
    /// are skipped. One pass over a vector; nothing is allocated.
    pub fn compliance(&self) -> impl Iterator<Item = Compliance<'_>> + '_ {
        let l = &self.licenses;
        l.pools.iter().filter(|p| !p.is_empty()).filter_map(|p| {
            Some(Compliance {
                va: p.va,
                license: l.types.get(p.ty as usize)?,
                purchased: p.purchased,
                consumed: p.consumed,
                reserved: p.reserved,
                available: p.available(),
                shortfall: p.shortfall(),
            })
        })
    }

    /// Compliance of one Virtual Account's pools, by license type.
    #[must_use]
    pub fn compliance_of(&self, va: VaId) -> Vec<Compliance<'_>> {
        let l = &self.licenses;
        let mut rows: Vec<Compliance<'_>> = l
            .pool_ids
            .range((va, 0)..=(va, u32::MAX))
            .filter_map(|(_, slot)| l.pools.get(*slot as usize))
            .filter(|p| !p.is_empty())
            .filter_map(|p| {
                Some(Compliance {
                    va: p.va,
                    license: l.types.get(p.ty as usize)?,
                    purchased: p.purchased,
                    consumed: p.consumed,
                    reserved: p.reserved,
                    available: p.available(),
                    shortfall: p.shortfall(),
                })
            })
            .collect();
        rows.sort_by(|a, b| a.license.cmp(b.license));
        rows
    }

    /// Available quantity of a license type in a Virtual Account (LIC009): purchased minus
    /// consumed minus reserved, 0 for an unknown pool.
    #[must_use]
    pub fn available(&self, va: VaId, license: &License) -> u64 {
        self.licenses.pool(va, license).map_or(0, Pool::available)
    }

    /// Total quantity of a SKU held by the account: every pool's purchased quantity plus the
    /// License Registration Portal record.
    #[must_use]
    pub fn total_of(&self, sku: &Sku) -> u64 {
        let l = &self.licenses;
        let pools: u64 = l
            .pools
            .iter()
            .filter(|p| l.types.get(p.ty as usize).is_some_and(|t| &t.sku == sku))
            .map(|p| p.purchased)
            .sum();
        let classic: u64 = l
            .classic
            .iter()
            .filter(|(t, _)| &t.sku == sku)
            .map(|(_, q)| *q)
            .sum();
        pools.saturating_add(classic)
    }

    /// The License Registration Portal record: Classic licenses by type (LIC002).
    pub fn classic(&self) -> impl Iterator<Item = (&License, u64)> {
        self.licenses.classic.iter().map(|(l, q)| (l, *q))
    }

    /// The registered devices, by identifier.
    pub fn devices(&self) -> impl Iterator<Item = &Device> {
        self.licenses.devices.values()
    }

    /// One device.
    #[must_use]
    pub fn device(&self, id: &DeviceId) -> Option<&Device> {
        self.licenses.devices.get(id)
    }

    /// The procurement history (EV002): every deposit, in order.
    #[must_use]
    pub fn procurement(&self) -> &[Procurement] {
        &self.licenses.history
    }

    /// The procurement history of one SKU (EV002).
    pub fn procurement_of<'a>(&'a self, sku: &'a Sku) -> impl Iterator<Item = &'a Procurement> {
        self.licenses
            .history
            .iter()
            .filter(move |p| &p.deposit.license.sku == sku)
    }

    /// The licenses waiting in this holding account, oldest first (empty for other kinds).
    #[must_use]
    pub fn holding_lots(&self) -> &[HoldingLot] {
        &self.licenses.lots
    }

    /// Holding aging as of a date (LIC008), oldest first.
    #[must_use]
    pub fn holding_aging(&self, as_of: Date) -> Vec<HoldingAge> {
        let mut out: Vec<HoldingAge> = self
            .licenses
            .lots
            .iter()
            .map(|lot| HoldingAge {
                sa: self.id,
                lot: lot.clone(),
                age_days: days_between_i32(lot.since, as_of).max(0),
            })
            .collect();
        out.sort_by_key(|a| a.lot.since);
        out
    }

    /// The notifications of LIC008 as of a date: one per Smart-Account-mandatory lot waiting
    /// in this holding account, addressed to the account's members, oldest first.
    #[must_use]
    pub fn notifications(&self, as_of: Date) -> Vec<Notification> {
        let mut recipients: Vec<UserId> = self.roles().map(|b| b.user).collect();
        recipients.dedup();
        self.holding_aging(as_of)
            .into_iter()
            .filter(|a| a.lot.sa_mandatory)
            .map(|a| Notification {
                sa: self.id,
                recipients: recipients.clone(),
                lot: a.lot,
                age_days: a.age_days,
            })
            .collect()
    }

    /// Term subscriptions that ran while undelivered (LIC007): those still waiting in this
    /// holding account (counted up to `as_of`) and those that reached this customer account
    /// (counted up to the delivery day). Only entries with at least one undelivered day.
    #[must_use]
    pub fn undelivered(&self, as_of: Date) -> Vec<Undelivered> {
        let ran = |license: &License, until: Date| -> i32 {
            match license.term {
                Term::Perpetual => 0,
                Term::Subscription { start, end } => {
                    let stop = until.min(end);
                    days_between_i32(start, stop).max(0)
                }
            }
        };
        let l = &self.licenses;
        let waiting = l.lots.iter().map(|lot| Undelivered {
            origin: lot.origin.clone(),
            license: lot.license.clone(),
            quantity: lot.quantity,
            delivered: None,
            days: ran(&lot.license, as_of),
        });
        let delivered = l.deliveries.iter().map(|d| Undelivered {
            origin: d.origin.clone(),
            license: d.license.clone(),
            quantity: d.quantity,
            delivered: Some(d.on),
            days: ran(&d.license, d.on),
        });
        waiting
            .chain(delivered)
            .filter(|u| u.days > 0 && u.quantity > 0)
            .collect()
    }

    /// A device's reporting status as of a date under a policy (DEV002), or `None` for an
    /// unknown device.
    #[must_use]
    pub fn reporting_status(
        &self,
        device: &DeviceId,
        as_of: Date,
        policy: ReportingPolicy,
    ) -> Option<ReportingStatus> {
        self.licenses
            .devices
            .get(device)
            .map(|d| reporting(d, as_of, policy))
    }

    /// Every device's reporting status as of a date, by device identifier (DEV002).
    #[must_use]
    pub fn reporting(
        &self,
        as_of: Date,
        policy: ReportingPolicy,
    ) -> Vec<(&DeviceId, ReportingStatus)> {
        self.licenses
            .devices
            .iter()
            .map(|(id, d)| (id, reporting(d, as_of, policy)))
            .collect()
    }

    /// Whether this account has already applied the cross-account transfer `id` (LIC004).
    #[must_use]
    pub fn has_transfer(&self, id: &TransferId) -> bool {
        self.licenses.transfers.contains_key(id)
    }

    /// Applies an event received for this account, e.g. by a service that stores each account
    /// apart. The two events of a transfer between accounts ([`LicenseChange::Sent`],
    /// [`LicenseChange::Received`]) are idempotent by transfer ID: applying one again returns
    /// `Ok(false)` and changes nothing. Every other event is applied as on replay.
    ///
    /// # Errors
    ///
    /// [`Error::Replay`] for an event of another account; otherwise the error of the rule the
    /// change breaks. The account is then unchanged.
    pub fn apply_event(&mut self, event: &Event) -> Result<bool, Error> {
        if event.sa != self.id {
            return Err(Error::Replay {
                sa: self.id,
                seq: event.seq,
                reason: format!("the event belongs to `{}`", event.sa),
            });
        }
        if let Change::License(LicenseChange::Sent(t) | LicenseChange::Received(t)) = &event.change
            && let Some(existing) = self.licenses.transfers.get(&t.id)
        {
            if existing == t {
                return Ok(false);
            }
            return Err(Error::IdempotencyConflict {
                rule: RuleId::LIC004,
                key: t.id.to_string(),
            });
        }
        self.apply(event)?;
        Ok(true)
    }

    /// Whether the Virtual Account holds licenses or devices (VA005).
    pub(crate) fn va_holds_licenses(&self, va: VaId) -> bool {
        self.licenses.holds_anything(va)
    }

    pub(crate) fn used_key(&self, key: &IdempotencyKey) -> Option<&KeyRecord> {
        self.licenses.keys.get(key)
    }

    pub(crate) fn transfer_record(&self, id: &TransferId) -> Option<&CrossSaTransfer> {
        self.licenses.transfers.get(id)
    }

    pub(crate) fn deposit_of(&self, order: &OrderLine) -> Option<&Procurement> {
        self.licenses
            .order_lines
            .get(order)
            .and_then(|i| self.licenses.history.get(*i))
    }

    pub(crate) fn pool_shortfall(&self, va: VaId, license: &License) -> u64 {
        self.licenses.pool(va, license).map_or(0, Pool::shortfall)
    }

    /// LIC005, LIC010: licenses of this account can be `what` (reserved, consumed): it is
    /// neither a partner holding account nor pending. Checked when planned and when applied.
    pub(crate) fn usable(&self, what: &'static str) -> Result<(), Error> {
        if self.kind == AccountKind::PartnerHolding || self.status == AccountStatus::Pending {
            return Err(Error::NotUsable {
                sa: self.id,
                what,
                reason: if self.kind == AccountKind::PartnerHolding {
                    "it is a partner holding account"
                } else {
                    "it is pending"
                },
            });
        }
        Ok(())
    }

    /// DEV001: devices are registered only in active customer or limited use accounts.
    /// Checked when planned and when applied.
    pub(crate) fn device_home(&self) -> Result<(), Error> {
        let ok = matches!(self.kind, AccountKind::Customer | AccountKind::LimitedUse)
            && self.status == AccountStatus::Active;
        if ok {
            Ok(())
        } else {
            Err(Error::DeviceAccount {
                sa: self.id,
                reason: "devices are registered only in active customer or limited use smart accounts",
            })
        }
    }

    fn va_here(&self, va: VaId, rule: RuleId) -> Result<(), Error> {
        if self.tree.get(va).is_some() {
            Ok(())
        } else {
            Err(Error::NotFound {
                rule,
                entity: Entity::Va(va),
            })
        }
    }

    fn device_here(&self, device: &DeviceId, rule: RuleId) -> Result<&Device, Error> {
        self.licenses
            .devices
            .get(device)
            .ok_or_else(|| Error::UnknownDevice {
                rule,
                device: device.to_string(),
            })
    }

    fn check_available(
        &self,
        va: VaId,
        license: &License,
        quantity: u64,
        rule: RuleId,
    ) -> Result<(), Error> {
        if self.available(va, license) < quantity {
            return Err(self.shortage(va, license, quantity, rule));
        }
        Ok(())
    }

    /// The error for a request of more than is available.
    fn shortage(&self, va: VaId, license: &License, quantity: u64, rule: RuleId) -> Error {
        if !self.licenses.knows(license) {
            return Error::UnknownLicense {
                rule,
                sa: self.id,
                license: clip(&license.to_string()),
            };
        }
        Error::Insufficient {
            rule,
            va,
            license: clip(&license.to_string()),
            available: self.available(va, license),
            requested: quantity,
        }
    }

    /// Applies a license change: every check first, then the mutation.
    pub(crate) fn apply_license(
        &mut self,
        event: &Event,
        change: &LicenseChange,
    ) -> Result<(), Error> {
        match change {
            LicenseChange::Deposited(d) => self.apply_deposit(d, event.at),
            LicenseChange::ClassicConverted {
                license,
                quantity,
                va,
            } => self.convert_classic(license, *quantity, *va),
            LicenseChange::Transferred {
                key,
                from,
                to,
                lines,
            } => self.apply_transfer(key, *from, *to, lines),
            LicenseChange::Sent(t) => self.send(t),
            LicenseChange::Received(t) => self.receive(t, event.at),
            LicenseChange::Reserved {
                va,
                license,
                quantity,
            } => self.reserve(*va, license, *quantity),
            LicenseChange::ReservationReleased {
                va,
                license,
                quantity,
            } => self.release_reservation(*va, license, *quantity),
            LicenseChange::DeviceRegistered {
                device,
                va,
                installed,
            } => self.register_device(device, *va, *installed),
            LicenseChange::DeviceMoved { device, va } => self.move_device(device, *va),
            LicenseChange::DeviceRemoved { device } => self.remove_device(device),
            LicenseChange::Consumed {
                device,
                license,
                quantity,
            } => self.consume(device, license, *quantity),
            LicenseChange::ConsumptionReleased {
                device,
                license,
                quantity,
            } => self.release_consumption(device, license, *quantity),
            LicenseChange::DeviceChanged { device, on } => self.device_changed(device, *on),
            LicenseChange::UsageReported { device, on } => self.usage_reported(device, *on),
            LicenseChange::Opening(item) => self.apply_opening(item),
        }
    }

    /// LIC004: the destination account receives the lines of a transfer from another account.
    fn receive(&mut self, t: &CrossSaTransfer, at: Timestamp) -> Result<(), Error> {
        if t.to_sa != self.id || t.from_sa == self.id {
            return Err(Error::CrossSa {
                from: t.from_sa,
                to: t.to_sa,
                reason: "the receiving event belongs to the destination account of another account's transfer",
            });
        }
        self.unrecorded_transfer(&t.id)?;
        if t.path == CrossSaPath::HoldingAssignment
            && (self.kind == AccountKind::PartnerHolding || self.status != AccountStatus::Active)
        {
            return Err(Error::CrossSa {
                from: t.from_sa,
                to: t.to_sa,
                reason: "holding accounts assign only to active customer or limited use smart accounts",
            });
        }
        check_path(&t.path)?;
        check_lines(&t.lines)?;
        self.va_here(t.to_va, RuleId::LIC004)?;
        self.check_move_in(t.to_va, &t.lines, RuleId::LIC004)?;
        self.move_in(t.to_va, &t.lines);
        let on = utc_date(at);
        for line in &t.lines {
            self.arrived(
                Origin::Transfer(t.id.clone()),
                &line.license,
                line.quantity,
                on,
                false,
            );
        }
        self.licenses.transfers.insert(t.id.clone(), t.clone());
        Ok(())
    }

    /// LIC004: the source account sends the lines of a transfer to another account.
    fn send(&mut self, t: &CrossSaTransfer) -> Result<(), Error> {
        if t.from_sa != self.id || t.to_sa == self.id {
            return Err(Error::CrossSa {
                from: t.from_sa,
                to: t.to_sa,
                reason: "the sending event belongs to the source account of another account's transfer",
            });
        }
        self.unrecorded_transfer(&t.id)?;
        if t.path == CrossSaPath::HoldingAssignment && self.kind != AccountKind::PartnerHolding {
            return Err(Error::CrossSa {
                from: t.from_sa,
                to: t.to_sa,
                reason: "only a partner holding account assigns licenses to a customer",
            });
        }
        check_path(&t.path)?;
        check_lines(&t.lines)?;
        self.check_move_out(t.from_va, &t.lines)?;
        self.move_out(t.from_va, &t.lines);
        if self.kind == AccountKind::PartnerHolding {
            self.draw_lots(&t.lines);
        }
        self.licenses.transfers.insert(t.id.clone(), t.clone());
        Ok(())
    }

    /// LIC002: classic licenses held by the account become Smart licenses in `va`.
    fn convert_classic(&mut self, license: &License, quantity: u64, va: VaId) -> Result<(), Error> {
        positive(quantity, RuleId::LIC002)?;
        self.va_here(va, RuleId::LIC002)?;
        let held = self.licenses.classic.get(license).copied().unwrap_or(0);
        if held < quantity {
            return Err(Error::Insufficient {
                rule: RuleId::LIC002,
                va,
                license: clip(&license.to_string()),
                available: held,
                requested: quantity,
            });
        }
        let current = self.licenses.pool(va, license).map_or(0, |p| p.purchased);
        let purchased = add(current, quantity, RuleId::LIC002)?;
        let left = held - quantity;
        if left == 0 {
            self.licenses.classic.remove(license);
        } else {
            self.licenses.classic.insert(license.clone(), left);
        }
        if let Some(pool) = self.licenses.pool_mut(va, license) {
            pool.purchased = purchased;
        }
        Ok(())
    }

    /// LIC010: available licenses of a pool are reserved.
    fn reserve(&mut self, va: VaId, license: &License, quantity: u64) -> Result<(), Error> {
        positive(quantity, RuleId::LIC010)?;
        self.usable("reserved")?;
        self.va_here(va, RuleId::LIC010)?;
        self.check_available(va, license, quantity, RuleId::LIC010)?;
        if let Some(pool) = self.licenses.pool_mut(va, license) {
            pool.reserved = pool.reserved.saturating_add(quantity);
        }
        Ok(())
    }

    /// LIC010: reserved licenses of a pool become available again.
    fn release_reservation(
        &mut self,
        va: VaId,
        license: &License,
        quantity: u64,
    ) -> Result<(), Error> {
        positive(quantity, RuleId::LIC010)?;
        self.va_here(va, RuleId::LIC010)?;
        let reserved = self.licenses.pool(va, license).map_or(0, |p| p.reserved);
        if reserved < quantity {
            return Err(Error::Insufficient {
                rule: RuleId::LIC010,
                va,
                license: clip(&license.to_string()),
                available: reserved,
                requested: quantity,
            });
        }
        if let Some(pool) = self.licenses.pool_mut(va, license) {
            pool.reserved = reserved - quantity;
        }
        Ok(())
    }

    /// DEV001: a new device in a Virtual Account of this account.
    fn register_device(
        &mut self,
        device: &DeviceId,
        va: VaId,
        installed: Date,
    ) -> Result<(), Error> {
        self.device_home()?;
        self.va_here(va, RuleId::DEV001)?;
        if self.licenses.devices.contains_key(device) {
            return Err(Error::DuplicateDevice {
                device: device.to_string(),
                sa: self.id,
            });
        }
        self.licenses.devices.insert(
            device.clone(),
            Device {
                id: device.clone(),
                va,
                installed,
                changed: None,
                reported: None,
                ever_consumed: false,
                consumption: BTreeMap::new(),
            },
        );
        Ok(())
    }

    /// DEV001, LIC006: a device and what it consumes move to another Virtual Account.
    fn move_device(&mut self, device: &DeviceId, va: VaId) -> Result<(), Error> {
        self.va_here(va, RuleId::DEV001)?;
        let record = self.device_here(device, RuleId::DEV001)?;
        let old = record.va;
        if old == va {
            return Ok(());
        }
        let consumption: Vec<(License, u64)> = record
            .consumption
            .iter()
            .map(|(l, q)| (l.clone(), *q))
            .collect();
        let mut new_values = Vec::with_capacity(consumption.len());
        for (license, q) in &consumption {
            let current = self.licenses.pool(va, license).map_or(0, |p| p.consumed);
            new_values.push(add(current, *q, RuleId::LIC006)?);
        }
        for ((license, q), value) in consumption.iter().zip(new_values) {
            if let Some(pool) = self.licenses.pool_mut(old, license) {
                pool.consumed = pool.consumed.saturating_sub(*q);
            }
            if let Some(pool) = self.licenses.pool_mut(va, license) {
                pool.consumed = value;
            }
        }
        if let Some(d) = self.licenses.devices.get_mut(device) {
            d.va = va;
        }
        Ok(())
    }

    /// DEV001: a device goes, releasing what it consumed.
    fn remove_device(&mut self, device: &DeviceId) -> Result<(), Error> {
        let record = self.device_here(device, RuleId::DEV001)?.clone();
        for (license, q) in &record.consumption {
            if let Some(pool) = self.licenses.pool_mut(record.va, license) {
                pool.consumed = pool.consumed.saturating_sub(*q);
            }
        }
        self.licenses.devices.remove(device);
        Ok(())
    }

    /// LIC006: a device consumes licenses of its pool.
    fn consume(
        &mut self,
        device: &DeviceId,
        license: &License,
        quantity: u64,
    ) -> Result<(), Error> {
        positive(quantity, RuleId::LIC006)?;
        self.usable("consumed")?;
        let record = self.device_here(device, RuleId::LIC006)?;
        if !self.licenses.knows(license) {
            return Err(Error::UnknownLicense {
                rule: RuleId::LIC006,
                sa: self.id,
                license: clip(&license.to_string()),
            });
        }
        let va = record.va;
        let held = record.consumption.get(license).copied().unwrap_or(0);
        let held = add(held, quantity, RuleId::LIC006)?;
        let current = self.licenses.pool(va, license).map_or(0, |p| p.consumed);
        let consumed = add(current, quantity, RuleId::LIC006)?;
        if let Some(pool) = self.licenses.pool_mut(va, license) {
            pool.consumed = consumed;
        }
        if let Some(d) = self.licenses.devices.get_mut(device) {
            d.consumption.insert(license.clone(), held);
            d.ever_consumed = true;
        }
        Ok(())
    }

    /// LIC006: a device gives back licenses it consumed.
    fn release_consumption(
        &mut self,
        device: &DeviceId,
        license: &License,
        quantity: u64,
    ) -> Result<(), Error> {
        positive(quantity, RuleId::LIC006)?;
        let record = self.device_here(device, RuleId::LIC006)?;
        let va = record.va;
        let held = record.consumption.get(license).copied().unwrap_or(0);
        if held < quantity {
            return Err(Error::Insufficient {
                rule: RuleId::LIC006,
                va,
                license: clip(&license.to_string()),
                available: held,
                requested: quantity,
            });
        }
        if let Some(pool) = self.licenses.pool_mut(va, license) {
            pool.consumed = pool.consumed.saturating_sub(quantity);
        }
        if let Some(d) = self.licenses.devices.get_mut(device) {
            if held == quantity {
                d.consumption.remove(license);
            } else {
                d.consumption.insert(license.clone(), held - quantity);
            }
        }
        Ok(())
    }

    /// DEV002: the latest day a device changed.
    fn device_changed(&mut self, device: &DeviceId, on: Date) -> Result<(), Error> {
        self.device_here(device, RuleId::DEV002)?;
        if let Some(d) = self.licenses.devices.get_mut(device) {
            d.changed = Some(d.changed.map_or(on, |c| c.max(on)));
        }
        Ok(())
    }

    /// DEV002: the latest day a device reported its usage.
    fn usage_reported(&mut self, device: &DeviceId, on: Date) -> Result<(), Error> {
        self.device_here(device, RuleId::DEV002)?;
        if let Some(d) = self.licenses.devices.get_mut(device) {
            d.reported = Some(d.reported.map_or(on, |r| r.max(on)));
        }
        Ok(())
    }

    fn apply_deposit(&mut self, d: &Deposit, at: Timestamp) -> Result<(), Error> {
        positive(d.quantity, RuleId::LIC002)?;
        d.license.term.check()?;
        if self.licenses.order_lines.contains_key(&d.order) {
            return Err(Error::DuplicateOrderLine {
                order: d.order.to_string(),
                sa: self.id,
            });
        }
        match d.kind {
            LicenseKind::Smart => {
                let va = d.va.unwrap_or(self.default_va);
                self.va_here(va, RuleId::LIC002)?;
                let current = self
                    .licenses
                    .pool(va, &d.license)
                    .map_or(0, |p| p.purchased);
                let purchased = add(current, d.quantity, RuleId::LIC002)?;
                if let Some(pool) = self.licenses.pool_mut(va, &d.license) {
                    pool.purchased = purchased;
                }
            }
            LicenseKind::Classic => {
                let current = self.licenses.classic.get(&d.license).copied().unwrap_or(0);
                let total = add(current, d.quantity, RuleId::LIC002)?;
                self.licenses.classic.insert(d.license.clone(), total);
            }
        }
        self.arrived(
            Origin::Order(d.order.clone()),
            &d.license,
            d.quantity,
            utc_date(at),
            d.sa_mandatory,
        );
        self.licenses
            .order_lines
            .insert(d.order.clone(), self.licenses.history.len());
        self.licenses.history.push(Procurement {
            deposit: d.clone(),
            at,
        });
        Ok(())
    }

    /// A transfer between two Virtual Accounts (LIC003, LIC009): every line is resolved to its
    /// source and destination pool once and checked, then the quantities move and the key is
    /// recorded. The hot path of the crate's license commands.
    fn apply_transfer(
        &mut self,
        key: &IdempotencyKey,
        from: VaId,
        to: VaId,
        lines: &[TransferLine],
    ) -> Result<(), Error> {
        check_lines(lines)?;
        self.va_here(from, RuleId::LIC003)?;
        self.va_here(to, RuleId::LIC003)?;
        if from == to {
            return Err(Error::SameVa { va: to });
        }
        // (type, source slot, destination slot if the pool exists, quantity)
        let mut resolved = [(0u32, 0usize, None::<usize>, 0u64); MAX_TRANSFER_TYPES];
        for (slot, line) in resolved.iter_mut().zip(lines) {
            let l = &self.licenses;
            let ty = l.type_id(&line.license);
            let source = ty.and_then(|ty| l.pool_ids.get(&(from, ty)).map(|s| *s as usize));
            let available = source
                .and_then(|s| l.pools.get(s))
                .map_or(0, Pool::available);
            let (Some(ty), Some(source)) = (ty, source) else {
                return Err(self.shortage(from, &line.license, line.quantity, RuleId::LIC009));
            };
            if available < line.quantity {
                return Err(self.shortage(from, &line.license, line.quantity, RuleId::LIC009));
            }
            let dest = l.pool_ids.get(&(to, ty)).map(|s| *s as usize);
            let current = dest.and_then(|s| l.pools.get(s)).map_or(0, |p| p.purchased);
            add(current, line.quantity, RuleId::LIC003)?;
            *slot = (ty, source, dest, line.quantity);
        }
        let l = &mut self.licenses;
        let Entry::Vacant(vacant) = l.keys.entry(key.clone()) else {
            return Err(Error::IdempotencyConflict {
                rule: RuleId::LIC009,
                key: key.to_string(),
            });
        };
        for (ty, source, dest, quantity) in resolved.iter().take(lines.len()) {
            if let Some(pool) = l.pools.get_mut(*source) {
                pool.purchased = pool.purchased.saturating_sub(*quantity);
            }
            let dest = match dest {
                Some(d) => *d,
                None => new_pool(&mut l.pools, &mut l.pool_ids, to, *ty),
            };
            if let Some(pool) = l.pools.get_mut(dest) {
                pool.purchased = pool.purchased.saturating_add(*quantity);
            }
        }
        vacant.insert(KeyRecord {
            key: key.clone(),
            from,
            to,
            lines: lines.to_vec(),
        });
        Ok(())
    }

    /// Records where arriving licenses wait (holding) or when a term reached a customer.
    fn arrived(
        &mut self,
        origin: Origin,
        license: &License,
        quantity: u64,
        on: Date,
        sa_mandatory: bool,
    ) {
        if self.kind == AccountKind::PartnerHolding {
            self.licenses.lots.push(HoldingLot {
                origin,
                license: license.clone(),
                quantity,
                since: on,
                sa_mandatory,
            });
        } else if matches!(license.term, Term::Subscription { .. }) {
            self.licenses.deliveries.push(Delivery {
                origin,
                license: license.clone(),
                quantity,
                on,
            });
        }
    }

    /// Takes quantities out of the holding lots, oldest first.
    fn draw_lots(&mut self, lines: &[TransferLine]) {
        for line in lines {
            let mut left = line.quantity;
            for lot in self
                .licenses
                .lots
                .iter_mut()
                .filter(|l| l.license == line.license)
            {
                if left == 0 {
                    break;
                }
                let take = lot.quantity.min(left);
                lot.quantity -= take;
                left -= take;
            }
        }
        self.licenses.lots.retain(|l| l.quantity > 0);
    }

    /// A cross-account transfer ID may be recorded once per account (LIC004).
    fn unrecorded_transfer(&self, id: &TransferId) -> Result<(), Error> {
        if self.has_transfer(id) {
            Err(Error::IdempotencyConflict {
                rule: RuleId::LIC004,
                key: id.to_string(),
            })
        } else {
            Ok(())
        }
    }

    /// The source holds every line's quantity available (LIC009); `lines` passed
    /// [`check_lines`].
    fn check_move_out(&self, from: VaId, lines: &[TransferLine]) -> Result<(), Error> {
        self.va_here(from, RuleId::LIC003)?;
        for line in lines {
            self.check_available(from, &line.license, line.quantity, RuleId::LIC009)?;
        }
        Ok(())
    }

    fn check_move_in(&self, to: VaId, lines: &[TransferLine], rule: RuleId) -> Result<(), Error> {
        for line in lines {
            let current = self
                .licenses
                .pool(to, &line.license)
                .map_or(0, |p| p.purchased);
            add(current, line.quantity, rule)?;
        }
        Ok(())
    }

    fn move_out(&mut self, from: VaId, lines: &[TransferLine]) {
        for line in lines {
            if let Some(pool) = self.licenses.pool_mut(from, &line.license) {
                pool.purchased = pool.purchased.saturating_sub(line.quantity);
            }
        }
    }

    fn move_in(&mut self, to: VaId, lines: &[TransferLine]) {
        for line in lines {
            if let Some(pool) = self.licenses.pool_mut(to, &line.license) {
                pool.purchased = pool.purchased.saturating_add(line.quantity);
            }
        }
    }

    fn apply_opening(&mut self, item: &Opening) -> Result<(), Error> {
        match item {
            Opening::Pool(p) => self.open_pool(p),
            Opening::Classic(balance) => self.open_classic(balance),
            Opening::Device(d) => self.open_device(d),
            Opening::Procurement(p) => self.open_procurement(p),
            Opening::Lot(lot) => self.open_lot(lot),
            Opening::Delivery(d) => self.open_delivery(d),
            Opening::Key(k) => self.open_key(k),
            Opening::Transfer(t) => self.open_transfer(t),
        }
    }

    /// LIC001, LIC010: one pool of the opening balance, in a VA of this account.
    fn open_pool(&mut self, p: &PoolBalance) -> Result<(), Error> {
        self.va_here(p.va, RuleId::LIC001)?;
        p.license.term.check()?;
        if self
            .licenses
            .pool(p.va, &p.license)
            .is_some_and(|x| !x.is_empty())
        {
            return Err(Error::Inconsistent {
                rule: RuleId::LIC001,
                entity: Entity::Va(p.va),
                reason: "this license type appears twice in the virtual account",
            });
        }
        if p.purchased == 0 && p.reserved == 0 {
            return Err(Error::InvalidQuantity {
                rule: RuleId::LIC001,
                quantity: 0,
                reason: "an opening pool holds at least one license",
            });
        }
        if p.reserved > p.purchased {
            return Err(Error::Insufficient {
                rule: RuleId::LIC010,
                va: p.va,
                license: clip(&p.license.to_string()),
                available: p.purchased,
                requested: p.reserved,
            });
        }
        if p.reserved > 0 {
            self.usable("reserved")?;
        }
        if let Some(pool) = self.licenses.pool_mut(p.va, &p.license) {
            pool.purchased = p.purchased;
            pool.reserved = p.reserved;
        }
        Ok(())
    }

    /// LIC002: classic licenses of the opening balance.
    fn open_classic(
        &mut self,
        ClassicBalance { license, quantity }: &ClassicBalance,
    ) -> Result<(), Error> {
        positive(*quantity, RuleId::LIC002)?;
        license.term.check()?;
        if self.licenses.classic.contains_key(license) {
            return Err(Error::Inconsistent {
                rule: RuleId::LIC002,
                entity: Entity::Account(self.id),
                reason: "this classic license type appears twice",
            });
        }
        self.licenses.classic.insert(license.clone(), *quantity);
        Ok(())
    }

    /// DEV001, DEV002, LIC006: one device of the opening balance, with what it consumes.
    fn open_device(&mut self, d: &Device) -> Result<(), Error> {
        self.device_home()?;
        self.va_here(d.va, RuleId::DEV001)?;
        if self.licenses.devices.contains_key(&d.id) {
            return Err(Error::DuplicateDevice {
                device: d.id.to_string(),
                sa: self.id,
            });
        }
        let mut updates = Vec::with_capacity(d.consumption.len());
        for (license, q) in &d.consumption {
            positive(*q, RuleId::LIC006)?;
            if !self.licenses.knows(license) {
                return Err(Error::UnknownLicense {
                    rule: RuleId::LIC006,
                    sa: self.id,
                    license: clip(&license.to_string()),
                });
            }
            let current = self.licenses.pool(d.va, license).map_or(0, |p| p.consumed);
            updates.push((license, add(current, *q, RuleId::LIC006)?));
        }
        if !d.consumption.is_empty() && !d.ever_consumed {
            return Err(Error::Inconsistent {
                rule: RuleId::DEV002,
                entity: Entity::Va(d.va),
                reason: "a device that consumes licenses has consumed one",
            });
        }
        for (license, value) in updates {
            if let Some(pool) = self.licenses.pool_mut(d.va, license) {
                pool.consumed = value;
            }
        }
        self.licenses.devices.insert(d.id.clone(), d.clone());
        Ok(())
    }

    /// EV002, LIC002: one order line procured before the opening.
    fn open_procurement(&mut self, p: &Procurement) -> Result<(), Error> {
        positive(p.deposit.quantity, RuleId::EV002)?;
        p.deposit.license.term.check()?;
        if self.licenses.order_lines.contains_key(&p.deposit.order) {
            return Err(Error::DuplicateOrderLine {
                order: p.deposit.order.to_string(),
                sa: self.id,
            });
        }
        self.licenses
            .order_lines
            .insert(p.deposit.order.clone(), self.licenses.history.len());
        self.licenses.history.push(p.clone());
        Ok(())
    }

    /// LIC008: licenses waiting in a partner holding account, no more than it holds.
    fn open_lot(&mut self, lot: &HoldingLot) -> Result<(), Error> {
        positive(lot.quantity, RuleId::LIC008)?;
        if self.kind != AccountKind::PartnerHolding {
            return Err(Error::Inconsistent {
                rule: RuleId::LIC008,
                entity: Entity::Account(self.id),
                reason: "only a partner holding account has licenses waiting in holding",
            });
        }
        let waiting: u64 = self
            .licenses
            .lots
            .iter()
            .filter(|l| l.license == lot.license)
            .fold(lot.quantity, |a, l| a.saturating_add(l.quantity));
        let held: u64 = self
            .licenses
            .pools
            .iter()
            .filter(|p| self.licenses.types.get(p.ty as usize) == Some(&lot.license))
            .fold(
                self.licenses
                    .classic
                    .get(&lot.license)
                    .copied()
                    .unwrap_or(0),
                |a, p| a.saturating_add(p.purchased),
            );
        if waiting > held {
            return Err(Error::Inconsistent {
                rule: RuleId::LIC008,
                entity: Entity::Account(self.id),
                reason: "more licenses wait in holding than the account holds",
            });
        }
        self.licenses.lots.push(lot.clone());
        Ok(())
    }

    /// LIC007: a term subscription delivered to a customer account.
    fn open_delivery(&mut self, d: &Delivery) -> Result<(), Error> {
        positive(d.quantity, RuleId::LIC007)?;
        if self.kind == AccountKind::PartnerHolding
            || !matches!(d.license.term, Term::Subscription { .. })
        {
            return Err(Error::Inconsistent {
                rule: RuleId::LIC007,
                entity: Entity::Account(self.id),
                reason: "deliveries are term subscriptions that reached a customer account",
            });
        }
        self.licenses.deliveries.push(d.clone());
        Ok(())
    }

    /// LIC009: an idempotency key used before the opening.
    fn open_key(&mut self, k: &KeyRecord) -> Result<(), Error> {
        if self.licenses.keys.contains_key(&k.key) {
            return Err(Error::IdempotencyConflict {
                rule: RuleId::LIC009,
                key: k.key.to_string(),
            });
        }
        check_lines(&k.lines)?;
        self.licenses.keys.insert(k.key.clone(), k.clone());
        Ok(())
    }

    /// LIC004: a transfer between accounts recorded before the opening.
    fn open_transfer(&mut self, t: &CrossSaTransfer) -> Result<(), Error> {
        self.unrecorded_transfer(&t.id)?;
        if t.from_sa != self.id && t.to_sa != self.id || t.from_sa == t.to_sa {
            return Err(Error::CrossSa {
                from: t.from_sa,
                to: t.to_sa,
                reason: "a recorded transfer names this account on exactly one side",
            });
        }
        check_path(&t.path)?;
        check_lines(&t.lines)?;
        self.licenses.transfers.insert(t.id.clone(), t.clone());
        Ok(())
    }

    /// The opening balance that rebuilds this account's licenses and devices (for snapshots).
    pub(crate) fn opening_items(&self) -> crate::snapshot::LicenseSnapshot {
        let l = &self.licenses;
        let mut pools: Vec<PoolBalance> = l
            .pools
            .iter()
            .filter(|p| p.purchased > 0 || p.reserved > 0)
            .filter_map(|p| {
                Some(PoolBalance {
                    va: p.va,
                    license: l.types.get(p.ty as usize)?.clone(),
                    purchased: p.purchased,
                    reserved: p.reserved,
                })
            })
            .collect();
        pools.sort_by(|a, b| (a.va, &a.license).cmp(&(b.va, &b.license)));
        crate::snapshot::LicenseSnapshot {
            pools,
            classic: l
                .classic
                .iter()
                .map(|(license, quantity)| ClassicBalance {
                    license: license.clone(),
                    quantity: *quantity,
                })
                .collect(),
            devices: l.devices.values().cloned().collect(),
            procurement: l.history.clone(),
            holding: l.lots.clone(),
            deliveries: l.deliveries.clone(),
            keys: {
                let mut keys: Vec<KeyRecord> = l.keys.values().cloned().collect();
                keys.sort_by(|a, b| a.key.cmp(&b.key));
                keys
            },
            transfers: l.transfers.values().cloned().collect(),
        }
    }
}

/// Classic licenses of a License Registration Portal record, in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ClassicBalance {
    /// The license type.
    pub license: License,
    /// How many.
    pub quantity: u64,
}

fn check_path(path: &CrossSaPath) -> Result<(), Error> {
    if let CrossSaPath::VendorReassignment { case } = path
        && check_name(case, MAX_REF).is_err()
    {
        return Err(Error::InvalidName {
            rule: RuleId::LIC004,
            field: "vendor support case number",
            value: clip(case),
            reason: "a re-assignment needs a case number of 1 to 100 characters",
        });
    }
    Ok(())
}

fn reporting(d: &Device, as_of: Date, policy: ReportingPolicy) -> ReportingStatus {
    if !d.ever_consumed {
        return ReportingStatus::NotRequired;
    }
    let reported_since = |day: Date| d.reported.is_some_and(|r| r >= day);
    let mut deadlines: Vec<Date> = Vec::with_capacity(3);
    if policy.first_report > 0 && !reported_since(d.installed) {
        deadlines.extend(add_days(d.installed, policy.first_report));
    }
    if let Some(changed) = d.changed
        && policy.on_change > 0
        && !reported_since(changed)
    {
        deadlines.extend(add_days(changed, policy.on_change));
    }
    if policy.frequency > 0 {
        let base = d.reported.map_or(d.installed, |r| r.max(d.installed));
        deadlines.extend(add_days(base, policy.frequency));
    }
    let Some(due) = deadlines.into_iter().min() else {
        return ReportingStatus::NotRequired;
    };
    let left = days_between_i32(as_of, due);
    if left < 0 {
        ReportingStatus::Overdue { due, days: -left }
    } else if left <= DUE_SOON_DAYS {
        ReportingStatus::DueSoon { due }
    } else {
        ReportingStatus::OnTime { due }
    }
}

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
