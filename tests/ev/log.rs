//! The event log (EV001–EV003): every change appends an event and a refusal appends nothing,
//! procurement history records each deposit, and replaying a log rebuilds the account exactly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::world;
use smart_accounts::{Actor, Directory, LicenseCommand, LicenseKind, OrderId, OrderLine, RuleId};

/// `src/licensing.rs`: `Directory::procurer` replaced by `Ok(())` survived: no test named an
/// unknown procurer. A deposit procured by an organization the directory does not know is
/// refused (EV002).
#[test]
fn ev002_a_deposit_by_an_unknown_procurer_is_refused() {
    let mut w = world();
    let err = w
        .dir
        .license(
            &Actor::Fulfilment,
            w.at,
            LicenseCommand::Deposit {
                sa: w.acme.sa,
                va: None,
                order: OrderLine {
                    order: OrderId::parse("SO-GHOST").unwrap(),
                    line: 1,
                },
                license: w.licensing.ise.clone(),
                kind: LicenseKind::Smart,
                quantity: 1,
                procured_by: smart_accounts::OrgId::new(9_999),
                sa_mandatory: false,
            },
        )
        .unwrap_err();
    assert_eq!(err.rule(), RuleId::EV002, "{err}");
}

/// `src/snapshot.rs`: loading an organization with its name as written (`name` dropped from
/// the rebuilt value) survived. A snapshot's organization names are trimmed on loading, like
/// every name the crate stores.
#[test]
fn ev003_organization_names_in_a_snapshot_are_trimmed() {
    let w = world();
    let mut snap = w.dir.to_snapshot();
    snap.organizations[0].name = format!("  {}  ", snap.organizations[0].name);
    let id = snap.organizations[0].id;
    let loaded = Directory::from_snapshot(snap).unwrap();
    let org = loaded.organizations().find(|o| o.id == id).unwrap();
    assert_eq!(org.name, org.name.trim());
    assert_eq!(
        Some(&org.name),
        w.dir.organizations().find(|o| o.id == id).map(|o| &o.name)
    );
}
