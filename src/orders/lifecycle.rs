//! The lifecycle of order records (Q011): planning [`OrderCommand`]s, the order changes that
//! deposits and activations bring with them, and checking and applying [`OrderChange`]s. The
//! types are in [`crate::orders::records`].

use jiff::civil::Date;

use crate::accounts::account::SmartAccount;
use crate::accounts::kinds::{AccountKind, AccountStatus, Identifier};
use crate::base::error::Error;
use crate::base::ids::{SaId, VaId};
use crate::base::limits::clip;
use crate::base::text::Email;
use crate::directory::Directory;
use crate::events::event::Change;
use crate::events::streams::{DirectoryChange, Planned};
use crate::licenses::license::{Deposit, LicenseChange, OrderId, OrderLine};
use crate::orders::policy::PolicyCalendar;
use crate::orders::quote::{Assignment, Line, Quote, SaRef, VaRef};
use crate::orders::records::{
    Hold, LineState, OrderChange, OrderCommand, OrderRecord, index_of, line_number, order_error,
};
use crate::orders::validate::{LineResolution, Severity, Stage, Verdict, validate};
use crate::roles::matrix::{Action, Actor, Target};
use crate::rules::RuleId;

impl Directory {
    /// The record of an order (Q011).
    #[must_use]
    pub fn order(&self, id: &OrderId) -> Option<&OrderRecord> {
        self.orders.get(id)
    }

    /// Every order record, by order identifier.
    pub fn orders(&self) -> impl Iterator<Item = &OrderRecord> {
        self.orders.values()
    }

    /// Every order line on Smart Account Hold, with what it waits for, by order.
    pub fn holds(&self) -> impl Iterator<Item = (OrderLine, &Hold)> {
        self.orders.values().flat_map(OrderRecord::holds)
    }

    /// Plans an order command (Q011).
    pub(crate) fn plan_order(
        &self,
        actor: &Actor,
        on: Date,
        command: OrderCommand,
    ) -> Result<Planned, Error> {
        let change = match command {
            OrderCommand::Place { order, quote } => self.plan_placement(actor, on, order, quote)?,
            OrderCommand::Assign {
                order,
                line,
                sa,
                va,
            } => self.plan_line_assignment(actor, on, OrderLine { order, line }, (sa, va))?,
            OrderCommand::Book { order, lines } => self.plan_booking(actor, order, lines)?,
        };
        self.check_order_change(&change)?;
        Ok(Planned::Directory(DirectoryChange::Order(change)))
    }

    /// Q011: validates the order and records each line's state.
    fn plan_placement(
        &self,
        actor: &Actor,
        on: Date,
        order: OrderId,
        quote: Quote,
    ) -> Result<OrderChange, Error> {
        if self.orders.contains_key(&order) {
            return Err(order_error(
                &order,
                None,
                RuleId::Q011,
                "it is already recorded",
            ));
        }
        self.seller_or_fulfilment(actor, &quote, &order)?;
        let deposited = self
            .accounts()
            .find_map(|a| Some((a, a.first_deposit_of_order(&order)?)));
        if let Some((account, line)) = deposited {
            return Err(order_error(
                &order,
                Some(line.line),
                RuleId::Q011,
                format!(
                    "its licenses were deposited in smart account `{}` before it was recorded: an order is recorded before it is fulfilled",
                    account.identifier()
                ),
            ));
        }
        if let Some(booked) = quote.lines.iter().position(|l| l.booked) {
            return Err(order_error(
                &order,
                line_number(booked),
                RuleId::Q011,
                "a line is marked booked at placement; book it with the Book command",
            ));
        }
        let report = validate(self, &quote, Stage::Order, on, &PolicyCalendar::default());
        if report.verdict == Verdict::Blocked {
            let first = report
                .findings
                .iter()
                .find(|f| f.severity == Severity::Error);
            return Err(match first {
                Some(f) => Error::Order {
                    order: clip(order.as_str()),
                    line: f
                        .line
                        .as_ref()
                        .map(|l| format!(" line `{l}`"))
                        .unwrap_or_default(),
                    rule: f.rule,
                    reason: f.message.to_string(),
                },
                None => order_error(&order, None, RuleId::Q008, "the order is blocked"),
            });
        }
        let lines = quote
            .lines
            .iter()
            .zip(&report.lines)
            .map(|(line, res)| state_of(line, res))
            .collect();
        Ok(OrderChange::Placed {
            record: Box::new(OrderRecord {
                id: order,
                placed: on,
                quote,
                lines,
            }),
        })
    }

