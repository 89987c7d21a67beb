//! Command dispatch: `execute` plans a [`Command`](crate::Command) in the room of its rule
//! (one line per command) and commits the changes. The top of the directory: nothing below
//! calls back into it.

use crate::accounts::kinds::AccountKind;
use crate::base::error::{Entity, Error};
use crate::base::ids::{SaId, UserId, VaId};
use crate::directory::Command;
use crate::directory::Directory;
use crate::events::event::{Change, Event};
use crate::licenses::license::*;
use crate::licenses::planning::Planned;
use crate::roles::matrix::{Action, Actor, Target};
use crate::roles::matrix::{Inheritance, Role};
use crate::rules::RuleId;
use jiff::Timestamp;
use jiff::civil::Date;

impl Directory {
    /// Runs a command.
    ///
    /// # Errors
    ///
    /// An [`Error`] naming the broken rule and the entity; the directory is then unchanged and
    /// no event was appended (EV001).
    pub fn execute(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        command: Command,
    ) -> Result<Vec<Event>, Error> {
        if let Command::License(command) = command {
            return self.execute_license(actor, at, command);
        }
        let (sa, changes) = self.plan(actor, crate::base::dates::utc_date(at), command)?;
        self.commit(sa, actor, at, changes)
    }

    /// Validates a command and turns it into the changes it makes, without changing anything.
    /// `on` is the UTC date of the command: the actor's roles are checked as of that day, so an
    /// expired grant cannot act (PTR005).
    pub(crate) fn plan(
        &self,
        actor: &Actor,
        on: Date,
        command: Command,
    ) -> Result<(SaId, Vec<Change>), Error> {
        match command {
            Command::RequestAccount {
                kind,
                name,
                domain,
                contact,
            } => self.plan_request(actor, kind, &name, domain, contact),
            Command::ActivateAccount { sa } => self.plan_activation(actor, sa),
            Command::RenameAccount { sa, name } => {
                self.active_account(sa, RuleId::SA001)?;
                self.require(actor, on, Action::EditAccount, Target::Account(sa))?;
                Ok((sa, vec![Change::AccountRenamed { name }]))
            }
            Command::CreateVa { sa, parent, name } => self.plan_new_va(actor, on, sa, parent, name),
            Command::RenameVa { va, name } => {
                let change = Change::VaRenamed { va, name };
                self.plan_va_edit(actor, on, (va, RuleId::VA003), change)
            }
            Command::MoveVa { va, parent } => self.plan_va_move(actor, on, va, parent),
            Command::DeleteVa { va } => self.plan_va_deletion(actor, on, va),
            Command::SetDefaultVa { va } => {
                let (account, _) = self.va_in_active(va, RuleId::SA002)?;
                self.require(actor, on, Action::EditAccount, Target::Account(account.id))?;
                Ok((account.id, vec![Change::DefaultVaMoved { va }]))
            }
            Command::SetVisibility { va, visibility } => {
                let change = Change::VaVisibilitySet { va, visibility };
                self.plan_va_edit(actor, on, (va, RuleId::VA007), change)
            }
            Command::AssignRole {
                user,
                target,
                role,
                inheritance,
            } => self.plan_binding(actor, on, (user, target), (role, inheritance), false),
            Command::ChangeRole {
                user,
                target,
                role,
                inheritance,
            } => self.plan_binding(actor, on, (user, target), (role, inheritance), true),
            Command::RevokeRole { user, target } => self.plan_revoke(actor, on, user, target),
            Command::AcceptAgreement { sa } => {
                self.active_account(sa, RuleId::AGR001)?;
                let by = self.require(actor, on, Action::AcceptAgreement, Target::Account(sa))?;
                Ok((sa, vec![Change::AgreementAccepted { by }]))
            }
            Command::SetRoleExpiry {
                user,
                target,
                expires,
            } => self.plan_role_expiry(actor, on, user, target, expires),
            Command::RequestPartnerAccess {
                sa,
                target,
                role,
                inheritance,
                expires,
            } => self.plan_access_request(actor, on, sa, target, role, inheritance, expires),
            Command::ApprovePartnerAccess {
                sa,
                request,
                expires,
            } => self.plan_approval(actor, on, sa, request, expires),
            Command::RejectPartnerAccess { sa, request } => {
                self.plan_rejection(actor, on, sa, request)
            }
            Command::RevokePartnerAccess { sa, org } => self.plan_revocation(actor, on, sa, org),
            Command::ReviewPartnerAccess { sa, org } => self.plan_review(actor, on, sa, org),
            Command::License(command) => self.plan_license(actor, on, command)?.single(),
        }
    }

    /// Plans the command an event of a log from outside records, as of the event's time (EV004).
    pub(crate) fn plan_recorded(
        &self,
        actor: &Actor,
        at: Timestamp,
        command: Command,
    ) -> Result<crate::licenses::planning::Planned, Error> {
        let on = crate::base::dates::utc_date(at);
        if let Command::License(command) = command {
            return self.plan_license(actor, on, command);
        }
        let (sa, changes) = self.plan(actor, on, command)?;
        Ok(crate::licenses::planning::Planned::One(sa, changes))
    }

