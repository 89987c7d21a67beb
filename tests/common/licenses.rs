//! License helpers: a pool's figures, and license commands that must be refused.
#![allow(dead_code, clippy::unwrap_used)]

use jiff::Timestamp;
use smart_accounts::{Actor, Directory, Error, License, LicenseCommand, SaId, VaId};

/// The pool of `license` in `va` of account `sa`: purchased, consumed, reserved, available and
/// shortfall (zeros when there is none).
pub fn pool(dir: &Directory, sa: SaId, va: VaId, license: &License) -> (u64, u64, u64, u64, u64) {
    let account = dir.account(sa).unwrap();
    account
        .compliance_of(va)
        .into_iter()
        .find(|c| c.license == license)
        .map_or((0, 0, 0, 0, 0), |c| {
            (
                c.purchased,
                c.consumed,
                c.reserved,
                c.available,
                c.shortfall,
            )
        })
}

/// Runs a command that must be refused: checks the rule and that nothing changed.
pub fn license_refused(
    dir: &mut Directory,
    actor: &Actor,
    at: Timestamp,
    command: LicenseCommand,
) -> Error {
    let before = dir.clone();
    let err = dir.license(actor, at, command).unwrap_err();
    assert_eq!(*dir, before, "a refused command changed the directory");
    assert!(
        err.to_string().starts_with(err.rule().code()),
        "message `{err}` does not start with its rule"
    );
    err
}
