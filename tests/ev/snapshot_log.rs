//! Snapshots and event logs: a loaded account's log always replays to it (EV003).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use smart_accounts::{Actor, Directory, RecordedActor, SmartAccount, fixtures};

#[test]
fn ev003_snapshot_without_log_gets_a_replayable_imported_log() {
    let world = fixtures::world().unwrap();
    let mut snapshot = world.dir.to_snapshot();
    for account in &mut snapshot.accounts {
        account.events.clear();
    }
    let mut dir = Directory::from_snapshot(snapshot).unwrap();
    let acme = world.acme;
    // Still the same accounts, and each log replays to its account.
    for account in world.dir.accounts() {
        let loaded = dir.account(account.id()).unwrap();
        assert_eq!(loaded, account);
    }
    let log = dir.events(acme.alice, acme.sa).unwrap();
    assert!(log.iter().all(|e| e.actor == RecordedActor::Imported));
    assert_eq!(
        &SmartAccount::replay(&log.to_vec()).unwrap(),
        dir.account(acme.sa).unwrap()
    );
    // A command after loading continues the log, which still replays.
    dir.create_va(
        &Actor::User(acme.alice),
        world.at,
        acme.sa,
        Some(acme.emea),
        "EMEA-North",
    )
    .unwrap();
    let log = dir.events(acme.alice, acme.sa).unwrap();
    assert_eq!(
        &SmartAccount::replay(&log.to_vec()).unwrap(),
        dir.account(acme.sa).unwrap()
    );
    // The pending account stays pending through its rebuilt log.
    let globex = dir.account(world.globex.sa).unwrap();
    assert_eq!(globex.status(), smart_accounts::AccountStatus::Pending);
}

#[cfg(feature = "serde")]
#[test]
fn ev003_snapshot_with_log_round_trips_through_json() {
    let world = fixtures::world().unwrap();
    let json = serde_json::to_string(&world.dir).unwrap();
    let back: Directory = serde_json::from_str(&json).unwrap();
    assert_eq!(back, world.dir);
}
