//! Ready-made directories with stable, documented names, for this crate's tests and for other
//! projects' test suites (feature `fixtures`); [`builder`] makes directories of your own shape.
//!
//! [`world`] builds one directory through the public commands, so it holds only states the
//! commands can produce, and every account has a full event log. Its contents:
//!
//! | who / what | kind | details |
//! | --- | --- | --- |
//! | Acme (`acme.com`) | customer org, Customer SA, Active | nested VA tree below, users in every role |
//! | Nimbus Networks (`nimbus-networks.com`) | partner org, Partner Holding SA | a partner admin and a partner user |
//! | Ingress Distribution (`ingress-dist.com`) | distributor org, Partner Holding SA | 2-tier: Nimbus is its reseller |
//! | Sam's Bikes (`sam.bikes@gmail.com`) | customer org, Limited Use SA | public email domain |
//! | Globex (`globex.com`) | customer org, Customer SA, **Pending** | requested by the Nimbus admin on Globex's behalf |
//!
//! Acme's Virtual Accounts (level in brackets): `DEFAULT` (1, default); `EMEA` (1) with
//! `EMEA-Sales` (2) and `EMEA-Ops` (2); `Americas` (1) › `US` (2) › `Finance` (3) ›
//! `Sacramento` (4); `APAC` (1, Restricted); and `Labs` (1) › `Lab-2` › … › `Lab-10`, a chain
//! reaching the maximum level 10.
//!
//! Acme's users (Cisco.com ID → role): `alice` SA Admin (creator), `bob` SA User, `carol` SA
//! Viewer, `dave` SA Approver, `erin` VA Admin on `EMEA` (with children), `frank` VA User on
//! `EMEA-Sales` (account only), `grace` VA Viewer on `EMEA`, `ops-team` (a team alias) VA User
//! on `Americas`, `oscar` no role. The partner user `nina` of Nimbus holds VA User on
//! `Americas`, granted by `alice` (PTR001).
//!
//! Licenses and devices ([`Licensing`]; deposits by order fulfilment, procured by Nimbus):
//!
//! | where | what |
//! | --- | --- |
//! | Acme `DEFAULT` | order `ACME-1001` line 1: 100 × `ISE-PLS-LIC` (perpetual); 30 moved to `Americas` by `alice` (key `fixture-transfer-1`); 2 reserved |
//! | Acme `EMEA` | order `ACME-1001` line 2: 50 × `C9300-DNA-E-3Y` (2026-01-05 to 2029-01-04); devices `SW-EMEA-1` (20) and `SW-EMEA-2` (40) consume 60: a shortfall of 10 |
//! | Acme `Americas` | device `RTR-AMER-1` consumes 5 `ISE-PLS-LIC`; changed on 2025-10-01 and not reported since: overdue |
//! | Acme License Registration Portal | order `ACME-1002` line 1: 10 × `L-ASA5506-SEC-PL` (Classic, perpetual) |
//! | Nimbus holding `DEFAULT` | **aged**: order `NIM-2001` line 1, 25 × `C9300-DNA-E-3Y` (2025-09-15 to 2028-09-14), deposited 2025-09-15, Smart-Account-mandatory; 5 of them assigned to Sam's Bikes (transfer `fixture-assign-1`), 20 still waiting. **fresh**: order `NIM-2002` line 1, 10 × `ISE-PLS-LIC`, deposited at [`AT`] |
//! | Sam's Bikes `DEFAULT` | the 5 assigned `C9300-DNA-E-3Y` (delivered 112 days into their term); device `SAM-RTR` consumes 1 |

pub mod builder;
pub mod quotes;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::Command;
use crate::accounts::kinds::{AccountKind, Visibility};
use crate::base::error::Error;
use crate::base::ids::{OrgId, SaId, UserId, VaId};
use crate::directory::Directory;
use crate::directory::people::{NewUser, OrgKind, UserKind};
use crate::licenses::license::{
    DeviceId, IdempotencyKey, License, LicenseCommand, LicenseKind, OrderId, OrderLine, Sku, Term,
    TransferId, TransferLine,
};
use crate::roles::matrix::{Actor, Inheritance, Role, Target};

