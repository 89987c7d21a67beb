//! The fast permission index (ROLE004, ROLE005, ROLE009) against a reference computed from the
//! public state: after every step of random command sequences (create, move and delete Virtual
//! Accounts; assign, change and revoke roles, several per user), `is_allowed`, `check` and
//! `actions_of` must agree with the reference model's walk up the parent chain over the
//! account's role bindings (`smart_accounts::reference`), down to the binding each decision
//! names.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use smart_accounts::reference::Model;
use smart_accounts::{
    Action, Actor, Command, Directory, Effect, Inheritance, Reason, Role, SaId, Target, UserId,
    VaId, fixtures,
};

/// The index agrees with the reference model (`smart_accounts::reference`) on every user,
/// action and target of account `sa`: the answer, and the binding the decision names.
fn assert_agrees(dir: &Directory, sa: SaId) {
    let model = Model::from_directory(dir);
    let account = dir.account(sa).unwrap();
    let users: Vec<UserId> = dir.users().map(|u| u.id).collect();
    let vas: Vec<VaId> = account.vas().map(|v| v.id()).collect();
    for &user in &users {
        for &va in &vas {
            let target = Target::Va(va);
            let actions = dir.actions_of(user, target);
            for action in Action::ALL {
                let allowing = model.closest(sa, user, action, va, true);
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
                    (Reason::Granted(via), Some((role, bound))) => {
                        assert_eq!(decision.effect, Effect::Allow);
                        assert_eq!((via.role, via.bound_to), (role, bound), "{decision}");
                        assert_eq!(via.inherited, bound != Some(va), "{decision}");
                    }
                    (Reason::NotGranted { held, .. }, None) => {
                        assert_eq!(decision.effect, Effect::Deny);
                        assert_eq!(
                            held.map(|v| (v.role, v.bound_to)),
                            model.closest(sa, user, action, va, false),
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
            let target = Target::Account(sa);
            let expected = model.allowed(user, action, target);
            assert_eq!(dir.is_allowed(user, action, target), expected);
            assert_eq!(dir.check(user, action, target).is_allowed(), expected);
        }
    }
}

/// One random step of the index tests (shared with `dated_queries.rs`).
#[derive(Debug, Clone)]
pub(super) enum Op {
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

/// A random step.
pub(super) fn op() -> impl Strategy<Value = Op> {
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

/// The command of step `op` on account `sa` of `dir` (`created` counts the Virtual Accounts
/// created, for their names).
pub(super) fn command_of(dir: &Directory, sa: SaId, op: Op, created: &mut usize) -> Command {
    let users: Vec<UserId> = dir.users().map(|u| u.id).collect();
    let vas: Vec<VaId> = dir.account(sa).unwrap().vas().map(|v| v.id()).collect();
    let pick = |i: usize| vas[i % vas.len()];
    let target = |va: usize, on_account: bool| {
        if on_account {
            Target::Account(sa)
        } else {
            Target::Va(pick(va))
        }
    };
    let role = |r: usize, on_account: bool| {
        if on_account {
            SA_ROLES[r % 4]
        } else {
            VA_ROLES[r % 3]
        }
    };
    let inheritance = |children: bool| {
        if children {
            Inheritance::AccountAndChildren
        } else {
            Inheritance::AccountOnly
        }
    };
    match op {
        Op::Create { parent, top } => {
            *created += 1;
            Command::CreateVa {
                sa,
                parent: (!top).then(|| pick(parent)),
                name: format!("new-{created}"),
            }
        }
        Op::Move { va, parent, top } => Command::MoveVa {
            va: pick(va),
            parent: (!top).then(|| pick(parent)),
        },
        Op::Delete { va } => Command::DeleteVa { va: pick(va) },
        Op::Assign {
            user,
            va,
            on_account,
            role: r,
            children,
        } => Command::AssignRole {
            user: users[user % users.len()],
            target: target(va, on_account),
            role: role(r, on_account),
            inheritance: inheritance(children),
        },
        Op::Change {
            user,
            va,
            on_account,
            role: r,
            children,
        } => Command::ChangeRole {
            user: users[user % users.len()],
            target: target(va, on_account),
            role: role(r, on_account),
            inheritance: inheritance(children),
        },
        Op::Revoke {
            user,
            va,
            on_account,
        } => Command::RevokeRole {
            user: users[user % users.len()],
            target: target(va, on_account),
        },
    }
}

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
            let command = command_of(&dir, acme.sa, op, &mut created);
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
