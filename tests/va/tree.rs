//! Virtual Accounts (VA001–VA007): at most ten levels, no limit on their number, names, moves within
//! one account and never into a cycle, deletion of empty ones only, names visible to partners, and
//! restriction.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::reference::{Model, assert_agrees};
use smart_accounts::{Actor, Command, Error, UserId, VaId, fixtures};

/// A fuzz finding (target `commands`, crash-6df46510…): after the default designation moved away from Acme's
/// `DEFAULT` Virtual Account, deleting `DEFAULT` was refused by the directory (VA005: it holds
/// the fixture's licenses) but accepted by the reference model, which knew nothing of licenses.
/// The directory was right; the model now records which Virtual Accounts hold licenses or
/// devices and refuses to delete them too.
#[test]
fn va005_deleting_a_va_that_holds_licenses_is_refused_by_directory_and_model() {
    let w = fixtures::world().unwrap();
    let mut dir = w.dir.clone();
    let mut model = Model::from_directory(&dir);
    let alice = Actor::User(w.acme.alice);
    let stocked = w.acme.default_va;
    let account = dir.account(w.acme.sa).unwrap();
    assert!(
        account.compliance().any(|row| row.va == stocked)
            || account.devices().any(|d| d.va == stocked),
        "the fixture keeps licenses in Acme's DEFAULT"
    );

    let move_default = Command::SetDefaultVa { va: w.acme.emea };
    let events = dir.execute(&alice, w.at, move_default.clone()).unwrap();
    assert!(model.run(&alice, &move_default, &events));

    let delete = Command::DeleteVa { va: stocked };
    let before = dir.clone();
    let err = dir.execute(&alice, w.at, delete.clone()).unwrap_err();
    assert!(
        matches!(err, Error::NotEmpty { va, what: "licenses or devices" } if va == stocked),
        "{err}"
    );
    assert_eq!(dir, before, "a refused command changes nothing");
    assert!(!model.run(&alice, &delete, &[]), "the model refuses it too");
    assert_agrees(&model, &dir, UserId::new(u32::MAX), VaId::new(u32::MAX));
}