    /// Q011: an account assigned to a line that is not booked.
    fn plan_line_assignment(
        &self,
        actor: &Actor,
        on: Date,
        at: OrderLine,
        (sa, va): (SaId, Option<VaId>),
    ) -> Result<OrderChange, Error> {
        let record = self.record_of(&at.order)?;
        let (quote_line, state) = line_of(record, at.line)?;
        if state.is_locked() {
            return Err(order_error(
                &at.order,
                Some(at.line),
                RuleId::Q009,
                "the line is booked: its assignment stays (vendor support re-assigns delivered licenses, LIC004)",
            ));
        }
        let assignment = Assignment::Account {
            sa: SaRef::Id(sa),
            va: va.map(VaRef::Id),
        };
        let contact = match state {
            LineState::OnHold {
                hold: Hold::Delegated { contact },
            } => Some(contact),
            _ => None,
        };
        let delegate = match (actor, contact) {
            (Actor::User(u), Some(contact)) => {
                self.user(*u).is_some_and(|user| user.email == *contact)
            }
            _ => false,
        };
        let state = if delegate {
            self.contact_assignment(actor, on, &at, (sa, va))?
        } else {
            self.seller_or_fulfilment(actor, &record.quote, &at.order)?;
            let mut quote = record.quote.clone();
            let index = index_of(at.line).unwrap_or(usize::MAX);
            {
                let one = quote.lines.get_mut(index).ok_or_else(|| no_line(&at))?;
                one.assignment = Some(assignment.clone());
                one.new_assignment = None;
            }
            let report = validate(self, &quote, Stage::Order, on, &PolicyCalendar::default());
            let mine = |f: &&crate::validate::Finding| {
                f.severity == Severity::Error
                    && (f.line.is_none() || f.line.as_ref() == Some(&quote_line.id))
            };
            if let Some(f) = report.findings.iter().find(mine) {
                return Err(order_error(
                    &at.order,
                    Some(at.line),
                    f.rule,
                    f.message.to_string(),
                ));
            }
            let res = report.lines.get(index).copied().unwrap_or_default();
            let one = quote.lines.get(index).ok_or_else(|| no_line(&at))?;
            state_of(one, &res)
        };
        Ok(OrderChange::Assigned {
            order: at,
            assignment: Box::new(assignment),
            state: Box::new(state),
        })
    }

    /// Q011: the end customer's contact assigns a delegated line to an account whose licenses
    /// they manage.
    fn contact_assignment(
        &self,
        actor: &Actor,
        on: Date,
        at: &OrderLine,
        (sa, va): (SaId, Option<VaId>),
    ) -> Result<LineState, Error> {
        let account = self
            .account(sa)
            .filter(|a| !a.status().is_closed())
            .ok_or_else(|| {
                order_error(
                    &at.order,
                    Some(at.line),
                    RuleId::Q003,
                    "the smart account does not exist",
                )
            })?;
        if account.kind() == AccountKind::PartnerHolding {
            return Err(order_error(
                &at.order,
                Some(at.line),
                RuleId::Q002,
                "the end customer's contact assigns a customer's smart account, not a holding account",
            ));
        }
        let va = va.unwrap_or(account.default_va());
        if account.va(va).is_none() {
            return Err(order_error(
                &at.order,
                Some(at.line),
                RuleId::Q003,
                "the virtual account is not in that smart account",
            ));
        }
        self.require(actor, on, Action::ManageLicenses, Target::Va(va))?;
        Ok(match account.status() {
            AccountStatus::Active => LineState::Ready { sa, va },
            _ => LineState::OnHold {
                hold: Hold::PendingAccount { sa },
            },
        })
    }

    /// Q011: the ordering system books lines that are Ready or need no account.
    fn plan_booking(
        &self,
        actor: &Actor,
        order: OrderId,
        lines: Vec<u32>,
    ) -> Result<OrderChange, Error> {
        if !matches!(actor, Actor::Fulfilment) {
            return Err(order_error(
                &order,
                None,
                RuleId::Q011,
                "only the ordering system books an order",
            ));
        }
        let record = self.record_of(&order)?;
        let lines = if lines.is_empty() {
            (1u32..)
                .zip(&record.lines)
                .filter(|(_, s)| !s.is_locked())
                .map(|(n, _)| n)
                .collect()
        } else {
            let mut lines = lines;
            lines.sort_unstable();
            lines.dedup();
            lines
        };
        if lines.is_empty() {
            return Err(order_error(
                &order,
                None,
                RuleId::Q011,
                "every line is booked already",
            ));
        }
        Ok(OrderChange::Booked { order, lines })
    }

