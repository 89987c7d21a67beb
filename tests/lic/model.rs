//! Property tests of licenses and devices against a reference model.
//!
//! Random command sequences run against the fixture directory and against a plain model of
//! pools, devices, keys and transfers. After every step: the directory accepted exactly what the
//! model accepted and holds the same quantities; for every SKU the total over all accounts
//! equals the deposits (conservation); an account's totals change only by a deposit or one of
//! the two LIC004 paths; nothing is consumed or reserved in a holding or Pending account;
//! available quantity is what is left of purchased after consumption and reservations; a
//! retried transfer changes nothing; every account's log replays to it; holding stock is kept
//! per order line as the model keeps it (LIC011: assignments that name an order line take that
//! line, the others the oldest licenses of each type). `PROPTEST_CASES` sets
//! the number of cases (default 256).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use proptest::prelude::*;
use smart_accounts::fixtures::{self, World};
use smart_accounts::license::Origin;
use smart_accounts::{
    AccountKind, AccountStatus, Actor, DeviceId, Directory, IdempotencyKey, License,
    LicenseCommand, LicenseKind, OrderId, OrderLine, OrderLineMove, Reservation, ReservationCode,
    SaId, Sku, SmartAccount, TransferId, TransferLine, UserId, VaId,
};

fn base() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| fixtures::world().unwrap())
}

#[derive(Debug, Clone)]
enum Op {
    Deposit {
        sa: usize,
        va: Option<usize>,
        ty: usize,
        qty: u64,
        order: u8,
        classic: bool,
    },
    Transfer {
        from: usize,
        to: usize,
        lines: Vec<(usize, u64)>,
        key: u8,
    },
    Assign {
        from: usize,
        to_sa: usize,
        lines: Vec<(usize, u64)>,
        id: u8,
    },
    Vendor {
        from: usize,
        to_sa: usize,
        lines: Vec<(usize, u64)>,
        id: u8,
    },
    /// An assignment (with `vendor`, a vendor re-assignment) naming one order line waiting in
    /// the holding account (LIC011): the `pick`-th of its lots of an order line; `share` 0 all
    /// of it, 1 one, 2 half, 3 one more than waits.
    AssignLine {
        from: usize,
        to_sa: usize,
        pick: usize,
        share: u8,
        id: u8,
        vendor: bool,
    },
    Reserve {
        va: usize,
        ty: usize,
        qty: u64,
    },
    Unreserve {
        va: usize,
        ty: usize,
        qty: u64,
    },
    /// A reservation under code `code` of the account (LIC010).
    ReserveCode {
        va: usize,
        ty: usize,
        qty: u64,
        code: u8,
    },
    /// The release of the reservation with code `code` in account `sa`.
    ReleaseCode {
        sa: usize,
        code: u8,
    },
    Register {
        dev: usize,
        va: usize,
    },
    Move {
        dev: usize,
        va: usize,
    },
    Remove {
        dev: usize,
    },
    Consume {
        dev: usize,
        ty: usize,
        qty: u64,
    },
    Release {
        dev: usize,
        ty: usize,
        qty: u64,
    },
}

fn qty() -> impl Strategy<Value = u64> {
    prop_oneof![6 => 1u64..=5, 2 => 0u64..=40, 1 => Just(u64::MAX)]
}

/// A license type: mostly `ISE-PLS-LIC`, the one in stock in most places.
fn ty() -> impl Strategy<Value = usize> {
    prop_oneof![2 => Just(0usize), 1 => 0usize..16]
}

fn lines() -> impl Strategy<Value = Vec<(usize, u64)>> {
    prop_oneof![
        4 => prop::collection::vec((ty(), qty()), 1..3),
        1 => prop::collection::vec((ty(), qty()), 0..13),
    ]
}

/// An idempotency key or transfer ID: mostly fresh, sometimes one of a few reused ones.
fn key_sel() -> impl Strategy<Value = u8> {
    prop_oneof![3 => 3u8..=255, 1 => 0u8..3]
}

/// A Virtual Account selector: below 1000 one of the "hot" Virtual Accounts (those holding
/// licenses in the fixture, and every default), else any.
fn va_sel() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0usize..1000, 1 => 1000usize..2000]
}

fn op() -> impl Strategy<Value = Op> {
    let n = 64usize;
    prop_oneof![
        3 => (0..n, prop::option::of(va_sel()), ty(), qty(), 0u8..6, prop::bool::weighted(0.2))
            .prop_map(|(sa, va, ty, qty, order, classic)| Op::Deposit { sa, va, ty, qty, order, classic }),
        5 => (va_sel(), va_sel(), lines(), key_sel()).prop_map(|(from, to, lines, key)| Op::Transfer { from, to, lines, key }),
        2 => (0..n, 0..n, lines(), key_sel()).prop_map(|(from, to_sa, lines, id)| Op::Assign { from, to_sa, lines, id }),
        1 => (va_sel(), 0..n, lines(), key_sel()).prop_map(|(from, to_sa, lines, id)| Op::Vendor { from, to_sa, lines, id }),
        2 => (0..n, 0..n, 0..8usize, 0u8..4, key_sel(), prop::bool::weighted(0.3)).prop_map(|(from, to_sa, pick, share, id, vendor)| Op::AssignLine { from, to_sa, pick, share, id, vendor }),
        2 => (va_sel(), ty(), qty()).prop_map(|(va, ty, qty)| Op::Reserve { va, ty, qty }),
        2 => (va_sel(), ty(), prop_oneof![3 => 1u64..=2, 1 => qty()]).prop_map(|(va, ty, qty)| Op::Unreserve { va, ty, qty }),
        2 => (va_sel(), ty(), qty(), 0u8..4).prop_map(|(va, ty, qty, code)| Op::ReserveCode { va, ty, qty, code }),
        2 => (0..n, 0u8..4).prop_map(|(sa, code)| Op::ReleaseCode { sa, code }),
        2 => (0..8usize, va_sel()).prop_map(|(dev, va)| Op::Register { dev, va }),
        1 => (0..8usize, va_sel()).prop_map(|(dev, va)| Op::Move { dev, va }),
        1 => (0..8usize).prop_map(|dev| Op::Remove { dev }),
        3 => (0..8usize, ty(), qty()).prop_map(|(dev, ty, qty)| Op::Consume { dev, ty, qty }),
        1 => (0..8usize, ty(), qty()).prop_map(|(dev, ty, qty)| Op::Release { dev, ty, qty }),
    ]
}

