//! Order records (Q011): the lifecycle of a placed order, line by line, as state with events.
//!
//! The validators ([`crate::validate()`]) stay pure functions of a quote. An ordering system
//! that wants the crate to keep its orders hands it the lifecycle instead:
//!
//! 1. [`OrderCommand::Place`] validates the order ([`Stage::Order`](crate::Stage::Order)) and
//!    records it. A line that only initiates an assignment (a request for a new account, a
//!    delegation to the end customer's contact) or names a Pending account waits on Smart
//!    Account Hold ([`LineState::OnHold`], Q006); a line assigned to an Active account is
//!    [`LineState::Ready`].
//! 2. The hold is released line by line when an Active account is assigned:
//!    [`OrderCommand::Assign`] by the partner (or distributor, or the ordering system), or by the
//!    end customer's contact for a delegated line; or by itself when the requested or Pending
//!    account becomes Active (the activation's commit records [`OrderChange::Released`]).
//! 3. [`OrderCommand::Book`] books lines that are Ready (or need no account); a booked line
//!    keeps its assignment (Q009).
//! 4. Fulfilment is the ordering system's
//!    [`LicenseCommand::Deposit`](crate::LicenseCommand::Deposit) naming the order line
//!    (`order`, line number `i + 1` for the quote's `lines[i]`): for a recorded order it must
//!    go to the booked line's account, of its SKU and quantity, and its commit records
//!    [`OrderChange::Fulfilled`]. Into a holding account, the licenses then wait there (LIC008).
//!
//! The commands are planned and the changes checked and applied by the directory
//! (`src/orders/lifecycle.rs`; its queries: [`Directory::order`](crate::Directory::order),
//! [`Directory::orders`](crate::Directory::orders), [`Directory::holds`](crate::Directory::holds)).
//!
//! # Examples
//!
//! ```
//! use smart_accounts::records::{Hold, LineState, OrderCommand};
//! use smart_accounts::{fixtures, Actor, Command, OrderId};
//!
//! let mut w = fixtures::world()?;
//! let globex = w.globex.sa; // requested by the partner, still Pending
//! // One line, assigned to Globex's account.
//! let quote = fixtures::quotes::sample(&w, "q006-pending")?.ok_or("no sample")?.quote;
//! let order = OrderId::parse("CCW-1001")?;
//! let place = OrderCommand::Place { order: order.clone(), quote };
//! w.dir.execute(&Actor::Fulfilment, w.at, Command::Order(place))?;
//! let line = w.dir.order(&order).ok_or("not recorded")?.line(1);
//! assert_eq!(line, Some(&LineState::OnHold { hold: Hold::PendingAccount { sa: globex } }));
//!
//! // Globex's contact activates the account: the same commit releases the line.
//! w.dir.execute(&Actor::User(w.globex.hank), w.at, Command::ActivateAccount { sa: globex })?;
//! let line = w.dir.order(&order).ok_or("not recorded")?.line(1);
//! assert!(matches!(line, Some(LineState::Ready { sa, .. }) if *sa == globex));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Order records live in the directory's stream (EV005): an order's lines may go to several
//! accounts or to none yet. Their events are checked for the lifecycle when a replica or a
//! snapshot replays them; the validation against accounts happens when a command is planned.

use std::fmt;

use jiff::civil::Date;

use crate::base::error::Error;
use crate::base::ids::{SaId, VaId};
use crate::base::limits::clip;
use crate::base::text::{Domain, Email};
use crate::licenses::license::{OrderId, OrderLine};
use crate::orders::quote::{Assignment, Quote};
use crate::rules::RuleId;

/// Why a line waits on Smart Account Hold (Q006).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Hold {
    /// The line names an account that is still Pending: released when it becomes Active.
    PendingAccount {
        /// The account.
        sa: SaId,
    },
    /// The line requests a new account: released when an account with this domain (or, with
    /// none, whose contact has this email) becomes Active.
    NewAccount {
        /// The domain asked for, if any.
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        domain: Option<Domain>,
        /// The end customer's contact named on the request.
        contact: Email,
    },
    /// The line is delegated to the end customer's contact, who assigns the account.
    Delegated {
        /// The contact.
        contact: Email,
    },
}

impl fmt::Display for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hold::PendingAccount { sa } => {
                write!(f, "smart account `{sa}` to become active")
            }
            Hold::NewAccount {
                domain: Some(d), ..
            } => write!(f, "the requested smart account `{d}` to become active"),
            Hold::NewAccount {
                domain: None,
                contact,
            } => write!(
                f,
                "the smart account requested for {contact} to become active"
            ),
            Hold::Delegated { contact } => {
                write!(
                    f,
                    "the end customer's contact {contact} to assign a smart account"
                )
            }
        }
    }
}

/// Where a line of a recorded order stands (Q011).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum LineState {
    /// The line needs no Smart Account and names none: it may be booked and fulfilled as is.
    Unassigned,
    /// On Smart Account Hold (Q006) until an Active account is assigned.
    OnHold {
        /// What it waits for.
        hold: Hold,
    },
    /// Assigned to an Active account (or a holding account); may be booked.
    Ready {
        /// The account.
        sa: SaId,
        /// The Virtual Account the licenses go to.
        va: VaId,
    },
    /// Booked: the assignment is locked (Q009); waits for fulfilment.
    Booked {
        /// The account, `None` for a line that needs none.
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        sa: Option<SaId>,
        /// The Virtual Account, `None` for a line that needs no account.
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        va: Option<VaId>,
    },
    /// Fulfilled: its licenses were deposited into `sa` (LIC002).
    Fulfilled {
        /// The account that received them.
        sa: SaId,
    },
}