    /// The seller's users (the quote's partner or distributor) and the ordering system act on
    /// an order.
    fn seller_or_fulfilment(
        &self,
        actor: &Actor,
        quote: &Quote,
        order: &OrderId,
    ) -> Result<(), Error> {
        let seller = match actor {
            Actor::Fulfilment => true,
            Actor::User(u) => self.user(*u).is_some_and(|user| {
                user.org == quote.partner || Some(user.org) == quote.distributor
            }),
            Actor::VendorSupport { .. } => false,
        };
        if seller {
            Ok(())
        } else {
            Err(order_error(
                order,
                None,
                RuleId::Q011,
                "only the ordering system or a user of the quoting partner or distributor acts on it (a delegated line: the end customer's contact)",
            ))
        }
    }

    fn record_of(&self, order: &OrderId) -> Result<&OrderRecord, Error> {
        self.orders
            .get(order)
            .ok_or_else(|| order_error(order, None, RuleId::Q011, "no such order is recorded"))
    }

    /// Q011, LIC002: a deposit of a recorded order's line goes to the booked line's account,
    /// of its SKU and quantity.
    pub(crate) fn check_fulfilment(&self, sa: SaId, deposit: &Deposit) -> Result<(), Error> {
        let Some(record) = self.orders.get(&deposit.order.order) else {
            return Ok(());
        };
        let at = &deposit.order;
        let (line, state) = line_of(record, at.line)?;
        match state {
            LineState::Booked { sa: None, .. } => {}
            LineState::Booked { sa: Some(s), .. } | LineState::Fulfilled { sa: s } if *s == sa => {}
            LineState::Booked { sa: Some(s), .. } | LineState::Fulfilled { sa: s } => {
                let (booked, to) = (self.account_label(*s), self.account_label(sa));
                return Err(order_error(
                    &at.order,
                    Some(at.line),
                    RuleId::Q011,
                    format!(
                        "the line is booked to smart account `{booked}`, not `{to}`: fulfilment deposits into the assigned account"
                    ),
                ));
            }
            LineState::OnHold { hold } => {
                return Err(order_error(
                    &at.order,
                    Some(at.line),
                    RuleId::Q011,
                    format!("the line is on smart account hold, waiting for {hold}"),
                ));
            }
            LineState::Ready { .. } | LineState::Unassigned => {
                return Err(order_error(
                    &at.order,
                    Some(at.line),
                    RuleId::Q011,
                    "the line is not booked yet",
                ));
            }
        }
        if deposit.license.sku.as_str() != line.sku || deposit.quantity != u64::from(line.quantity)
        {
            return Err(order_error(
                &at.order,
                Some(at.line),
                RuleId::LIC002,
                "the deposit is of another SKU or quantity than the order line",
            ));
        }
        Ok(())
    }

    /// The order change an account event brings with it: a deposit of a recorded order's line
    /// fulfils it; an account that becomes Active (activated, or created Active) releases the
    /// lines that wait for it.
    pub(crate) fn order_change_of(&self, sa: SaId, change: &Change) -> Option<DirectoryChange> {
        if self.orders.is_empty() {
            return None;
        }
        let change = match change {
            Change::License(LicenseChange::Deposited(d)) => {
                let record = self.orders.get(&d.order.order)?;
                let fulfilled =
                    matches!(record.line(d.order.line), Some(LineState::Fulfilled { .. }));
                (!fulfilled).then(|| OrderChange::Fulfilled {
                    order: d.order.clone(),
                    sa,
                })?
            }
            Change::AccountActivated => self.released_by(self.account(sa)?)?,
            Change::AccountCreated {
                status: AccountStatus::Active,
                identifier,
                contact,
                default_va,
                ..
            } => self.released_for(
                sa,
                *default_va,
                identifier,
                self.user(*contact).map(|u| &u.email),
            )?,
            _ => return None,
        };
        Some(DirectoryChange::Order(change))
    }

