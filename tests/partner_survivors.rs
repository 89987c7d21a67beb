//! Tests written for mutants of `src/partners.rs` and `src/directory.rs` that survived
//! `scripts/mutants.sh`: each names the mutant it kills and what no test pinned down before.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use smart_accounts::fixtures::World;
use smart_accounts::{
    Actor, Command, Error, Inheritance, RequestStatus, Role, RuleId, Target, UserId,
};

use crate::common::world_with_nico as world;

fn ask(w: &mut World, user: UserId, target: Target, role: Role) -> Result<u64, Error> {
    w.dir.request_partner_access(
        &Actor::User(user),
        w.at,
        w.acme.sa,
        target,
        role,
        Inheritance::AccountOnly,
        None,
    )
}

/// `src/partners.rs`: in `partner_org_of`, `||` turned into `&&` survived. Revoking "partner
/// access" of an organization that is no partner (another customer) or of the owner itself is
/// refused.
#[test]
fn ptr003_only_a_partner_organizations_access_can_be_revoked() {
    let (mut w, _) = world();
    let alice = Actor::User(w.acme.alice);
    for org in [w.globex.org, w.acme.org] {
        let before = w.dir.clone();
        let err = w
            .dir
            .execute(
                &alice,
                w.at,
                Command::RevokePartnerAccess { sa: w.acme.sa, org },
            )
            .unwrap_err();
        assert!(matches!(err, Error::NotPartner { .. }), "{err}");
        assert_eq!(w.dir, before);
    }
}

/// `src/partners.rs`: in `plan_access_request`, the guards "the account asked about" and "a
/// Virtual Account of it" replaced by `true` survived. A request naming another account, or a
/// Virtual Account of another account, is refused as not found (PTR002).
#[test]
fn ptr002_a_request_must_name_the_account_or_one_of_its_virtual_accounts() {
    let (mut w, nico) = world();
    let solo = w.solo.sa;
    let solo_va = w.dir.account(solo).unwrap().default_va();
    for (target, role) in [
        (Target::Account(solo), Role::SaViewer),
        (Target::Va(solo_va), Role::VaViewer),
    ] {
        let err = ask(&mut w, nico, target, role).unwrap_err();
        assert_eq!(err.rule(), RuleId::PTR002, "{err}");
    }
}

/// `src/partners.rs`: the duplicate-request test (`r.user == user` turned into `!=`) survived:
/// no test had two partner users ask for the same thing. Each user may have one open request per
/// target; another user's request does not block theirs.
#[test]
fn ptr002_open_requests_are_per_user_and_target() {
    let (mut w, nico) = world();
    let admin = w.partner.admin;
    let emea = Target::Va(w.acme.emea_ops);
    ask(&mut w, nico, emea, Role::VaViewer).unwrap();
    ask(&mut w, admin, emea, Role::VaViewer).unwrap();
    assert!(ask(&mut w, nico, emea, Role::VaViewer).is_err());
    let apac = Target::Va(w.acme.apac);
    ask(&mut w, nico, apac, Role::VaViewer).unwrap();
}

/// `src/partners.rs`: in `plan_revocation`, `r.org == org && Pending` turned into `||`
/// survived. Revoking one partner organization rejects its pending requests only: another
/// organization's pending request, and the revoked one's decided requests, stay as they were.
#[test]
fn ptr003_a_revocation_rejects_only_that_organizations_pending_requests() {
    let (mut w, nico) = world();
    let alice = Actor::User(w.acme.alice);
    let (ops, apac) = (Target::Va(w.acme.emea_ops), Target::Va(w.acme.apac));
    let approved = ask(&mut w, nico, ops, Role::VaViewer).unwrap();
    w.dir
        .execute(
            &alice,
            w.at,
            Command::ApprovePartnerAccess {
                sa: w.acme.sa,
                request: approved,
                expires: None,
            },
        )
        .unwrap();
    let pending = ask(&mut w, nico, apac, Role::VaViewer).unwrap();
    let other = w
        .dir
        .request_partner_access(
            &Actor::User(w.distributor.admin),
            w.at,
            w.acme.sa,
            Target::Va(w.acme.apac),
            Role::VaViewer,
            Inheritance::AccountOnly,
            None,
        )
        .unwrap();
    w.dir
        .execute(
            &alice,
            w.at,
            Command::RevokePartnerAccess {
                sa: w.acme.sa,
                org: w.partner.org,
            },
        )
        .unwrap();
    let status = |id: u64| {
        w.dir
            .account(w.acme.sa)
            .unwrap()
            .access_requests()
            .find(|r| r.id == id)
            .map(|r| r.status)
            .unwrap()
    };
    assert!(matches!(status(approved), RequestStatus::Approved { .. }));
    assert!(matches!(status(pending), RequestStatus::Rejected { .. }));
    assert_eq!(status(other), RequestStatus::Pending);
}

