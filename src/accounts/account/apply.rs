//! The one function that applies an event to a Smart Account, shared by commands and replay:
//! each kind of change goes to the method of the room that owns it (the tree and bindings in
//! the parent module, licenses and devices in `licenses::license`). It sits above both, and
//! neither calls back into it.

use super::*;
use crate::licenses::license::LicenseChange;

impl SmartAccount {
    /// Replays a whole log from empty (EV003).
    ///
    /// This checks the log's structure only: it does not ask whether each event's actor could
    /// have made the change. A log from outside is evidence and is re-checked as the commands it
    /// records by [`crate::Directory::from_snapshot`] (EV004).
    ///
    /// # Errors
    ///
    /// [`Error::Replay`] naming the first event that does not apply: a log that does not start
    /// with the creation of the account, a sequence number out of order, an event for another
    /// account, or a change that breaks a rule of the account's state. Without a directory the
    /// organizations of users are unknown: ROLE007 then counts every SA Admin without an
    /// expiry as the owner's, and PTR006's protection of the owner's roles is checked by
    /// [`crate::Directory`] (commands and snapshot loading), which knows them.
    pub fn replay(events: &[Event]) -> Result<SmartAccount, Error> {
        SmartAccount::replay_in(events, &|_| None)
    }

    /// [`SmartAccount::replay`] knowing, through `own`, which users belong to the owner.
    pub(crate) fn replay_in(events: &[Event], own: Own<'_>) -> Result<SmartAccount, Error> {
        let Some(first) = events.first() else {
            return Err(Error::Replay {
                sa: SaId::new(0),
                seq: 0,
                reason: "the log is empty".into(),
            });
        };
        if first.seq != 1 {
            return Err(Error::Replay {
                sa: first.sa,
                seq: first.seq,
                reason: "the log must start at sequence 1".into(),
            });
        }
        let mut account = SmartAccount::create(first)?;
        for (expected, event) in (2u64..).zip(events.iter().skip(1)) {
            let wrap = |reason: String| Error::Replay {
                sa: first.sa,
                seq: event.seq,
                reason,
            };
            if event.sa != first.sa {
                return Err(wrap(format!("the event belongs to `{}`", event.sa)));
            }
            if event.seq != expected {
                return Err(wrap(format!("expected sequence {expected}")));
            }
            account
                .apply_in(event, own)
                .map_err(|e| wrap(e.to_string()))?;
        }
        Ok(account)
    }

    /// Applies one event without knowing the organizations of users: as
    /// [`SmartAccount::apply_in`] with every user's organization unknown, so ROLE007 counts
    /// every SA Admin without an expiry and PTR006's "the owner's users" is not checked.
    pub(crate) fn apply(&mut self, event: &Event) -> Result<(), Error> {
        self.apply_in(event, &|_| None)
    }

    /// Applies one event. Every structural rule is checked before anything changes, so an
    /// error leaves the account as it was. `own` tells whether a user belongs to the account's
    /// owner (`None` when unknown): a role of the owner's users is never revoked, changed or
    /// given an expiry by a user of another organization, and the last SA Admin of the owner
    /// without an expiry is never revoked, downgraded or given an expiry (PTR006, ROLE007,
    /// checked as of the UTC day of the event).
    pub(crate) fn apply_in(&mut self, event: &Event, own: Own<'_>) -> Result<(), Error> {
        let sa = self.id;
        match &event.change {
            Change::AccountCreated { .. } => Err(Error::Replay {
                sa,
                seq: event.seq,
                reason: "the account already exists".into(),
            }),
            Change::AccountActivated => self.activate(),
            Change::AccountDeclined => self.close(AccountStatus::Declined, event.at),
            Change::AccountRequestWithdrawn => self.close(AccountStatus::Withdrawn, event.at),
            Change::AccountRequestLapsed => self.close(AccountStatus::Lapsed, event.at),
            Change::ContactChanged { contact } => self.change_contact(*contact),
            Change::AccountRenamed { name } => {
                self.name = check_account_name(name)?;
                Ok(())
            }
            Change::VaCreated { va, parent, name } => self.add_va(event, *va, *parent, name),
            Change::VaRenamed { va, name } => self.rename_va(*va, name),
            Change::VaMoved { va, parent } => {
                self.check_move_reach(event, own, *va, *parent)?;
                self.move_va(*va, *parent)
            }
            Change::VaDeleted { va } => self.delete_va(*va),
            Change::DefaultVaMoved { va } => self.move_default_va(*va),
            Change::VaVisibilitySet { va, visibility } => self.set_visibility(*va, *visibility),
            Change::RoleAssigned {
                user,
                va,
                role,
                inheritance,
            } => self.bind_role(*user, *va, *role, *inheritance),
            Change::RoleChanged {
                user,
                va,
                role,
                inheritance,
            } => self.change_role(event, own, (*user, *va), *role, *inheritance),
            Change::RoleRevoked { user, va } => {
                self.revoke_role(event, own, (*user, *va))?;
                // LIC008: a user left with no role here gets no more fulfilment notices.
                self.member_left(*user);
                Ok(())
            }
            Change::AgreementAccepted { by } => {
                let (by, at) = (*by, event.at);
                self.agreement = Some(Acceptance { by, at });
                Ok(())
            }
            Change::RoleExpirySet { user, va, expires } => {
                self.set_role_expiry(event, own, (*user, *va), *expires)
            }
            Change::AccessRequested { .. } => self.record_requested(event),
            Change::AccessApproved { request, by } => {
                let at = event.at;
                self.answer_request(*request, RequestStatus::Approved { by: *by, at })
            }
            Change::AccessRejected { request, by } => {
                let at = event.at;
                self.answer_request(*request, RequestStatus::Rejected { by: *by, at })
            }
            Change::AccessReviewed { by, org } => {
                let (by, org, at) = (*by, *org, event.at);
                self.access_reviews.push(AccessReview { by, org, at });
                Ok(())
            }
            Change::License(change) => self.apply_license(event, change),
        }
    }

    /// PTR002, SA011: records the access request `event` asks.
    fn record_requested(&mut self, event: &Event) -> Result<(), Error> {
        let Change::AccessRequested {
            request,
            user,
            org,
            va,
            role,
            inheritance,
            expires,
        } = &event.change
        else {
            return Ok(());
        };
        self.record_request(AccessRequest {
            id: *request,
            user: *user,
            org: *org,
            va: *va,
            role: *role,
            inheritance: reach(*va, *inheritance),
            expires: *expires,
            requested_at: event.at,
            status: RequestStatus::Pending,
        })
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
            && let Some(existing) = self.transfer_record(&t.id)
        {
            if existing == &**t {
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
}