    /// An account as people know it: its identifier (its number when it does not exist).
    fn account_label(&self, sa: SaId) -> String {
        self.account(sa)
            .map_or_else(|| sa.to_string(), |a| a.identifier().to_string())
    }

    fn released_by(&self, account: &SmartAccount) -> Option<OrderChange> {
        let contact = self.user(account.contact()).map(|u| &u.email);
        self.released_for(
            account.id(),
            account.default_va(),
            account.identifier(),
            contact,
        )
    }

    /// The lines waiting for account `sa` (identified by `identifier`, with the contact whose
    /// email is `contact`) to become Active.
    fn released_for(
        &self,
        sa: SaId,
        va: VaId,
        identifier: &Identifier,
        contact: Option<&Email>,
    ) -> Option<OrderChange> {
        let waits = |hold: &Hold| match hold {
            Hold::PendingAccount { sa: s } => *s == sa,
            Hold::NewAccount {
                domain: Some(d), ..
            } => matches!(identifier, Identifier::Domain(i) if i.search_key() == d.search_key()),
            Hold::NewAccount {
                domain: None,
                contact: c,
            } => contact == Some(c),
            Hold::Delegated { .. } => false,
        };
        let lines: Vec<OrderLine> = self
            .holds()
            .filter(|(_, hold)| waits(hold))
            .map(|(line, _)| line)
            .collect();
        (!lines.is_empty()).then_some(OrderChange::Released { sa, va, lines })
    }

    /// Whether an order change fits the records as they are: the lifecycle, never a step
    /// back. Checked when planned, when committed and when a replica or a snapshot replays it.
    pub(crate) fn check_order_change(&self, change: &OrderChange) -> Result<(), Error> {
        match change {
            OrderChange::Placed { record } => {
                check_new_record(self, record)?;
                match record.lines.iter().position(LineState::is_locked) {
                    Some(i) => Err(order_error(
                        &record.id,
                        line_number(i),
                        RuleId::Q011,
                        "a line is recorded booked or fulfilled at placement",
                    )),
                    None => Ok(()),
                }
            }
            OrderChange::Imported { record } => check_new_record(self, record),
            OrderChange::Assigned { order, state, .. } => {
                let current = self.state_of_line(order)?;
                if current.is_locked() || state.is_locked() {
                    return Err(order_error(
                        &order.order,
                        Some(order.line),
                        RuleId::Q009,
                        "a booked line's assignment is recorded as changed",
                    ));
                }
                Ok(())
            }
            OrderChange::Booked { order, lines } => {
                for line in lines {
                    let at = OrderLine {
                        order: order.clone(),
                        line: *line,
                    };
                    check_bookable(&at, self.state_of_line(&at)?)?;
                }
                Ok(())
            }
            OrderChange::Released { lines, .. } => {
                for at in lines {
                    if !self.state_of_line(at)?.is_on_hold() {
                        return Err(order_error(
                            &at.order,
                            Some(at.line),
                            RuleId::Q011,
                            "a release is recorded for a line that is not on hold",
                        ));
                    }
                }
                Ok(())
            }
            OrderChange::Fulfilled { order, sa } => match self.state_of_line(order)? {
                LineState::Booked { sa: None, .. } => Ok(()),
                LineState::Booked { sa: Some(s), .. } if s == sa => Ok(()),
                _ => Err(order_error(
                    &order.order,
                    Some(order.line),
                    RuleId::Q011,
                    "a fulfilment is recorded for a line that is not booked to that account",
                )),
            },
        }
    }

    fn state_of_line(&self, at: &OrderLine) -> Result<&LineState, Error> {
        let record = self.record_of(&at.order)?;
        line_of(record, at.line).map(|(_, s)| s)
    }

