//! Holding stock per order line (LIC011): the order lines a move between accounts names, how
//! many of each wait in the source, and how they leave and arrive. A move that names no order
//! line keeps the earlier behaviour: the source gives its oldest licenses of each type.

use super::*;
use crate::accounts::account::SmartAccount;

/// The license lines an assignment or re-assignment moves (LIC009, LIC011): `lines` merged
/// when no order line is named; else the totals of the named order lines by license type (in
/// the order they are first named) when `lines` is empty, or `lines` when they equal them.
pub(crate) fn moved_lines(
    lines: Vec<TransferLine>,
    order_lines: &[OrderLineMove],
) -> Result<Vec<TransferLine>, Error> {
    if order_lines.is_empty() {
        return merge_lines(lines);
    }
    let lines = if lines.is_empty() {
        totals(order_lines)?
    } else {
        merge_lines(lines)?
    };
    check_lines(&lines)?;
    check_order_lines(&lines, order_lines)?;
    Ok(lines)
}

/// The named order lines' quantities summed by license type, in the order first named.
fn totals(order_lines: &[OrderLineMove]) -> Result<Vec<TransferLine>, Error> {
    let mut out: Vec<TransferLine> = Vec::new();
    for m in order_lines {
        match out.iter_mut().find(|l| l.license == m.license) {
            Some(line) => line.quantity = add(line.quantity, m.quantity, RuleId::LIC011)?,
            None => out.push(TransferLine {
                license: m.license.clone(),
                quantity: m.quantity,
            }),
        }
    }
    Ok(out)
}

/// LIC011: the order lines of a transfer (when any is named) each name a quantity of at least
/// 1, each order line once, and together make up its license lines exactly.
pub(crate) fn check_order_lines(
    lines: &[TransferLine],
    order_lines: &[OrderLineMove],
) -> Result<(), Error> {
    if order_lines.is_empty() {
        return Ok(());
    }
    for (i, m) in order_lines.iter().enumerate() {
        positive(m.quantity, RuleId::LIC011)?;
        if order_lines.iter().take(i).any(|o| o.order == m.order) {
            return Err(Error::OrderLineNamedTwice {
                order: m.order.to_string(),
            });
        }
    }
    let named = totals(order_lines)?;
    let same = named.len() == lines.len()
        && named.iter().all(|n| {
            lines
                .iter()
                .any(|l| l.license == n.license && l.quantity == n.quantity)
        });
    if !same {
        return Err(Error::InvalidQuantity {
            rule: RuleId::LIC011,
            quantity: named.iter().fold(0, |a, l| a.saturating_add(l.quantity)),
            reason: "the named order lines do not make up the license lines of the move; name every order line that moves, or none",
        });
    }
    Ok(())
}

impl SmartAccount {
    /// How many licenses of an order line (of one license type) wait in this account to be
    /// moved by name (LIC011): in a partner holding account, its holding lots of that order
    /// line; in another account, what it procured or received of that line less what it sent
    /// on by name.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "fixtures")] {
    /// use smart_accounts::{License, OrderLine, fixtures};
    ///
    /// let w = fixtures::world()?;
    /// let acme = w.dir.account(w.acme.sa).ok_or("no account")?;
    /// let line = OrderLine { order: "NO-SUCH-ORDER".parse()?, line: 1 };
    /// let license = License::perpetual("A-1".parse()?);
    /// assert_eq!(acme.order_line_waiting(&line, &license), 0);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn order_line_waiting(&self, order: &OrderLine, license: &License) -> u64 {
        let l = &self.licenses;
        if self.kind == AccountKind::PartnerHolding {
            return l
                .lots
                .iter()
                .filter(|lot| lot.license == *license)
                .filter(|lot| matches!(&lot.origin, Origin::Order(o) if o == order))
                .fold(0, |a, lot| a.saturating_add(lot.quantity));
        }
        let procured = l
            .history
            .iter()
            .map(|p| &p.deposit)
            .filter(|d| d.order == *order && d.license == *license)
            .filter(|d| d.kind == LicenseKind::Smart)
            .fold(0u64, |a, d| a.saturating_add(d.quantity));
        let (received, sent) = l.transfers.values().fold((0u64, 0u64), |(r, s), t| {
            let named = t
                .order_lines
                .iter()
                .filter(|m| m.order == *order && m.license == *license)
                .fold(0u64, |a, m| a.saturating_add(m.quantity));
            if t.to_sa == self.id {
                (r.saturating_add(named), s)
            } else {
                (r, s.saturating_add(named))
            }
        });
        procured.saturating_add(received).saturating_sub(sent)
    }

    /// LIC011: every order line a transfer names waits in this (source) account, as much as
    /// named.
    pub(super) fn check_order_lines_out(&self, t: &CrossSaTransfer) -> Result<(), Error> {
        for m in &t.order_lines {
            let waiting = self.order_line_waiting(&m.order, &m.license);
            if waiting < m.quantity {
                return Err(Error::OrderLineNotWaiting {
                    order: m.order.to_string(),
                    license: clip(&m.license.to_string()),
                    sa: self.id,
                    waiting,
                    requested: m.quantity,
                    reason: if waiting == 0 {
                        "the order line does not wait"
                    } else {
                        "less of the order line waits than named"
                    },
                });
            }
        }
        Ok(())
    }

    /// Takes the named order lines out of the holding lots, each line's oldest lot first.
    pub(super) fn draw_order_lines(&mut self, order_lines: &[OrderLineMove]) {
        for m in order_lines {
            let lots = self.licenses.lots.iter_mut().filter(|lot| {
                lot.license == m.license && matches!(&lot.origin, Origin::Order(o) if *o == m.order)
            });
            take_from(lots, m.quantity);
        }
        self.licenses.lots.retain(|l| l.quantity > 0);
    }
}