impl LineState {
    /// Whether the line waits on Smart Account Hold.
    #[must_use]
    pub fn is_on_hold(&self) -> bool {
        matches!(self, LineState::OnHold { .. })
    }

    /// Whether the line is booked or fulfilled, so its assignment is locked (Q009).
    #[must_use]
    pub fn is_locked(&self) -> bool {
        matches!(self, LineState::Booked { .. } | LineState::Fulfilled { .. })
    }

    /// Whether the line's licenses are still to be delivered into Virtual Account `va` (a
    /// ready or booked line assigned to it), which must then stay (VA005).
    #[must_use]
    pub fn delivers_to(&self, va: VaId) -> bool {
        match self {
            LineState::Ready { va: to, .. } => *to == va,
            LineState::Booked { va: to, .. } => *to == Some(va),
            _ => false,
        }
    }
}

/// A placed order as the crate records it (Q011): the quote it was placed with (assignments as
/// they are now) and the state of each line, the `i`-th for the quote's `lines[i]`, which is
/// order line `i + 1` for deposits ([`OrderLine`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OrderRecord {
    /// The order.
    pub id: OrderId,
    /// The day it was placed.
    #[cfg_attr(
        feature = "schemars",
        schemars(schema_with = "crate::base::schema::date")
    )]
    pub placed: Date,
    /// The quote, with each line's assignment as it is now.
    pub quote: Quote,
    /// Per quote line, in quote order.
    pub lines: Vec<LineState>,
}

impl OrderRecord {
    /// The state of order line `line` (1 for the quote's first line).
    #[must_use]
    pub fn line(&self, line: u32) -> Option<&LineState> {
        self.lines.get(index_of(line)?)
    }

    /// The order lines on Smart Account Hold, with what each waits for.
    pub fn holds(&self) -> impl Iterator<Item = (OrderLine, &Hold)> + '_ {
        (1u32..).zip(&self.lines).filter_map(|(n, s)| match s {
            LineState::OnHold { hold } => Some((
                OrderLine {
                    order: self.id.clone(),
                    line: n,
                },
                hold,
            )),
            _ => None,
        })
    }

    pub(crate) fn state_mut(&mut self, line: u32) -> Option<&mut LineState> {
        self.lines.get_mut(index_of(line)?)
    }
}

/// The position of order line `line` in the record.
pub(crate) fn index_of(line: u32) -> Option<usize> {
    usize::try_from(line.checked_sub(1)?).ok()
}

/// The order line at position `index` of the record: [`index_of`] the other way.
pub(crate) fn line_number(index: usize) -> Option<u32> {
    u32::try_from(index).ok()?.checked_add(1)
}

/// A command on order records (Q011), run as [`crate::Command::Order`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum OrderCommand {
    /// Place an order: validated for [`Stage::Order`](crate::Stage::Order) on the command's day and recorded; a
    /// blocked order is refused with its first error. By the ordering system or a user of the
    /// quoting partner or distributor. No line may be marked booked yet.
    Place {
        /// The ordering system's identifier, new to the directory.
        order: OrderId,
        /// The order's content.
        quote: Quote,
    },
    /// Assign an account to a line that is not booked: released from hold when the account is
    /// Active. By the ordering system, a user of the partner or distributor (validated as the
    /// quote would be, Q002, Q003, Q010), or, for a delegated line, the end customer's contact
    /// (who needs to manage licenses in the Virtual Account).
    Assign {
        /// The order.
        order: OrderId,
        /// The order line (1 for the quote's first line).
        line: u32,
        /// The account.
        sa: SaId,
        /// The Virtual Account; the account's default when `None`.
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        va: Option<VaId>,
    },
    /// Book lines (the ordering system): each must be Ready or need no account; a line on
    /// hold waits. Their assignments are then locked (Q009).
    Book {
        /// The order.
        order: OrderId,
        /// The order lines; every line not yet booked when empty.
        #[cfg_attr(feature = "serde", serde(default))]
        lines: Vec<u32>,
    },
}

/// A change of order records, in the directory's stream (Q011).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum OrderChange {
    /// An order was placed, as recorded.
    Placed {
        /// The record.
        // Boxed, like the large changes of other streams: every event of the directory's
        // stream is as large as its largest change.
        record: Box<OrderRecord>,
    },
    /// A line was assigned an account.
    Assigned {
        /// The order line.
        order: OrderLine,
        /// The assignment, as the quote now carries it.
        assignment: Box<Assignment>,
        /// The line's new state (on hold or Ready).
        state: Box<LineState>,
    },
    /// Lines were booked.
    Booked {
        /// The order.
        order: OrderId,
        /// The order lines.
        lines: Vec<u32>,
    },
    /// An account became Active and released the lines that waited for it.
    Released {
        /// The account.
        sa: SaId,
        /// Its default Virtual Account, where the licenses go.
        va: VaId,
        /// The order lines released.
        lines: Vec<OrderLine>,
    },
    /// A line's licenses were deposited (LIC002).
    Fulfilled {
        /// The order line.
        order: OrderLine,
        /// The account.
        sa: SaId,
    },
    /// An order record loaded from a snapshot that carried no directory stream.
    Imported {
        /// The record.
        record: Box<OrderRecord>,
    },
}

/// [`Error::Order`](crate::Error::Order) for order line `line` (or the whole order).
pub(crate) fn order_error(
    order: &OrderId,
    line: Option<u32>,
    rule: RuleId,
    reason: impl Into<String>,
) -> Error {
    Error::Order {
        order: clip(order.as_str()),
        line: line.map(|l| format!(" line {l}")).unwrap_or_default(),
        rule,
        reason: reason.into(),
    }
}
