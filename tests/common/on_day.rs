//! Commands run on a given day of the fixture (`day(n)`), for the tests where time matters
//! (expiries, PTR005, PTR006, ROLE007).
#![allow(dead_code, clippy::unwrap_used)]

use smart_accounts::fixtures::World;
use smart_accounts::{Actor, Command, Directory, Error, Inheritance, Role, Target, UserId};

use super::{day, world_with_nico};

/// The actor for `user`.
pub fn by(user: UserId) -> Actor {
    Actor::User(user)
}

/// Runs a command that must be refused: the directory is unchanged and the message starts
/// with the rule.
pub fn refused(dir: &mut Directory, actor: UserId, day_n: i64, command: Command) -> Error {
    let before = dir.clone();
    let err = dir.execute(&by(actor), day(day_n), command).unwrap_err();
    assert_eq!(*dir, before, "a refused command changes nothing");
    assert!(err.to_string().starts_with(err.rule().code()), "{err}");
    err
}

/// Runs a command that must be accepted on day `day_n` of the fixture.
pub fn accepted(dir: &mut Directory, actor: UserId, day_n: i64, command: Command) {
    dir.execute(&by(actor), day(day_n), command).unwrap();
}

/// `ChangeRole` to `role`, reaching the children.
pub fn make(user: UserId, target: Target, role: Role) -> Command {
    Command::ChangeRole {
        user,
        target,
        role,
        inheritance: Inheritance::AccountAndChildren,
    }
}

/// `AssignRole` of `role`, reaching the children.
pub fn give(user: UserId, target: Target, role: Role) -> Command {
    Command::AssignRole {
        user,
        target,
        role,
        inheritance: Inheritance::AccountAndChildren,
    }
}

/// The fixture with the partner user `nina` made SA Admin of Acme by Acme's `alice` (with
/// consent, PTR001).
pub fn partner_admin() -> World {
    let (mut w, _) = world_with_nico();
    let acme = Target::Account(w.acme.sa);
    accepted(
        &mut w.dir,
        w.acme.alice,
        0,
        give(w.partner.nina, acme, Role::SaAdmin),
    );
    w
}
