//! Commands for the rule tests: run one that must be refused (and change nothing) or accepted,
//! and build the common ones.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use smart_accounts::fixtures;
use smart_accounts::{
    AccountKind, Actor, Command, Directory, Error, Event, Inheritance, NewUser, OrgId, Role, SaId,
    Target, UserId, UserKind, VaId,
};

/// The fixture's time, at which the commands of these tests run.
pub fn at() -> Timestamp {
    fixtures::AT.parse().unwrap()
}

/// The actor for `user`.
pub fn by(user: UserId) -> Actor {
    Actor::User(user)
}

/// Runs a command that must be refused; asserts that nothing changed and no event was
/// appended, and returns the error.
pub fn refused(dir: &mut Directory, actor: &Actor, command: Command) -> Error {
    let before = dir.clone();
    let logs_before: Vec<usize> = dir
        .to_snapshot()
        .accounts
        .iter()
        .map(|a| a.events.len())
        .collect();
    // Refused for its rule, not for going back in time (EV004): at the latest time of any log.
    let now = dir
        .to_snapshot()
        .accounts
        .iter()
        .filter_map(|a| a.events.last().map(|e| e.at))
        .fold(at(), Timestamp::max);
    let err = dir
        .execute(actor, now, command.clone())
        .expect_err(&format!("{command:?} by {actor:?} must be refused"));
    assert_eq!(*dir, before, "a refused command changed the directory");
    let logs_after: Vec<usize> = dir
        .to_snapshot()
        .accounts
        .iter()
        .map(|a| a.events.len())
        .collect();
    assert_eq!(logs_before, logs_after, "a refused command appended events");
    assert!(
        err.to_string().starts_with(err.rule().code()),
        "message `{err}` must start with its rule {}",
        err.rule()
    );
    err
}

/// Runs a command that must be accepted; returns its events.
pub fn accepted(dir: &mut Directory, actor: &Actor, command: Command) -> Vec<Event> {
    dir.execute(actor, at(), command.clone())
        .unwrap_or_else(|e| panic!("{command:?} by {actor:?} must be accepted: {e}"))
}

/// Registers an individual user of `org`, with a Cisco.com ID when `cco` is given.
pub fn user(dir: &mut Directory, cco: Option<&str>, email: &str, org: OrgId) -> UserId {
    dir.register_user(NewUser {
        cco_id: cco.map(str::to_owned),
        email: email.into(),
        org,
        kind: UserKind::Individual,
    })
    .unwrap()
}

/// `RequestAccount` of `kind`, unnamed, for `domain`, with `contact`.
pub fn request(kind: AccountKind, domain: Option<&str>, contact: UserId) -> Command {
    Command::RequestAccount {
        kind,
        name: String::new(),
        domain: domain.map(str::to_owned),
        contact,
    }
}

/// `CreateVa` named `name` in `sa`, under `parent` (top level when `None`).
pub fn create_va(sa: SaId, parent: Option<VaId>, name: &str) -> Command {
    Command::CreateVa {
        sa,
        parent,
        name: name.into(),
    }
}

/// `AssignRole`.
pub fn assign(user: UserId, target: Target, role: Role, inheritance: Inheritance) -> Command {
    Command::AssignRole {
        user,
        target,
        role,
        inheritance,
    }
}

/// The length of account `sa`'s event log, as its admin reads it.
pub fn log_len(dir: &Directory, admin: UserId, sa: SaId) -> usize {
    dir.events(admin, sa).unwrap().len()
}
