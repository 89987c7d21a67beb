//! The fast permission index (ROLE004, ROLE005, ROLE009) against a reference computed from the
//! public state: after every step of random command sequences (create, move and delete Virtual
//! Accounts; assign, change and revoke roles, several per user), `is_allowed`, `check` and
//! `actions_of` must agree with a walk up the parent chain over the account's role bindings.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use smart_accounts::{
    Action, Actor, Binding, Command, Directory, Effect, Inheritance, Reason, Role, SaId,
    SmartAccount, Target, UserId, VaId, fixtures,
};

/// How far `ancestor` is above `va` (0: the same), or `None` when it is not at or above it.
fn distance(account: &SmartAccount, ancestor: VaId, va: VaId) -> Option<usize> {
    let mut cursor = Some(va);
    let mut steps = 0;
    while let Some(current) = cursor {
        if current == ancestor {
            return Some(steps);
        }
        steps += 1;
        cursor = account.va(current).and_then(|v| v.parent());
    }
    None
}

/// The reference: how far up the binding that covers `va` is bound (`usize::MAX` for the
/// account role), or `None` when it does not cover it (ROLE004).
fn reach(account: &SmartAccount, b: &Binding, va: VaId) -> Option<usize> {
    match b.va {
        None => Some(usize::MAX),
        Some(bound) => match distance(account, bound, va)? {
            0 => Some(0),
            d if b.inheritance == Inheritance::AccountAndChildren => Some(d),
            _ => None,
        },
    }
}

/// Whether a covering binding allows `action` (ROLE005): account-level actions only through an
/// account role.
fn allows(b: &Binding, action: Action) -> bool {
    b.role.actions().contains(action) && (b.va.is_none() || !action.is_account_level())
}

/// The closest binding of `user` covering `va` among those that allow `action` (`allow`) or
/// do not (`!allow`: the one a deny reports as held).
fn closest(
    account: &SmartAccount,
    user: UserId,
    action: Action,
    va: VaId,
    allow: bool,
) -> Option<Binding> {
    account
        .roles()
        .filter(|b| b.user == user && allows(b, action) == allow)
        .filter_map(|b| reach(account, b, va).map(|d| (d, *b)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, b)| b)
}