/// The time every fixture command is stamped with: 2026-01-05T09:00:00Z, except the Nimbus
/// holding account's creation ([`HOLDING_SINCE`]) and its aged deposit (2025-09-15T12:00:00Z).
pub const AT: &str = "2026-01-05T09:00:00Z";

/// When Nimbus requested its holding account: 2025-09-01T09:00:00Z, before the aged stock
/// arrived in it (a log's times never decrease, EV004).
pub const HOLDING_SINCE: &str = "2025-09-01T09:00:00Z";

/// A fixture time.
fn fixture_time(text: &str) -> Result<Timestamp, Error> {
    text.parse().map_err(|_| Error::InvalidName {
        rule: crate::RuleId::EV004,
        field: "fixture time",
        value: text.into(),
        reason: "it does not parse",
    })
}

/// The Acme customer: organization, account, Virtual Accounts and users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acme {
    /// The organization.
    pub org: OrgId,
    /// The Customer Smart Account `acme.com`.
    pub sa: SaId,
    /// `DEFAULT`, the default Virtual Account.
    pub default_va: VaId,
    /// `EMEA` (level 1).
    pub emea: VaId,
    /// `EMEA-Sales` (level 2).
    pub emea_sales: VaId,
    /// `EMEA-Ops` (level 2).
    pub emea_ops: VaId,
    /// `Americas` (level 1).
    pub americas: VaId,
    /// `US` (level 2).
    pub us: VaId,
    /// `Finance` (level 3).
    pub finance: VaId,
    /// `Sacramento` (level 4).
    pub sacramento: VaId,
    /// `APAC` (level 1, Restricted).
    pub apac: VaId,
    /// `Labs`, `Lab-2`, …, `Lab-10`: `deep[i]` is at level `i + 1`.
    pub deep: [VaId; 10],
    /// `alice`: SA Admin, the creator.
    pub alice: UserId,
    /// `bob`: SA User.
    pub bob: UserId,
    /// `carol`: SA Viewer.
    pub carol: UserId,
    /// `dave`: SA Approver.
    pub dave: UserId,
    /// `erin`: VA Admin on `EMEA`, account and children.
    pub erin: UserId,
    /// `frank`: VA User on `EMEA-Sales`, account only.
    pub frank: UserId,
    /// `grace`: VA Viewer on `EMEA`.
    pub grace: UserId,
    /// `ops-team`: a team alias, VA User on `Americas`.
    pub ops_team: UserId,
    /// `oscar`: an Acme user without any role.
    pub oscar: UserId,
}

/// A partner (reseller) with its holding account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partner {
    /// Nimbus Networks.
    pub org: OrgId,
    /// Its Partner Holding account `nimbus-networks.com`.
    pub holding: SaId,
    /// Its default Virtual Account.
    pub holding_default: VaId,
    /// `nimbus-admin`: SA Admin of the holding account.
    pub admin: UserId,
    /// `nina`: SA User of the holding account, VA User on Acme's `Americas`.
    pub nina: UserId,
}

/// A distributor with its holding account (2-tier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distributor {
    /// Ingress Distribution.
    pub org: OrgId,
    /// Its Partner Holding account `ingress-dist.com`.
    pub holding: SaId,
    /// `ingress-admin`: SA Admin of the holding account.
    pub admin: UserId,
}

/// A small business with a public email domain and a Limited Use account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Solo {
    /// Sam's Bikes.
    pub org: OrgId,
    /// `sam` (`sam.bikes@gmail.com`): creator and SA Admin.
    pub sam: UserId,
    /// The Limited Use account.
    pub sa: SaId,
}

/// A customer whose account a partner requested on its behalf: still Pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Globex {
    /// Globex.
    pub org: OrgId,
    /// `hank` (`hank@globex.com`): the authorised contact, who can activate.
    pub hank: UserId,
    /// The Pending Customer account `globex.com`.
    pub sa: SaId,
}