    /// Requests a Smart Account ([`Command::RequestAccount`]) and returns its identifier.
    ///
    /// # Errors
    ///
    /// As [`Directory::execute`].
    pub fn request_account(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        kind: AccountKind,
        name: &str,
        domain: Option<&str>,
        contact: UserId,
    ) -> Result<SaId, Error> {
        let command = Command::RequestAccount {
            kind,
            name: name.to_owned(),
            domain: domain.map(str::to_owned),
            contact,
        };
        let events = self.execute(actor, at, command)?;
        events.first().map(|e| e.sa).ok_or(Error::NotFound {
            rule: RuleId::SA001,
            entity: Entity::Account(SaId::new(0)),
        })
    }

    /// Creates a Virtual Account ([`Command::CreateVa`]) and returns its identifier.
    ///
    /// # Errors
    ///
    /// As [`Directory::execute`].
    pub fn create_va(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        sa: SaId,
        parent: Option<VaId>,
        name: &str,
    ) -> Result<VaId, Error> {
        let events = self.execute(
            actor,
            at,
            Command::CreateVa {
                sa,
                parent,
                name: name.to_owned(),
            },
        )?;
        events
            .iter()
            .find_map(|e| match e.change {
                Change::VaCreated { va, .. } => Some(va),
                _ => None,
            })
            .ok_or(Error::NotFound {
                rule: RuleId::VA001,
                entity: Entity::Account(sa),
            })
    }

    /// Assigns a role ([`Command::AssignRole`]).
    ///
    /// # Errors
    ///
    /// As [`Directory::execute`].
    pub fn assign_role(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        user: UserId,
        target: Target,
        role: Role,
        inheritance: Inheritance,
    ) -> Result<Vec<Event>, Error> {
        self.execute(
            actor,
            at,
            Command::AssignRole {
                user,
                target,
                role,
                inheritance,
            },
        )
    }

    /// Runs a license or device command: the same as [`Directory::execute`] with
    /// [`Command::License`]. A retried request (same idempotency key, transfer ID or order
    /// line, same contents) returns no events and changes nothing.
    ///
    /// # Errors
    ///
    /// As [`Directory::execute`].
    pub fn license(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        command: LicenseCommand,
    ) -> Result<Vec<Event>, Error> {
        self.execute(actor, at, Command::License(command))
    }

    /// Transfers licenses between two Virtual Accounts of one account
    /// ([`LicenseCommand::Transfer`], LIC003, LIC009). Returns the event it appended to the
    /// account's log, or `None` for a retry (same key, same request), which changes nothing.
    /// The same as running the command through [`Directory::execute`], without copying the
    /// event out.
    ///
    /// # Errors
    ///
    /// As [`Directory::execute`].
    pub fn transfer(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        from: VaId,
        to: VaId,
        lines: Vec<TransferLine>,
        key: IdempotencyKey,
    ) -> Result<Option<&Event>, Error> {
        let command = LicenseCommand::Transfer {
            from,
            to,
            lines,
            key,
        };
        match self.plan_license(actor, crate::base::dates::utc_date(at), command)? {
            Planned::One(sa, changes) => {
                let mut changes = changes.into_iter();
                match (changes.next(), changes.next()) {
                    (None, _) => Ok(None),
                    (Some(change), None) => self.commit_one(sa, actor, at, change).map(Some),
                    (Some(first), Some(second)) => {
                        let mut all = vec![first, second];
                        all.extend(changes);
                        self.commit(sa, actor, at, all)?;
                        Ok(self.accounts.get(&sa).and_then(|e| e.log.last()))
                    }
                }
            }
            planned @ Planned::Pair { .. } => planned.single().map(|_| None),
        }
    }

    /// Registers a device ([`LicenseCommand::RegisterDevice`], DEV001).
    ///
    /// # Errors
    ///
    /// As [`Directory::execute`].
    pub fn register_device(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        device: DeviceId,
        va: VaId,
        installed: Date,
    ) -> Result<Vec<Event>, Error> {
        self.execute_license(
            actor,
            at,
            LicenseCommand::RegisterDevice {
                device,
                va,
                installed,
            },
        )
    }

    /// A device consumes licenses ([`LicenseCommand::Consume`], LIC006).
    ///
    /// # Errors
    ///
    /// As [`Directory::execute`].
    pub fn consume(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        device: DeviceId,
        license: License,
        quantity: u64,
    ) -> Result<Vec<Event>, Error> {
        self.execute_license(
            actor,
            at,
            LicenseCommand::Consume {
                device,
                license,
                quantity,
            },
        )
    }

    /// Asks for partner access ([`crate::Command::RequestPartnerAccess`]) and returns the
    /// request's identifier.
    ///
    /// # Errors
    ///
    /// As [`Directory::execute`].
    #[allow(
        clippy::too_many_arguments,
        reason = "the fields of Command::RequestPartnerAccess"
    )]
    pub fn request_partner_access(
        &mut self,
        actor: &Actor,
        at: Timestamp,
        sa: SaId,
        target: Target,
        role: Role,
        inheritance: Inheritance,
        expires: Option<Date>,
    ) -> Result<u64, Error> {
        let events = self.execute(
            actor,
            at,
            crate::Command::RequestPartnerAccess {
                sa,
                target,
                role,
                inheritance,
                expires,
            },
        )?;
        events
            .iter()
            .find_map(|e| match e.change {
                Change::AccessRequested { request, .. } => Some(request),
                _ => None,
            })
            .ok_or(Error::NotFound {
                rule: RuleId::PTR002,
                entity: Entity::Account(sa),
            })
    }
}
