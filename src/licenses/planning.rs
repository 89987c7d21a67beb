//! The directory side of licenses and devices: planning the license commands (permissions,
//! actors, accounts), committing the two events of a transfer between accounts atomically, the
//! device index, and queries across accounts.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::accounts::kinds::{AccountKind, AccountStatus, Visibility};
use crate::base::error::{Entity, Error};
use crate::base::ids::{OrgId, SaId, StreamId, VaId};
use crate::directory::Directory;
use crate::events::event::{Change, Event};
pub(crate) use crate::events::streams::Planned;
use crate::licenses::license::order_lines::moved_lines;
use crate::licenses::license::{
    CrossSaPath, CrossSaTransfer, Deposit, DeviceId, HoldingAge, IdempotencyKey, License,
    LicenseChange, LicenseCommand, LicenseKind, Notification, NotificationRecord,
    NotificationState, OrderLine, OrderLineMove, Reservation, ReservationCode, TransferId,
    TransferLine, merge_lines,
};
use crate::roles::matrix::{Action, Actor, Target};
use crate::rules::RuleId;

fn license_change(change: LicenseChange) -> Change {
    Change::License(change)
}

/// A plan of one change to one account.
fn one(sa: SaId, change: LicenseChange) -> Result<Planned, Error> {
    Ok(Planned::One(sa, vec![license_change(change)]))
}

impl Directory {
    /// Applies one change to an account in place and appends its event to the log.
    pub(crate) fn commit_one(
        &mut self,
        sa: SaId,
        actor: &Actor,
        at: Timestamp,
        change: Change,
    ) -> Result<Event, Error> {
        let missing = Error::NotFound {
            rule: RuleId::LIC003,
            entity: Entity::Account(sa),
        };
        let actor = self.recorded(actor);
        let entry = self.accounts.get_mut(&sa).ok_or(missing.clone())?;
        let event = Event {
            sa,
            seq: entry.log.next_seq(),
            at,
            actor,
            command: None,
            change,
        };
        entry
            .account
            .as_mut()
            .ok_or(missing.clone())?
            .apply(&event)?;
        self.reindex(&event);
        let entry = self.accounts.get_mut(&sa).ok_or(missing)?;
        entry
            .append_copy(&event)
            .map_err(|why| crate::events::log::misplaced(StreamId::Account(sa), event.seq, why))?;
        Ok(event)
    }

    /// The account a device is registered to.
    #[must_use]
    pub fn device_account(&self, device: &DeviceId) -> Option<SaId> {
        self.devices.get(device).copied()
    }

    /// Holding aging across every Partner Holding account as of a date (LIC008), oldest first.
    #[must_use]
    pub fn holding_aging(&self, as_of: Date) -> Vec<HoldingAge> {
        let mut out: Vec<HoldingAge> = self
            .accounts()
            .filter(|a| a.kind() == AccountKind::PartnerHolding)
            .flat_map(|a| a.holding_aging(as_of))
            .collect();
        out.sort_by(|a, b| a.lot.since.cmp(&b.lot.since).then(a.sa.cmp(&b.sa)));
        out
    }

    /// The notifications of LIC008 across every Partner Holding account as of a date, oldest
    /// first.
    #[must_use]
    pub fn notifications(&self, as_of: Date) -> Vec<Notification> {
        let mut out: Vec<Notification> = self
            .accounts()
            .filter(|a| a.kind() == AccountKind::PartnerHolding)
            .flat_map(|a| a.notifications(as_of))
            .collect();
        out.sort_by(|a, b| a.lot.since.cmp(&b.lot.since).then(a.sa.cmp(&b.sa)));
        out
    }

