//! Roles (ROLE001–ROLE010): where each role may be bound, one role per user and account, the union
//! over accounts, reach, the permission matrix, who may assign what, the last SA Admin, the first
//! SA Admin, explained decisions and reverse queries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::{world, world_with_nico};
use smart_accounts::{Actor, Command, Inheritance, Role, RuleId, Target};

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
