//! ROLE009: the permission index follows every revocation exactly, for a user whose first
//! grant is stored inline and further ones behind a pointer, and around the size at which those
//! get a key map.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use jiff::Timestamp;
use smart_accounts::{
    AccountKind, Action, Actor, Directory, Inheritance, OrgKind, Role, SaId, Target, UserId,
    UserKind, VaId,
};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A directory with Acme's account requested by Alice, and Bob, a second Acme user without a
/// role: (directory, Alice as actor, Bob, the account, the time of every command).
fn acme_with_bob() -> (Directory, Actor, UserId, SaId, Timestamp) {
    let mut dir = Directory::new();
    let acme = dir
        .register_organization("Acme", OrgKind::Customer)
        .unwrap();
    let mut new_user = |login: &str| {
        dir.register_user(smart_accounts::NewUser {
            cco_id: Some(login.into()),
            email: format!("{login}@acme.com"),
            org: acme,
            kind: UserKind::Individual,
        })
        .unwrap()
    };
    let alice = new_user("alice");
    let bob = new_user("bob");
    let now = at("2026-01-05T09:00:00Z");
    let me = Actor::User(alice);
    let sa = dir
        .request_account(
            &me,
            now,
            AccountKind::Customer,
            "Acme",
            Some("acme.com"),
            alice,
        )
        .unwrap();
    (dir, me, bob, sa, now)
}

#[test]
fn role009_revoking_a_users_first_role_keeps_the_others_in_the_index() {
    // The fast index stores a user's first grant inline and the others behind a pointer:
    // revoking the inline one must bring another forward, not lose them all.
    let (mut dir, me, bob, sa, now) = acme_with_bob();
    let vas: Vec<VaId> = ["One", "Two", "Three"]
        .iter()
        .map(|name| dir.create_va(&me, now, sa, None, name).unwrap())
        .collect();
    for va in &vas {
        dir.assign_role(
            &me,
            now,
            bob,
            Target::Va(*va),
            Role::VaUser,
            Inheritance::AccountOnly,
        )
        .unwrap();
    }
    dir.execute(
        &me,
        now,
        smart_accounts::Command::RevokeRole {
            user: bob,
            target: Target::Va(vas[0]),
        },
    )
    .unwrap();
    assert!(!dir.is_allowed(bob, Action::ManageLicenses, Target::Va(vas[0])));
    for va in &vas[1..] {
        assert!(dir.is_allowed(bob, Action::ManageLicenses, Target::Va(*va)));
        assert!(
            dir.check(bob, Action::ManageLicenses, Target::Va(*va))
                .is_allowed()
        );
    }
}

#[test]
fn role009_revoking_any_role_of_a_user_with_many_updates_the_index_exactly() {
    // A user's further grants sit in a list that gets a key map past 16 entries: revoking
    // one at and around that size removes exactly that one.
    for count in [2usize, 16, 17, 18, 19] {
        for revoked in [1usize, count / 2, count - 1] {
            let (mut dir, me, bob, sa, now) = acme_with_bob();
            let vas: Vec<VaId> = (0..count)
                .map(|k| {
                    dir.create_va(&me, now, sa, None, &format!("VA {k}"))
                        .unwrap()
                })
                .collect();
            // One more role than the VAs: bob's SA Viewer role comes first.
            dir.assign_role(
                &me,
                now,
                bob,
                Target::Account(sa),
                Role::SaViewer,
                Inheritance::AccountAndChildren,
            )
            .unwrap();
            for va in &vas {
                dir.assign_role(
                    &me,
                    now,
                    bob,
                    Target::Va(*va),
                    Role::VaUser,
                    Inheritance::AccountOnly,
                )
                .unwrap();
            }
            dir.execute(
                &me,
                now,
                smart_accounts::Command::RevokeRole {
                    user: bob,
                    target: Target::Va(vas[revoked]),
                },
            )
            .unwrap();
            for (k, va) in vas.iter().enumerate() {
                let target = Target::Va(*va);
                assert_eq!(
                    dir.is_allowed(bob, Action::ManageLicenses, target),
                    k != revoked,
                    "{count} roles, revoked {revoked}, asked {k}"
                );
            }
            assert!(dir.is_allowed(bob, Action::ViewAccount, Target::Account(sa)));
        }
    }
}