    /// Applies an order change that [`Directory::check_order_change`] accepted.
    pub(crate) fn apply_order_change(&mut self, change: &OrderChange) {
        match change {
            OrderChange::Placed { record } | OrderChange::Imported { record } => {
                self.orders.insert(record.id.clone(), (**record).clone());
            }
            OrderChange::Assigned {
                order,
                assignment,
                state,
            } => {
                if let Some(record) = self.orders.get_mut(&order.order) {
                    if let Some(line) =
                        index_of(order.line).and_then(|i| record.quote.lines.get_mut(i))
                    {
                        line.assignment = Some((**assignment).clone());
                        line.new_assignment = None;
                    }
                    if let Some(s) = record.state_mut(order.line) {
                        *s = (**state).clone();
                    }
                }
            }
            OrderChange::Booked { order, lines } => {
                if let Some(record) = self.orders.get_mut(order) {
                    for line in lines {
                        if let Some(s) = record.state_mut(*line) {
                            *s = booked(s);
                        }
                    }
                }
            }
            OrderChange::Released { sa, va, lines } => {
                for at in lines {
                    let Some(record) = self.orders.get_mut(&at.order) else {
                        continue;
                    };
                    // The quote now names the account the line was released to (its default
                    // Virtual Account), so a later re-validation sees what the line holds.
                    if let Some(line) =
                        index_of(at.line).and_then(|i| record.quote.lines.get_mut(i))
                    {
                        line.assignment = Some(Assignment::Account {
                            sa: SaRef::Id(*sa),
                            va: None,
                        });
                        line.new_assignment = None;
                    }
                    if let Some(s) = record.state_mut(at.line) {
                        *s = LineState::Ready { sa: *sa, va: *va };
                    }
                }
            }
            OrderChange::Fulfilled { order, sa } => {
                if let Some(s) = self
                    .orders
                    .get_mut(&order.order)
                    .and_then(|r| r.state_mut(order.line))
                {
                    *s = LineState::Fulfilled { sa: *sa };
                }
            }
        }
    }
}

/// The booked form of a Ready or unassigned line.
fn booked(state: &LineState) -> LineState {
    match state {
        LineState::Ready { sa, va } => LineState::Booked {
            sa: Some(*sa),
            va: Some(*va),
        },
        LineState::Unassigned => LineState::Booked { sa: None, va: None },
        other => other.clone(),
    }
}

/// Q011: only a line that is Ready or needs no account is booked.
fn check_bookable(at: &OrderLine, state: &LineState) -> Result<(), Error> {
    match state {
        LineState::Ready { .. } | LineState::Unassigned => Ok(()),
        LineState::OnHold { hold } => Err(order_error(
            &at.order,
            Some(at.line),
            RuleId::Q011,
            format!(
                "the line is on smart account hold, waiting for {hold}; it is booked once an active smart account is assigned"
            ),
        )),
        LineState::Booked { .. } | LineState::Fulfilled { .. } => Err(order_error(
            &at.order,
            Some(at.line),
            RuleId::Q011,
            "the line is booked already",
        )),
    }
}

/// A record new to the directory, with one state per quote line.
fn check_new_record(dir: &Directory, record: &OrderRecord) -> Result<(), Error> {
    if dir.orders.contains_key(&record.id) {
        return Err(order_error(
            &record.id,
            None,
            RuleId::Q011,
            "it is already recorded",
        ));
    }
    if record.lines.len() != record.quote.lines.len() {
        return Err(order_error(
            &record.id,
            None,
            RuleId::Q011,
            "its record has another number of line states than its quote has lines",
        ));
    }
    Ok(())
}

/// The quote line and the state of order line `line`.
fn line_of(record: &OrderRecord, line: u32) -> Result<(&Line, &LineState), Error> {
    let index = index_of(line);
    let quote_line = index.and_then(|i| record.quote.lines.get(i));
    let state = index.and_then(|i| record.lines.get(i));
    match (quote_line, state) {
        (Some(l), Some(s)) => Ok((l, s)),
        _ => Err(no_line(&OrderLine {
            order: record.id.clone(),
            line,
        })),
    }
}

fn no_line(at: &OrderLine) -> Error {
    order_error(
        &at.order,
        Some(at.line),
        RuleId::Q011,
        "the order has no such line",
    )
}

/// The state of a line as validation resolved it.
fn state_of(line: &Line, res: &LineResolution) -> LineState {
    if res.hold {
        let hold = match line.effective_assignment() {
            Some(Assignment::NewAccount { domain, contact }) => Hold::NewAccount {
                domain: domain.clone(),
                contact: contact.email.clone(),
            },
            Some(Assignment::Delegate { contact }) => Hold::Delegated {
                contact: contact.email.clone(),
            },
            Some(Assignment::Account { .. }) | None => match res.sa {
                Some(sa) => Hold::PendingAccount { sa },
                None => return LineState::Unassigned,
            },
        };
        return LineState::OnHold { hold };
    }
    match (res.sa, res.va) {
        (Some(sa), Some(va)) => LineState::Ready { sa, va },
        _ => LineState::Unassigned,
    }
}