    /// The notification records not acknowledged yet across every Partner Holding account
    /// (LIC008), oldest first (by the day of the lot, then account, then ID).
    #[must_use]
    pub fn open_notifications(&self) -> Vec<(SaId, &NotificationRecord)> {
        let mut out: Vec<(SaId, &NotificationRecord)> = self
            .accounts()
            .filter(|a| a.kind() == AccountKind::PartnerHolding)
            .flat_map(|a| {
                a.notification_records()
                    .filter(|n| n.is_open())
                    .map(move |n| (a.id(), n))
            })
            .collect();
        out.sort_by_key(|a| (a.1.lot.since, a.0, a.1.id));
        out
    }

    fn account_or(&self, sa: SaId, rule: RuleId) -> Result<&crate::SmartAccount, Error> {
        self.account(sa).ok_or(Error::NotFound {
            rule,
            entity: Entity::Account(sa),
        })
    }

    fn sa_of(&self, va: VaId, rule: RuleId) -> Result<&crate::SmartAccount, Error> {
        let sa = self.account_of(va).ok_or(Error::NotFound {
            rule,
            entity: Entity::Va(va),
        })?;
        self.account_or(sa, rule)
    }

    fn device_sa(&self, device: &DeviceId, rule: RuleId) -> Result<&crate::SmartAccount, Error> {
        let sa = self
            .devices
            .get(device)
            .ok_or_else(|| Error::UnknownDevice {
                rule,
                device: device.to_string(),
            })?;
        self.account_or(*sa, rule)
    }

    fn device_va(&self, device: &DeviceId, rule: RuleId) -> Result<(SaId, VaId), Error> {
        let account = self.device_sa(device, rule)?;
        let record = account.device(device).ok_or_else(|| Error::UnknownDevice {
            rule,
            device: device.to_string(),
        })?;
        Ok((account.id(), record.va))
    }

    /// The organization named as procurer of a deposit must exist (EV002).
    fn procurer(&self, org: OrgId) -> Result<(), Error> {
        if self.orgs.contains_key(&org) {
            Ok(())
        } else {
            Err(Error::NotFound {
                rule: RuleId::EV002,
                entity: Entity::Organization(org),
            })
        }
    }

    fn fulfilment(actor: &Actor, what: &'static str) -> Result<(), Error> {
        if *actor == Actor::Fulfilment {
            Ok(())
        } else {
            Err(Error::WrongActor {
                rule: RuleId::LIC002,
                actor: actor.to_string(),
                what,
                needed: "order fulfilment",
            })
        }
    }

    /// The destination Virtual Account of a transfer between accounts: the named one (which must
    /// belong to `sa`; a Restricted one is found only by a user who may view it, Q010) or the
    /// default.
    fn destination_va(&self, actor: &Actor, sa: SaId, va: Option<VaId>) -> Result<VaId, Error> {
        let account = self.account_or(sa, RuleId::LIC004)?;
        let Some(va) = va else {
            return Ok(account.default_va());
        };
        let hidden = || Error::NotFound {
            rule: RuleId::LIC004,
            entity: Entity::Va(va),
        };
        let record = account.va(va).ok_or_else(hidden)?;
        if record.visibility() == Visibility::Restricted
            && let Actor::User(user) = actor
            && !self.is_allowed(*user, Action::ViewLicenses, Target::Va(va))
        {
            return Err(hidden());
        }
        Ok(va)
    }

