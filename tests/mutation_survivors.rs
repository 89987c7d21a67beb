//! Tests written for mutants that survived `scripts/mutants.sh`: each names the mutant it kills
//! and what no test pinned down before.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use smart_accounts::fixtures::{self, World};
use smart_accounts::{Actor, LicenseCommand, LicenseKind, OrderId, OrderLine, RuleId};

fn world() -> World {
    fixtures::world().unwrap()
}

/// `src/license.rs`: `Display for OrderLine` replaced by an empty string survived. The error of
/// a repeated order line names the order and the line, so a person can find it.
#[test]
fn lic002_a_repeated_order_line_is_named_in_its_error() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let deposit = |quantity| LicenseCommand::Deposit {
        sa: acme.sa,
        va: None,
        order: OrderLine {
            order: OrderId::parse("SO-77").unwrap(),
            line: 3,
        },
        license: w.licensing.ise.clone(),
        kind: LicenseKind::Smart,
        quantity,
        procured_by: w.partner.org,
        sa_mandatory: false,
    };
    let (first, second) = (deposit(5), deposit(6));
    w.dir.license(&Actor::Fulfilment, at, first).unwrap();
    let err = w.dir.license(&Actor::Fulfilment, at, second).unwrap_err();
    assert_eq!(err.rule(), RuleId::LIC002);
    assert!(err.to_string().contains("SO-77 line 3"), "{err}");
}

/// `src/license.rs`: `Licenses::logical_pools` replaced by an empty map, or with its filter
/// inverted, survived: account equality ignored the pools. Two accounts that differ only in a
/// reservation are not equal, and neither are the directories holding them.
#[test]
fn lic010_accounts_that_differ_only_in_a_pool_are_not_equal() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let before = w.dir.clone();
    w.dir
        .license(
            &Actor::User(acme.alice),
            at,
            LicenseCommand::Reserve {
                va: acme.americas,
                license: w.licensing.ise.clone(),
                quantity: 1,
            },
        )
        .unwrap();
    assert_ne!(w.dir.account(acme.sa), before.account(acme.sa));
    assert_ne!(w.dir, before);
    // Released again, the pools match and so do the accounts' licenses (the logs differ).
    w.dir
        .license(
            &Actor::User(acme.alice),
            at,
            LicenseCommand::ReleaseReservation {
                va: acme.americas,
                license: w.licensing.ise.clone(),
                quantity: 1,
            },
        )
        .unwrap();
    assert_eq!(w.dir.account(acme.sa), before.account(acme.sa));
}
