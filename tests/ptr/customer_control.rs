//! The customer keeps control of its account (PTR006, ROLE007 amended): a regression test for
//! each way a partner could lock a customer out or a last admin could vanish (issue 11, item 5),
//! and a property over random commands with time passing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::cases;
use crate::common::on_day::{accepted, give, make, partner_admin, refused};
use crate::common::{date, world_with_nico};
use crate::ptr::partners::{cast, run, step};
use proptest::prelude::*;
use smart_accounts::{
    AccountKind, AccountStatus, Binding, Change, Command, Directory, Error, Event, Inheritance,
    RecordedActor, Role, RuleId, SmartAccount, Target, UserId, VaId,
};
use std::collections::BTreeMap;

fn control_refused(err: &Error, actor: UserId, user: UserId) {
    assert_eq!(err.rule(), RuleId::PTR006, "{err}");
    assert!(
        matches!(err, Error::CustomerControl { actor: a, user: u, .. } if *a == actor && *u == user),
        "{err:?}"
    );
}

#[test]
fn ptr006_a_partner_sa_admin_cannot_revoke_the_customers_admin() {
    let mut w = partner_admin();
    let (alice, bob, nina) = (w.acme.alice, w.acme.bob, w.partner.nina);
    let acme = Target::Account(w.acme.sa);
    // Even with a second customer admin, so ROLE007 is not what stops her.
    accepted(&mut w.dir, alice, 0, make(bob, acme, Role::SaAdmin));
    let before = w.dir.clone();
    let err = refused(
        &mut w.dir,
        nina,
        1,
        Command::RevokeRole {
            user: alice,
            target: acme,
        },
    );
    control_refused(&err, nina, alice);
    assert_eq!(w.dir, before);
    // Nor any other role of the customer's users.
    let err = refused(
        &mut w.dir,
        nina,
        1,
        Command::RevokeRole {
            user: w.acme.erin,
            target: Target::Va(w.acme.emea),
        },
    );
    control_refused(&err, nina, w.acme.erin);
    assert_eq!(w.dir, before);
    // The customer still revokes the partner at any time (PTR003).
    accepted(
        &mut w.dir,
        alice,
        2,
        Command::RevokePartnerAccess {
            sa: w.acme.sa,
            org: w.partner.org,
        },
    );
    assert_eq!(w.dir.account(w.acme.sa).unwrap().role_of(nina, None), None);
}

#[test]
fn ptr006_a_partner_sa_admin_cannot_downgrade_the_customers_admin() {
    let mut w = partner_admin();
    let (alice, nina) = (w.acme.alice, w.partner.nina);
    let acme = Target::Account(w.acme.sa);
    let before = w.dir.clone();
    for role in [Role::SaUser, Role::SaViewer, Role::SaAdmin] {
        let err = refused(&mut w.dir, nina, 1, make(alice, acme, role));
        control_refused(&err, nina, alice);
        assert_eq!(w.dir, before);
    }
    // Nor change a customer user's VA role.
    let err = refused(
        &mut w.dir,
        nina,
        1,
        make(w.acme.erin, Target::Va(w.acme.emea), Role::VaViewer),
    );
    control_refused(&err, nina, w.acme.erin);
    assert_eq!(w.dir, before);
}

#[test]
fn ptr006_a_partner_sa_admin_cannot_set_or_clear_an_expiry_on_a_customer_role() {
    let mut w = partner_admin();
    let (alice, bob, nina) = (w.acme.alice, w.acme.bob, w.partner.nina);
    let acme = Target::Account(w.acme.sa);
    accepted(&mut w.dir, alice, 0, make(bob, acme, Role::SaAdmin));
    accepted(
        &mut w.dir,
        alice,
        0,
        Command::SetRoleExpiry {
            user: bob,
            target: acme,
            expires: Some(date(30)),
        },
    );
    let before = w.dir.clone();
    for (user, expires) in [(alice, Some(date(5))), (bob, None), (bob, Some(date(3)))] {
        let err = refused(
            &mut w.dir,
            nina,
            1,
            Command::SetRoleExpiry {
                user,
                target: acme,
                expires,
            },
        );
        control_refused(&err, nina, user);
        assert_eq!(w.dir, before);
    }
}

#[test]
fn ptr006_a_partner_cannot_delete_a_va_holding_a_customer_role() {
    let mut w = partner_admin();
    let nina = w.partner.nina;
    // `frank` (Acme) is VA User on EMEA-Sales: deleting it would revoke his role.
    let before = w.dir.clone();
    let err = refused(
        &mut w.dir,
        nina,
        1,
        Command::DeleteVa {
            va: w.acme.emea_sales,
        },
    );
    control_refused(&err, nina, w.acme.frank);
    assert_eq!(w.dir, before);
    // An empty Virtual Account without customer roles she may delete.
    accepted(&mut w.dir, nina, 1, Command::DeleteVa { va: w.acme.apac });
}

