//! The lifecycle of a Smart Account request (SA010): a Pending request is activated (SA008,
//! in `requests`) or closed, declined by its contact, withdrawn by its requester or lapsed
//! unanswered, and a closed request frees its identifier; the requester may name another
//! contact while it is Pending. Planned as methods of `Directory`, called only by the dispatch.

use jiff::civil::Date;

use crate::accounts::account::SmartAccount;
use crate::accounts::kinds::{AccountKind, AccountStatus, Identifier};
use crate::base::error::{Entity, Error};
use crate::base::ids::{SaId, UserId};
use crate::directory::{Command, Directory};
use crate::events::event::Change;
use crate::roles::matrix::Actor;
use crate::rules::RuleId;

impl Directory {
    /// Plans the commands of SA010 and SA011 (one line each, as the dispatch above).
    pub(crate) fn plan_request_command(
        &self,
        actor: &Actor,
        on: Date,
        command: Command,
    ) -> Result<(SaId, Vec<Change>), Error> {
        match command {
            Command::DeclineAccountRequest { sa } => self.plan_decline(actor, sa),
            Command::WithdrawAccountRequest { sa } => self.plan_withdrawal(actor, sa),
            Command::LapseAccountRequest { sa } => self.plan_lapse(actor, on, sa),
            Command::ChangeRequestContact { sa, contact } => {
                self.plan_contact_change(actor, sa, contact)
            }
            Command::RequestAccountAccess {
                sa,
                target,
                role,
                inheritance,
            } => self.plan_member_request(actor, on, sa, (target, role, inheritance)),
            Command::ApproveAccessRequest {
                sa,
                request,
                target,
                role,
                inheritance,
            } => self.plan_member_approval(actor, on, (sa, request), (target, role, inheritance)),
            Command::RejectAccessRequest { sa, request } => {
                self.plan_member_rejection(actor, on, sa, request)
            }
            // The dispatch sends only the commands above here.
            _ => Err(Error::Mismatch {
                sa: SaId::new(0),
                seq: 0,
                reason: "not a command of a smart account request",
            }),
        }
    }

    /// The Pending request `sa`, or why it cannot be answered: it does not exist, is Active
    /// (SA008) or closed (SA010).
    fn pending_account(&self, sa: SaId, reason: &'static str) -> Result<&SmartAccount, Error> {
        let account = self.account(sa).ok_or(Error::NotFound {
            rule: RuleId::SA010,
            entity: Entity::Account(sa),
        })?;
        account.still_pending(reason)?;
        Ok(account)
    }

    /// SA010: the authorised contact declines a Pending request.
    pub(crate) fn plan_decline(
        &self,
        actor: &Actor,
        sa: SaId,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let user = self.acting_user(actor)?;
        let account = self.pending_account(sa, "only a pending request is declined")?;
        if account.contact != user {
            return Err(refusal(account, "only its authorised contact declines it"));
        }
        Ok((sa, vec![Change::AccountDeclined]))
    }

    /// SA010: the requester withdraws a Pending request.
    pub(crate) fn plan_withdrawal(
        &self,
        actor: &Actor,
        sa: SaId,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let user = self.acting_user(actor)?;
        let account = self.pending_account(sa, "only a pending request is withdrawn")?;
        if self.requester(sa) != Some(user) {
            return Err(refusal(account, "only its requester withdraws it"));
        }
        Ok((sa, vec![Change::AccountRequestWithdrawn]))
    }

    /// SA010: a Pending request unanswered for the configured period lapses, run by any known
    /// actor (a registered user, the ordering system, vendor support) on `on`.
    pub(crate) fn plan_lapse(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
    ) -> Result<(SaId, Vec<Change>), Error> {
        if let Actor::User(_) = actor {
            self.acting_user(actor)?;
        }
        let account = self.pending_account(sa, "only a pending request lapses")?;
        let lapses_on = account
            .request_lapses_on(self.config.account_request_lapse_days)
            .unwrap_or(on);
        if on < lapses_on {
            return Err(Error::RequestNotDue { sa, lapses_on });
        }
        Ok((sa, vec![Change::AccountRequestLapsed]))
    }

    /// SA010, SA004: the requester names another contact for a Pending request: a user of the
    /// owner with a Cisco.com ID whose email matches the requested domain.
    pub(crate) fn plan_contact_change(
        &self,
        actor: &Actor,
        sa: SaId,
        contact: UserId,
    ) -> Result<(SaId, Vec<Change>), Error> {
        let user = self.acting_user(actor)?;
        let account = self.pending_account(sa, "only the contact of a pending request changes")?;
        if self.requester(sa) != Some(user) {
            return Err(refusal(account, "only its requester changes its contact"));
        }
        if account.kind == AccountKind::LimitedUse {
            return Err(refusal(
                account,
                "a limited use request is identified by its contact's email; withdraw it and request again",
            ));
        }
        if account.contact == contact {
            return Err(refusal(account, "this user is already its contact"));
        }
        let new = self.users.get(&contact).ok_or(Error::NotFound {
            rule: RuleId::SA004,
            entity: Entity::User(contact),
        })?;
        if new.cco_id.is_none() {
            return Err(Error::MissingCcoId { user: contact });
        }
        if new.org != account.owner {
            return Err(refusal(
                account,
                "the new contact belongs to another organization than the one that would own it",
            ));
        }
        if let Identifier::Domain(domain) = &account.identifier
            && !domain.is_within(new.email.domain())
        {
            return Err(Error::EmailDomainMismatch {
                user: contact,
                email: new.email.to_string(),
                domain: domain.to_string(),
            });
        }
        Ok((sa, vec![Change::ContactChanged { contact }]))
    }

    /// The user who requested account `sa` (SA010): the actor of the first event of its log.
    /// `None` for an unknown account and for one imported without a log (a snapshot's stated
    /// state), which no requester can withdraw: its contact declines it, or it lapses.
    #[must_use]
    pub fn requester(&self, sa: SaId) -> Option<UserId> {
        match self.log_of(sa)?.first_actor()? {
            crate::events::event::RecordedActor::User { user, .. } => Some(*user),
            _ => None,
        }
    }

    /// The Pending Smart Account requests that may lapse on `on` (SA010): unanswered for
    /// [`crate::Config::account_request_lapse_days`] days or more, by identifier. A scheduler
    /// runs [`crate::Command::LapseAccountRequest`] for each.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "fixtures")] {
    /// use smart_accounts::{fixtures, Actor, Command};
    ///
    /// let mut w = fixtures::world()?;
    /// let on = "2030-01-01".parse()?;
    /// for sa in w.dir.lapsing_requests(on) {
    ///     w.dir.execute(&Actor::Fulfilment, "2030-01-01T00:00:00Z".parse()?, Command::LapseAccountRequest { sa })?;
    /// }
    /// assert!(w.dir.lapsing_requests(on).is_empty());
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn lapsing_requests(&self, on: Date) -> Vec<SaId> {
        let days = self.config.account_request_lapse_days;
        self.accounts()
            .filter(|a| a.request_lapses_on(days).is_some_and(|day| day <= on))
            .map(SmartAccount::id)
            .collect()
    }
}

/// SA010: the request of `account` cannot be answered or changed this way, for `reason`.
fn refusal(account: &SmartAccount, reason: &'static str) -> Error {
    Error::AccountRequest {
        sa: account.id,
        status: AccountStatus::Pending.as_str(),
        reason,
    }
}