/// The licenses, devices and orders of the fixture (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licensing {
    /// `ISE-PLS-LIC`, perpetual, Smart.
    pub ise: License,
    /// `C9300-DNA-E-3Y` from 2026-01-05 to 2029-01-04: Acme's term subscription.
    pub acme_dna: License,
    /// `C9300-DNA-E-3Y` from 2025-09-15 to 2028-09-14: the aged stock in Nimbus's holding
    /// account.
    pub holding_dna: License,
    /// `L-ASA5506-SEC-PL`, perpetual: Acme's Classic (PAK) licenses.
    pub asa_pak: License,
    /// Acme's order line of the 100 `ISE-PLS-LIC`.
    pub acme_ise_order: OrderLine,
    /// Acme's order line of the 50 `C9300-DNA-E-3Y`.
    pub acme_dna_order: OrderLine,
    /// Acme's order line of the Classic licenses.
    pub acme_pak_order: OrderLine,
    /// The aged holding order line (`NIM-2001` line 1), Smart-Account-mandatory.
    pub aged_order: OrderLine,
    /// The day the aged stock arrived in holding: 2025-09-15.
    pub aged_since: Date,
    /// The fresh holding order line (`NIM-2002` line 1).
    pub fresh_order: OrderLine,
    /// The holding-to-customer assignment to Sam's Bikes.
    pub assignment: TransferId,
    /// The idempotency key of Acme's transfer to `Americas`.
    pub transfer_key: IdempotencyKey,
    /// `SW-EMEA-1` in Acme's `EMEA`: consumes 20 `acme_dna`; installed 2025-11-01, first report
    /// due 2026-01-30.
    pub sw_emea_1: DeviceId,
    /// `SW-EMEA-2` in Acme's `EMEA`: consumes 40 `acme_dna`; installed 2025-12-20.
    pub sw_emea_2: DeviceId,
    /// `RTR-AMER-1` in Acme's `Americas`: consumes 5 `ise`; reported 2025-08-01, changed
    /// 2025-10-01.
    pub rtr_americas: DeviceId,
    /// `SAM-RTR` in Sam's Bikes' default Virtual Account: consumes 1 `holding_dna`.
    pub sam_router: DeviceId,
}

/// The whole fixture: one directory and the stable handles into it.
#[derive(Debug, Clone)]
pub struct World {
    /// The directory.
    pub dir: Directory,
    /// The time every fixture command used ([`AT`]).
    pub at: Timestamp,
    /// The customer with the nested tree.
    pub acme: Acme,
    /// The partner.
    pub partner: Partner,
    /// The distributor.
    pub distributor: Distributor,
    /// The Limited Use customer.
    pub solo: Solo,
    /// The customer with a Pending account.
    pub globex: Globex,
    /// Licenses, devices and holding stock.
    pub licensing: Licensing,
}

struct Builder {
    dir: Directory,
    at: Timestamp,
}

impl Builder {
    fn user(
        &mut self,
        cco: &str,
        email: &str,
        org: OrgId,
        kind: UserKind,
    ) -> Result<UserId, Error> {
        self.dir.register_user(NewUser {
            cco_id: Some(cco.into()),
            email: email.into(),
            org,
            kind,
        })
    }
    fn va(
        &mut self,
        by: UserId,
        sa: SaId,
        parent: Option<VaId>,
        name: &str,
    ) -> Result<VaId, Error> {
        self.dir
            .create_va(&Actor::User(by), self.at, sa, parent, name)
    }
    /// `by` requests an account of `kind` for `contact` at `at`: the account and its default
    /// Virtual Account.
    fn account(
        &mut self,
        (by, contact): (UserId, UserId),
        at: Timestamp,
        kind: AccountKind,
        name: &str,
        domain: Option<&str>,
    ) -> Result<(SaId, VaId), Error> {
        let sa = self
            .dir
            .request_account(&Actor::User(by), at, kind, name, domain, contact)?;
        let default = default_va_of(&self.dir, sa);
        Ok((sa, default))
    }
    fn role(
        &mut self,
        by: UserId,
        user: UserId,
        target: Target,
        role: Role,
        inh: Inheritance,
    ) -> Result<(), Error> {
        self.dir
            .assign_role(&Actor::User(by), self.at, user, target, role, inh)
            .map(|_| ())
    }
}

/// The default Virtual Account of `sa` (`VaId` 0 if there is no such account).
fn default_va_of(dir: &Directory, sa: SaId) -> VaId {
    dir.account(sa)
        .map(|a| a.default_va())
        .unwrap_or(VaId::new(0))
}

