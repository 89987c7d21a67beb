//! Devices (DEV001, DEV002): a device lives in one Virtual Account of an Active Customer or
//! Limited Use account and never leaves it; Smart Licensing Using Policy reporting is due as the
//! policy says.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::{event_refused, license_event, logless, world};
use smart_accounts::license::{ReportingPolicy, ReportingStatus};
use smart_accounts::{
    Actor, DeviceId, Directory, LicenseChange, LicenseCommand, RuleId, SmartAccount,
};

/// `src/license.rs`: `SmartAccount::device_home` replaced by `Ok(())`, or with `&&` turned into
/// `||`, survived: the directory refuses such devices before an event exists. A device
/// registration arriving as an event for an Active holding account or a Pending customer
/// account is refused too (DEV001); one for an Active customer account applies.
#[test]
fn dev001_a_device_event_for_a_holding_or_pending_account_is_refused() {
    let w = world();
    let register = |account: &SmartAccount| {
        license_event(
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
        event_refused(account, &register(account), RuleId::DEV001);
    }
    let mut acme = w.dir.account(w.acme.sa).unwrap().clone();
    assert!(acme.apply_event(&register(&acme.clone())).unwrap());
}

/// `src/license.rs`: in `reporting`, `first_report > 0` turned into `>= 0` survived (no test
/// used a policy without a first report), and `left <= DUE_SOON_DAYS` turned into `<` survived
/// (no test probed the 30th day). A policy that requires no report gives `NotRequired`; a
/// report due in exactly 30 days is due soon, in 31 days on time.
#[test]
fn dev002_reporting_boundaries_no_policy_and_the_thirtieth_day() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let alice = Actor::User(acme.alice);
    let device = DeviceId::parse("FDO-REPORT-1").unwrap();
    let installed: jiff::civil::Date = "2026-01-01".parse().unwrap();
    w.dir
        .license(
            &alice,
            at,
            LicenseCommand::RegisterDevice {
                device: device.clone(),
                va: acme.americas,
                installed,
            },
        )
        .unwrap();
    w.dir
        .license(
            &alice,
            at,
            LicenseCommand::Consume {
                device: device.clone(),
                license: w.licensing.ise.clone(),
                quantity: 1,
            },
        )
        .unwrap();
    let account = w.dir.account(acme.sa).unwrap();
    let none = ReportingPolicy {
        first_report: 0,
        frequency: 0,
        on_change: 0,
    };
    assert_eq!(
        account.reporting_status(&device, installed, none),
        Some(ReportingStatus::NotRequired)
    );
    let first = ReportingPolicy {
        first_report: 90,
        frequency: 0,
        on_change: 0,
    };
    let due = installed.checked_add(jiff::Span::new().days(90)).unwrap();
    let day = |before: i64| due.checked_sub(jiff::Span::new().days(before)).unwrap();
    assert_eq!(
        account.reporting_status(&device, day(30), first),
        Some(ReportingStatus::DueSoon { due })
    );
    assert_eq!(
        account.reporting_status(&device, day(31), first),
        Some(ReportingStatus::OnTime { due })
    );
    // On the due day the report is due, not yet overdue (`left < 0` turned into `<= 0`).
    assert_eq!(
        account.reporting_status(&device, due, first),
        Some(ReportingStatus::DueSoon { due })
    );
    assert!(matches!(
        account.reporting_status(&device, day(-1), first),
        Some(ReportingStatus::Overdue { days: 1, .. })
    ));
}

/// `src/licensing.rs`: in `reindex_license`, deleting the arm for devices of an opening
/// balance survived: no test registered a device after loading a snapshot without logs. The
/// devices of such a snapshot are known to the directory, so their IDs stay unique (DEV001).
#[test]
fn dev001_devices_loaded_from_a_snapshot_keep_their_ids_unique() {
    let w = world();
    let device = w
        .dir
        .account(w.acme.sa)
        .unwrap()
        .devices()
        .next()
        .map(|d| d.id.clone())
        .unwrap();
    let mut loaded = Directory::from_snapshot(logless(&w.dir)).unwrap();
    let solo = loaded.account(w.solo.sa).unwrap().default_va();
    let err = loaded
        .license(
            &Actor::User(w.solo.sam),
            w.at,
            LicenseCommand::RegisterDevice {
                device,
                va: solo,
                installed: "2026-01-01".parse().unwrap(),
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("already"), "{err}");
}
