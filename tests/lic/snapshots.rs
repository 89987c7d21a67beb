//! License sections of snapshots: each kind of inconsistent item is refused with the rule it
//! breaks and a path that names the item, and nothing panics. (The opening-balance checks of
//! the license code; `tests/ev/snapshots.rs` covers the account structure, `tests/dev/devices.rs`
//! the devices.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::snapshots::{account_mut, license_snapshot_refused};
use crate::common::{logless, world};
use smart_accounts::license::{
    CrossSaPath, CrossSaTransfer, Delivery, HoldingLot, Origin, PoolBalance,
};
use smart_accounts::{Directory, License, RuleId, SaId, Term, TransferId, TransferLine};

#[test]
fn lic001_a_pool_listed_twice_or_empty_outside_the_default_va_or_of_a_named_type_is_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let acme = account_mut(&mut snap, w.acme.sa);
    let first = acme.licenses.pools[0].clone();
    acme.licenses.pools.push(first.clone());
    license_snapshot_refused(snap, RuleId::LIC001, "pools");

    let default_va = w.dir.account(w.acme.sa).unwrap().default_va();
    let other_va = w.acme.emea;
    assert_ne!(other_va, default_va);
    let empty = |va, sku: &str| PoolBalance {
        va,
        license: License {
            sku: sku.parse().unwrap(),
            term: Term::Perpetual,
        },
        purchased: 0,
        reserved: 0,
    };
    // Outside the default Virtual Account.
    let mut snap = logless(&w.dir);
    let pools = &mut account_mut(&mut snap, w.acme.sa).licenses.pools;
    pools.push(empty(other_va, "EMPTY-POOL"));
    license_snapshot_refused(snap, RuleId::LIC001, "pools");
    // Of a type an earlier pool names.
    let mut snap = logless(&w.dir);
    let pools = &mut account_mut(&mut snap, w.acme.sa).licenses.pools;
    pools.push(PoolBalance {
        va: default_va,
        purchased: 0,
        reserved: 0,
        ..first.clone()
    });
    license_snapshot_refused(snap, RuleId::LIC001, "pools");
    // In the default Virtual Account, of a type nothing else names: the account knows it.
    let mut snap = logless(&w.dir);
    let pools = &mut account_mut(&mut snap, w.acme.sa).licenses.pools;
    pools.push(empty(default_va, "EMPTY-POOL"));
    assert!(Directory::from_snapshot(snap).is_ok());
}

#[test]
fn lic002_a_classic_balance_listed_twice_or_zero_is_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let acme = account_mut(&mut snap, w.acme.sa);
    let first = acme.licenses.classic[0].clone();
    acme.licenses.classic.push(first.clone());
    license_snapshot_refused(snap, RuleId::LIC002, "classic");

    let mut snap = logless(&w.dir);
    account_mut(&mut snap, w.acme.sa).licenses.classic[0].quantity = 0;
    license_snapshot_refused(snap, RuleId::LIC002, "classic");
}

#[test]
fn lic008_holding_lots_outside_holding_or_beyond_the_pools_are_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let lot = account_mut(&mut snap, w.partner.holding).licenses.holding[0].clone();
    // In a customer account.
    account_mut(&mut snap, w.acme.sa)
        .licenses
        .holding
        .push(lot.clone());
    license_snapshot_refused(snap, RuleId::LIC008, "holding");
    // More waiting than held.
    let mut snap = logless(&w.dir);
    account_mut(&mut snap, w.partner.holding)
        .licenses
        .holding
        .push(HoldingLot {
            quantity: u64::MAX,
            ..lot.clone()
        });
    license_snapshot_refused(snap, RuleId::LIC008, "holding");
    // A lot of nothing.
    let mut snap = logless(&w.dir);
    account_mut(&mut snap, w.partner.holding).licenses.holding[0].quantity = 0;
    license_snapshot_refused(snap, RuleId::LIC008, "holding");
}

