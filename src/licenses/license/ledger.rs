//! The licenses and devices of one Smart Account as methods of [`SmartAccount`]: applying a
//! [`LicenseChange`] (checks first, then the mutation), and the queries on the account's
//! pools, holding lots, devices and records. The types they work on are in the parent module.

use super::*;
use crate::accounts::account::SmartAccount;
use crate::events::event::Event;

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
        self.aging(as_of)
    }

    /// [`SmartAccount::holding_aging`], under a name of this room's own.
    fn aging(&self, as_of: Date) -> Vec<HoldingAge> {
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
        self.aging(as_of)
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

    /// Whether `key` was used on this account (LIC009): `None` when not, `Some(true)` for
    /// exactly this request (a retry), `Some(false)` for another one.
    pub(crate) fn same_request(
        &self,
        key: &IdempotencyKey,
        from: VaId,
        to: VaId,
        lines: &[TransferLine],
    ) -> Option<bool> {
        self.licenses.same_request(key, from, to, lines)
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

    /// The first line of `order` deposited in this account, if any (Q011: an order is recorded
    /// before it is fulfilled).
    pub(crate) fn first_deposit_of_order(&self, order: &OrderId) -> Option<&OrderLine> {
        let first = OrderLine {
            order: order.clone(),
            line: 0,
        };
        let last = OrderLine {
            order: order.clone(),
            line: u32::MAX,
        };
        self.licenses
            .order_lines
            .range(first..=last)
            .next()
            .map(|(line, _)| line)
    }

    pub(crate) fn pool_shortfall(&self, va: VaId, license: &License) -> u64 {
        self.licenses.pool(va, license).map_or(0, Pool::shortfall)
    }

    /// LIC005, LIC010: licenses of this account can be `what` (reserved, consumed): it is
    /// neither a partner holding account nor pending. Checked when planned and when applied.
    pub(crate) fn usable(&self, what: &'static str) -> Result<(), Error> {
        if self.kind == AccountKind::PartnerHolding || self.status != AccountStatus::Active {
            return Err(Error::NotUsable {
                sa: self.id,
                what,
                reason: match self.status {
                    _ if self.kind == AccountKind::PartnerHolding => {
                        "it is a partner holding account"
                    }
                    AccountStatus::Pending => "it is pending",
                    _ => "its request was closed (SA010)",
                },
            });
        }
        Ok(())
    }

    /// DEV001: devices are registered only in active customer or limited use accounts.
    /// Checked when planned and when applied.
    /// DEV001: a device is registered only in an Active Customer or Limited Use account. In a
    /// holding or a Pending account the reason names LIC005 too: a device is where licenses are
    /// activated, and nothing is activated there, which is what the user asking wants to hear.
    pub(crate) fn device_home(&self) -> Result<(), Error> {
        let reason = if self.kind == AccountKind::PartnerHolding {
            "it is a partner holding account, where licenses wait for a customer and are never activated (LIC005); devices are registered only in active customer or limited use smart accounts"
        } else if self.status != AccountStatus::Active {
            "it is not active (pending, or a request that was closed), and licenses are never activated in an account that is not active (LIC005)"
        } else {
            return Ok(());
        };
        Err(Error::DeviceAccount {
            sa: self.id,
            reason,
        })
    }

    pub(super) fn va_here(&self, va: VaId, rule: RuleId) -> Result<(), Error> {
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
            } => self.release_uncoded(*va, license, *quantity),
            LicenseChange::ReservedWithCode(r) => self.reserve_with_code(r),
            LicenseChange::ReleasedByCode(r) => self.release_by_code(r),
            LicenseChange::FulfilmentNoticesChosen { user, opt_in } => {
                self.choose_fulfilment_notices(*user, *opt_in)
            }
            LicenseChange::NotificationSent { id } => {
                self.notification_sent(*id, utc_date(event.at))
            }
            LicenseChange::NotificationAcknowledged { id, by } => {
                self.notification_acknowledged(*id, *by, utc_date(event.at))
            }
            LicenseChange::DeviceRegistered {
                device,
                va,
                installed,
            } => self.add_device(device, *va, *installed),
            LicenseChange::DeviceMoved { device, va } => self.move_device(device, *va),
            LicenseChange::DeviceRemoved { device } => self.remove_device(device),
            LicenseChange::Consumed {
                device,
                license,
                quantity,
            } => self.consume_on_device(device, license, *quantity),
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
        order_lines::check_order_lines(&t.lines, &t.order_lines)?;
        self.va_here(t.to_va, RuleId::LIC004)?;
        self.check_move_in(t.to_va, &t.lines, RuleId::LIC004)?;
        self.move_in(t.to_va, &t.lines);
        let on = utc_date(at);
        // LIC011: named order lines arrive as themselves; else as the transfer.
        for m in &t.order_lines {
            self.arrived(
                Origin::Order(m.order.clone()),
                &m.license,
                m.quantity,
                on,
                false,
            );
        }
        for line in t.lines.iter().filter(|_| t.order_lines.is_empty()) {
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
        order_lines::check_order_lines(&t.lines, &t.order_lines)?;
        self.check_move_out(t.from_va, &t.lines)?;
        self.check_order_lines_out(t)?;
        self.move_out(t.from_va, &t.lines);
        if self.kind == AccountKind::PartnerHolding {
            if t.order_lines.is_empty() {
                self.draw_lots(&t.lines);
            } else {
                self.draw_order_lines(&t.order_lines);
            }
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
    pub(super) fn reserve(
        &mut self,
        va: VaId,
        license: &License,
        quantity: u64,
    ) -> Result<(), Error> {
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
    pub(super) fn release_reservation(
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
    fn add_device(&mut self, device: &DeviceId, va: VaId, installed: Date) -> Result<(), Error> {
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
    fn consume_on_device(
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
        d.license.term.check_bounds()?;
        if self.licenses.order_lines.contains_key(&d.order) {
            return Err(Error::DuplicateOrderLine {
                order: d.order.to_string(),
                sa: self.id,
            });
        }
        // LIC008: the notices this deposit yields, numbered before anything changes.
        let notices = self.notices_for(d, utc_date(at))?;
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
        self.record_notices(notices);
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
        let typed = resolved.iter().take(lines.len()).map(|r| (r.0, r.3));
        if !l.record_key(key, from, to, typed) {
            return Err(Error::IdempotencyConflict {
                rule: RuleId::LIC009,
                key: key.to_string(),
            });
        }
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
            let lots = self.licenses.lots.iter_mut();
            take_from(lots.filter(|l| l.license == line.license), line.quantity);
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
            Opening::Reservation(r) => self.open_reservation(r),
            Opening::Notification(n) => self.open_notification(n),
            Opening::FulfilmentNotices(user) => self.open_fulfilment_notices(*user),
        }
    }

    /// LIC001, LIC010: one pool of the opening balance, in a VA of this account.
    fn open_pool(&mut self, p: &PoolBalance) -> Result<(), Error> {
        self.va_here(p.va, RuleId::LIC001)?;
        p.license.term.check_bounds()?;
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
        // An empty pool only keeps a license type known (see `opening_items`): in the default
        // Virtual Account, for a type no earlier item names.
        if p.purchased == 0
            && p.reserved == 0
            && (p.va != self.default_va || self.licenses.knows(&p.license))
        {
            return Err(Error::InvalidQuantity {
                rule: RuleId::LIC001,
                quantity: 0,
                reason: "an empty opening pool only keeps an otherwise unnamed license type known, in the default virtual account",
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
        license.term.check_bounds()?;
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
        p.deposit.license.term.check_bounds()?;
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
        check_lines(&k.lines)?;
        if !self.licenses.open_key(k) {
            return Err(Error::IdempotencyConflict {
                rule: RuleId::LIC009,
                key: k.key.to_string(),
            });
        }
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
        order_lines::check_order_lines(&t.lines, &t.order_lines)?;
        self.licenses.transfers.insert(t.id.clone(), t.clone());
        Ok(())
    }

    /// The opening balance that rebuilds this account's licenses and devices (for snapshots).
    pub(crate) fn opening_items(&self) -> LicenseSnapshot {
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
        // A license type the account has held but holds nowhere now stays known (a device
        // may still consume it, LIC006): an empty pool in the default Virtual Account says so.
        let named: std::collections::BTreeSet<&License> = pools
            .iter()
            .map(|p| &p.license)
            .chain(l.classic.keys())
            .collect();
        let unnamed: Vec<PoolBalance> = l
            .types
            .iter()
            .filter(|t| !named.contains(t))
            .map(|license| PoolBalance {
                va: self.default_va,
                license: license.clone(),
                purchased: 0,
                reserved: 0,
            })
            .collect();
        pools.extend(unnamed);
        pools.sort_by(|a, b| (a.va, &a.license).cmp(&(b.va, &b.license)));
        LicenseSnapshot {
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
            keys: l.key_records(),
            transfers: l.transfers.values().cloned().collect(),
            reservations: l.coded.values().cloned().collect(),
            notifications: l.notices.values().cloned().collect(),
            fulfilment_notices: l.opted_in.iter().copied().collect(),
        }
    }
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
