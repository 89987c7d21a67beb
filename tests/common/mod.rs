//! Test support shared by the integration tests.

pub mod advice;
pub mod commands;
pub mod licenses;
pub mod on_day;
pub mod quotes;
pub mod snapshots;

use jiff::Timestamp;
use jiff::civil::Date;
use smart_accounts::fixtures::{self, World};
use smart_accounts::license::LicenseChange;
use smart_accounts::{
    Change, Directory, Event, NewUser, RecordedActor, RuleId, SaId, SmartAccount, Snapshot, UserId,
    UserKind,
};

/// The directory's snapshot with the event logs dropped: accounts load from their state alone
/// (licenses from the opening balances), so a test sees the one problem it plants.
pub fn logless(dir: &Directory) -> Snapshot {
    let mut snap = dir.to_snapshot();
    for a in &mut snap.accounts {
        a.events.clear();
    }
    snap
}

/// The fixture world (`smart_accounts::fixtures::world`): acme.com with its Virtual Account
/// tree and roles, globex, a partner with its holding account and a distributor.
#[allow(clippy::unwrap_used)]
pub fn world() -> World {
    fixtures::world().unwrap()
}

/// The fixture plus `nico`, a second Nimbus (partner) user without any role.
#[allow(clippy::unwrap_used)]
pub fn world_with_nico() -> (World, UserId) {
    let mut w = world();
    let nico = w
        .dir
        .register_user(NewUser {
            cco_id: Some("nico".into()),
            email: "nico@nimbus-networks.com".into(),
            org: w.partner.org,
            kind: UserKind::Individual,
        })
        .unwrap();
    (w, nico)
}

/// The fixture's time plus `n` days.
#[allow(clippy::unwrap_used)]
pub fn day(n: i64) -> Timestamp {
    let base: Timestamp = fixtures::AT.parse().unwrap();
    base.checked_add(jiff::SignedDuration::from_hours(24 * n))
        .unwrap()
}

/// The date (UTC) of [`day`]`(n)`.
pub fn date(n: i64) -> Date {
    jiff::tz::TimeZone::UTC.to_datetime(day(n)).date()
}

#[allow(clippy::unwrap_used)]
/// A license event for `sa`, as a service that stores accounts apart would receive it.
pub fn license_event(sa: SaId, change: LicenseChange) -> Event {
    Event {
        sa,
        seq: 1_000,
        at: fixtures::AT.parse().unwrap(),
        actor: RecordedActor::Fulfilment,
        command: None,
        change: Change::License(change),
    }
}

#[allow(clippy::unwrap_used)]
/// Applies an event that must be refused; the account stays as it was. Returns the message.
pub fn event_refused(account: &SmartAccount, event: &Event, rule: RuleId) -> String {
    let mut copy = account.clone();
    let err = copy.apply_event(event).unwrap_err();
    assert_eq!(err.rule(), rule, "{err}");
    assert_eq!(&copy, account, "a refused event changed the account");
    err.to_string()
}

/// The number of cases of the property tests that set their own: `PROPTEST_CASES`, default 256.
pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Every event of `dir` in an order a store could have committed them: the directory's stream,
/// then each account's log.
pub fn all_events(dir: &smart_accounts::Directory) -> Vec<smart_accounts::StreamEvent> {
    let mut events: Vec<smart_accounts::StreamEvent> = dir
        .directory_events()
        .iter()
        .map(smart_accounts::StreamEvent::Directory)
        .collect();
    for account in dir.to_snapshot().accounts {
        events.extend(
            account
                .events
                .into_iter()
                .map(smart_accounts::StreamEvent::Account),
        );
    }
    events
}