    /// Validates a license command and turns it into changes, without changing anything.
    pub(crate) fn plan_license(
        &self,
        actor: &Actor,
        on: Date,
        command: LicenseCommand,
    ) -> Result<Planned, Error> {
        match command {
            LicenseCommand::Deposit {
                sa,
                va,
                order,
                license,
                kind,
                quantity,
                procured_by,
                sa_mandatory,
            } => self.plan_deposit(
                actor,
                (sa, va),
                Deposit {
                    order,
                    license,
                    kind,
                    quantity,
                    va: None,
                    procured_by,
                    sa_mandatory,
                    true_up: false,
                },
            ),
            LicenseCommand::TrueUp {
                va,
                license,
                order,
                procured_by,
            } => self.plan_true_up(actor, va, license, order, procured_by),
            LicenseCommand::ConvertClassic {
                sa,
                license,
                quantity,
                va,
            } => self.plan_convert_classic(actor, on, sa, license, quantity, va),
            LicenseCommand::Transfer {
                from,
                to,
                lines,
                key,
            } => self.plan_transfer(actor, on, from, to, lines, key),
            LicenseCommand::AssignFromHolding {
                transfer,
                from,
                to_sa,
                to_va,
                lines,
                order_lines,
            } => self.plan_holding_assignment(
                actor,
                on,
                transfer,
                from,
                (to_sa, to_va),
                (lines, order_lines),
            ),
            LicenseCommand::VendorReassign {
                transfer,
                from,
                to_sa,
                to_va,
                lines,
                order_lines,
            } => self.plan_vendor_reassignment(
                actor,
                transfer,
                from,
                (to_sa, to_va),
                (lines, order_lines),
            ),
            LicenseCommand::Reserve {
                va,
                license,
                quantity,
            } => self.plan_reservation(actor, on, (va, license, quantity), true),
            LicenseCommand::ReleaseReservation {
                va,
                license,
                quantity,
            } => self.plan_reservation(actor, on, (va, license, quantity), false),
            LicenseCommand::ReserveWithCode(r) => self.plan_coded_reservation(actor, on, r),
            LicenseCommand::ReleaseByCode { sa, code } => {
                self.plan_release_by_code(actor, on, sa, &code)
            }
            LicenseCommand::FulfilmentNotices { sa, opt_in } => {
                self.plan_fulfilment_notices(actor, sa, opt_in)
            }
            LicenseCommand::MarkNotificationSent { sa, id } => {
                self.plan_notification_sent(actor, sa, id)
            }
            LicenseCommand::AcknowledgeNotification { sa, id } => {
                self.plan_acknowledgement(actor, sa, id)
            }
            LicenseCommand::RegisterDevice {
                device,
                va,
                installed,
            } => self.plan_register_device(actor, on, device, va, installed),
            LicenseCommand::MoveDevice { device, va } => {
                self.plan_move_device(actor, on, device, va)
            }
            LicenseCommand::RemoveDevice { device } => {
                self.plan_device_change(actor, on, device, RuleId::DEV001, |device| {
                    LicenseChange::DeviceRemoved { device }
                })
            }
            LicenseCommand::Consume {
                device,
                license,
                quantity,
            } => self.plan_device_change(actor, on, device, RuleId::LIC006, |device| {
                LicenseChange::Consumed {
                    device,
                    license,
                    quantity,
                }
            }),
            LicenseCommand::Release {
                device,
                license,
                quantity,
            } => self.plan_device_change(actor, on, device, RuleId::LIC006, |device| {
                LicenseChange::ConsumptionReleased {
                    device,
                    license,
                    quantity,
                }
            }),
            // `on` here is the day the command records, and the day the permission is checked.
            LicenseCommand::RecordChange { device, on } => {
                self.plan_device_change(actor, on, device, RuleId::DEV002, |device| {
                    LicenseChange::DeviceChanged { device, on }
                })
            }
            LicenseCommand::RecordReport { device, on } => {
                self.plan_device_change(actor, on, device, RuleId::DEV002, |device| {
                    LicenseChange::UsageReported { device, on }
                })
            }
        }
    }

    /// A change to one device (DEV001, DEV002, LIC006), by a user who manages devices in its
    /// Virtual Account on `on`.
    fn plan_device_change(
        &self,
        actor: &Actor,
        on: Date,
        device: DeviceId,
        rule: RuleId,
        change: impl FnOnce(DeviceId) -> LicenseChange,
    ) -> Result<Planned, Error> {
        let (sa, va) = self.device_va(&device, rule)?;
        self.require(actor, on, Action::ManageDevices, Target::Va(va))?;
        one(sa, change(device))
    }