/// Builds the fixture directory described in the [module documentation](self).
///
/// # Errors
///
/// None in practice: the fixture is built through the public commands, and an error would mean
/// a command refuses what the fixture documents (this crate's tests build it on every run).
pub fn world() -> Result<World, Error> {
    let at: Timestamp = AT.parse().map_err(|_| Error::InvalidName {
        rule: crate::RuleId::EV001,
        field: "fixture time",
        value: AT.into(),
        reason: "it does not parse",
    })?;
    let mut b = Builder {
        dir: Directory::new(),
        at,
    };
    let acme = acme(&mut b)?;
    let partner = nimbus(&mut b, &acme)?;
    let distributor = ingress(&mut b)?;
    let solo = sams_bikes(&mut b)?;
    let globex = globex(&mut b, &partner)?;
    let licensing = licenses(
        &mut b,
        LicensingIds {
            acme: acme.sa,
            emea: acme.emea,
            americas: acme.americas,
            alice: acme.alice,
            holding: partner.holding,
            holding_admin: partner.admin,
            partner: partner.org,
            solo: solo.sa,
            sam: solo.sam,
        },
    )?;
    Ok(World {
        dir: b.dir,
        at,
        acme,
        partner,
        distributor,
        solo,
        globex,
        licensing,
    })
}

/// Acme, a customer with a nested tree, its users and their roles.
fn acme(b: &mut Builder) -> Result<Acme, Error> {
    let at = b.at;
    let indiv = UserKind::Individual;
    // Acme, a customer with a nested tree.
    let acme_org = b.dir.register_organization("Acme", OrgKind::Customer)?;
    let alice = b.user("alice", "alice@acme.com", acme_org, indiv)?;
    let bob = b.user("bob", "bob@acme.com", acme_org, indiv)?;
    let carol = b.user("carol", "carol@acme.com", acme_org, indiv)?;
    let dave = b.user("dave", "dave@acme.com", acme_org, indiv)?;
    let erin = b.user("erin", "erin@acme.com", acme_org, indiv)?;
    let frank = b.user("frank", "frank@acme.com", acme_org, indiv)?;
    let grace = b.user("grace", "grace@acme.com", acme_org, indiv)?;
    let ops_team = b.user(
        "ops-team",
        "network-ops@acme.com",
        acme_org,
        UserKind::TeamAlias,
    )?;
    let oscar = b.user("oscar", "oscar@acme.com", acme_org, indiv)?;
    let (sa, default_va) = b.account(
        (alice, alice),
        at,
        AccountKind::Customer,
        "Acme",
        Some("acme.com"),
    )?;
    let emea = b.va(alice, sa, None, "EMEA")?;
    let emea_sales = b.va(alice, sa, Some(emea), "EMEA-Sales")?;
    let emea_ops = b.va(alice, sa, Some(emea), "EMEA-Ops")?;
    let americas = b.va(alice, sa, None, "Americas")?;
    let us = b.va(alice, sa, Some(americas), "US")?;
    let finance = b.va(alice, sa, Some(us), "Finance")?;
    let sacramento = b.va(alice, sa, Some(finance), "Sacramento")?;
    let apac = b.va(alice, sa, None, "APAC")?;
    b.dir.execute(
        &Actor::User(alice),
        at,
        Command::SetVisibility {
            va: apac,
            visibility: Visibility::Restricted,
        },
    )?;
    let deep = labs(b, alice, sa)?;
    let acme = Acme {
        org: acme_org,
        sa,
        default_va,
        emea,
        emea_sales,
        emea_ops,
        americas,
        us,
        finance,
        sacramento,
        apac,
        deep,
        alice,
        bob,
        carol,
        dave,
        erin,
        frank,
        grace,
        ops_team,
        oscar,
    };
    acme_roles(b, &acme)?;
    Ok(acme)
}

/// The ten nested Labs VAs of Acme, under the top level: the deepest tree VA001 allows.
fn labs(b: &mut Builder, alice: UserId, sa: SaId) -> Result<[VaId; 10], Error> {
    let mut deep = [VaId::new(0); 10];
    let mut parent = None;
    for (i, slot) in deep.iter_mut().enumerate() {
        let name = if i == 0 {
            "Labs".to_owned()
        } else {
            format!("Lab-{}", i + 1)
        };
        let va = b.va(alice, sa, parent, &name)?;
        *slot = va;
        parent = Some(va);
    }
    Ok(deep)
}