#[test]
fn lic007_deliveries_outside_customers_or_of_perpetual_licenses_are_refused() {
    let w = world();
    let subscription = License {
        sku: "C9300-DNA-E-3Y".parse().unwrap(),
        term: Term::Subscription {
            start: "2025-09-15".parse().unwrap(),
            end: "2028-09-14".parse().unwrap(),
        },
    };
    let delivery = Delivery {
        origin: Origin::Transfer(TransferId::parse("t-1").unwrap()),
        license: subscription.clone(),
        quantity: 1,
        on: "2026-01-05".parse().unwrap(),
    };
    // Accepted in a customer account: the cases below fail for their one defect.
    let mut snap = logless(&w.dir);
    account_mut(&mut snap, w.acme.sa)
        .licenses
        .deliveries
        .push(delivery.clone());
    Directory::from_snapshot(snap).unwrap();

    let mut snap = logless(&w.dir);
    account_mut(&mut snap, w.partner.holding)
        .licenses
        .deliveries
        .push(delivery.clone());
    license_snapshot_refused(snap, RuleId::LIC007, "deliveries");

    let mut snap = logless(&w.dir);
    account_mut(&mut snap, w.acme.sa)
        .licenses
        .deliveries
        .push(Delivery {
            license: License {
                term: Term::Perpetual,
                ..subscription
            },
            ..delivery.clone()
        });
    license_snapshot_refused(snap, RuleId::LIC007, "deliveries");

    let mut snap = logless(&w.dir);
    account_mut(&mut snap, w.acme.sa)
        .licenses
        .deliveries
        .push(Delivery {
            quantity: 0,
            ..delivery
        });
    license_snapshot_refused(snap, RuleId::LIC007, "deliveries");
}

#[test]
fn lic009_an_idempotency_key_listed_twice_is_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let acme = account_mut(&mut snap, w.acme.sa);
    let first = acme.licenses.keys[0].clone();
    acme.licenses.keys.push(first);
    license_snapshot_refused(snap, RuleId::LIC009, "keys");
}

#[test]
fn lic004_recorded_transfers_must_name_the_account_once_and_be_unique() {
    let w = world();
    let (acme, partner) = (w.acme, w.partner);
    let license = account_mut(&mut logless(&w.dir), acme.sa).licenses.pools[0]
        .license
        .clone();
    let transfer = CrossSaTransfer {
        id: TransferId::parse("recorded-1").unwrap(),
        path: CrossSaPath::HoldingAssignment,
        from_sa: partner.holding,
        from_va: partner.holding_default,
        to_sa: acme.sa,
        to_va: acme.americas,
        lines: vec![TransferLine {
            license,
            quantity: 1,
        }],
        order_lines: Vec::new(),
    };
    // Recorded in the account it names: loads.
    let mut snap = logless(&w.dir);
    account_mut(&mut snap, acme.sa)
        .licenses
        .transfers
        .push(transfer.clone());
    Directory::from_snapshot(snap).unwrap();
    // Twice.
    let mut snap = logless(&w.dir);
    let a = account_mut(&mut snap, acme.sa);
    a.licenses.transfers.push(transfer.clone());
    a.licenses.transfers.push(transfer.clone());
    license_snapshot_refused(snap, RuleId::LIC004, "transfers");
    // In an account it does not name.
    let mut snap = logless(&w.dir);
    account_mut(&mut snap, w.solo.sa)
        .licenses
        .transfers
        .push(transfer.clone());
    license_snapshot_refused(snap, RuleId::LIC004, "transfers");
    // From an account to itself.
    let mut snap = logless(&w.dir);
    account_mut(&mut snap, acme.sa)
        .licenses
        .transfers
        .push(CrossSaTransfer {
            from_sa: acme.sa,
            ..transfer
        });
    license_snapshot_refused(snap, RuleId::LIC004, "transfers");
}

