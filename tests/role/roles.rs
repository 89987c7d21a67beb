//! Roles (ROLE001–ROLE010): where each role may be bound, one role per user and account, the union
//! over accounts, reach, the permission matrix, who may assign what, the last SA Admin, the first
//! SA Admin, explained decisions and reverse queries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::commands::{accepted, assign, at, by, create_va, refused, user};
use crate::common::snapshots::{acc, snapshot_refused};
use crate::common::{logless, world, world_with_nico};
use smart_accounts::{
    Action, ActionSet, Actor, Binding, Command, Decision, Directory, Effect, Error, Inheritance,
    Reason, Role, RuleId, SaId, Target, UserId, VaId, Via,
};
use std::collections::BTreeSet;

/// ROLE005 (docs/RULES.md), row by row: the roles with a ✓.
fn spec_matrix(action: Action) -> &'static [Role] {
    use Role::*;
    match action {
        Action::ViewAccount => &[
            SaAdmin, SaUser, SaViewer, SaApprover, VaAdmin, VaUser, VaViewer,
        ],
        Action::ViewLicenses => &[SaAdmin, SaUser, SaViewer, VaAdmin, VaUser, VaViewer],
        Action::ManageLicenses | Action::ManageDevices => &[SaAdmin, SaUser, VaAdmin, VaUser],
        Action::CreateTopLevelVa => &[SaAdmin],
        Action::ManageChildVas | Action::AssignVaRoles => &[SaAdmin, VaAdmin],
        Action::AssignSaRoles | Action::EditAccount => &[SaAdmin],
        Action::ApprovePartnerAccess => &[SaAdmin],
        Action::AcceptAgreement => &[SaAdmin, SaApprover],
        Action::ViewEventLog => &[SaAdmin],
    }
}

/// Every target of the fixture.
fn all_targets(dir: &Directory) -> Vec<Target> {
    let mut out = Vec::new();
    for account in dir.accounts() {
        out.push(Target::Account(account.id()));
        out.extend(account.vas().map(|v| Target::Va(v.id())));
    }
    out
}

#[test]
fn role001_account_roles_only_on_accounts_and_va_roles_only_on_vas() {
    let sa_roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| r.is_account_role())
        .collect();
    let va_roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| !r.is_account_role())
        .collect();
    assert_eq!(
        sa_roles,
        [
            Role::SaAdmin,
            Role::SaUser,
            Role::SaViewer,
            Role::SaApprover
        ]
    );
    assert_eq!(va_roles, [Role::VaAdmin, Role::VaUser, Role::VaViewer]);

    let mut w = world();
    let alice = by(w.acme.alice);
    let oscar = w.acme.oscar;
    for role in sa_roles {
        let err = refused(
            &mut w.dir,
            &alice,
            assign(
                oscar,
                Target::Va(w.acme.emea),
                role,
                Inheritance::AccountAndChildren,
            ),
        );
        assert!(matches!(err, Error::RoleKind { role: r, .. } if r == role));
        assert_eq!(err.rule(), RuleId::ROLE001);
    }
    for role in va_roles {
        let err = refused(
            &mut w.dir,
            &alice,
            assign(
                oscar,
                Target::Account(w.acme.sa),
                role,
                Inheritance::AccountAndChildren,
            ),
        );
        assert!(matches!(err, Error::RoleKind { role: r, .. } if r == role));
        assert_eq!(err.rule(), RuleId::ROLE001);
    }
}

