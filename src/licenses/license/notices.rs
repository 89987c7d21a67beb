//! Notification records of a Partner Holding account (LIC008): the deposit that must be moved
//! (`MustMove`) or that members opted in to hear about (`Fulfilled`) yields a numbered record in
//! its own apply, and its state moves from yielded to sent to acknowledged by events of its own.
//! Opt-ins to fulfilment notices are kept beside the records; a member who loses their last
//! role on the account is opted out by that revocation's apply.

use super::*;
use crate::accounts::account::SmartAccount;

impl SmartAccount {
    /// Every notification record of this holding account, by ID (LIC008). Empty for other
    /// kinds of account.
    pub fn notification_records(&self) -> impl Iterator<Item = &NotificationRecord> {
        self.licenses.notices.values()
    }

    /// The notification record with this ID (LIC008).
    #[must_use]
    pub fn notification(&self, id: u64) -> Option<&NotificationRecord> {
        self.licenses.notices.get(&id)
    }

    /// The members opted in to this holding account's fulfilment notices (LIC008), by user ID.
    pub fn fulfilment_notice_members(&self) -> impl Iterator<Item = UserId> + '_ {
        self.licenses.opted_in.iter().copied()
    }

    /// Whether `user` holds a role on this account (a member, LIC008).
    pub(crate) fn is_member(&self, user: UserId) -> bool {
        self.bindings
            .range((user, None)..)
            .next()
            .is_some_and(|((holder, _), _)| *holder == user)
    }

    /// The records a deposit on `on` yields in this account (LIC008), numbered after the last
    /// one: a `MustMove` to every member for a Smart-Account-mandatory order line, then a
    /// `Fulfilled` to the members opted in, if any. Nothing outside holding accounts.
    pub(super) fn notices_for(
        &self,
        d: &Deposit,
        on: Date,
    ) -> Result<Vec<NotificationRecord>, Error> {
        if self.kind != AccountKind::PartnerHolding {
            return Ok(Vec::new());
        }
        let lot = HoldingLot {
            origin: Origin::Order(d.order.clone()),
            license: d.license.clone(),
            quantity: d.quantity,
            since: on,
            sa_mandatory: d.sa_mandatory,
        };
        let mut members: Vec<UserId> = self.roles().map(|b| b.user).collect();
        members.dedup();
        let opted: Vec<UserId> = self
            .licenses
            .opted_in
            .iter()
            .copied()
            .filter(|u| self.is_member(*u))
            .collect();
        let mut kinds = Vec::with_capacity(2);
        if d.sa_mandatory {
            kinds.push((NotificationKind::MustMove, members));
        }
        if !opted.is_empty() {
            kinds.push((NotificationKind::Fulfilled, opted));
        }
        let mut id = self
            .licenses
            .notices
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0);
        let mut out = Vec::with_capacity(kinds.len());
        for (kind, recipients) in kinds {
            id = id.checked_add(1).ok_or(Error::IdentifiersExhausted {
                what: "notification",
            })?;
            out.push(NotificationRecord {
                id,
                kind,
                lot: lot.clone(),
                recipients,
                state: NotificationState::Yielded,
            });
        }
        Ok(out)
    }

    /// Keeps the records [`SmartAccount::notices_for`] numbered.
    pub(super) fn record_notices(&mut self, notices: Vec<NotificationRecord>) {
        for n in notices {
            self.licenses.notices.insert(n.id, n);
        }
    }

    /// LIC008: a member of this holding account opts in to, or out of, fulfilment notices.
    pub(super) fn choose_fulfilment_notices(
        &mut self,
        user: UserId,
        opt_in: bool,
    ) -> Result<(), Error> {
        self.check_fulfilment_choice(user, opt_in)?;
        if opt_in {
            self.licenses.opted_in.insert(user);
        } else {
            self.licenses.opted_in.remove(&user);
        }
        Ok(())
    }

    /// LIC008: `user` may opt in to (`opt_in`) or out of this account's fulfilment notices:
    /// a member of this holding account, not in (out) already.
    pub(crate) fn check_fulfilment_choice(&self, user: UserId, opt_in: bool) -> Result<(), Error> {
        self.may_opt(user)?;
        if self.licenses.opted_in.contains(&user) == opt_in {
            return Err(self.opt_error(
                user,
                if opt_in {
                    "the user is already opted in"
                } else {
                    "the user is not opted in"
                },
            ));
        }
        Ok(())
    }

    /// LIC008: only a member of a holding account opts in (commands, replay and snapshots).
    fn may_opt(&self, user: UserId) -> Result<(), Error> {
        if self.kind != AccountKind::PartnerHolding {
            return Err(self.opt_error(
                user,
                "only a partner holding account sends fulfilment notices",
            ));
        }
        if !self.is_member(user) {
            return Err(self.opt_error(
                user,
                "only a member of the holding account (a user with a role on it) opts in or out",
            ));
        }
        Ok(())
    }

    /// LIC008: a user who holds no role here any more receives no fulfilment notices.
    pub(crate) fn member_left(&mut self, user: UserId) {
        if !self.is_member(user) {
            self.licenses.opted_in.remove(&user);
        }
    }

    /// LIC008: the ordering system sent a yielded notification on `on`.
    pub(super) fn notification_sent(&mut self, id: u64, on: Date) -> Result<(), Error> {
        let record = self.notice(id)?;
        match record.state {
            NotificationState::Yielded => {}
            NotificationState::Sent { .. } => {
                return Err(self.notice_error(id, "it was already sent"));
            }
            NotificationState::Acknowledged { .. } => {
                return Err(self.notice_error(id, "it was already acknowledged"));
            }
        }
        if on < record.lot.since {
            return Err(self.notice_error(id, "it cannot be sent before it was yielded"));
        }
        if let Some(n) = self.licenses.notices.get_mut(&id) {
            n.state = NotificationState::Sent { on };
        }
        Ok(())
    }

    /// LIC008: a recipient acknowledged a notification not acknowledged yet, on `on`.
    pub(super) fn notification_acknowledged(
        &mut self,
        id: u64,
        by: UserId,
        on: Date,
    ) -> Result<(), Error> {
        let record = self.notice(id)?;
        if !record.recipients.contains(&by) {
            return Err(self.notice_error(id, "only a recipient acknowledges it"));
        }
        if !record.is_open() {
            return Err(self.notice_error(id, "it was already acknowledged"));
        }
        if on < record.lot.since {
            return Err(self.notice_error(id, "it cannot be acknowledged before it was yielded"));
        }
        if let Some(n) = self.licenses.notices.get_mut(&id) {
            n.state = NotificationState::Acknowledged { by, on };
        }
        Ok(())
    }

    /// The record with this ID, or the LIC008 error naming it.
    pub(crate) fn notice(&self, id: u64) -> Result<&NotificationRecord, Error> {
        self.licenses
            .notices
            .get(&id)
            .ok_or_else(|| self.notice_error(id, "the account has no notification with this ID"))
    }

    /// LIC008: a record of the opening balance, as the deposit and the state changes after it
    /// would have left it. Whether its recipients may be members is checked by the snapshot's
    /// loader, which knows the users (SA007).
    pub(super) fn open_notification(&mut self, n: &NotificationRecord) -> Result<(), Error> {
        let id = n.id;
        let refuse = |reason| Err(self.notice_error(id, reason));
        if self.kind != AccountKind::PartnerHolding {
            return refuse("only a partner holding account keeps notification records");
        }
        if id == 0 {
            return refuse("notification IDs start at 1");
        }
        if self.licenses.notices.contains_key(&id) {
            return refuse("the ID is listed twice");
        }
        if !matches!(n.lot.origin, Origin::Order(_)) {
            return refuse(
                "a notification is yielded by a deposit, so its lot comes from an order line",
            );
        }
        positive(n.lot.quantity, RuleId::LIC008)?;
        n.lot.license.term.check_bounds()?;
        if n.kind == NotificationKind::MustMove && !n.lot.sa_mandatory {
            return refuse("only a smart-account-mandatory order line must be moved");
        }
        if n.kind == NotificationKind::Fulfilled && n.recipients.is_empty() {
            return refuse("a fulfilment notice is yielded only for members who opted in");
        }
        for (i, user) in n.recipients.iter().enumerate() {
            if n.recipients.iter().take(i).any(|u| u == user) {
                return refuse("a recipient is listed twice");
            }
        }
        match n.state {
            NotificationState::Yielded => {}
            NotificationState::Sent { on } if on >= n.lot.since => {}
            NotificationState::Sent { .. } => {
                return refuse("it was sent before it was yielded");
            }
            NotificationState::Acknowledged { by, on } => {
                if !n.recipients.contains(&by) {
                    return refuse("it was acknowledged by someone it is not addressed to");
                }
                if on < n.lot.since {
                    return refuse("it was acknowledged before it was yielded");
                }
            }
        }
        self.licenses.notices.insert(id, n.clone());
        Ok(())
    }

    /// LIC008: an opt-in of the opening balance, by a member (the roles come first).
    pub(super) fn open_fulfilment_notices(&mut self, user: UserId) -> Result<(), Error> {
        self.may_opt(user)?;
        if !self.licenses.opted_in.insert(user) {
            return Err(self.opt_error(user, "the user is listed twice"));
        }
        Ok(())
    }

    fn notice_error(&self, id: u64, reason: &'static str) -> Error {
        Error::Notification {
            sa: self.id,
            id,
            reason,
        }
    }

    fn opt_error(&self, user: UserId, reason: &'static str) -> Error {
        Error::FulfilmentNotices {
            user,
            sa: self.id,
            reason,
        }
    }
}