    /// LIC010: licenses of a pool reserved (`reserve`: in an account whose licenses are usable)
    /// or released (in an active account), by a user who manages the pool's licenses.
    fn plan_reservation(
        &self,
        actor: &Actor,
        on: Date,
        (va, license, quantity): (VaId, License, u64),
        reserve: bool,
    ) -> Result<Planned, Error> {
        let account = if reserve {
            let account = self.sa_of(va, RuleId::LIC010)?;
            account.usable("reserved")?;
            account
        } else {
            self.va_in_active(va, RuleId::LIC010)?.0
        };
        self.require(actor, on, Action::ManageLicenses, Target::Va(va))?;
        let change = if reserve {
            LicenseChange::Reserved {
                va,
                license,
                quantity,
            }
        } else {
            LicenseChange::ReservationReleased {
                va,
                license,
                quantity,
            }
        };
        one(account.id(), change)
    }

    /// LIC010: a reservation under a code, by someone who manages the licenses of its VA.
    fn plan_coded_reservation(
        &self,
        actor: &Actor,
        on: Date,
        r: Reservation,
    ) -> Result<Planned, Error> {
        let account = self.sa_of(r.va, RuleId::LIC010)?;
        account.usable("reserved")?;
        self.require(actor, on, Action::ManageLicenses, Target::Va(r.va))?;
        one(account.id(), LicenseChange::ReservedWithCode(Box::new(r)))
    }

    /// LIC010: the release of the reservation with `code`, as it was made.
    fn plan_release_by_code(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        code: &ReservationCode,
    ) -> Result<Planned, Error> {
        let account = self.account_or(sa, RuleId::LIC010)?;
        let held = account
            .reservation(code)
            .ok_or_else(|| account.code_error(code, "the account holds no such reservation"))?
            .clone();
        // Like a release without a code, only in an Active account.
        self.va_in_active(held.va, RuleId::LIC010)?;
        self.require(actor, on, Action::ManageLicenses, Target::Va(held.va))?;
        one(sa, LicenseChange::ReleasedByCode(Box::new(held)))
    }

    /// LIC008: a member of an Active holding account opts in to or out of its fulfilment
    /// notices: a holding account, the user a member, the choice a change (the account's apply
    /// checks the same for logs).
    fn plan_fulfilment_notices(
        &self,
        actor: &Actor,
        sa: SaId,
        opt_in: bool,
    ) -> Result<Planned, Error> {
        let user = self.acting_user(actor)?;
        let account = self.active_account(sa, RuleId::LIC008)?;
        account.check_fulfilment_choice(user, opt_in)?;
        one(sa, LicenseChange::FulfilmentNoticesChosen { user, opt_in })
    }

    /// LIC008: only the ordering system marks a yielded notification sent.
    fn plan_notification_sent(&self, actor: &Actor, sa: SaId, id: u64) -> Result<Planned, Error> {
        if *actor != Actor::Fulfilment {
            return Err(Error::WrongActor {
                rule: RuleId::LIC008,
                actor: actor.to_string(),
                what: "mark a notification sent",
                needed: "the ordering system (fulfilment)",
            });
        }
        let account = self.account_or(sa, RuleId::LIC008)?;
        if account.notice(id)?.state != NotificationState::Yielded {
            return Err(Error::Notification {
                sa,
                id,
                reason: "only a notification not yet sent or acknowledged is marked sent",
            });
        }
        one(sa, LicenseChange::NotificationSent { id })
    }