/// The universe a sequence picks from, by index.
struct Universe {
    sas: Vec<SaId>,
    vas: Vec<(SaId, VaId)>,
    hot: Vec<(SaId, VaId)>,
    holding: Vec<(SaId, VaId)>,
    types: Vec<License>,
    devices: Vec<DeviceId>,
    admin: BTreeMap<SaId, UserId>,
    kind: BTreeMap<SaId, (AccountKind, AccountStatus)>,
    default_va: BTreeMap<SaId, VaId>,
    procurer: smart_accounts::OrgId,
}

impl Universe {
    fn new(w: &World) -> Universe {
        let dir = &w.dir;
        let sas: Vec<SaId> = dir.accounts().map(SmartAccount::id).collect();
        let vas: Vec<(SaId, VaId)> = dir
            .accounts()
            .flat_map(|a| a.vas().map(move |v| (a.id(), v.id())))
            .collect();
        let mut hot: Vec<(SaId, VaId)> = dir.accounts().map(|a| (a.id(), a.default_va())).collect();
        hot.extend([
            (w.acme.sa, w.acme.emea),
            (w.acme.sa, w.acme.americas),
            (w.acme.sa, w.acme.us),
        ]);
        let holding = dir
            .accounts()
            .filter(|a| a.kind() == AccountKind::PartnerHolding)
            .map(|a| (a.id(), a.default_va()))
            .collect();
        let l = &w.licensing;
        let mut types = vec![
            l.ise.clone(),
            l.acme_dna.clone(),
            l.holding_dna.clone(),
            l.asa_pak.clone(),
        ];
        types.push(License::perpetual(Sku::parse("PROP-NEW").unwrap()));
        let mut devices = vec![
            l.sw_emea_1.clone(),
            l.sw_emea_2.clone(),
            l.rtr_americas.clone(),
            l.sam_router.clone(),
        ];
        devices.extend((0..4).map(|i| DeviceId::parse(&format!("PROP-DEV-{i}")).unwrap()));
        let admin = dir
            .accounts()
            .map(|a| {
                let admin = a
                    .roles()
                    .find(|b| b.role == smart_accounts::Role::SaAdmin)
                    .map_or(a.contact(), |b| b.user);
                (a.id(), admin)
            })
            .collect();
        let kind = dir
            .accounts()
            .map(|a| (a.id(), (a.kind(), a.status())))
            .collect();
        let default_va = dir.accounts().map(|a| (a.id(), a.default_va())).collect();
        Universe {
            sas,
            vas,
            hot,
            holding,
            types,
            devices,
            admin,
            kind,
            default_va,
            procurer: w.partner.org,
        }
    }
    fn sa(&self, i: usize) -> SaId {
        self.sas[i % self.sas.len()]
    }
    fn va(&self, i: usize) -> (SaId, VaId) {
        if i < 1000 {
            self.hot[i % self.hot.len()]
        } else {
            self.vas[(i - 1000) % self.vas.len()]
        }
    }
    /// The source of an assignment: mostly a holding account's default.
    fn holding_va(&self, i: usize) -> (SaId, VaId) {
        if i.is_multiple_of(4) {
            self.vas[i / 4 % self.vas.len()]
        } else {
            self.holding[i % self.holding.len()]
        }
    }
    /// The destination of a transfer: below 1000 a Virtual Account of `sa`, else any.
    fn to_va(&self, sa: SaId, i: usize) -> (SaId, VaId) {
        if i < 1000 {
            let own: Vec<&(SaId, VaId)> = self.vas.iter().filter(|(s, _)| *s == sa).collect();
            *own[i % own.len()]
        } else {
            self.vas[(i - 1000) % self.vas.len()]
        }
    }
    fn ty(&self, i: usize) -> &License {
        &self.types[i % self.types.len()]
    }
    fn dev(&self, i: usize) -> &DeviceId {
        &self.devices[i % self.devices.len()]
    }
    fn lines(&self, raw: &[(usize, u64)]) -> Vec<TransferLine> {
        raw.iter()
            .map(|(t, q)| TransferLine {
                license: self.ty(*t).clone(),
                quantity: *q,
            })
            .collect()
    }
    fn active(&self, sa: SaId) -> bool {
        self.kind[&sa].1 == AccountStatus::Active
    }
    fn usable(&self, sa: SaId) -> bool {
        let (kind, status) = self.kind[&sa];
        kind != AccountKind::PartnerHolding && status == AccountStatus::Active
    }
    fn admin_of(&self, sa: SaId) -> Actor {
        Actor::User(self.admin[&sa])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ModelDevice {
    sa: SaId,
    va: VaId,
    consumption: BTreeMap<License, u64>,
}

type Record = (VaId, VaId, Vec<TransferLine>);
/// A transfer between accounts: source, destination, lines and the order lines named.
type CrossRecord = (VaId, VaId, Vec<TransferLine>, Vec<OrderLineMove>);
/// A holding lot: its account, origin, license type and quantity, in arrival order.
type Lot = (SaId, Origin, License, u64);
type Deposited = (License, LicenseKind, u64, Option<VaId>);

/// The reference model: plain maps, no indexes.
#[derive(Debug, Clone, Default)]
struct Model {
    /// (va, license) → (purchased, reserved).
    pools: BTreeMap<(VaId, License), (u64, u64)>,
    classic: BTreeMap<(SaId, License), u64>,
    devices: BTreeMap<DeviceId, ModelDevice>,
    known: BTreeSet<(SaId, License)>,
    keys: BTreeMap<(SaId, IdempotencyKey), Record>,
    /// (transfer ID, sending account, receiving account) → record. A transfer ID is scoped to
    /// the two accounts it names (DESIGN.md): another pair of accounts may use the same one.
    transfers: BTreeMap<(TransferId, SaId, SaId), CrossRecord>,
    /// Holding stock per order line or transfer (LIC011), in arrival order.
    lots: Vec<Lot>,
    orders: BTreeMap<(SaId, OrderLine), Deposited>,
    /// Deposited per SKU since the start, plus what the fixture held.
    deposited: BTreeMap<Sku, u128>,
    /// Reservations with a code (LIC010): (account, code) → (va, license, quantity). Their
    /// quantities are part of the pools' reserved quantities.
    coded: BTreeMap<(SaId, u8), (VaId, License, u64)>,
}

fn merge(lines: &[TransferLine]) -> Option<Vec<TransferLine>> {
    if lines.is_empty() || lines.iter().any(|l| l.quantity == 0) {
        return None;
    }
    let dup = lines
        .iter()
        .enumerate()
        .any(|(i, l)| lines[..i].iter().any(|m| m.license == l.license));
    let merged = if dup {
        let mut map: BTreeMap<License, u64> = BTreeMap::new();
        for l in lines {
            let e = map.entry(l.license.clone()).or_insert(0);
            *e = e.checked_add(l.quantity)?;
        }
        map.into_iter()
            .map(|(license, quantity)| TransferLine { license, quantity })
            .collect()
    } else {
        lines.to_vec()
    };
    (merged.len() <= 10).then_some(merged)
}

impl Model {
    fn from_dir(dir: &Directory) -> Model {
        let mut m = Model::default();
        for a in dir.accounts() {
            for c in a.compliance() {
                m.pools
                    .insert((c.va, c.license.clone()), (c.purchased, c.reserved));
                m.known.insert((a.id(), c.license.clone()));
            }
            for (l, q) in a.classic() {
                m.classic.insert((a.id(), l.clone()), q);
                m.known.insert((a.id(), l.clone()));
            }
            for d in a.devices() {
                m.devices.insert(
                    d.id.clone(),
                    ModelDevice {
                        sa: a.id(),
                        va: d.va,
                        consumption: d.consumption.clone(),
                    },
                );
            }
            for lot in a.holding_lots() {
                m.lots.push((
                    a.id(),
                    lot.origin.clone(),
                    lot.license.clone(),
                    lot.quantity,
                ));
            }
            for p in a.procurement() {
                let d = &p.deposit;
                m.orders.insert(
                    (a.id(), d.order.clone()),
                    (d.license.clone(), d.kind, d.quantity, d.va),
                );
            }
        }
        for ((_, l), (p, _)) in &m.pools {
            *m.deposited.entry(l.sku.clone()).or_default() += u128::from(*p);
        }
        for ((_, l), q) in &m.classic {
            *m.deposited.entry(l.sku.clone()).or_default() += u128::from(*q);
        }
        m
    }

    fn consumed(&self, va: VaId, license: &License) -> u64 {
        self.devices
            .values()
            .filter(|d| d.va == va)
            .filter_map(|d| d.consumption.get(license))
            .fold(0u64, |a, q| a.saturating_add(*q))
    }

    fn available(&self, va: VaId, license: &License) -> u64 {
        let (p, r) = self
            .pools
            .get(&(va, license.clone()))
            .copied()
            .unwrap_or((0, 0));
        p.saturating_sub(self.consumed(va, license).saturating_add(r))
    }

    /// What codes hold of a pool's reserved quantity.
    fn coded_in(&self, va: VaId, license: &License) -> u64 {
        self.coded
            .values()
            .filter(|(v, l, _)| *v == va && l == license)
            .map(|(_, _, q)| q)
            .sum()
    }

    fn purchased(&self, va: VaId, license: &License) -> u64 {
        self.pools.get(&(va, license.clone())).map_or(0, |p| p.0)
    }

    fn can_move(&self, from: VaId, to: VaId, lines: &[TransferLine]) -> bool {
        lines.iter().all(|l| {
            self.available(from, &l.license) >= l.quantity
                && self
                    .purchased(to, &l.license)
                    .checked_add(l.quantity)
                    .is_some()
        })
    }

    fn do_move(&mut self, from: VaId, to: VaId, lines: &[TransferLine]) {
        for l in lines {
            self.pools.entry((from, l.license.clone())).or_default().0 -= l.quantity;
            self.pools.entry((to, l.license.clone())).or_default().0 += l.quantity;
        }
    }

    /// What the model expects: `None` refused, `Some(false)` a no-op, `Some(true)` applied.
    fn step(&mut self, u: &Universe, op: &Op) -> Option<bool> {
        match op {
            Op::Deposit {
                sa,
                va,
                ty,
                qty,
                order,
                classic,
            } => {
                let sa = u.sa(*sa);
                let va = match va {
                    None => u.default_va[&sa],
                    Some(i) => {
                        let (vsa, va) = u.va(*i);
                        if vsa != sa {
                            return None;
                        }
                        va
                    }
                };
                let license = u.ty(*ty).clone();
                let kind = if *classic {
                    LicenseKind::Classic
                } else {
                    LicenseKind::Smart
                };
                let line = OrderLine {
                    order: OrderId::parse(&format!("PROP-{order}")).unwrap(),
                    line: 1,
                };
                let stored_va = (kind == LicenseKind::Smart).then_some(va);
                let record = (license.clone(), kind, *qty, stored_va);
                if let Some(existing) = self.orders.get(&(sa, line.clone())) {
                    return (*existing == record).then_some(false);
                }
                if *qty == 0 {
                    return None;
                }
                match kind {
                    LicenseKind::Smart => {
                        self.purchased(va, &license).checked_add(*qty)?;
                        self.pools.entry((va, license.clone())).or_default().0 += qty;
                    }
                    LicenseKind::Classic => {
                        let c = self.classic.entry((sa, license.clone())).or_default();
                        *c = c.checked_add(*qty)?;
                    }
                }
                self.known.insert((sa, license.clone()));
                if u.kind[&sa].0 == AccountKind::PartnerHolding {
                    let origin = Origin::Order(line.clone());
                    self.lots.push((sa, origin, license.clone(), *qty));
                }
                self.orders.insert((sa, line), record);
                *self.deposited.entry(license.sku).or_default() += u128::from(*qty);
                Some(true)
            }
            Op::Transfer {
                from,
                to,
                lines,
                key,
            } => {
                let (sa, from) = u.va(*from);
                let (to_sa, to) = u.to_va(sa, *to);
                if !u.active(sa) || to_sa != sa {
                    return None;
                }
                let lines = merge(&u.lines(lines))?;
                let key = IdempotencyKey::parse(&format!("key-{key}")).unwrap();
                let record = (from, to, lines.clone());
                if let Some(used) = self.keys.get(&(sa, key.clone())) {
                    return (*used == record).then_some(false);
                }
                if from == to || !self.can_move(from, to, &lines) {
                    return None;
                }
                self.do_move(from, to, &lines);
                self.keys.insert((sa, key), record);
                Some(true)
            }
            Op::Assign {
                from,
                to_sa,
                lines,
                id,
            } => {
                let (sa, from) = u.holding_va(*from);
                let to_sa = u.sa(*to_sa);
                if !u.active(sa) || u.kind[&sa].0 != AccountKind::PartnerHolding {
                    return None;
                }
                if !u.usable(to_sa) {
                    return None;
                }
                let lines = merge(&u.lines(lines))?;
                self.cross(
                    u,
                    (sa, from, to_sa),
                    lines,
                    Vec::new(),
                    &format!("assign-{id}"),
                )
            }
            Op::AssignLine {
                from,
                to_sa,
                pick,
                share,
                id,
                vendor,
            } => {
                let (sa, from) = u.holding_va(*from);
                let to_sa = u.sa(*to_sa);
                if *vendor {
                    if sa == to_sa {
                        return None;
                    }
                } else if !u.active(sa)
                    || u.kind[&sa].0 != AccountKind::PartnerHolding
                    || !u.usable(to_sa)
                {
                    return None;
                }
                let named = self.named(sa, *pick, *share);
                let lines = vec![TransferLine {
                    license: named.license.clone(),
                    quantity: named.quantity,
                }];
                let id = format!("{}-{id}", if *vendor { "vline" } else { "line" });
                self.cross(u, (sa, from, to_sa), lines, vec![named], &id)
            }
            Op::Vendor {
                from,
                to_sa,
                lines,
                id,
            } => {
                let (sa, from) = u.va(*from);
                let to_sa = u.sa(*to_sa);
                if sa == to_sa {
                    return None;
                }
                let lines = merge(&u.lines(lines))?;
                self.cross(
                    u,
                    (sa, from, to_sa),
                    lines,
                    Vec::new(),
                    &format!("vendor-{id}"),
                )
            }
            Op::Reserve { va, ty, qty } => {
                let (sa, va) = u.va(*va);
                if !u.usable(sa) || *qty == 0 {
                    return None;
                }
                let license = u.ty(*ty).clone();
                if self.available(va, &license) < *qty {
                    return None;
                }
                self.pools.entry((va, license)).or_default().1 += qty;
                Some(true)
            }
            Op::Unreserve { va, ty, qty } => {
                let (sa, va) = u.va(*va);
                if !u.active(sa) || *qty == 0 {
                    return None;
                }
                let license = u.ty(*ty).clone();
                // A release without a code takes only what no code holds.
                let coded = self.coded_in(va, &license);
                let pool = self.pools.get_mut(&(va, license))?;
                if pool.1 - coded < *qty {
                    return None;
                }
                pool.1 -= qty;
                Some(true)
            }
            Op::ReserveCode { va, ty, qty, code } => {
                let (sa, va) = u.va(*va);
                let license = u.ty(*ty).clone();
                if !u.usable(sa)
                    || *qty == 0
                    || self.coded.contains_key(&(sa, *code))
                    || self.available(va, &license) < *qty
                {
                    return None;
                }
                self.pools.entry((va, license.clone())).or_default().1 += qty;
                self.coded.insert((sa, *code), (va, license, *qty));
                Some(true)
            }
            Op::ReleaseCode { sa, code } => {
                let sa = u.sa(*sa);
                if !u.active(sa) {
                    return None;
                }
                let (va, license, qty) = self.coded.remove(&(sa, *code))?;
                if let Some(pool) = self.pools.get_mut(&(va, license)) {
                    pool.1 -= qty;
                }
                Some(true)
            }
            Op::Register { dev, va } => {
                let (sa, va) = u.va(*va);
                let dev = u.dev(*dev);
                if !u.usable(sa) || self.devices.contains_key(dev) {
                    return None;
                }
                self.devices.insert(
                    dev.clone(),
                    ModelDevice {
                        sa,
                        va,
                        consumption: BTreeMap::new(),
                    },
                );
                Some(true)
            }
            Op::Move { dev, va } => {
                let (sa, va) = u.va(*va);
                let dev = u.dev(*dev);
                let d = self.devices.get(dev)?;
                if d.sa != sa {
                    return None;
                }
                for (l, q) in &d.consumption {
                    if d.va != va {
                        self.consumed(va, l).checked_add(*q)?;
                    }
                }
                self.devices.get_mut(dev)?.va = va;
                Some(true)
            }
            Op::Remove { dev } => {
                self.devices.remove(u.dev(*dev))?;
                Some(true)
            }
            Op::Consume { dev, ty, qty } => {
                let dev = u.dev(*dev);
                let license = u.ty(*ty).clone();
                let d = self.devices.get(dev)?;
                if *qty == 0 || !self.known.contains(&(d.sa, license.clone())) {
                    return None;
                }
                let held = d.consumption.get(&license).copied().unwrap_or(0);
                let held = held.checked_add(*qty)?;
                self.consumed(d.va, &license).checked_add(*qty)?;
                self.devices.get_mut(dev)?.consumption.insert(license, held);
                Some(true)
            }
            Op::Release { dev, ty, qty } => {
                let dev = u.dev(*dev);
                let license = u.ty(*ty).clone();
                let d = self.devices.get_mut(dev)?;
                let held = d.consumption.get(&license).copied().unwrap_or(0);
                if *qty == 0 || held < *qty {
                    return None;
                }
                if held == *qty {
                    d.consumption.remove(&license);
                } else {
                    d.consumption.insert(license, held - qty);
                }
                Some(true)
            }
        }
    }

    /// The order line an [`Op::AssignLine`] names in holding account `sa`: the `pick`-th of
    /// its lots of an order line, with a quantity by `share`; one that never arrived when it
    /// has none.
    fn named(&self, sa: SaId, pick: usize, share: u8) -> OrderLineMove {
        let lines: Vec<(&OrderLine, &License)> = self
            .lots
            .iter()
            .filter(|l| l.0 == sa)
            .filter_map(|l| match &l.1 {
                Origin::Order(o) => Some((o, &l.2)),
                Origin::Transfer(_) => None,
            })
            .collect();
        let Some((order, license)) = lines.get(pick % lines.len().max(1)) else {
            return OrderLineMove {
                order: OrderLine {
                    order: OrderId::parse("PROP-NEVER").unwrap(),
                    line: 1,
                },
                license: License::perpetual(Sku::parse("PROP-NEW").unwrap()),
                quantity: 1,
            };
        };
        let waiting = self.waiting(sa, order, license);
        let quantity = match share {
            0 => waiting,
            1 => 1,
            2 => (waiting / 2).max(1),
            _ => waiting.saturating_add(1),
        };
        OrderLineMove {
            order: (*order).clone(),
            license: (*license).clone(),
            quantity,
        }
    }

    /// How many of an order line wait in holding account `sa` (LIC011).
    fn waiting(&self, sa: SaId, order: &OrderLine, license: &License) -> u64 {
        self.lots
            .iter()
            .filter(|l| l.0 == sa && l.1 == Origin::Order(order.clone()) && l.2 == *license)
            .map(|l| l.3)
            .sum()
    }

    /// Takes licenses out of `sa`'s lots: of the named order lines, else the oldest of each
    /// type.
    fn draw(&mut self, sa: SaId, lines: &[TransferLine], named: &[OrderLineMove]) {
        let wanted: Vec<(Option<Origin>, License, u64)> = if named.is_empty() {
            lines
                .iter()
                .map(|l| (None, l.license.clone(), l.quantity))
                .collect()
        } else {
            named
                .iter()
                .map(|m| {
                    (
                        Some(Origin::Order(m.order.clone())),
                        m.license.clone(),
                        m.quantity,
                    )
                })
                .collect()
        };
        for (origin, license, quantity) in wanted {
            let mut left = quantity;
            for lot in self.lots.iter_mut().filter(|l| {
                l.0 == sa && l.2 == license && origin.as_ref().is_none_or(|o| *o == l.1)
            }) {
                let take = lot.3.min(left);
                lot.3 -= take;
                left -= take;
            }
        }
        self.lots.retain(|l| l.3 > 0);
    }

    fn cross(
        &mut self,
        u: &Universe,
        (sa, from, to_sa): (SaId, VaId, SaId),
        lines: Vec<TransferLine>,
        named: Vec<OrderLineMove>,
        id: &str,
    ) -> Option<bool> {
        let to = u.default_va[&to_sa];
        let id = TransferId::parse(id).unwrap();
        let record = (from, to, lines.clone(), named.clone());
        // Records of this ID in either account: none lets the transfer go ahead, the same
        // transfer between the same accounts makes it a retry (no-op), anything else conflicts.
        let recorded: Vec<(&(TransferId, SaId, SaId), &CrossRecord)> = self
            .transfers
            .iter()
            .filter(|((t, a, b), _)| *t == id && [*a, *b].iter().any(|s| *s == sa || *s == to_sa))
            .collect();
        match recorded.as_slice() {
            [] => {}
            [((_, a, b), used)] => {
                return (**used == record && *a == sa && *b == to_sa).then_some(false);
            }
            _ => return None,
        }
        if !self.can_move(from, to, &lines) {
            return None;
        }
        if named
            .iter()
            .any(|m| self.waiting(sa, &m.order, &m.license) < m.quantity)
        {
            return None;
        }
        self.do_move(from, to, &lines);
        for l in &lines {
            self.known.insert((to_sa, l.license.clone()));
        }
        if u.kind[&sa].0 == AccountKind::PartnerHolding {
            self.draw(sa, &lines, &named);
        }
        if u.kind[&to_sa].0 == AccountKind::PartnerHolding {
            // Named order lines arrive as themselves (LIC011), else as the transfer.
            for l in lines.iter().filter(|_| named.is_empty()) {
                let origin = Origin::Transfer(id.clone());
                self.lots
                    .push((to_sa, origin, l.license.clone(), l.quantity));
            }
            for m in &named {
                let origin = Origin::Order(m.order.clone());
                self.lots
                    .push((to_sa, origin, m.license.clone(), m.quantity));
            }
        }
        self.transfers.insert((id, sa, to_sa), record);
        Some(true)
    }
}

fn command(u: &Universe, model: &Model, op: &Op) -> (Actor, LicenseCommand) {
    match op {
        Op::Deposit {
            sa,
            va,
            ty,
            qty,
            order,
            classic,
        } => (
            Actor::Fulfilment,
            LicenseCommand::Deposit {
                sa: u.sa(*sa),
                va: va.map(|i| u.va(i).1),
                order: OrderLine {
                    order: OrderId::parse(&format!("PROP-{order}")).unwrap(),
                    line: 1,
                },
                license: u.ty(*ty).clone(),
                kind: if *classic {
                    LicenseKind::Classic
                } else {
                    LicenseKind::Smart
                },
                quantity: *qty,
                procured_by: u.procurer,
                sa_mandatory: false,
            },
        ),
        Op::Transfer {
            from,
            to,
            lines,
            key,
        } => {
            let (sa, from) = u.va(*from);
            (
                u.admin_of(sa),
                LicenseCommand::Transfer {
                    from,
                    to: u.to_va(sa, *to).1,
                    lines: u.lines(lines),
                    key: IdempotencyKey::parse(&format!("key-{key}")).unwrap(),
                },
            )
        }
        Op::Assign {
            from,
            to_sa,
            lines,
            id,
        } => {
            let (sa, from) = u.holding_va(*from);
            (
                u.admin_of(sa),
                LicenseCommand::AssignFromHolding {
                    transfer: TransferId::parse(&format!("assign-{id}")).unwrap(),
                    from,
                    to_sa: u.sa(*to_sa),
                    to_va: None,
                    lines: u.lines(lines),
                    order_lines: Vec::new(),
                },
            )
        }
        Op::Vendor {
            from,
            to_sa,
            lines,
            id,
        } => (
            Actor::VendorSupport {
                case: "SR-1".into(),
            },
            LicenseCommand::VendorReassign {
                transfer: TransferId::parse(&format!("vendor-{id}")).unwrap(),
                from: u.va(*from).1,
                to_sa: u.sa(*to_sa),
                to_va: None,
                lines: u.lines(lines),
                order_lines: Vec::new(),
            },
        ),
        Op::AssignLine {
            from,
            to_sa,
            pick,
            share,
            id,
            vendor,
        } => {
            let (sa, from) = u.holding_va(*from);
            let order_lines = vec![model.named(sa, *pick, *share)];
            if *vendor {
                let transfer = TransferId::parse(&format!("vline-{id}")).unwrap();
                let case = "SR-1".into();
                (
                    Actor::VendorSupport { case },
                    LicenseCommand::VendorReassign {
                        transfer,
                        from,
                        to_sa: u.sa(*to_sa),
                        to_va: None,
                        lines: Vec::new(),
                        order_lines,
                    },
                )
            } else {
                (
                    u.admin_of(sa),
                    LicenseCommand::AssignFromHolding {
                        transfer: TransferId::parse(&format!("line-{id}")).unwrap(),
                        from,
                        to_sa: u.sa(*to_sa),
                        to_va: None,
                        lines: Vec::new(),
                        order_lines,
                    },
                )
            }
        }
        Op::Reserve { va, ty, qty } => {
            let (sa, va) = u.va(*va);
            (
                u.admin_of(sa),
                LicenseCommand::Reserve {
                    va,
                    license: u.ty(*ty).clone(),
                    quantity: *qty,
                },
            )
        }
        Op::Unreserve { va, ty, qty } => {
            let (sa, va) = u.va(*va);
            (
                u.admin_of(sa),
                LicenseCommand::ReleaseReservation {
                    va,
                    license: u.ty(*ty).clone(),
                    quantity: *qty,
                },
            )
        }
        Op::ReserveCode { va, ty, qty, code } => {
            let (sa, va) = u.va(*va);
            (
                u.admin_of(sa),
                LicenseCommand::ReserveWithCode(Reservation {
                    code: ReservationCode::parse(&format!("RES-{code}")).unwrap(),
                    va,
                    license: u.ty(*ty).clone(),
                    quantity: *qty,
                    device: None,
                }),
            )
        }
        Op::ReleaseCode { sa, code } => {
            let sa = u.sa(*sa);
            (
                u.admin_of(sa),
                LicenseCommand::ReleaseByCode {
                    sa,
                    code: ReservationCode::parse(&format!("RES-{code}")).unwrap(),
                },
            )
        }
        Op::Register { dev, va } => {
            let (sa, va) = u.va(*va);
            (
                u.admin_of(sa),
                LicenseCommand::RegisterDevice {
                    device: u.dev(*dev).clone(),
                    va,
                    installed: "2026-01-01".parse().unwrap(),
                },
            )
        }
        Op::Move { dev, va } => {
            let (sa, va) = u.va(*va);
            (
                u.admin_of(sa),
                LicenseCommand::MoveDevice {
                    device: u.dev(*dev).clone(),
                    va,
                },
            )
        }
        // Device commands run as the admin of whichever account holds the device (or Acme's
        // when none does).
        Op::Remove { dev } => (
            Actor::Fulfilment,
            LicenseCommand::RemoveDevice {
                device: u.dev(*dev).clone(),
            },
        ),
        Op::Consume { dev, ty, qty } => (
            Actor::Fulfilment,
            LicenseCommand::Consume {
                device: u.dev(*dev).clone(),
                license: u.ty(*ty).clone(),
                quantity: *qty,
            },
        ),
        Op::Release { dev, ty, qty } => (
            Actor::Fulfilment,
            LicenseCommand::Release {
                device: u.dev(*dev).clone(),
                license: u.ty(*ty).clone(),
                quantity: *qty,
            },
        ),
    }
}

/// Per account and license type: purchased in pools plus the portal record.
fn totals(dir: &Directory) -> BTreeMap<(SaId, License), u128> {
    let mut out = BTreeMap::new();
    for a in dir.accounts() {
        for c in a.compliance() {
            *out.entry((a.id(), c.license.clone())).or_default() += u128::from(c.purchased);
        }
        for (l, q) in a.classic() {
            *out.entry((a.id(), l.clone())).or_default() += u128::from(q);
        }
    }
    out.retain(|_, v| *v > 0);
    out
}

fn check_state(dir: &Directory, model: &Model, u: &Universe) -> Result<(), TestCaseError> {
    // Same pools as the model.
    let mut got: BTreeMap<(VaId, License), (u64, u64, u64)> = BTreeMap::new();
    for a in dir.accounts() {
        for c in a.compliance() {
            // Available is what is left after consumption and reservations, never below 0;
            // the shortfall is the rest.
            let signed = i128::from(c.purchased) - i128::from(c.consumed) - i128::from(c.reserved);
            prop_assert_eq!(i128::from(c.available) - i128::from(c.shortfall), signed);
            prop_assert!(
                c.reserved <= c.purchased,
                "reserved beyond purchased: {:?}",
                c
            );
            got.insert(
                (c.va, c.license.clone()),
                (c.purchased, c.consumed, c.reserved),
            );
        }
        // Nothing consumed, reserved or registered in holding or Pending accounts (LIC005,
        // DEV001).
        if !u.usable(a.id()) {
            prop_assert!(a.compliance().all(|c| c.consumed == 0 && c.reserved == 0));
            prop_assert_eq!(a.devices().count(), 0);
        }
        // Holding stock is what the holding account holds.
        if a.kind() == AccountKind::PartnerHolding {
            let mut lots: BTreeMap<License, u128> = BTreeMap::new();
            for lot in a.holding_lots() {
                *lots.entry(lot.license.clone()).or_default() += u128::from(lot.quantity);
            }
            let mut held: BTreeMap<License, u128> = BTreeMap::new();
            for c in a.compliance().filter(|c| c.purchased > 0) {
                *held.entry(c.license.clone()).or_default() += u128::from(c.purchased);
            }
            for (l, q) in a.classic() {
                *held.entry(l.clone()).or_default() += u128::from(q);
            }
            prop_assert_eq!(lots, held);
            // Per order line, as the model keeps them (LIC011).
            let got: Vec<(Origin, License, u64)> = a
                .holding_lots()
                .iter()
                .map(|l| (l.origin.clone(), l.license.clone(), l.quantity))
                .collect();
            let want: Vec<(Origin, License, u64)> = model
                .lots
                .iter()
                .filter(|l| l.0 == a.id())
                .map(|l| (l.1.clone(), l.2.clone(), l.3))
                .collect();
            prop_assert_eq!(got, want);
        }
    }
    let mut want: BTreeMap<(VaId, License), (u64, u64, u64)> = BTreeMap::new();
    for ((va, l), (p, r)) in &model.pools {
        want.insert((*va, l.clone()), (*p, model.consumed(*va, l), *r));
    }
    for d in model.devices.values() {
        for l in d.consumption.keys() {
            let p = model
                .pools
                .get(&(d.va, l.clone()))
                .copied()
                .unwrap_or((0, 0));
            want.insert((d.va, l.clone()), (p.0, model.consumed(d.va, l), p.1));
        }
    }
    want.retain(|_, v| *v != (0, 0, 0));
    prop_assert_eq!(got, want);
    // The same reservations with codes (LIC010).
    let got: BTreeMap<(SaId, String), (VaId, License, u64)> = dir
        .accounts()
        .flat_map(|a| {
            a.reservations().map(move |r| {
                (
                    (a.id(), r.code.to_string()),
                    (r.va, r.license.clone(), r.quantity),
                )
            })
        })
        .collect();
    let want: BTreeMap<(SaId, String), (VaId, License, u64)> = model
        .coded
        .iter()
        .map(|((sa, code), r)| ((*sa, format!("RES-{code}")), r.clone()))
        .collect();
    prop_assert_eq!(got, want);
    // Conservation: per SKU, the total over all accounts equals the deposits.
    let mut per_sku: BTreeMap<Sku, u128> = BTreeMap::new();
    for ((_, l), q) in totals(dir) {
        *per_sku.entry(l.sku).or_default() += q;
    }
    let mut deposited = model.deposited.clone();
    deposited.retain(|_, v| *v > 0);
    prop_assert_eq!(per_sku, deposited);
    Ok(())
}

fn kind_of(op: &Op) -> &'static str {
    match op {
        Op::Deposit { .. } => "deposit",
        Op::Transfer { .. } => "transfer",
        Op::Assign { .. } => "assign",
        Op::Vendor { .. } => "vendor",
        Op::AssignLine { vendor: false, .. } => "assign order line",
        Op::AssignLine { vendor: true, .. } => "re-assign order line",
        Op::Reserve { .. } => "reserve",
        Op::Unreserve { .. } => "unreserve",
        Op::ReserveCode { .. } => "reserve with a code",
        Op::ReleaseCode { .. } => "release by code",
        Op::Register { .. } => "register",
        Op::Move { .. } => "move",
        Op::Remove { .. } => "remove",
        Op::Consume { .. } => "consume",
        Op::Release { .. } => "release",
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    run_counting(ops, &mut BTreeMap::new())
}

/// Runs a sequence, counting the commands that were applied, by kind.
fn run_counting(
    ops: &[Op],
    applied: &mut BTreeMap<&'static str, usize>,
) -> Result<(), TestCaseError> {
    let w = base();
    let u = Universe::new(w);
    let mut dir = w.dir.clone();
    let mut model = Model::from_dir(&dir);
    check_state(&dir, &model, &u)?;
    for op in ops {
        let (mut actor, command) = command(&u, &model, op);
        // Device commands act as the admin of the device's account.
        if let Op::Remove { dev } | Op::Consume { dev, .. } | Op::Release { dev, .. } = op {
            let sa = dir.device_account(u.dev(*dev)).unwrap_or(u.sas[0]);
            actor = u.admin_of(sa);
        }
        let before_totals = totals(&dir);
        let before = dir.clone();
        let expected = model.step(&u, op);
        let result = dir.license(&actor, w.at, command.clone());
        match (&result, expected) {
            (Err(_), None) => prop_assert_eq!(&dir, &before, "a refused command changed state"),
            (Ok(events), Some(false)) => {
                prop_assert!(events.is_empty());
                prop_assert_eq!(&dir, &before, "a retry changed state");
            }
            (Ok(events), Some(true)) => {
                prop_assert!(!events.is_empty());
                *applied.entry(kind_of(op)).or_default() += 1;
            }
            _ => prop_assert!(
                false,
                "directory {:?} but model {:?} for {:?}",
                result,
                expected,
                op
            ),
        }
        check_state(&dir, &model, &u)?;
        // Totals per account change only by a deposit or a LIC004 path.
        let after_totals = totals(&dir);
        if result.as_ref().is_ok_and(|e| !e.is_empty()) {
            match op {
                Op::Deposit { .. }
                | Op::Assign { .. }
                | Op::Vendor { .. }
                | Op::AssignLine { .. } => {}
                _ => prop_assert_eq!(
                    &before_totals,
                    &after_totals,
                    "{:?} moved licenses between accounts",
                    op
                ),
            }
            // A retry of the same command changes nothing.
            if matches!(
                op,
                Op::Transfer { .. }
                    | Op::Assign { .. }
                    | Op::Vendor { .. }
                    | Op::Deposit { .. }
                    | Op::AssignLine { .. }
            ) {
                let snapshot = dir.clone();
                let again = dir.license(&actor, w.at, command).unwrap();
                prop_assert!(again.is_empty());
                prop_assert_eq!(&dir, &snapshot);
            }
        }
    }
    // Replaying every account's log rebuilds it.
    for a in dir.accounts() {
        if let Some(admin) = a.roles().find(|b| b.role == smart_accounts::Role::SaAdmin) {
            let log = dir.events(admin.user, a.id()).unwrap();
            prop_assert_eq!(&SmartAccount::replay(&log.to_vec()).unwrap(), a);
        }
    }
    // Every log the license commands wrote is evidence that re-checks (EV004): deposits,
    // transfers within and between accounts, reservations and devices, each as its command.
    let reloaded = smart_accounts::Directory::from_snapshot(dir.to_snapshot());
    prop_assert!(reloaded.is_ok(), "{:?}", reloaded.err());
    prop_assert_eq!(&reloaded.unwrap(), &dir);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn lic004_lic005_lic009_lic010_lic011_random_license_commands_agree_with_the_reference_model(ops in prop::collection::vec(op(), 1..40)) {
        run(&ops)?;
    }
}

#[test]
fn lic010_the_fixture_agrees_with_the_license_model() {
    let w = base();
    let u = Universe::new(w);
    let model = Model::from_dir(&w.dir);
    check_state(&w.dir, &model, &u).unwrap();
    assert!(u.vas.len() > 20);
}

#[test]
fn lic_model_sequences_apply_every_kind_of_command() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let mut applied = BTreeMap::new();
    for _ in 0..128 {
        let ops = prop::collection::vec(op(), 1..40)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        run_counting(&ops, &mut applied).unwrap();
    }
    eprintln!("applied commands by kind: {applied:?}");
    for kind in [
        "deposit",
        "transfer",
        "assign",
        "vendor",
        "assign order line",
        "re-assign order line",
        "reserve",
        "unreserve",
        "register",
        "move",
        "remove",
        "consume",
        "release",
    ] {
        assert!(
            applied.get(kind).copied().unwrap_or(0) > 0,
            "{kind} never applied: {applied:?}"
        );
    }
}