fn assert_agrees(dir: &Directory, sa: SaId) {
    let account = dir.account(sa).unwrap();
    let users: Vec<UserId> = dir.users().map(|u| u.id).collect();
    let vas: Vec<VaId> = account.vas().map(|v| v.id()).collect();
    for &user in &users {
        for &va in &vas {
            let target = Target::Va(va);
            let actions = dir.actions_of(user, target);
            for action in Action::ALL {
                let allowing = closest(account, user, action, va, true);
                let expected = allowing.is_some();
                assert_eq!(
                    dir.is_allowed(user, action, target),
                    expected,
                    "is_allowed({user}, {action:?}, {va})"
                );
                assert_eq!(
                    actions.contains(action),
                    expected,
                    "actions_of({user}, {va})"
                );
                let decision = dir.check(user, action, target);
                match (decision.reason, allowing) {
                    (Reason::Granted(via), Some(b)) => {
                        assert_eq!(decision.effect, Effect::Allow);
                        assert_eq!((via.role, via.bound_to), (b.role, b.va), "{decision}");
                        assert_eq!(via.inherited, b.va != Some(va), "{decision}");
                    }
                    (Reason::NotGranted { held, .. }, None) => {
                        assert_eq!(decision.effect, Effect::Deny);
                        let expected_held = closest(account, user, action, va, false);
                        assert_eq!(
                            held.map(|v| (v.role, v.bound_to)),
                            expected_held.map(|b| (b.role, b.va)),
                            "{decision}"
                        );
                    }
                    (reason, expected) => {
                        panic!(
                            "check({user}, {action:?}, {va}) gave {reason:?}, expected {expected:?}"
                        )
                    }
                }
            }
        }
        for action in Action::ALL {
            let expected = account
                .roles()
                .any(|b| b.user == user && b.va.is_none() && b.role.actions().contains(action));
            let target = Target::Account(sa);
            assert_eq!(dir.is_allowed(user, action, target), expected);
            assert_eq!(dir.check(user, action, target).is_allowed(), expected);
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Create {
        parent: usize,
        top: bool,
    },
    Move {
        va: usize,
        parent: usize,
        top: bool,
    },
    Delete {
        va: usize,
    },
    Assign {
        user: usize,
        va: usize,
        on_account: bool,
        role: usize,
        children: bool,
    },
    Change {
        user: usize,
        va: usize,
        on_account: bool,
        role: usize,
        children: bool,
    },
    Revoke {
        user: usize,
        va: usize,
        on_account: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0..64usize;
    prop_oneof![
        (i(), any::<bool>()).prop_map(|(parent, top)| Op::Create { parent, top }),
        (i(), i(), any::<bool>()).prop_map(|(va, parent, top)| Op::Move { va, parent, top }),
        i().prop_map(|va| Op::Delete { va }),
        (
            i(),
            i(),
            prop::bool::weighted(0.15),
            i(),
            prop::bool::weighted(0.7)
        )
            .prop_map(|(user, va, on_account, role, children)| Op::Assign {
                user,
                va,
                on_account,
                role,
                children
            }),
        (i(), i(), prop::bool::weighted(0.15), i(), any::<bool>()).prop_map(
            |(user, va, on_account, role, children)| Op::Change {
                user,
                va,
                on_account,
                role,
                children
            }
        ),
        (i(), i(), prop::bool::weighted(0.15)).prop_map(|(user, va, on_account)| Op::Revoke {
            user,
            va,
            on_account
        }),
    ]
}

const SA_ROLES: [Role; 4] = [
    Role::SaAdmin,
    Role::SaUser,
    Role::SaViewer,
    Role::SaApprover,
];
const VA_ROLES: [Role; 3] = [Role::VaAdmin, Role::VaUser, Role::VaViewer];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// ROLE004/ROLE005/ROLE009: the index follows moves, deletions and role changes.
    #[test]
    fn role004_role005_role009_index_agrees_with_reference(ops in prop::collection::vec(op(), 1..14)) {
        let world = fixtures::world().unwrap();
        let (mut dir, at, acme) = (world.dir, world.at, world.acme);
        let actor = Actor::User(acme.alice);
        let mut created = 0;
        for op in ops {
            let users: Vec<UserId> = dir.users().map(|u| u.id).collect();
            let vas: Vec<VaId> = dir.account(acme.sa).unwrap().vas().map(|v| v.id()).collect();
            let pick = |i: usize| vas[i % vas.len()];
            let target = |va: usize, on_account: bool| {
                if on_account { Target::Account(acme.sa) } else { Target::Va(pick(va)) }
            };
            let role = |r: usize, on_account: bool| {
                if on_account { SA_ROLES[r % 4] } else { VA_ROLES[r % 3] }
            };
            let inheritance = |children: bool| {
                if children { Inheritance::AccountAndChildren } else { Inheritance::AccountOnly }
            };
            let command = match op {
                Op::Create { parent, top } => {
                    created += 1;
                    Command::CreateVa {
                        sa: acme.sa,
                        parent: (!top).then(|| pick(parent)),
                        name: format!("new-{created}"),
                    }
                }
                Op::Move { va, parent, top } => Command::MoveVa {
                    va: pick(va),
                    parent: (!top).then(|| pick(parent)),
                },
                Op::Delete { va } => Command::DeleteVa { va: pick(va) },
                Op::Assign { user, va, on_account, role: r, children } => Command::AssignRole {
                    user: users[user % users.len()],
                    target: target(va, on_account),
                    role: role(r, on_account),
                    inheritance: inheritance(children),
                },
                Op::Change { user, va, on_account, role: r, children } => Command::ChangeRole {
                    user: users[user % users.len()],
                    target: target(va, on_account),
                    role: role(r, on_account),
                    inheritance: inheritance(children),
                },
                Op::Revoke { user, va, on_account } => Command::RevokeRole {
                    user: users[user % users.len()],
                    target: target(va, on_account),
                },
            };
            // Refusals are part of the test: the index must not change with them.
            let _ = dir.execute(&actor, at, command);
            assert_agrees(&dir, acme.sa);
        }
    }
}

/// The fixture's world as built, before any change.
#[test]
fn role009_index_agrees_on_fixture_world() {
    let world = fixtures::world().unwrap();
    assert_agrees(&world.dir, world.acme.sa);
}
