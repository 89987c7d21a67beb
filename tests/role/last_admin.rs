//! The last SA Admin in force (ROLE007): it cannot be given an expiry, expired admins and admins of
//! another organization do not count, and a snapshot that would leave none does not load. (The
//! property over time is `ptr/customer_control.rs`, with PTR006.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::on_day::{accepted, make, partner_admin, refused};
use crate::common::{date, world_with_nico};
use smart_accounts::{Command, Directory, Error, Role, RuleId, Target};

#[test]
fn role007_the_last_sa_admin_cannot_be_given_an_expiry() {
    let (mut w, _) = world_with_nico();
    let (alice, bob) = (w.acme.alice, w.acme.bob);
    let acme = Target::Account(w.acme.sa);
    let expire = |user, n| Command::SetRoleExpiry {
        user,
        target: acme,
        expires: Some(date(n)),
    };
    let before = w.dir.clone();
    let err = refused(&mut w.dir, alice, 0, expire(alice, 10));
    assert!(matches!(err, Error::LastAdmin { user, .. } if user == alice));
    assert_eq!(err.rule(), RuleId::ROLE007);
    assert_eq!(w.dir, before);
    // A second admin whose role itself expires does not count: both would lapse.
    accepted(&mut w.dir, alice, 0, make(bob, acme, Role::SaAdmin));
    accepted(&mut w.dir, alice, 0, expire(bob, 20));
    let before = w.dir.clone();
    let err = refused(&mut w.dir, alice, 0, expire(alice, 10));
    assert_eq!(err.rule(), RuleId::ROLE007);
    assert_eq!(w.dir, before);
    // With a second admin without expiry, the first may be given one.
    accepted(
        &mut w.dir,
        alice,
        0,
        Command::SetRoleExpiry {
            user: bob,
            target: acme,
            expires: None,
        },
    );
    accepted(&mut w.dir, alice, 0, expire(alice, 10));
}

#[test]
fn role007_an_expired_sa_admin_is_not_counted() {
    let (mut w, _) = world_with_nico();
    let (alice, bob) = (w.acme.alice, w.acme.bob);
    let acme = Target::Account(w.acme.sa);
    accepted(&mut w.dir, alice, 0, make(bob, acme, Role::SaAdmin));
    accepted(
        &mut w.dir,
        alice,
        0,
        Command::SetRoleExpiry {
            user: bob,
            target: acme,
            expires: Some(date(10)),
        },
    );
    assert_eq!(w.dir.account(w.acme.sa).unwrap().admin_count(), 2);
    // On day 20 bob's role has expired: alice is the last admin in force.
    let before = w.dir.clone();
    let err = refused(
        &mut w.dir,
        alice,
        20,
        Command::RevokeRole {
            user: alice,
            target: acme,
        },
    );
    assert!(matches!(err, Error::LastAdmin { user, .. } if user == alice));
    assert_eq!(w.dir, before);
    let err = refused(&mut w.dir, alice, 20, make(alice, acme, Role::SaUser));
    assert_eq!(err.rule(), RuleId::ROLE007);
    assert_eq!(w.dir, before);
    // The expired role itself may be cleaned up.
    accepted(
        &mut w.dir,
        alice,
        20,
        Command::RevokeRole {
            user: bob,
            target: acme,
        },
    );
}

#[test]
fn role007_an_sa_admin_of_another_organization_does_not_keep_the_account() {
    let mut w = partner_admin();
    let alice = w.acme.alice;
    let acme = Target::Account(w.acme.sa);
    // nina (Nimbus) is SA Admin too, but alice is the last of Acme's own.
    let before = w.dir.clone();
    let err = refused(
        &mut w.dir,
        alice,
        1,
        Command::RevokeRole {
            user: alice,
            target: acme,
        },
    );
    assert!(matches!(err, Error::LastAdmin { user, .. } if user == alice));
    assert_eq!(w.dir, before);
    let err = refused(&mut w.dir, alice, 1, make(alice, acme, Role::SaViewer));
    assert_eq!(err.rule(), RuleId::ROLE007);
    assert_eq!(w.dir, before);
}

#[test]
fn role007_a_snapshot_whose_only_owner_admin_expires_does_not_load() {
    let w = partner_admin();
    let mut snap = crate::common::logless(&w.dir);
    let a = snap
        .accounts
        .iter_mut()
        .find(|a| a.id == w.acme.sa)
        .unwrap();
    for r in a.roles.iter_mut().filter(|r| r.user == w.acme.alice) {
        r.expires = Some(date(400));
    }
    // nina (Nimbus) stays SA Admin without expiry: she does not count.
    let err = Directory::from_snapshot(snap).unwrap_err();
    assert_eq!(err.rule(), RuleId::ROLE007, "{err}");
}
