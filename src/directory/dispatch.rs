//! Command dispatch: `execute` plans a [`Command`](crate::Command) in the room of its rule
//! (one line per command) and commits the changes. The top of the directory: nothing below
//! calls back into it.

use crate::accounts::kinds::AccountKind;
use crate::base::dates::utc_date;
use crate::base::error::{Entity, Error};
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::directory::Command;
use crate::directory::Directory;
use crate::directory::people::{NewUser, OrgKind};
use crate::events::event::RecordedActor;
use crate::events::event::{Change, Event};
use crate::events::streams::{CommandId, DirectoryChange, FreshIds, Plan, Planned};
use crate::licenses::license::*;
use crate::roles::matrix::{Actor, Target};
use crate::roles::matrix::{Inheritance, Role};
use crate::rules::RuleId;
use jiff::Timestamp;
use jiff::civil::Date;

impl Directory {
    /// Runs a command: [`Directory::plan`] and [`Directory::commit`] in one step. Returns the
    /// events appended to Smart Account streams (registrations append only to the directory's
    /// stream, and return none).
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
        // The commit applies all or nothing, so no trial run on copies is needed here.
        let planned = self.plan_changes(actor, utc_date(at), command, &FreshIds::default())?;
        let plan = self.lay_out(self.recorded(actor), at, None, planned)?;
        Ok(self.commit(plan)?.accounts)
    }

    /// Plans a command against the current state: checks the actor's permission and every
    /// rule, and returns the events the command would append with the versions of the streams
    /// they were decided on (EV005). Nothing changes: this is a dry run until
    /// [`Directory::commit`]. New identifiers come from the directory's own counters; writers
    /// sharing a store use [`Directory::plan_with`].
    ///
    /// `command_id` makes a retry a no-op: planning a command ID that was committed before
    /// gives a plan that [`Plan::is_repeat`], whatever the command.
    ///
    /// # Errors
    ///
    /// As [`Directory::execute`].
    ///
    /// # Examples
    ///
    /// ```
    /// use smart_accounts::{fixtures, Command, CommandId, Error, StreamId};
    ///
    /// let mut w = fixtures::world()?;
    /// let alice = smart_accounts::Actor::User(w.acme.alice);
    /// let command = Command::CreateVa { sa: w.acme.sa, parent: None, name: "Oceania".into() };
    /// let id = CommandId::parse("create-oceania-1")?;
    /// let plan = w.dir.plan(&alice, w.at, command.clone(), Some(id.clone()))?;
    /// let version = w.dir.version(StreamId::Account(w.acme.sa));
    /// assert_eq!(plan.expected(), &[(StreamId::Account(w.acme.sa), version)]);
    ///
    /// // Another writer commits first: the plan is refused and changes nothing.
    /// let mut other = w.dir.clone();
    /// other.execute(&alice, w.at, Command::CreateVa { sa: w.acme.sa, parent: None, name: "LATAM".into() })?;
    /// assert!(matches!(other.commit(plan.clone()), Err(Error::Conflict { .. })));
    ///
    /// // On the original it commits; the same command ID again appends nothing.
    /// let first = w.dir.commit(plan)?;
    /// let again = w.dir.plan(&alice, w.at, command, Some(id))?;
    /// assert!(again.is_repeat());
    /// assert_eq!(w.dir.commit(again)?.accounts, first.accounts);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plan(
        &self,
        actor: &Actor,
        at: Timestamp,
        command: Command,
        command_id: Option<CommandId>,
    ) -> Result<Plan, Error> {
        self.plan_with(actor, at, command, command_id, FreshIds::default())
    }

    /// [`Directory::plan`] with the identifiers the command hands out supplied by the caller
    /// (a store's sequences), so that writers of different accounts never collide.
    ///
    /// # Errors
    ///
    /// As [`Directory::execute`]; [`Error::IdentifierInUse`] for a supplied identifier that is
    /// zero or in use.
    pub fn plan_with(
        &self,
        actor: &Actor,
        at: Timestamp,
        command: Command,
        command_id: Option<CommandId>,
        fresh: FreshIds,
    ) -> Result<Plan, Error> {
        if let Some(repeat) = command_id.as_ref().and_then(|id| self.repeat_of(id)) {
            return Ok(repeat);
        }
        let planned = self.plan_changes(actor, utc_date(at), command, &fresh)?;
        let plan = self.lay_out(self.recorded(actor), at, command_id, planned)?;
        // A trial run on copies of the accounts it changes: the accounts check some rules
        // themselves (names, PTR006), and a dry run must refuse what the commit would.
        self.stage(&plan.accounts)?;
        Ok(plan)
    }

    /// Validates a command and turns it into the changes it makes, without changing anything.
    /// `on` is the UTC date of the command: the actor's roles are checked as of that day, so an
    /// expired grant cannot act (PTR005).
    pub(crate) fn plan_changes(
        &self,
        actor: &Actor,
        on: Date,
        command: Command,
        fresh: &FreshIds,
    ) -> Result<Planned, Error> {
        let (sa, changes) = match command {
            Command::RegisterOrganization { name, kind } => {
                return self.plan_organization(&name, kind, fresh);
            }
            Command::RegisterUser { user } => return self.plan_user(user, fresh),
            Command::RequestAccount {
                kind,
                name,
                domain,
                contact,
            } => self.plan_request(actor, (kind, &name, domain, contact), fresh)?,
            Command::ActivateAccount { sa } => self.plan_activation(actor, sa)?,
            Command::RenameAccount { sa, name } => self.plan_rename(actor, on, sa, name)?,
            Command::CreateVa { sa, parent, name } => {
                self.plan_new_va(actor, on, (sa, parent, name), fresh)?
            }
            Command::RenameVa { va, name } => {
                let change = Change::VaRenamed { va, name };
                self.plan_va_edit(actor, on, (va, RuleId::VA003), change)?
            }
            Command::MoveVa { va, parent } => self.plan_va_move(actor, on, va, parent)?,
            Command::DeleteVa { va } => self.plan_va_deletion(actor, on, va)?,
            Command::SetDefaultVa { va } => self.plan_default_va(actor, on, va)?,
            Command::SetVisibility { va, visibility } => {
                let change = Change::VaVisibilitySet { va, visibility };
                self.plan_va_edit(actor, on, (va, RuleId::VA007), change)?
            }
            Command::AssignRole {
                user,
                target,
                role,
                inheritance,
            } => self.plan_binding(actor, on, (user, target), (role, inheritance), false)?,
            Command::ChangeRole {
                user,
                target,
                role,
                inheritance,
            } => self.plan_binding(actor, on, (user, target), (role, inheritance), true)?,
            Command::RevokeRole { user, target } => self.plan_revoke(actor, on, user, target)?,
            Command::AcceptAgreement { sa } => self.plan_agreement(actor, on, sa)?,
            Command::SetRoleExpiry {
                user,
                target,
                expires,
            } => self.plan_role_expiry(actor, on, user, target, expires)?,
            Command::RequestPartnerAccess {
                sa,
                target,
                role,
                inheritance,
                expires,
            } => self.plan_access_request(actor, on, sa, target, role, inheritance, expires)?,
            Command::ApprovePartnerAccess {
                sa,
                request,
                expires,
            } => self.plan_approval(actor, on, sa, request, expires)?,
            Command::RejectPartnerAccess { sa, request } => {
                self.plan_rejection(actor, on, sa, request)?
            }
            Command::RevokePartnerAccess { sa, org } => self.plan_revocation(actor, on, sa, org)?,
            Command::ReviewPartnerAccess { sa, org } => self.plan_review(actor, on, sa, org)?,
            Command::License(command) => return self.plan_license(actor, on, command),
            Command::Order(command) => return self.plan_order(actor, on, command),
            // The request lifecycle (SA010) and users' access requests (SA011).
            command => self.plan_request_command(actor, on, command)?,
        };
        Ok(Planned::One(sa, changes))
    }

    /// Plans the command an event of a log from outside records, as of the event's time (EV004).
    pub(crate) fn plan_recorded(
        &self,
        actor: &Actor,
        at: Timestamp,
        command: Command,
    ) -> Result<Planned, Error> {
        let on = crate::base::dates::utc_date(at);
        self.plan_changes(actor, on, command, &FreshIds::default())
    }

    /// Registers an organization: [`Command::RegisterOrganization`] without an actor or a
    /// time, for building a directory by hand (tests, fixtures). The event is recorded as
    /// [`RecordedActor::Imported`] at the time of the directory stream's last event (the Unix
    /// epoch on an empty one), so the stream's times never go back. A service records who
    /// registered whom with [`Directory::execute`] instead.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`] when the name is empty, longer than 100 characters or has control
    /// characters.
    pub fn register_organization(&mut self, name: &str, kind: OrgKind) -> Result<OrgId, Error> {
        let command = Command::RegisterOrganization {
            name: name.to_owned(),
            kind,
        };
        let committed = self.register(command)?;
        Ok(match committed {
            Some(DirectoryChange::OrganizationRegistered { organization }) => organization.id,
            _ => OrgId::new(self.next_org),
        })
    }

    /// Registers a user: [`Command::RegisterUser`] without an actor or a time, recorded as
    /// [`Directory::register_organization`] says.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown organization, [`Error::InvalidEmail`],
    /// [`Error::InvalidName`] for a malformed Cisco.com ID, and [`Error::DuplicateLogin`] when the
    /// email or Cisco.com ID belongs to another user (all SA004).
    pub fn register_user(&mut self, new: NewUser) -> Result<UserId, Error> {
        let committed = self.register(Command::RegisterUser { user: new })?;
        Ok(match committed {
            Some(DirectoryChange::UserRegistered { user }) => user.id,
            _ => UserId::new(self.next_user),
        })
    }

    /// Plans and commits a registration as an import, returning its change.
    fn register(&mut self, command: Command) -> Result<Option<DirectoryChange>, Error> {
        let at = self.dir_log.last_at().unwrap_or(Timestamp::UNIX_EPOCH);
        let on = crate::base::dates::utc_date(at);
        let planned = self.plan_changes(
            &crate::roles::matrix::Actor::Fulfilment,
            on,
            command,
            &FreshIds::default(),
        )?;
        let plan = self.lay_out(RecordedActor::Imported, at, None, planned)?;
        let committed = self.commit(plan)?;
        Ok(committed.directory.into_iter().next().map(|e| e.change))
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
    /// The same as running the command through [`Directory::execute`], without a plan or a
    /// list of events.
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
    ) -> Result<Option<Event>, Error> {
        // One change in one account and nothing on the directory's stream: applied in place,
        // without a plan or a list of changes.
        let on = crate::base::dates::utc_date(at);
        match self.transfer_change(actor, on, (from, to), lines, key)? {
            (_, None) => Ok(None),
            (sa, Some(change)) => self
                .commit_one(sa, actor, at, Change::License(change))
                .map(Some),
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
        let command = LicenseCommand::RegisterDevice {
            device,
            va,
            installed,
        };
        self.license(actor, at, command)
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
        let command = LicenseCommand::Consume {
            device,
            license,
            quantity,
        };
        self.license(actor, at, command)
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