    /// LIC008: a recipient who is still a member of the holding account acknowledges an open
    /// notification.
    fn plan_acknowledgement(&self, actor: &Actor, sa: SaId, id: u64) -> Result<Planned, Error> {
        let by = self.acting_user(actor)?;
        let account = self.account_or(sa, RuleId::LIC008)?;
        let record = account.notice(id)?;
        let refuse = |reason| Error::Notification { sa, id, reason };
        if !record.recipients.contains(&by) {
            return Err(refuse("only a recipient acknowledges it"));
        }
        if !account.is_member(by) {
            return Err(refuse(
                "the recipient is no longer a member of the holding account",
            ));
        }
        if !record.is_open() {
            return Err(refuse("it was already acknowledged"));
        }
        one(sa, LicenseChange::NotificationAcknowledged { id, by })
    }

    /// LIC002: fulfilment deposits an order line's licenses in an account (in its default VA
    /// unless one is named; classic licenses sit in no VA), once per order line.
    fn plan_deposit(
        &self,
        actor: &Actor,
        (sa, va): (SaId, Option<VaId>),
        mut deposit: Deposit,
    ) -> Result<Planned, Error> {
        Self::fulfilment(actor, "deposit licenses")?;
        let account = self.account_or(sa, RuleId::LIC002)?;
        if account.status().is_closed() {
            return Err(Error::AccountRequest {
                sa,
                status: account.status().as_str(),
                reason: "a closed request takes no deposit; the order needs another account",
            });
        }
        self.procurer(deposit.procured_by)?;
        let va = match va {
            Some(v) if account.va(v).is_some() => Some(v),
            Some(v) => {
                return Err(Error::NotFound {
                    rule: RuleId::LIC002,
                    entity: Entity::Va(v),
                });
            }
            None => Some(account.default_va()),
        };
        if deposit.kind == LicenseKind::Smart {
            deposit.va = va;
        }
        if let Some(existing) = account.deposit_of(&deposit.order)
            && existing.deposit == deposit
        {
            return Ok(Planned::One(sa, Vec::new()));
        }
        self.check_fulfilment(sa, &deposit)?;
        one(sa, LicenseChange::Deposited(Box::new(deposit)))
    }

    /// LIC006: fulfilment deposits the shortfall of an over-consumed pool.
    fn plan_true_up(
        &self,
        actor: &Actor,
        va: VaId,
        license: License,
        order: OrderLine,
        procured_by: OrgId,
    ) -> Result<Planned, Error> {
        Self::fulfilment(actor, "true up licenses")?;
        let account = self.sa_of(va, RuleId::LIC006)?;
        self.procurer(procured_by)?;
        if let Some(existing) = account.deposit_of(&order) {
            let d = &existing.deposit;
            if d.true_up && d.license == license && d.va == Some(va) {
                return Ok(Planned::One(account.id(), Vec::new()));
            }
        }
        let shortfall = account.pool_shortfall(va, &license);
        if shortfall == 0 {
            return Err(Error::InvalidQuantity {
                rule: RuleId::LIC006,
                quantity: 0,
                reason: "the pool has no shortfall to true up",
            });
        }
        one(
            account.id(),
            LicenseChange::Deposited(Box::new(Deposit {
                order,
                license,
                kind: LicenseKind::Smart,
                quantity: shortfall,
                va: Some(va),
                procured_by,
                sa_mandatory: false,
                true_up: true,
            })),
        )
    }

    /// LIC003, LIC009: licenses move between VAs of one account, once per idempotency key.
    fn plan_transfer(
        &self,
        actor: &Actor,
        on: Date,
        from: VaId,
        to: VaId,
        lines: Vec<TransferLine>,
        key: IdempotencyKey,
    ) -> Result<Planned, Error> {
        let (sa, change) = self.transfer_change(actor, on, (from, to), lines, key)?;
        Ok(Planned::One(
            sa,
            change.map(Change::License).into_iter().collect(),
        ))
    }