/// Events of a transfer between accounts, applied by a service that stores accounts apart
/// (`SmartAccount::apply_event`): an event that does not fit the account it is applied to is
/// refused for LIC004 and leaves the account as it was.
#[test]
fn lic004_transfer_events_that_do_not_fit_their_account_are_refused() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let ise = w.licensing.ise.clone();
    let acme_before = w.dir.account(acme.sa).unwrap().clone();
    let solo_before = w.dir.account(w.solo.sa).unwrap().clone();
    let globex_before = w.dir.account(w.globex.sa).unwrap().clone();
    let events = w
        .dir
        .license(
            &smart_accounts::Actor::VendorSupport {
                case: "SR-7".into(),
            },
            at,
            smart_accounts::LicenseCommand::VendorReassign {
                transfer: TransferId::parse("split-1").unwrap(),
                from: acme.americas,
                to_sa: w.solo.sa,
                to_va: None,
                lines: vec![TransferLine {
                    license: ise,
                    quantity: 2,
                }],
                order_lines: Vec::new(),
            },
        )
        .unwrap();
    let (sent, received) = (events[0].clone(), events[1].clone());
    let record = |e: &smart_accounts::Event| match &e.change {
        smart_accounts::Change::License(
            smart_accounts::LicenseChange::Sent(t) | smart_accounts::LicenseChange::Received(t),
        ) => (**t).clone(),
        other => panic!("not a transfer event: {other:?}"),
    };
    let with = |e: &smart_accounts::Event, sa: SaId, sent: bool, t: CrossSaTransfer| {
        let mut e = e.clone();
        e.sa = sa;
        e.change = smart_accounts::Change::License(if sent {
            smart_accounts::LicenseChange::Sent(Box::new(t))
        } else {
            smart_accounts::LicenseChange::Received(Box::new(t))
        });
        e
    };
    let refuses = |account: &smart_accounts::SmartAccount, event: smart_accounts::Event| {
        let mut copy = account.clone();
        let err = copy.apply_event(&event).unwrap_err();
        assert_eq!(err.rule(), RuleId::LIC004, "{err}");
        assert_eq!(&copy, account, "a refused event changed the account");
    };
    let t = record(&sent);
    // A sending event whose transfer leaves another account.
    refuses(
        &acme_before,
        with(
            &sent,
            acme.sa,
            true,
            CrossSaTransfer {
                from_sa: w.solo.sa,
                ..t.clone()
            },
        ),
    );
    // A holding assignment sent by a customer account.
    refuses(
        &acme_before,
        with(
            &sent,
            acme.sa,
            true,
            CrossSaTransfer {
                path: CrossSaPath::HoldingAssignment,
                ..t.clone()
            },
        ),
    );
    // A receiving event whose transfer comes from the receiving account itself.
    refuses(
        &solo_before,
        with(
            &received,
            w.solo.sa,
            false,
            CrossSaTransfer {
                from_sa: w.solo.sa,
                ..t.clone()
            },
        ),
    );
    // A holding assignment received by a Pending account.
    let globex_va = globex_before.default_va();
    refuses(
        &globex_before,
        with(
            &received,
            w.globex.sa,
            false,
            CrossSaTransfer {
                path: CrossSaPath::HoldingAssignment,
                to_sa: w.globex.sa,
                to_va: globex_va,
                ..t.clone()
            },
        ),
    );
    // The real events apply once; the same ID with other lines then conflicts.
    let mut stored = acme_before.clone();
    assert!(stored.apply_event(&sent).unwrap());
    assert!(!stored.apply_event(&sent).unwrap());
    let mut other = t.clone();
    other.lines[0].quantity = 1;
    refuses(&stored, with(&sent, acme.sa, true, other));
    let mut stored_solo = solo_before;
    assert!(stored_solo.apply_event(&received).unwrap());
    assert_eq!(&stored_solo, w.dir.account(w.solo.sa).unwrap());
}
