//! Ready-made directories with stable, documented names, for this crate's tests and for other
//! projects' test suites (feature `fixtures`).
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

pub mod quotes;

use jiff::Timestamp;

use crate::Command;
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{OrgId, SaId, UserId, VaId};
use crate::model::{
    AccountKind, Actor, Inheritance, NewUser, OrgKind, Role, Target, UserKind, Visibility,
};

/// The time every fixture command is stamped with: 2026-01-05T09:00:00Z.
pub const AT: &str = "2026-01-05T09:00:00Z";

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
    let indiv = UserKind::Individual;
    let children = Inheritance::AccountAndChildren;

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
    let sa = b.dir.request_account(
        &Actor::User(alice),
        at,
        AccountKind::Customer,
        "Acme",
        Some("acme.com"),
        alice,
    )?;
    let default_va = b
        .dir
        .account(sa)
        .map(|a| a.default_va())
        .unwrap_or(VaId::new(0));
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

    // Nimbus, a partner with a holding account.
    let nimbus = b
        .dir
        .register_organization("Nimbus Networks", OrgKind::Partner)?;
    let nimbus_admin = b.user("nimbus-admin", "admin@nimbus-networks.com", nimbus, indiv)?;
    let nina = b.user("nina", "nina@nimbus-networks.com", nimbus, indiv)?;
    let holding = b.dir.request_account(
        &Actor::User(nimbus_admin),
        at,
        AccountKind::PartnerHolding,
        "Nimbus Holding",
        Some("nimbus-networks.com"),
        nimbus_admin,
    )?;
    let holding_default = b
        .dir
        .account(holding)
        .map(|a| a.default_va())
        .unwrap_or(VaId::new(0));
    b.role(
        nimbus_admin,
        nina,
        Target::Account(holding),
        Role::SaUser,
        children,
    )?;
    b.role(alice, nina, Target::Va(americas), Role::VaUser, children)?;

    // Ingress, a distributor with a holding account.
    let ingress = b
        .dir
        .register_organization("Ingress Distribution", OrgKind::Distributor)?;
    let ingress_admin = b.user("ingress-admin", "admin@ingress-dist.com", ingress, indiv)?;
    let ingress_holding = b.dir.request_account(
        &Actor::User(ingress_admin),
        at,
        AccountKind::PartnerHolding,
        "Ingress Holding",
        Some("ingress-dist.com"),
        ingress_admin,
    )?;

    // Sam's Bikes: a public email domain, so a Limited Use account.
    let bikes = b
        .dir
        .register_organization("Sam's Bikes", OrgKind::Customer)?;
    let sam = b.user("sam", "sam.bikes@gmail.com", bikes, indiv)?;
    let solo_sa = b.dir.request_account(
        &Actor::User(sam),
        at,
        AccountKind::LimitedUse,
        "Sam's Bikes",
        None,
        sam,
    )?;

    // Globex: requested by the partner on the customer's behalf, still Pending.
    let globex = b.dir.register_organization("Globex", OrgKind::Customer)?;
    let hank = b.user("hank", "hank@globex.com", globex, indiv)?;
    let globex_sa = b.dir.request_account(
        &Actor::User(nimbus_admin),
        at,
        AccountKind::Customer,
        "Globex",
        Some("globex.com"),
        hank,
    )?;

    Ok(World {
        dir: b.dir,
        at,
        acme: Acme {
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
        },
        partner: Partner {
            org: nimbus,
            holding,
            holding_default,
            admin: nimbus_admin,
            nina,
        },
        distributor: Distributor {
            org: ingress,
            holding: ingress_holding,
            admin: ingress_admin,
        },
        solo: Solo {
            org: bikes,
            sam,
            sa: solo_sa,
        },
        globex: Globex {
            org: globex,
            hank,
            sa: globex_sa,
        },
    })
}