/// The roles of Acme's users: account roles, a VA Admin of EMEA who delegates, and a team alias.
fn acme_roles(b: &mut Builder, acme: &Acme) -> Result<(), Error> {
    let &Acme {
        sa,
        emea,
        emea_sales,
        americas,
        alice,
        bob,
        carol,
        dave,
        erin,
        frank,
        grace,
        ops_team,
        ..
    } = acme;
    let children = Inheritance::AccountAndChildren;
    let account = Target::Account(sa);
    b.role(alice, bob, account, Role::SaUser, children)?;
    b.role(alice, carol, account, Role::SaViewer, children)?;
    b.role(alice, dave, account, Role::SaApprover, children)?;
    b.role(alice, erin, Target::Va(emea), Role::VaAdmin, children)?;
    b.role(
        erin,
        frank,
        Target::Va(emea_sales),
        Role::VaUser,
        Inheritance::AccountOnly,
    )?;
    b.role(erin, grace, Target::Va(emea), Role::VaViewer, children)?;
    b.role(
        alice,
        ops_team,
        Target::Va(americas),
        Role::VaUser,
        children,
    )?;
    Ok(())
}

/// Nimbus, a partner with a holding account; its user Nina also works on Acme's Americas.
fn nimbus(b: &mut Builder, acme: &Acme) -> Result<Partner, Error> {
    let indiv = UserKind::Individual;
    let children = Inheritance::AccountAndChildren;
    // Nimbus, a partner with a holding account.
    let nimbus = b
        .dir
        .register_organization("Nimbus Networks", OrgKind::Partner)?;
    let nimbus_admin = b.user("nimbus-admin", "admin@nimbus-networks.com", nimbus, indiv)?;
    let nina = b.user("nina", "nina@nimbus-networks.com", nimbus, indiv)?;
    // The holding account is older than the aged stock deposited into it on 2025-09-15: a log's
    // times never decrease (EV004).
    let holding_since = fixture_time(HOLDING_SINCE)?;
    let (holding, holding_default) = b.account(
        (nimbus_admin, nimbus_admin),
        holding_since,
        AccountKind::PartnerHolding,
        "Nimbus Holding",
        Some("nimbus-networks.com"),
    )?;
    b.dir.assign_role(
        &Actor::User(nimbus_admin),
        holding_since,
        nina,
        Target::Account(holding),
        Role::SaUser,
        children,
    )?;
    b.role(
        acme.alice,
        nina,
        Target::Va(acme.americas),
        Role::VaUser,
        children,
    )?;
    Ok(Partner {
        org: nimbus,
        holding,
        holding_default,
        admin: nimbus_admin,
        nina,
    })
}

/// Ingress, a distributor with a holding account.
fn ingress(b: &mut Builder) -> Result<Distributor, Error> {
    let at = b.at;
    let indiv = UserKind::Individual;
    // Ingress, a distributor with a holding account.
    let ingress = b
        .dir
        .register_organization("Ingress Distribution", OrgKind::Distributor)?;
    let ingress_admin = b.user("ingress-admin", "admin@ingress-dist.com", ingress, indiv)?;
    let (ingress_holding, _) = b.account(
        (ingress_admin, ingress_admin),
        at,
        AccountKind::PartnerHolding,
        "Ingress Holding",
        Some("ingress-dist.com"),
    )?;
    Ok(Distributor {
        org: ingress,
        holding: ingress_holding,
        admin: ingress_admin,
    })
}

/// Sam's Bikes: a public email domain, so a Limited Use account.
fn sams_bikes(b: &mut Builder) -> Result<Solo, Error> {
    let at = b.at;
    let indiv = UserKind::Individual;
    // Sam's Bikes: a public email domain, so a Limited Use account.
    let bikes = b
        .dir
        .register_organization("Sam's Bikes", OrgKind::Customer)?;
    let sam = b.user("sam", "sam.bikes@gmail.com", bikes, indiv)?;
    let (solo_sa, _) = b.account((sam, sam), at, AccountKind::LimitedUse, "Sam's Bikes", None)?;
    Ok(Solo {
        org: bikes,
        sam,
        sa: solo_sa,
    })
}