    /// LIC003, LIC009: the change a transfer makes in its account, `None` for a retry of a
    /// transfer already made. [`Directory::transfer`] commits it without a plan.
    pub(crate) fn transfer_change(
        &self,
        actor: &Actor,
        on: Date,
        (from, to): (VaId, VaId),
        lines: Vec<TransferLine>,
        key: IdempotencyKey,
    ) -> Result<(SaId, Option<LicenseChange>), Error> {
        let (account, _) = self.va_in_active(from, RuleId::LIC003)?;
        match self.account_of(to) {
            None => {
                return Err(Error::NotFound {
                    rule: RuleId::LIC003,
                    entity: Entity::Va(to),
                });
            }
            Some(other) if other != account.id() => {
                return Err(Error::CrossSa {
                    from: account.id(),
                    to: other,
                    reason: "a transfer moves licenses between virtual accounts of one smart account; only a holding assignment or vendor support moves them to another",
                });
            }
            Some(_) => {}
        }
        self.require(actor, on, Action::ManageLicenses, Target::Va(from))?;
        self.require(actor, on, Action::ManageLicenses, Target::Va(to))?;
        let lines = merge_lines(lines)?;
        if let Some(same) = account.same_request(&key, from, to, &lines) {
            if same {
                return Ok((account.id(), None));
            }
            return Err(Error::IdempotencyConflict {
                rule: RuleId::LIC009,
                key: key.to_string(),
            });
        }
        if from == to {
            return Err(Error::SameVa { va: to });
        }
        let change = LicenseChange::Transferred {
            key,
            from,
            to,
            lines,
        };
        Ok((account.id(), Some(change)))
    }

    /// DEV001: a new device in a VA of an active account.
    fn plan_register_device(
        &self,
        actor: &Actor,
        on: Date,
        device: DeviceId,
        va: VaId,
        installed: Date,
    ) -> Result<Planned, Error> {
        let account = self.sa_of(va, RuleId::DEV001)?;
        account.device_home()?;
        if let Some(sa) = self.devices.get(&device) {
            return Err(Error::DuplicateDevice {
                device: device.to_string(),
                sa: *sa,
            });
        }
        self.require(actor, on, Action::ManageDevices, Target::Va(va))?;
        one(
            account.id(),
            LicenseChange::DeviceRegistered {
                device,
                va,
                installed,
            },
        )
    }

    /// DEV001: a device moves to another VA of its account.
    fn plan_move_device(
        &self,
        actor: &Actor,
        on: Date,
        device: DeviceId,
        va: VaId,
    ) -> Result<Planned, Error> {
        let (sa, old) = self.device_va(&device, RuleId::DEV001)?;
        match self.account_of(va) {
            None => {
                return Err(Error::NotFound {
                    rule: RuleId::DEV001,
                    entity: Entity::Va(va),
                });
            }
            Some(other) if other != sa => {
                return Err(Error::DeviceAccount {
                    sa: other,
                    reason: "a device moves between virtual accounts of its own smart account, never to another",
                });
            }
            Some(_) => {}
        }
        self.require(actor, on, Action::ManageDevices, Target::Va(old))?;
        self.require(actor, on, Action::ManageDevices, Target::Va(va))?;
        one(sa, LicenseChange::DeviceMoved { device, va })
    }

    /// LIC002: classic licenses of an active account become Smart licenses in a VA the actor manages.
    fn plan_convert_classic(
        &self,
        actor: &Actor,
        on: Date,
        sa: SaId,
        license: License,
        quantity: u64,
        va: Option<VaId>,
    ) -> Result<Planned, Error> {
        let account = self.active_account(sa, RuleId::LIC002)?;
        let va = match va {
            Some(v) if account.va(v).is_some() => v,
            Some(v) => {
                return Err(Error::NotFound {
                    rule: RuleId::LIC002,
                    entity: Entity::Va(v),
                });
            }
            None => account.default_va(),
        };
        self.require(actor, on, Action::ManageLicenses, Target::Va(va))?;
        one(
            sa,
            LicenseChange::ClassicConverted {
                license,
                quantity,
                va,
            },
        )
    }