#[test]
fn role002_second_role_on_same_account_is_refused() {
    let mut w = world();
    let alice = by(w.acme.alice);
    let err = refused(
        &mut w.dir,
        &alice,
        assign(
            w.acme.bob,
            Target::Account(w.acme.sa),
            Role::SaViewer,
            Inheritance::AccountAndChildren,
        ),
    );
    assert!(matches!(err, Error::RoleHeld { held: Role::SaUser, user, .. } if user == w.acme.bob));
    assert_eq!(err.rule(), RuleId::ROLE002);
    assert!(err.to_string().contains("SA User"), "{err}");
    let err = refused(
        &mut w.dir,
        &alice,
        assign(
            w.acme.erin,
            Target::Va(w.acme.emea),
            Role::VaUser,
            Inheritance::AccountOnly,
        ),
    );
    assert!(
        matches!(
            err,
            Error::RoleHeld {
                held: Role::VaAdmin,
                ..
            }
        ),
        "{err:?}"
    );

    // Changing is a separate command; changing or revoking a role not held is refused.
    accepted(
        &mut w.dir,
        &alice,
        Command::ChangeRole {
            user: w.acme.bob,
            target: Target::Account(w.acme.sa),
            role: Role::SaViewer,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    assert_eq!(
        w.dir.account(w.acme.sa).unwrap().role_of(w.acme.bob, None),
        Some(Role::SaViewer)
    );
    let err = refused(
        &mut w.dir,
        &alice,
        Command::ChangeRole {
            user: w.acme.oscar,
            target: Target::Account(w.acme.sa),
            role: Role::SaViewer,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    assert!(matches!(err, Error::NoRole { .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::ROLE002);
    let err = refused(
        &mut w.dir,
        &alice,
        Command::RevokeRole {
            user: w.acme.oscar,
            target: Target::Va(w.acme.emea),
        },
    );
    assert!(matches!(err, Error::NoRole { .. }), "{err:?}");
}

#[test]
fn role002_duplicate_role_on_one_account_is_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let i = acc(&snap, w.acme.sa);
    let a = &mut snap.accounts[i];
    a.roles.push(Binding {
        user: w.acme.bob,
        va: None,
        role: Role::SaViewer,
        inheritance: Inheritance::AccountAndChildren,
        expires: None,
    });
    let j = a.roles.len() - 1;
    let err = snapshot_refused(snap, RuleId::ROLE002, &format!("accounts[{i}].roles[{j}]"));
    assert!(
        matches!(
            err.error(),
            Error::RoleHeld {
                held: Role::SaUser,
                ..
            }
        ),
        "{err}"
    );

    let mut snap = logless(&w.dir);
    let a = &mut snap.accounts[i];
    a.roles.push(Binding {
        user: w.acme.erin,
        va: Some(w.acme.emea),
        role: Role::VaViewer,
        inheritance: Inheritance::AccountOnly,
        expires: None,
    });
    let j = a.roles.len() - 1;
    snapshot_refused(snap, RuleId::ROLE002, &format!("accounts[{i}].roles[{j}]"));
}

#[test]
fn role003_roles_on_many_accounts_give_the_union() {
    let mut w = world();
    let alice = by(w.acme.alice);
    let carol = w.acme.carol;
    assert!(
        !w.dir
            .is_allowed(carol, Action::ManageLicenses, Target::Va(w.acme.emea_ops))
    );
    // SA Viewer of Acme, plus VA Admin on EMEA, plus a role in another account.
    accepted(
        &mut w.dir,
        &alice,
        assign(
            carol,
            Target::Va(w.acme.emea),
            Role::VaAdmin,
            Inheritance::AccountAndChildren,
        ),
    );
    // SA Admin of another Smart Account (Sam's Limited Use account).
    accepted(
        &mut w.dir,
        &by(w.solo.sam),
        assign(
            carol,
            Target::Account(w.solo.sa),
            Role::SaAdmin,
            Inheritance::AccountAndChildren,
        ),
    );
    assert!(
        w.dir
            .is_allowed(carol, Action::EditAccount, Target::Account(w.solo.sa))
    );
    assert!(
        !w.dir
            .is_allowed(carol, Action::EditAccount, Target::Account(w.acme.sa))
    );
    assert!(
        w.dir
            .is_allowed(carol, Action::ManageLicenses, Target::Va(w.acme.emea_ops))
    );
    assert!(
        w.dir
            .is_allowed(carol, Action::ViewLicenses, Target::Va(w.acme.us))
    );
    assert!(
        !w.dir
            .is_allowed(carol, Action::ManageLicenses, Target::Va(w.acme.us))
    );
    let union = Role::SaViewer.actions().union(Role::VaAdmin.actions());
    assert_eq!(
        w.dir.actions_of(carol, Target::Va(w.acme.emea_sales)),
        union
    );
    assert_eq!(
        w.dir.actions_of(carol, Target::Va(w.acme.us)),
        Role::SaViewer.actions()
    );
}

#[test]
fn role004_sa_roles_cover_every_va_and_va_roles_reach_as_assigned() {
    let mut w = world();
    assert_eq!(Inheritance::default(), Inheritance::AccountAndChildren);
    // An SA role covers every VA, however deep.
    for va in w.dir.account(w.acme.sa).unwrap().vas().map(|v| v.id()) {
        assert!(
            w.dir
                .is_allowed(w.acme.bob, Action::ManageDevices, Target::Va(va))
        );
    }
    // "Account only": frank on EMEA-Sales, nowhere else.
    let frank = w.acme.frank;
    let alice = by(w.acme.alice);
    let below = w
        .dir
        .create_va(
            &alice,
            at(),
            w.acme.sa,
            Some(w.acme.emea_sales),
            "Sales-North",
        )
        .unwrap();
    assert!(
        w.dir
            .is_allowed(frank, Action::ManageLicenses, Target::Va(w.acme.emea_sales))
    );
    assert!(
        !w.dir
            .is_allowed(frank, Action::ManageLicenses, Target::Va(below))
    );
    assert!(
        !w.dir
            .is_allowed(frank, Action::ViewAccount, Target::Va(w.acme.emea))
    );
    // "Account and children": erin on EMEA reaches VAs created later below it.
    assert!(
        w.dir
            .is_allowed(w.acme.erin, Action::ManageLicenses, Target::Va(below))
    );
    assert!(!w.dir.is_allowed(
        w.acme.erin,
        Action::ViewAccount,
        Target::Va(w.acme.americas)
    ));
    // Switching frank's reach to children extends it.
    accepted(
        &mut w.dir,
        &alice,
        Command::ChangeRole {
            user: frank,
            target: Target::Va(w.acme.emea_sales),
            role: Role::VaUser,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    assert!(
        w.dir
            .is_allowed(frank, Action::ManageLicenses, Target::Va(below))
    );
    // VA roles never count on the account as a whole.
    assert!(
        !w.dir
            .is_allowed(w.acme.erin, Action::ViewAccount, Target::Account(w.acme.sa))
    );
}

/// `src/model.rs`: `ActionSet::with` with `|` turned into `^` survived: no test added an action
/// a set already held. Adding is idempotent; every action can be added to any set.
#[test]
fn role005_adding_an_action_twice_keeps_it() {
    use smart_accounts::{Action, ActionSet};
    for action in Action::ALL {
        let once = ActionSet::EMPTY.with(action);
        assert!(once.contains(action));
        assert_eq!(once.with(action), once);
        assert_eq!(ActionSet::EVERY.with(action), ActionSet::EVERY);
    }
}

/// `src/directory.rs`: in `acting_user`, the guard "the user is known" replaced by `true`
/// survived: an unknown user was refused later for lacking a role. A command by a user the
/// directory does not know is refused as not found, naming the user.
#[test]
fn role005_a_command_by_an_unknown_user_names_the_user() {
    use smart_accounts::{Command, Entity, Error, UserId};
    let mut w = world();
    let ghost = UserId::new(9_999);
    let err = w
        .dir
        .execute(
            &Actor::User(ghost),
            w.at,
            Command::RenameAccount {
                sa: w.acme.sa,
                name: "Acme Corp".into(),
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::NotFound { entity: Entity::User(u), .. } if u == ghost),
        "{err}"
    );
}

/// `src/model.rs`: the `RoleSet` deserializer with `|` turned into `^` survived: no test sent a
/// role twice. A role listed twice is in the set once, not cancelled out.
#[cfg(feature = "serde")]
#[test]
fn role005_a_role_listed_twice_in_json_is_in_the_set() {
    use smart_accounts::{Role, RoleSet};
    let role = serde_json::to_string(&Role::VaAdmin).unwrap();
    let set: RoleSet = serde_json::from_str(&format!("[{role},{role}]")).unwrap();
    assert!(set.contains(Role::VaAdmin));
}

#[test]
fn role005_role_actions_match_the_spec_matrix_cell_by_cell() {
    for action in Action::ALL {
        for role in Role::ALL {
            assert_eq!(
                role.actions().contains(action),
                spec_matrix(action).contains(&role),
                "{role} / {action}"
            );
        }
        let granting: Vec<Role> = Role::granting(action).iter().collect();
        let expected: Vec<Role> = spec_matrix(action)
            .iter()
            .copied()
            .filter(|r| r.is_account_role() || !action.is_account_level())
            .collect();
        assert_eq!(granting, expected, "{action}");
    }
}

#[test]
fn role005_check_on_the_fixture_matches_the_matrix_for_every_cell() {
    let w = world();
    let a = &w.acme;
    // (user, role, where it is bound, a VA it covers)
    let sa_holders = [
        (a.alice, Role::SaAdmin),
        (a.bob, Role::SaUser),
        (a.carol, Role::SaViewer),
        (a.dave, Role::SaApprover),
    ];
    for (user, role) in sa_holders {
        for action in Action::ALL {
            let expected = spec_matrix(action).contains(&role);
            for target in [
                Target::Account(a.sa),
                Target::Va(a.emea),
                Target::Va(a.deep[9]),
                Target::Va(a.apac),
            ] {
                let decision = w.dir.check(user, action, target);
                assert_eq!(decision.is_allowed(), expected, "{role} {action} {target}");
                assert_eq!(w.dir.is_allowed(user, action, target), expected);
            }
            // Never in another account.
            assert!(
                !w.dir
                    .is_allowed(user, action, Target::Va(w.partner.holding_default))
            );
        }
    }
    let va_holders = [
        (a.erin, Role::VaAdmin, a.emea_ops),
        (a.frank, Role::VaUser, a.emea_sales),
        (a.grace, Role::VaViewer, a.emea_sales),
    ];
    for (user, role, va) in va_holders {
        for action in Action::ALL {
            let expected = spec_matrix(action).contains(&role) && !action.is_account_level();
            assert_eq!(
                w.dir.check(user, action, Target::Va(va)).is_allowed(),
                expected,
                "{role} {action}"
            );
            assert_eq!(w.dir.is_allowed(user, action, Target::Va(va)), expected);
            assert!(!w.dir.is_allowed(user, action, Target::Account(a.sa)));
            assert!(!w.dir.is_allowed(user, action, Target::Va(a.americas)));
        }
    }
    for action in Action::ALL {
        assert!(!w.dir.is_allowed(a.oscar, action, Target::Va(a.emea)));
        assert!(!w.dir.is_allowed(a.oscar, action, Target::Account(a.sa)));
    }
}

#[test]
fn role005_commands_without_permission_are_denied() {
    let mut w = world();
    let err = refused(
        &mut w.dir,
        &by(w.acme.bob),
        create_va(w.acme.sa, None, "Mine"),
    );
    assert!(
        matches!(
            err,
            Error::Denied {
                rule: RuleId::ROLE005,
                action: Action::CreateTopLevelVa,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.rule(), RuleId::ROLE005);
    let err = refused(
        &mut w.dir,
        &by(w.acme.erin),
        Command::RenameVa {
            va: w.acme.emea,
            name: "Europe".into(),
        },
    );
    assert_eq!(err.rule(), RuleId::ROLE005);
    let err = refused(
        &mut w.dir,
        &Actor::Fulfilment,
        create_va(w.acme.sa, None, "Mine"),
    );
    assert!(matches!(err, Error::ActorNotAllowed { .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::ROLE005);
    let err = refused(
        &mut w.dir,
        &by(UserId::new(9_999)),
        create_va(w.acme.sa, None, "Mine"),
    );
    assert_eq!(err.rule(), RuleId::ROLE005);
    // Erin manages strictly below EMEA.
    accepted(
        &mut w.dir,
        &by(w.acme.erin),
        create_va(w.acme.sa, Some(w.acme.emea), "EMEA-New"),
    );
}

#[test]
fn role005_a_va_role_never_grants_an_account_level_action_on_its_va() {
    // erin is VA Admin on EMEA: on EMEA itself, an account-level action is still denied, and
    // the explanation names her binding.
    let w = world();
    let (erin, emea) = (w.acme.erin, w.acme.emea);
    assert!(
        !w.dir
            .is_allowed(erin, Action::EditAccount, Target::Va(emea))
    );
    let decision = w.dir.check(erin, Action::EditAccount, Target::Va(emea));
    assert_eq!(decision.effect, Effect::Deny);
    let Reason::NotGranted {
        held, would_grant, ..
    } = decision.reason
    else {
        panic!("{decision:?}");
    };
    assert_eq!(held.map(|v| v.role), Some(Role::VaAdmin));
    assert_eq!(would_grant.iter().collect::<Vec<_>>(), vec![Role::SaAdmin]);
}

/// `src/directory.rs`: `VaSlot::under` replaced by `true` survived: no test had a Virtual
/// Account Admin with "and children" reach somewhere else in the account. An admin "and
/// children" on Americas with "account only" on EMEA Sales may assign roles there, but not hand
/// out "and children" on EMEA Sales (ROLE006).
#[test]
fn role006_and_children_reach_elsewhere_does_not_cover_this_subtree() {
    let (mut w, nico) = world_with_nico();
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

#[test]
fn role006_va_admins_assign_only_within_their_scope() {
    let mut w = world();
    let erin = by(w.acme.erin);
    let oscar = w.acme.oscar;
    accepted(
        &mut w.dir,
        &erin,
        assign(
            oscar,
            Target::Va(w.acme.emea_ops),
            Role::VaAdmin,
            Inheritance::AccountOnly,
        ),
    );
    for (target, role) in [
        (Target::Va(w.acme.americas), Role::VaViewer),
        (Target::Account(w.acme.sa), Role::SaViewer),
    ] {
        let err = refused(
            &mut w.dir,
            &erin,
            assign(
                w.acme.ops_team,
                target,
                role,
                Inheritance::AccountAndChildren,
            ),
        );
        assert!(matches!(err, Error::Denied { .. }), "{err:?}");
        assert_eq!(err.rule(), RuleId::ROLE006, "{err}");
    }
    let err = refused(
        &mut w.dir,
        &erin,
        Command::RevokeRole {
            user: w.acme.bob,
            target: Target::Account(w.acme.sa),
        },
    );
    assert_eq!(err.rule(), RuleId::ROLE006);
    // Oscar, VA Admin of EMEA-Ops "account only", cannot hand out "account and children".
    let err = refused(
        &mut w.dir,
        &by(oscar),
        assign(
            w.acme.carol,
            Target::Va(w.acme.emea_ops),
            Role::VaUser,
            Inheritance::AccountAndChildren,
        ),
    );
    assert!(
        matches!(
            err,
            Error::Denied {
                rule: RuleId::ROLE006,
                ..
            }
        ),
        "{err:?}"
    );
    accepted(
        &mut w.dir,
        &by(oscar),
        assign(
            w.acme.carol,
            Target::Va(w.acme.emea_ops),
            Role::VaUser,
            Inheritance::AccountOnly,
        ),
    );
    // SA Admins assign any role anywhere in their account.
    accepted(
        &mut w.dir,
        &by(w.acme.alice),
        assign(
            w.acme.ops_team,
            Target::Va(w.acme.emea),
            Role::VaAdmin,
            Inheritance::AccountAndChildren,
        ),
    );
}

#[test]
fn role007_last_sa_admin_cannot_be_removed_or_downgraded() {
    let mut w = world();
    let alice = w.acme.alice;
    let err = refused(
        &mut w.dir,
        &by(alice),
        Command::RevokeRole {
            user: alice,
            target: Target::Account(w.acme.sa),
        },
    );
    assert!(matches!(err, Error::LastAdmin { user, .. } if user == alice));
    assert_eq!(err.rule(), RuleId::ROLE007);
    let err = refused(
        &mut w.dir,
        &by(alice),
        Command::ChangeRole {
            user: alice,
            target: Target::Account(w.acme.sa),
            role: Role::SaUser,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    assert_eq!(err.rule(), RuleId::ROLE007);
    // With a second admin, the first may go.
    accepted(
        &mut w.dir,
        &by(alice),
        Command::ChangeRole {
            user: w.acme.bob,
            target: Target::Account(w.acme.sa),
            role: Role::SaAdmin,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    accepted(
        &mut w.dir,
        &by(w.acme.bob),
        Command::RevokeRole {
            user: alice,
            target: Target::Account(w.acme.sa),
        },
    );
    assert_eq!(w.dir.account(w.acme.sa).unwrap().admin_count(), 1);
    let err = refused(
        &mut w.dir,
        &by(w.acme.bob),
        Command::RevokeRole {
            user: w.acme.bob,
            target: Target::Account(w.acme.sa),
        },
    );
    assert_eq!(err.rule(), RuleId::ROLE007);
}

#[test]
fn role008_creator_or_activating_contact_becomes_first_sa_admin() {
    let mut w = world();
    let acme = w.dir.account(w.acme.sa).unwrap();
    assert_eq!(acme.role_of(w.acme.alice, None), Some(Role::SaAdmin));
    assert_eq!(acme.admin_count(), 1);
    let globex = w.dir.account(w.globex.sa).unwrap();
    assert_eq!(globex.roles().count(), 0);
    assert_eq!(globex.role_of(w.partner.admin, None), None);
    accepted(
        &mut w.dir,
        &by(w.globex.hank),
        Command::ActivateAccount { sa: w.globex.sa },
    );
    let globex = w.dir.account(w.globex.sa).unwrap();
    assert_eq!(globex.role_of(w.globex.hank, None), Some(Role::SaAdmin));
    assert_eq!(globex.role_of(w.partner.admin, None), None);
    assert_eq!(globex.admin_count(), 1);
}

/// `src/directory.rs`: in `Directory::slot`, `level > 0` turned into `>= 0` survived: it made
/// the empty slots of unknown and deleted Virtual Accounts look real. A check on a deleted
/// Virtual Account, or on identifier 0, says the target does not exist.
#[test]
fn role009_a_deleted_or_unknown_virtual_account_does_not_exist() {
    use smart_accounts::{Action, Command, Reason, Target, VaId};
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let gone = w
        .dir
        .create_va(&alice, w.at, w.acme.sa, None, "Short-lived")
        .unwrap();
    w.dir
        .execute(&alice, w.at, Command::DeleteVa { va: gone })
        .unwrap();
    for va in [gone, VaId::new(0)] {
        let decision = w
            .dir
            .check(w.acme.alice, Action::ViewAccount, Target::Va(va));
        assert_eq!(decision.reason, Reason::UnknownTarget, "{va}");
        assert!(
            !w.dir
                .is_allowed(w.acme.alice, Action::ViewAccount, Target::Va(va))
        );
    }
}

#[test]
fn role009_check_explains_the_binding_and_where_it_is_inherited_from() {
    let w = world();
    let a = &w.acme;
    let d = w
        .dir
        .check(a.frank, Action::ManageLicenses, Target::Va(a.emea_sales));
    assert_eq!(d.effect, Effect::Allow);
    let Reason::Granted(via) = d.reason else {
        panic!("{d:?}")
    };
    assert_eq!(
        (via.role, via.bound_to, via.inherited),
        (Role::VaUser, Some(a.emea_sales), false)
    );
    assert_eq!(via.inheritance, Inheritance::AccountOnly);

    let d = w
        .dir
        .check(a.grace, Action::ViewLicenses, Target::Va(a.emea_sales));
    let Reason::Granted(via) = d.reason else {
        panic!("{d:?}")
    };
    assert_eq!(
        (via.role, via.bound_to, via.inherited),
        (Role::VaViewer, Some(a.emea), true)
    );
    assert!(d.to_string().contains("inherited"), "{d}");

    let d = w
        .dir
        .check(a.bob, Action::ManageDevices, Target::Va(a.sacramento));
    let Reason::Granted(via) = d.reason else {
        panic!("{d:?}")
    };
    assert_eq!((via.role, via.bound_to), (Role::SaUser, None));

    // Deny: the binding held and the roles that would allow.
    let d = w
        .dir
        .check(a.grace, Action::ManageLicenses, Target::Va(a.emea_ops));
    assert_eq!(d.effect, Effect::Deny);
    let Reason::NotGranted {
        held, would_grant, ..
    } = d.reason
    else {
        panic!("{d:?}")
    };
    let held = held.unwrap();
    assert_eq!(
        (held.role, held.bound_to, held.inherited),
        (Role::VaViewer, Some(a.emea), true)
    );
    let would: Vec<Role> = would_grant.iter().collect();
    assert_eq!(
        would,
        [Role::SaAdmin, Role::SaUser, Role::VaAdmin, Role::VaUser]
    );
    assert!(d.to_string().contains("SA User"), "{d}");

    // A VA role covering the target is reported as held even for an account-level action,
    // which only SA roles grant.
    let d = w
        .dir
        .check(a.erin, Action::EditAccount, Target::Va(a.emea_sales));
    let Reason::NotGranted {
        held, would_grant, ..
    } = d.reason
    else {
        panic!("{d:?}")
    };
    let held = held.unwrap();
    assert_eq!(
        (held.role, held.bound_to, held.inherited),
        (Role::VaAdmin, Some(a.emea), true)
    );
    assert_eq!(would_grant.iter().collect::<Vec<_>>(), [Role::SaAdmin]);

    let d = w
        .dir
        .check(a.oscar, Action::EditAccount, Target::Account(a.sa));
    assert_eq!(
        d.reason,
        Reason::NotGranted {
            held: None,
            would_grant: Role::granting(Action::EditAccount),
            near: None,
        }
    );
    assert_eq!(
        Role::granting(Action::EditAccount)
            .iter()
            .collect::<Vec<_>>(),
        [Role::SaAdmin]
    );
    let d = w
        .dir
        .check(UserId::new(9_999), Action::ViewAccount, Target::Va(a.emea));
    assert_eq!((d.effect, d.reason), (Effect::Deny, Reason::UnknownUser));
    let d = w
        .dir
        .check(a.alice, Action::ViewAccount, Target::Va(VaId::new(9_999)));
    assert_eq!((d.effect, d.reason), (Effect::Deny, Reason::UnknownTarget));
    let d = w.dir.check(
        a.alice,
        Action::ViewAccount,
        Target::Account(SaId::new(9_999)),
    );
    assert_eq!(d.reason, Reason::UnknownTarget);
}

#[test]
fn role009_explanation_names_the_closest_binding_whatever_the_assignment_order() {
    let w = world();
    let a = w.acme;
    let alice = by(a.alice);
    // Two users with the same three bindings assigned in opposite orders.
    let bindings = [
        (Target::Account(a.sa), Role::SaViewer),
        (Target::Va(a.americas), Role::VaViewer),
        (Target::Va(a.us), Role::VaUser),
    ];
    let mut dir = w.dir.clone();
    let u1 = user(&mut dir, Some("u1"), "u1@acme.com", a.org);
    let u2 = user(&mut dir, Some("u2"), "u2@acme.com", a.org);
    for (target, role) in bindings {
        dir.execute(
            &alice,
            at(),
            assign(u1, target, role, Inheritance::AccountAndChildren),
        )
        .unwrap();
    }
    for (target, role) in bindings.into_iter().rev() {
        dir.execute(
            &alice,
            at(),
            assign(u2, target, role, Inheritance::AccountAndChildren),
        )
        .unwrap();
    }
    for u in [u1, u2] {
        let d = dir.check(u, Action::ViewAccount, Target::Va(a.sacramento));
        let Reason::Granted(via) = d.reason else {
            panic!("{d:?}")
        };
        assert_eq!(
            (via.role, via.bound_to, via.inherited),
            (Role::VaUser, Some(a.us), true)
        );
        let d = dir.check(u, Action::ViewAccount, Target::Va(a.americas));
        let Reason::Granted(via) = d.reason else {
            panic!("{d:?}")
        };
        assert_eq!(
            (via.role, via.bound_to, via.inherited),
            (Role::VaViewer, Some(a.americas), false)
        );
        let d = dir.check(u, Action::ViewAccount, Target::Va(a.emea));
        let Reason::Granted(via) = d.reason else {
            panic!("{d:?}")
        };
        assert_eq!((via.role, via.bound_to), (Role::SaViewer, None));
    }
}

#[test]
fn role009_every_kind_of_decision_explains_itself() {
    let w = world();
    let dir = &w.dir;
    let text = |d: Decision| d.to_string();

    let unknown_user = text(dir.check(UserId::new(999_999), Action::ViewAccount, w.acme.sa.into()));
    assert_eq!(
        unknown_user,
        "denied: `user:999999` is not a registered user"
    );

    let unknown_target =
        text(dir.check(w.acme.alice, Action::ViewAccount, VaId::new(999_999).into()));
    assert_eq!(unknown_target, "denied: `va:999999` does not exist");

    let no_role = text(dir.check(w.acme.oscar, Action::ViewAccount, w.acme.emea.into()));
    assert!(
        no_role.starts_with(&format!(
            "denied: `{}` holds no role covering `{}`",
            w.acme.oscar, w.acme.emea
        )),
        "{no_role}"
    );
    assert!(
        no_role
            .ends_with("SA Admin, SA User, SA Viewer, SA Approver, VA Admin, VA User, VA Viewer"),
        "{no_role}"
    );

    let inherited = text(dir.check(w.acme.erin, Action::ViewAccount, w.acme.emea_sales.into()));
    assert!(
        inherited.ends_with(&format!("as VA Admin on `{}`, inherited", w.acme.emea)),
        "{inherited}"
    );

    let direct = text(dir.check(w.acme.frank, Action::ViewAccount, w.acme.emea_sales.into()));
    assert!(
        direct.ends_with(&format!("as VA User on `{}`", w.acme.emea_sales)),
        "{direct}"
    );

    let account = text(dir.check(w.acme.bob, Action::ViewAccount, w.acme.emea.into()));
    assert!(
        account.ends_with("as SA User on the smart account"),
        "{account}"
    );
}

#[test]
fn role009_via_display_distinguishes_direct_inherited_and_account_bindings() {
    let va = VaId::new(7);
    let via = |bound_to, inherited| Via {
        role: Role::VaUser,
        bound_to,
        inheritance: Inheritance::AccountAndChildren,
        inherited,
    };
    assert_eq!(via(Some(va), false).to_string(), "VA User on `va:7`");
    assert_eq!(
        via(Some(va), true).to_string(),
        "VA User on `va:7`, inherited"
    );
    assert_eq!(via(None, false).to_string(), "VA User on the smart account");
}

#[test]
fn role009_an_unregistered_id_inside_the_grant_table_is_an_unknown_user() {
    // Identifiers start at 1, so the grant table's slot 0 exists but belongs to no user: the
    // check must still say "unknown user", not "no role" (a mutant dropping the `!` in the
    // registered-user filter of `check` survived without this).
    let w = world();
    let ghost = UserId::new(0);
    let decision = w
        .dir
        .check(ghost, Action::ViewAccount, Target::Va(w.acme.emea));
    assert_eq!(decision.reason, Reason::UnknownUser);
    assert_eq!(decision.effect, Effect::Deny);
    // oscar is registered and holds no role: that is a different answer.
    let oscar = w
        .dir
        .check(w.acme.oscar, Action::ViewAccount, Target::Va(w.acme.emea));
    assert!(matches!(
        oscar.reason,
        Reason::NotGranted { held: None, .. }
    ));
}

#[test]
fn role010_reverse_queries_are_complete_and_sorted() {
    let w = world();
    let a = &w.acme;
    assert_eq!(
        w.dir.targets_of(a.erin, Action::ManageChildVas),
        vec![
            Target::Va(a.emea),
            Target::Va(a.emea_sales),
            Target::Va(a.emea_ops)
        ]
    );
    assert_eq!(
        w.dir.targets_of(a.frank, Action::ViewAccount),
        vec![Target::Va(a.emea_sales)]
    );
    assert!(w.dir.targets_of(a.oscar, Action::ViewAccount).is_empty());
    let alice_targets = w.dir.targets_of(a.alice, Action::EditAccount);
    assert_eq!(alice_targets, vec![Target::Account(a.sa)]);

    // holders: direct and inherited, sorted by user.
    let holders = w.dir.holders(a.emea_sales);
    let users: Vec<UserId> = holders.iter().map(|h| h.user).collect();
    assert_eq!(
        users,
        vec![a.alice, a.bob, a.carol, a.dave, a.erin, a.frank, a.grace]
    );
    let erin = holders.iter().find(|h| h.user == a.erin).unwrap();
    assert_eq!(
        (erin.via.role, erin.via.bound_to, erin.via.inherited),
        (Role::VaAdmin, Some(a.emea), true)
    );
    let frank = holders.iter().find(|h| h.user == a.frank).unwrap();
    assert!(!frank.via.inherited);

    assert_eq!(
        w.dir.actions_of(a.frank, Target::Va(a.emea_sales)),
        Role::VaUser.actions()
    );
    assert_eq!(
        w.dir.actions_of(a.frank, Target::Va(a.emea)),
        ActionSet::EMPTY
    );
    assert_eq!(
        w.dir.actions_of(a.dave, Target::Account(a.sa)),
        Role::SaApprover.actions()
    );

    // Cross-check all three against is_allowed on every user, action and target.
    let targets = all_targets(&w.dir);
    let users: Vec<UserId> = w.dir.users().map(|u| u.id).collect();
    for &user in &users {
        for action in Action::ALL {
            let got = w.dir.targets_of(user, action);
            assert!(got.windows(2).all(|p| p[0] < p[1]), "sorted, no duplicates");
            // Account-level actions are listed on the account only (see `targets_of`).
            let mut expected: Vec<Target> = targets
                .iter()
                .copied()
                .filter(|t| !action.is_account_level() || matches!(t, Target::Account(_)))
                .filter(|t| w.dir.is_allowed(user, action, *t))
                .collect();
            expected.sort();
            assert_eq!(got, expected, "{user} {action}");
        }
        for &target in &targets {
            let expected = Action::ALL
                .into_iter()
                .filter(|x| w.dir.is_allowed(user, *x, target))
                .fold(ActionSet::EMPTY, ActionSet::with);
            assert_eq!(w.dir.actions_of(user, target), expected, "{user} {target}");
        }
    }
    for &target in &targets {
        let Target::Va(va) = target else { continue };
        let holders = w.dir.holders(va);
        assert!(holders.windows(2).all(|p| p[0].user <= p[1].user));
        let got: BTreeSet<UserId> = holders.iter().map(|h| h.user).collect();
        let expected: BTreeSet<UserId> = users
            .iter()
            .copied()
            .filter(|u| w.dir.is_allowed(*u, Action::ViewAccount, target))
            .collect();
        assert_eq!(got, expected, "{va}");
    }
}

#[test]
fn role010_reverse_queries_on_unknown_users_and_vas_are_empty() {
    let w = world();
    let stranger = UserId::new(999_999);
    let nowhere = VaId::new(999_999);
    assert_eq!(
        w.dir.actions_of(stranger, Target::Account(w.acme.sa)),
        ActionSet::EMPTY
    );
    assert_eq!(
        w.dir.actions_of(w.acme.alice, Target::Va(nowhere)),
        ActionSet::EMPTY
    );
    assert_eq!(
        w.dir.actions_of(w.acme.alice, Target::Va(w.acme.emea)),
        ActionSet::EVERY
    );
    assert!(w.dir.targets_of(stranger, Action::ViewAccount).is_empty());
    assert!(w.dir.holders(nowhere).is_empty());
    assert!(!w.dir.holders(w.acme.emea).is_empty());
}

#[test]
fn role010_targets_of_an_account_only_role_is_that_va_alone() {
    // An "account only" VA role on a VA with children reaches none of them (ROLE004): the
    // reverse query lists the VA alone (a mutant treating every VA role as "and children"
    // survived: the fixture's account-only role sits on a VA without children).
    let mut w = world();
    let me = Actor::User(w.acme.alice);
    w.dir
        .assign_role(
            &me,
            w.at,
            w.acme.oscar,
            Target::Va(w.acme.emea),
            Role::VaViewer,
            Inheritance::AccountOnly,
        )
        .unwrap();
    assert!(
        !w.dir
            .account(w.acme.sa)
            .unwrap()
            .children(Some(w.acme.emea))
            .is_empty()
    );
    assert_eq!(
        w.dir.targets_of(w.acme.oscar, Action::ViewAccount),
        vec![Target::Va(w.acme.emea)]
    );
    assert!(!w.dir.is_allowed(
        w.acme.oscar,
        Action::ViewAccount,
        Target::Va(w.acme.emea_sales)
    ));
}
