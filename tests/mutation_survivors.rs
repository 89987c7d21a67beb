//! Tests written for mutants that survived `scripts/mutants.sh`: each names the mutant it kills
//! and what no test pinned down before.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use smart_accounts::fixtures::{self, World};
use smart_accounts::{
    Actor, Change, DeviceId, Event, LicenseChange, LicenseCommand, LicenseKind, OrderId, OrderLine,
    RecordedActor, RuleId, SaId, SmartAccount,
};

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

/// An event for `sa`, as a service that stores accounts apart would receive it.
fn event(sa: SaId, change: LicenseChange) -> Event {
    Event {
        sa,
        seq: 1_000,
        at: fixtures::AT.parse().unwrap(),
        actor: RecordedActor::Fulfilment,
        change: Change::License(change),
    }
}

/// Applies an event that must be refused; the account stays as it was. Returns the message.
fn refused(account: &SmartAccount, event: &Event, rule: RuleId) -> String {
    let mut copy = account.clone();
    let err = copy.apply_event(event).unwrap_err();
    assert_eq!(err.rule(), rule, "{err}");
    assert_eq!(&copy, account, "a refused event changed the account");
    err.to_string()
}

/// `src/license.rs`: `SmartAccount::usable` with `==` turned into `!=` survived (it swapped the
/// two reasons). A reservation arriving as an event for a holding account, or for a Pending
/// one, is refused (LIC005), and the message says which of the two it is.
#[test]
fn lic005_a_reservation_event_for_a_holding_or_pending_account_says_why_it_is_refused() {
    let w = world();
    let holding = w.dir.account(w.partner.holding).unwrap();
    let pending = w.dir.account(w.globex.sa).unwrap();
    for (account, why) in [(holding, "partner holding account"), (pending, "pending")] {
        let reserve = event(
            account.id(),
            LicenseChange::Reserved {
                va: account.default_va(),
                license: w.licensing.ise.clone(),
                quantity: 1,
            },
        );
        let message = refused(account, &reserve, RuleId::LIC005);
        assert!(message.contains(why), "{message}");
    }
}

/// `src/license.rs`: `SmartAccount::device_home` replaced by `Ok(())`, or with `&&` turned into
/// `||`, survived: the directory refuses such devices before an event exists. A device
/// registration arriving as an event for an Active holding account or a Pending customer
/// account is refused too (DEV001); one for an Active customer account applies.
#[test]
fn dev001_a_device_event_for_a_holding_or_pending_account_is_refused() {
    let w = world();
    let register = |account: &SmartAccount| {
        event(
            account.id(),
            LicenseChange::DeviceRegistered {
                device: DeviceId::parse("FDO-EVENT-1").unwrap(),
                va: account.default_va(),
                installed: "2026-01-01".parse().unwrap(),
            },
        )
    };
    for sa in [w.partner.holding, w.globex.sa] {
        let account = w.dir.account(sa).unwrap();
        refused(account, &register(account), RuleId::DEV001);
    }
    let mut acme = w.dir.account(w.acme.sa).unwrap().clone();
    assert!(acme.apply_event(&register(&acme.clone())).unwrap());
}

/// `src/license.rs`: the "enough classic licenses" test of a conversion with `<` turned into
/// `<=` survived: no test converted the whole balance. Converting all 10 Classic licenses
/// succeeds and empties the License Registration Portal record.
#[test]
fn lic002_converting_the_whole_classic_balance_empties_the_record() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let pak = w.licensing.asa_pak.clone();
    let held: u64 = w
        .dir
        .account(acme.sa)
        .unwrap()
        .classic()
        .filter(|(l, _)| **l == pak)
        .map(|(_, q)| q)
        .sum();
    assert!(held > 0);
    w.dir
        .license(
            &Actor::User(acme.alice),
            at,
            LicenseCommand::ConvertClassic {
                sa: acme.sa,
                license: pak.clone(),
                quantity: held,
                va: Some(acme.emea),
            },
        )
        .unwrap();
    let account = w.dir.account(acme.sa).unwrap();
    assert_eq!(account.classic().count(), 0);
    assert_eq!(account.total_of(&pak.sku), held);
}

/// `src/license.rs`: `SmartAccount::va_here` replaced by `Ok(())` survived: the directory
/// finds the account of a Virtual Account before any event exists. An event that names a
/// Virtual Account of another account is refused for its rule (here LIC010), and an opening
/// pool in a snapshot that names one is refused too.
#[test]
fn lic010_an_event_naming_another_accounts_virtual_account_is_refused() {
    let w = world();
    let acme = w.dir.account(w.acme.sa).unwrap();
    let reserve = event(
        acme.id(),
        LicenseChange::Reserved {
            va: w.dir.account(w.solo.sa).unwrap().default_va(),
            license: w.licensing.ise.clone(),
            quantity: 1,
        },
    );
    let message = refused(acme, &reserve, RuleId::LIC010);
    assert!(
        message.contains("not found") || message.contains("va:"),
        "{message}"
    );
    // The same in a snapshot: a pool of Acme's placed in Solo's Virtual Account.
    let mut snap = w.dir.to_snapshot();
    for a in &mut snap.accounts {
        a.events.clear();
    }
    let solo_va = w.dir.account(w.solo.sa).unwrap().default_va();
    let i = snap
        .accounts
        .iter()
        .position(|a| a.id == w.acme.sa)
        .unwrap();
    snap.accounts[i].licenses.pools[0].va = solo_va;
    let err = smart_accounts::Directory::from_snapshot(snap).unwrap_err();
    assert!(err.path().contains(".licenses.pools["), "{err}");
}