/// `src/partners.rs`: in `partner_organizations`, the grouping guard (`*org == access.org`:
/// `true`, `false`, `!=`) survived. Each partner organization appears once, with the union of
/// what its users may do.
#[test]
fn ptr003_partner_organizations_are_listed_once_with_the_union_of_their_actions() {
    let (mut w, nico) = world();
    let alice = Actor::User(w.acme.alice);
    w.dir
        .assign_role(
            &alice,
            w.at,
            nico,
            Target::Va(w.acme.emea),
            Role::VaAdmin,
            Inheritance::AccountOnly,
        )
        .unwrap();
    w.dir
        .assign_role(
            &alice,
            w.at,
            w.distributor.admin,
            Target::Va(w.acme.apac),
            Role::VaViewer,
            Inheritance::AccountOnly,
        )
        .unwrap();
    let on: jiff::civil::Date = "2026-02-01".parse().unwrap();
    let listed = w.dir.partner_organizations(w.acme.sa, on);
    let orgs: Vec<_> = listed.iter().map(|(o, _)| *o).collect();
    let mut expected = vec![w.partner.org, w.distributor.org];
    expected.sort();
    assert_eq!(orgs, expected);
    let nimbus = listed.iter().find(|(o, _)| *o == w.partner.org).unwrap().1;
    let union = w
        .dir
        .partner_access(w.acme.sa, on)
        .into_iter()
        .filter(|a| a.org == w.partner.org && a.in_force)
        .fold(smart_accounts::ActionSet::EMPTY, |s, a| s.union(a.actions));
    assert_eq!(nimbus, union);
    assert!(nimbus.contains(smart_accounts::Action::AssignVaRoles));
    assert!(nimbus.contains(smart_accounts::Action::ManageLicenses));
}

/// `src/directory.rs`: `VaSlot::under` replaced by `true` survived: no test had a Virtual
/// Account Admin with "and children" reach somewhere else in the account. An admin "and
/// children" on Americas with "account only" on EMEA Sales may assign roles there, but not hand
/// out "and children" on EMEA Sales (ROLE006).
#[test]
fn role006_and_children_reach_elsewhere_does_not_cover_this_subtree() {
    let (mut w, nico) = world();
    let alice = Actor::User(w.acme.alice);
    let acme = w.acme;
    for (va, inheritance) in [
        (acme.americas, Inheritance::AccountAndChildren),
        (acme.emea_sales, Inheritance::AccountOnly),
    ] {
        w.dir
            .assign_role(
                &alice,
                w.at,
                nico,
                Target::Va(va),
                Role::VaAdmin,
                inheritance,
            )
            .unwrap();
    }
    let grant = |inheritance| Command::AssignRole {
        user: acme.grace,
        target: Target::Va(acme.emea_sales),
        role: Role::VaUser,
        inheritance,
    };
    let before = w.dir.clone();
    let err = w
        .dir
        .execute(
            &Actor::User(nico),
            w.at,
            grant(Inheritance::AccountAndChildren),
        )
        .unwrap_err();
    assert_eq!(err.rule(), RuleId::ROLE006, "{err}");
    assert_eq!(w.dir, before);
    w.dir
        .execute(&Actor::User(nico), w.at, grant(Inheritance::AccountOnly))
        .unwrap();
}