/// Globex: requested by the partner on the customer's behalf, still Pending.
fn globex(b: &mut Builder, partner: &Partner) -> Result<Globex, Error> {
    let at = b.at;
    let indiv = UserKind::Individual;
    // Globex: requested by the partner on the customer's behalf, still Pending.
    let globex = b.dir.register_organization("Globex", OrgKind::Customer)?;
    let hank = b.user("hank", "hank@globex.com", globex, indiv)?;
    let (globex_sa, _) = b.account(
        (partner.admin, hank),
        at,
        AccountKind::Customer,
        "Globex",
        Some("globex.com"),
    )?;
    Ok(Globex {
        org: globex,
        hank,
        sa: globex_sa,
    })
}

struct LicensingIds {
    acme: SaId,
    emea: VaId,
    americas: VaId,
    alice: UserId,
    holding: SaId,
    holding_admin: UserId,
    partner: OrgId,
    solo: SaId,
    sam: UserId,
}

fn fixture_date(text: &str) -> Result<Date, Error> {
    text.parse().map_err(|_| Error::InvalidName {
        rule: crate::RuleId::LIC001,
        field: "fixture date",
        value: text.into(),
        reason: "it does not parse",
    })
}

fn order(id: &str, line: u32) -> Result<OrderLine, Error> {
    Ok(OrderLine {
        order: OrderId::parse(id)?,
        line,
    })
}

fn licenses(b: &mut Builder, ids: LicensingIds) -> Result<Licensing, Error> {
    let l = license_catalog()?;
    acme_stock(b, &ids, &l)?;
    acme_devices(b, &ids, &l)?;
    holding_stock(b, &ids, &l)?;
    Ok(l)
}

/// The license types, orders, keys and device names of the fixture, before anything happens.
fn license_catalog() -> Result<Licensing, Error> {
    let dna = Sku::parse("C9300-DNA-E-3Y")?;
    let aged_since = fixture_date("2025-09-15")?;
    Ok(Licensing {
        ise: License::perpetual(Sku::parse("ISE-PLS-LIC")?),
        acme_dna: License {
            sku: dna.clone(),
            term: Term::subscription(fixture_date("2026-01-05")?, fixture_date("2029-01-04")?)?,
        },
        holding_dna: License {
            sku: dna,
            term: Term::subscription(aged_since, fixture_date("2028-09-14")?)?,
        },
        asa_pak: License::perpetual(Sku::parse("L-ASA5506-SEC-PL")?),
        acme_ise_order: order("ACME-1001", 1)?,
        acme_dna_order: order("ACME-1001", 2)?,
        acme_pak_order: order("ACME-1002", 1)?,
        aged_order: order("NIM-2001", 1)?,
        aged_since,
        fresh_order: order("NIM-2002", 1)?,
        assignment: TransferId::parse("fixture-assign-1")?,
        transfer_key: IdempotencyKey::parse("fixture-transfer-1")?,
        sw_emea_1: DeviceId::parse("SW-EMEA-1")?,
        sw_emea_2: DeviceId::parse("SW-EMEA-2")?,
        rtr_americas: DeviceId::parse("RTR-AMER-1")?,
        sam_router: DeviceId::parse("SAM-RTR")?,
    })
}

/// A fulfilment deposit of the fixture, procured by the partner.
fn deposit(
    ids: &LicensingIds,
    (sa, va): (SaId, Option<VaId>),
    (order, license): (&OrderLine, &License),
    kind: LicenseKind,
    quantity: u64,
    sa_mandatory: bool,
) -> LicenseCommand {
    LicenseCommand::Deposit {
        sa,
        va,
        order: order.clone(),
        license: license.clone(),
        kind,
        quantity,
        procured_by: ids.partner,
        sa_mandatory,
    }
}