    /// LIC004: a partner holding account assigns licenses to an active customer account (two events).
    fn plan_holding_assignment(
        &self,
        actor: &Actor,
        on: Date,
        transfer: TransferId,
        from: VaId,
        (to_sa, to_va): (SaId, Option<VaId>),
        (lines, order_lines): (Vec<TransferLine>, Vec<OrderLineMove>),
    ) -> Result<Planned, Error> {
        let (source, _) = self.va_in_active(from, RuleId::LIC004)?;
        let from_sa = source.id();
        if source.kind() != AccountKind::PartnerHolding {
            return Err(Error::CrossSa {
                from: from_sa,
                to: to_sa,
                reason: "only a partner holding account assigns licenses to another account; use a transfer within the account",
            });
        }
        self.require(actor, on, Action::ManageLicenses, Target::Va(from))?;
        let dest = self.account_or(to_sa, RuleId::LIC004)?;
        if dest.kind() == AccountKind::PartnerHolding || dest.status() != AccountStatus::Active {
            return Err(Error::CrossSa {
                from: from_sa,
                to: to_sa,
                reason: "a holding account assigns only to an active customer or limited use smart account",
            });
        }
        let to_va = self.destination_va(actor, to_sa, to_va)?;
        let lines = moved_lines(lines, &order_lines)?;
        let record = CrossSaTransfer {
            id: transfer,
            path: CrossSaPath::HoldingAssignment,
            from_sa,
            from_va: from,
            to_sa,
            to_va,
            lines,
            order_lines,
        };
        self.plan_pair(record)
    }

    /// LIC004: vendor support moves licenses to another Smart Account under a case (two events).
    fn plan_vendor_reassignment(
        &self,
        actor: &Actor,
        transfer: TransferId,
        from: VaId,
        (to_sa, to_va): (SaId, Option<VaId>),
        (lines, order_lines): (Vec<TransferLine>, Vec<OrderLineMove>),
    ) -> Result<Planned, Error> {
        let Actor::VendorSupport { case } = actor else {
            return Err(Error::WrongActor {
                rule: RuleId::LIC004,
                actor: actor.to_string(),
                what: "re-assign licenses to another smart account",
                needed: "vendor support with a case number",
            });
        };
        let source = self.sa_of(from, RuleId::LIC004)?;
        let from_sa = source.id();
        self.account_or(to_sa, RuleId::LIC004)?;
        if from_sa == to_sa {
            return Err(Error::CrossSa {
                from: from_sa,
                to: to_sa,
                reason: "a re-assignment goes to another smart account; within one, transfer",
            });
        }
        let to_va = self.destination_va(actor, to_sa, to_va)?;
        let lines = moved_lines(lines, &order_lines)?;
        let record = CrossSaTransfer {
            id: transfer,
            path: CrossSaPath::VendorReassignment { case: case.clone() },
            from_sa,
            from_va: from,
            to_sa,
            to_va,
            lines,
            order_lines,
        };
        self.plan_pair(record)
    }

    /// The two sides of a transfer between accounts, or nothing for a retry.
    fn plan_pair(&self, record: CrossSaTransfer) -> Result<Planned, Error> {
        let from = self.account_or(record.from_sa, RuleId::LIC004)?;
        let to = self.account_or(record.to_sa, RuleId::LIC004)?;
        match (
            from.transfer_record(&record.id),
            to.transfer_record(&record.id),
        ) {
            (Some(a), Some(b)) if *a == record && *b == record => {
                return Ok(Planned::One(record.from_sa, Vec::new()));
            }
            (None, None) => {}
            _ => {
                return Err(Error::IdempotencyConflict {
                    rule: RuleId::LIC004,
                    key: record.id.to_string(),
                });
            }
        }
        Ok(Planned::Pair {
            from: record.from_sa,
            to: record.to_sa,
            sent: license_change(LicenseChange::Sent(Box::new(record.clone()))),
            received: license_change(LicenseChange::Received(Box::new(record))),
        })
    }
}