#[test]
fn ptr006_a_partner_cannot_move_a_va_out_of_or_into_a_customer_roles_reach() {
    let mut w = partner_admin();
    let nina = w.partner.nina;
    // `erin` (Acme) is VA Admin on EMEA, account and children: EMEA-Ops is in her reach.
    let before = w.dir.clone();
    let err = refused(
        &mut w.dir,
        nina,
        1,
        Command::MoveVa {
            va: w.acme.emea_ops,
            parent: Some(w.acme.apac),
        },
    );
    control_refused(&err, nina, w.acme.erin);
    assert_eq!(w.dir, before);
    let err = refused(
        &mut w.dir,
        nina,
        1,
        Command::MoveVa {
            va: w.acme.apac,
            parent: Some(w.acme.emea),
        },
    );
    control_refused(&err, nina, w.acme.erin);
    assert_eq!(w.dir, before);
    // The customer's own admin may.
    accepted(
        &mut w.dir,
        w.acme.alice,
        1,
        Command::MoveVa {
            va: w.acme.emea_ops,
            parent: Some(w.acme.apac),
        },
    );
}

#[test]
fn ptr006_a_log_in_which_a_partner_changes_a_customer_role_does_not_load() {
    let w = partner_admin();
    let (bob, nina) = (w.acme.bob, w.partner.nina);
    let mut snap = w.dir.to_snapshot();
    let a = snap
        .accounts
        .iter_mut()
        .find(|a| a.id == w.acme.sa)
        .unwrap();
    // The forged last event: nina downgrades bob; the stated state agrees with it.
    let last = a.events.last().unwrap().clone();
    a.events.push(Event {
        sa: w.acme.sa,
        seq: last.seq + 1,
        at: last.at,
        actor: RecordedActor::User {
            user: nina,
            org: w.partner.org,
        },
        command: None,
        change: Change::RoleChanged {
            user: bob,
            va: None,
            role: Role::SaViewer,
            inheritance: Inheritance::AccountAndChildren,
        },
    });
    for r in a
        .roles
        .iter_mut()
        .filter(|r| r.user == bob && r.va.is_none())
    {
        r.role = Role::SaViewer;
    }
    let err = Directory::from_snapshot(snap).unwrap_err();
    assert!(err.to_string().contains("PTR006"), "{err}");
    // The log is evidence (EV004): the event is refused as a change its actor could not make,
    // for PTR006.
    assert_eq!(err.rule(), RuleId::EV004, "{err}");
    assert!(
        matches!(err.error(), smart_accounts::Error::NotPermitted { cause, .. } if cause.rule() == RuleId::PTR006),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// The property

/// Whether `b` is an SA Admin role of the owner of `account` in force on `on`.
fn owner_admin_in_force(dir: &Directory, account: &SmartAccount, b: &Binding, n: i64) -> bool {
    b.role == Role::SaAdmin
        && b.va.is_none()
        && b.in_force_on(date(n))
        && dir.user(b.user).is_some_and(|u| u.org == account.owner())
}

fn is_partner_on(dir: &Directory, account: &SmartAccount, user: UserId) -> bool {
    account.kind() != AccountKind::PartnerHolding
        && dir.user(user).is_some_and(|u| {
            u.org != account.owner() && dir.organization(u.org).is_some_and(|o| o.kind.is_seller())
        })
}

fn bindings(account: &SmartAccount) -> BTreeMap<(UserId, Option<VaId>), Binding> {
    account.roles().map(|b| ((b.user, b.va), *b)).collect()
}

/// What a binding reaches: its Virtual Account and, for "account and children", its subtree.
fn reach(account: &SmartAccount, b: &Binding) -> Vec<VaId> {
    match b.va {
        None => Vec::new(),
        Some(va) if b.inheritance == Inheritance::AccountAndChildren => {
            let mut all = account.subtree(va);
            all.sort_unstable();
            all
        }
        Some(va) => vec![va],
    }
}

/// Checks the three promises after one step: `before` and `after` are the directory around
/// it, `done` the actor and events of an accepted command, `n` the day.
fn check_step(
    before: &Directory,
    after: &Directory,
    done: Option<&(UserId, Vec<Event>)>,
    n: i64,
) -> Result<(), TestCaseError> {
    // (1) Every Active account keeps an SA Admin of its owner in force (ROLE007, PTR006);
    // Customer accounts are what PTR006 names, the crate keeps it for every kind.
    for account in after.accounts() {
        if account.status() == AccountStatus::Active {
            prop_assert!(
                account
                    .roles()
                    .any(|b| owner_admin_in_force(after, account, b, n)),
                "{} has no SA Admin of its owner in force on day {}",
                account.id(),
                n
            );
        }
    }
    let Some((actor, events)) = done else {
        return Ok(());
    };
    let Some(sa) = events.first().map(|e| e.sa) else {
        return Ok(());
    };
    let (Some(old), Some(new)) = (before.account(sa), after.account(sa)) else {
        return Ok(());
    };
    let actor_org = after.user(*actor).map(|u| u.org);
    let (was, now) = (bindings(old), bindings(new));
    // (2) PTR001: a partner binding that is new or changed comes from an event of this step by
    // a user of the owner who was SA Admin, in force, just before.
    for (key, b) in &now {
        if is_partner_on(after, new, b.user) && was.get(key) != Some(b) {
            prop_assert_eq!(
                actor_org,
                Some(new.owner()),
                "partner binding {:?} not by the owner",
                b
            );
            prop_assert!(
                old.roles()
                    .any(|h| h.user == *actor && owner_admin_in_force(before, old, h, n)),
                "partner binding {:?} granted by {} who was no SA Admin in force",
                b,
                actor
            );
            let recorded = events.iter().any(|e| {
                matches!(
                    e.change,
                    Change::RoleAssigned { user, va, .. }
                        | Change::RoleChanged { user, va, .. }
                        | Change::RoleExpirySet { user, va, .. } if (user, va) == *key
                )
            });
            prop_assert!(recorded, "no event of the step made {:?}", b);
        }
    }
    // (3) PTR006: a command by a user of another organization leaves every role of the
    // owner's users as it was, reach included.
    if actor_org != Some(new.owner()) {
        for (key, b) in &was {
            if after.user(b.user).is_some_and(|u| u.org == new.owner()) {
                prop_assert_eq!(now.get(key), Some(b), "{} changed an owner's role", actor);
                // Over the Virtual Accounts that exist before and after: creating one below a
                // role's VA extends its reach by ROLE004, deleting one ends it.
                let both = |a: &SmartAccount, other: &SmartAccount| -> Vec<VaId> {
                    reach(a, b)
                        .into_iter()
                        .filter(|va| other.va(*va).is_some())
                        .collect()
                };
                prop_assert_eq!(
                    both(old, new),
                    both(new, old),
                    "{} changed an owner's reach",
                    actor
                );
            }
        }
    }
    Ok(())
}

fn wait() -> impl Strategy<Value = i64> {
    prop_oneof![2 => Just(0i64), 1 => 0..=200i64]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Random commands by customer and partner users (roles assigned, changed, revoked and
    /// given expiries; partner access asked, approved, rejected and revoked; Virtual Accounts
    /// deleted and moved), with 0–200 days passing between them: after every step every Active
    /// account has an SA Admin of its owner in force, no partner binding appears without a
    /// customer SA Admin's event, and no command by another organization changes a role of
    /// the owner's users. At the end the directory survives its snapshot (its logs replay
    /// under the same rules).
    #[test]
    fn ptr006_role007_the_customer_keeps_control_as_time_passes(
        partner_admin in any::<bool>(),
        second_admin in any::<bool>(),
        steps in proptest::collection::vec((wait(), step()), 1..40),
    ) {
        let (mut w, nico) = world_with_nico();
        let c = cast(&w, nico);
        // Half the cases start with the partner user `nina` as SA Admin of Acme (with consent),
        // half with `oscar` as a second Acme SA Admin, so the interesting refusals are common.
        let acme = Target::Account(w.acme.sa);
        if partner_admin {
            accepted(&mut w.dir, w.acme.alice, 0, give(w.partner.nina, acme, Role::SaAdmin));
        }
        if second_admin {
            accepted(&mut w.dir, w.acme.alice, 0, give(w.acme.oscar, acme, Role::SaAdmin));
        }
        let mut clock = 0;
        for (pause, s) in &steps {
            clock += pause;
            let before = w.dir.clone();
            let done = run(&mut w.dir, &c, &mut clock, s);
            check_step(&before, &w.dir, done.as_ref(), clock)?;
        }
        let snapshot = w.dir.to_snapshot();
        let reloaded = Directory::from_snapshot(snapshot).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&reloaded, &w.dir);
    }
}