/// Acme: three deposits, a transfer to Americas and a reservation.
fn acme_stock(b: &mut Builder, ids: &LicensingIds, l: &Licensing) -> Result<(), Error> {
    let (at, fulfil, d) = (b.at, Actor::Fulfilment, &mut b.dir);
    let (smart, classic) = (LicenseKind::Smart, LicenseKind::Classic);
    let ise = (&l.acme_ise_order, &l.ise);
    d.license(
        &fulfil,
        at,
        deposit(ids, (ids.acme, None), ise, smart, 100, false),
    )?;
    let dna = (&l.acme_dna_order, &l.acme_dna);
    let emea = (ids.acme, Some(ids.emea));
    d.license(&fulfil, at, deposit(ids, emea, dna, smart, 50, false))?;
    let pak = (&l.acme_pak_order, &l.asa_pak);
    d.license(
        &fulfil,
        at,
        deposit(ids, (ids.acme, None), pak, classic, 10, false),
    )?;
    let alice = Actor::User(ids.alice);
    let default_va = default_va_of(d, ids.acme);
    let lines = vec![TransferLine {
        license: l.ise.clone(),
        quantity: 30,
    }];
    let key = l.transfer_key.clone();
    d.transfer(&alice, at, default_va, ids.americas, lines, key)?;
    let reserve = LicenseCommand::Reserve {
        va: default_va,
        license: l.ise.clone(),
        quantity: 2,
    };
    d.license(&alice, at, reserve)?;
    Ok(())
}

/// Acme's devices: two switches in EMEA and a router in Americas, with what they consume and
/// the router's reports.
fn acme_devices(b: &mut Builder, ids: &LicensingIds, l: &Licensing) -> Result<(), Error> {
    let (at, alice, d) = (b.at, Actor::User(ids.alice), &mut b.dir);
    let devices = [
        (&l.sw_emea_1, ids.emea, "2025-11-01", &l.acme_dna, 20),
        (&l.sw_emea_2, ids.emea, "2025-12-20", &l.acme_dna, 40),
        (&l.rtr_americas, ids.americas, "2025-06-01", &l.ise, 5),
    ];
    for (device, va, installed, _, _) in devices {
        d.register_device(&alice, at, device.clone(), va, fixture_date(installed)?)?;
    }
    for (device, _, _, license, quantity) in devices {
        d.consume(&alice, at, device.clone(), license.clone(), quantity)?;
    }
    let device = l.rtr_americas.clone();
    let on = fixture_date("2025-08-01")?;
    d.license(&alice, at, LicenseCommand::RecordReport { device, on })?;
    let device = l.rtr_americas.clone();
    let on = fixture_date("2025-10-01")?;
    d.license(&alice, at, LicenseCommand::RecordChange { device, on })?;
    Ok(())
}

/// Nimbus holding: aged and fresh stock; part of the aged stock goes to Sam's Bikes, whose
/// router consumes one.
fn holding_stock(b: &mut Builder, ids: &LicensingIds, l: &Licensing) -> Result<(), Error> {
    let (at, fulfil, d) = (b.at, Actor::Fulfilment, &mut b.dir);
    let smart = LicenseKind::Smart;
    let holding = (ids.holding, None);
    let aged_at = fixture_time("2025-09-15T12:00:00Z")?;
    let aged = (&l.aged_order, &l.holding_dna);
    d.license(
        &fulfil,
        aged_at,
        deposit(ids, holding, aged, smart, 25, true),
    )?;
    let fresh = (&l.fresh_order, &l.ise);
    d.license(&fulfil, at, deposit(ids, holding, fresh, smart, 10, false))?;
    let assign = LicenseCommand::AssignFromHolding {
        transfer: l.assignment.clone(),
        from: default_va_of(d, ids.holding),
        to_sa: ids.solo,
        to_va: None,
        lines: vec![TransferLine {
            license: l.holding_dna.clone(),
            quantity: 5,
        }],
        order_lines: Vec::new(),
    };
    d.license(&Actor::User(ids.holding_admin), at, assign)?;
    let sam = Actor::User(ids.sam);
    let solo_default = default_va_of(d, ids.solo);
    let installed = fixture_date("2025-12-01")?;
    d.register_device(&sam, at, l.sam_router.clone(), solo_default, installed)?;
    d.consume(&sam, at, l.sam_router.clone(), l.holding_dna.clone(), 1)?;
    Ok(())
}
