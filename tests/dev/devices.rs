//! Devices (DEV001, DEV002): a device lives in one Virtual Account of an Active Customer or
//! Limited Use account and never leaves it; Smart Licensing Using Policy reporting is due as the
//! policy says.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::licenses::{license_refused, pool};
use crate::common::snapshots::{account_mut, license_snapshot_refused};
use crate::common::{event_refused, license_event, logless, world};
use jiff::civil::Date;
use smart_accounts::license::{ReportingPolicy, ReportingStatus};
use smart_accounts::{
    Actor, DeviceId, Directory, Error, License, LicenseChange, LicenseCommand, RuleId,
    SmartAccount, Term,
};

fn parse_date(s: &str) -> Date {
    s.parse().unwrap()
}

/// Seeds 001 and 003: a partner who registers a device in its holding account, or a customer
/// in its Pending account, is asking about activation (LIC005) as much as about where devices
/// live (DEV001): the refusal is DEV001 and its text names LIC005 and why.
#[test]
fn dev001_lic005_a_device_refused_in_a_holding_or_pending_account_names_both_rules() {
    let mut w = world();
    let (partner, at) = (w.partner, w.at);
    let register = |device: &str, va| LicenseCommand::RegisterDevice {
        device: DeviceId::parse(device).unwrap(),
        va,
        installed: parse_date("2026-01-01"),
    };
    let holding = license_refused(
        &mut w.dir,
        &Actor::User(partner.admin),
        at,
        register("HOLD-1", partner.holding_default),
    );
    let text = holding.to_string();
    assert_eq!(holding.rule(), RuleId::DEV001);
    assert!(text.starts_with("DEV001"), "{text}");
    assert!(
        text.contains("LIC005") && text.contains("partner holding account"),
        "{text}"
    );
    let globex_default = w.dir.account(w.globex.sa).unwrap().default_va();
    let pending = license_refused(
        &mut w.dir,
        &Actor::User(w.globex.hank),
        at,
        register("GLX-1", globex_default),
    );
    let text = pending.to_string();
    assert_eq!(pending.rule(), RuleId::DEV001);
    assert!(
        text.contains("LIC005") && text.contains("not active"),
        "{text}"
    );
}

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

#[test]
fn dev001_devices_live_in_one_va_of_an_active_customer_or_limited_use_account() {
    let mut w = world();
    let (acme, partner, at) = (w.acme, w.partner, w.at);
    let l = w.licensing.clone();
    let installed = parse_date("2026-01-01");
    let register = |device: &str, va| LicenseCommand::RegisterDevice {
        device: smart_accounts::DeviceId::parse(device).unwrap(),
        va,
        installed,
    };
    // Not in a holding account, nor in a Pending account.
    let err = license_refused(
        &mut w.dir,
        &Actor::User(partner.admin),
        at,
        register("HOLD-1", partner.holding_default),
    );
    assert_eq!(err.rule(), RuleId::DEV001);
    let globex_default = w.dir.account(w.globex.sa).unwrap().default_va();
    let err = license_refused(
        &mut w.dir,
        &Actor::User(w.globex.hank),
        at,
        register("GLX-1", globex_default),
    );
    assert_eq!(err.rule(), RuleId::DEV001);
    // A device ID is registered once across the directory.
    let solo_va = w.dir.account(w.solo.sa).unwrap().default_va();
    let err = license_refused(
        &mut w.dir,
        &Actor::User(w.solo.sam),
        at,
        register("SW-EMEA-1", solo_va),
    );
    assert!(matches!(err, Error::DuplicateDevice { .. }));
    // It moves within its account, taking its consumption along.
    let alice = Actor::User(acme.alice);
    w.dir
        .license(
            &alice,
            at,
            LicenseCommand::MoveDevice {
                device: l.sw_emea_2.clone(),
                va: acme.emea_ops,
            },
        )
        .unwrap();
    assert_eq!(pool(&w.dir, acme.sa, acme.emea, &l.acme_dna).1, 20);
    assert_eq!(pool(&w.dir, acme.sa, acme.emea_ops, &l.acme_dna).1, 40);
    assert_eq!(
        w.dir
            .account(acme.sa)
            .unwrap()
            .device(&l.sw_emea_2)
            .unwrap()
            .va,
        acme.emea_ops
    );
    // Never into another account.
    let solo_default = w.dir.account(w.solo.sa).unwrap().default_va();
    let err = license_refused(
        &mut w.dir,
        &alice,
        at,
        LicenseCommand::MoveDevice {
            device: l.sw_emea_2.clone(),
            va: solo_default,
        },
    );
    assert_eq!(err.rule(), RuleId::DEV001);
    // frank (VA User on EMEA-Sales only) may not manage devices in EMEA.
    let err = license_refused(
        &mut w.dir,
        &Actor::User(acme.frank),
        at,
        LicenseCommand::RemoveDevice {
            device: l.sw_emea_1.clone(),
        },
    );
    assert_eq!(err.rule(), RuleId::ROLE005);
    // Removing releases its consumption; an unknown device is a typed error.
    w.dir
        .license(
            &alice,
            at,
            LicenseCommand::RemoveDevice {
                device: l.sw_emea_1.clone(),
            },
        )
        .unwrap();
    assert_eq!(pool(&w.dir, acme.sa, acme.emea, &l.acme_dna).1, 0);
    assert_eq!(w.dir.device_account(&l.sw_emea_1), None);
    let err = license_refused(
        &mut w.dir,
        &alice,
        at,
        LicenseCommand::RemoveDevice {
            device: l.sw_emea_1.clone(),
        },
    );
    assert!(matches!(err, Error::UnknownDevice { .. }));
    assert_eq!(err.rule(), RuleId::DEV001);
}

#[test]
fn dev001_lic006_dev002_inconsistent_devices_are_refused() {
    let w = world();
    // The same device twice.
    let mut snap = logless(&w.dir);
    let acme = account_mut(&mut snap, w.acme.sa);
    let first = acme.licenses.devices[0].clone();
    acme.licenses.devices.push(first.clone());
    let err = Directory::from_snapshot(snap).unwrap_err();
    assert!(err.path().contains(".licenses.devices["), "{err}");
    assert!(err.to_string().contains(first.id.as_str()), "{err}");

    // Consumption of a license type the account never held.
    let mut snap = logless(&w.dir);
    let acme = account_mut(&mut snap, w.acme.sa);
    let mut device = first.clone();
    device.id = "FDO-NEW-1".parse().unwrap();
    device.ever_consumed = true;
    device.consumption.clear();
    device.consumption.insert(
        License {
            sku: "NEVER-HELD".parse().unwrap(),
            term: Term::Perpetual,
        },
        1,
    );
    acme.licenses.devices.push(device.clone());
    license_snapshot_refused(snap, RuleId::LIC006, "devices");

    // Consumption of zero licenses.
    let mut snap = logless(&w.dir);
    let acme = account_mut(&mut snap, w.acme.sa);
    let held = acme.licenses.pools[0].license.clone();
    let mut zero = device.clone();
    zero.consumption.clear();
    zero.consumption.insert(held.clone(), 0);
    acme.licenses.devices.push(zero);
    license_snapshot_refused(snap, RuleId::LIC006, "devices");

    // A device that consumes but never consumed anything.
    let mut snap = logless(&w.dir);
    let acme = account_mut(&mut snap, w.acme.sa);
    let mut never = device;
    never.consumption.clear();
    never.consumption.insert(held, 1);
    never.ever_consumed = false;
    acme.licenses.devices.push(never);
    license_snapshot_refused(snap, RuleId::DEV002, "devices");
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

#[test]
fn dev002_reporting_status_follows_the_policy() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let l = w.licensing.clone();
    let policy = ReportingPolicy::default();
    assert_eq!(
        (policy.first_report, policy.frequency, policy.on_change),
        (90, 365, 90)
    );
    let as_of = parse_date("2026-01-05");
    let account = w.dir.account(acme.sa).unwrap();
    let status = |d| account.reporting_status(d, as_of, policy).unwrap();
    // Installed 2025-11-01, never reported: due 90 days later, within 30 days: due soon.
    assert_eq!(
        status(&l.sw_emea_1),
        ReportingStatus::DueSoon {
            due: parse_date("2026-01-30")
        }
    );
    // Installed 2025-12-20: due 2026-03-20, on time.
    assert_eq!(
        status(&l.sw_emea_2),
        ReportingStatus::OnTime {
            due: parse_date("2026-03-20")
        }
    );
    // Reported 2025-08-01, then changed 2025-10-01 without a report: due 2025-12-30, overdue.
    assert_eq!(
        status(&l.rtr_americas),
        ReportingStatus::Overdue {
            due: parse_date("2025-12-30"),
            days: 6
        }
    );
    // A policy without the on-change report: the yearly report decides.
    let yearly = ReportingPolicy {
        on_change: 0,
        ..policy
    };
    assert_eq!(
        account.reporting_status(&l.rtr_americas, as_of, yearly),
        Some(ReportingStatus::OnTime {
            due: parse_date("2026-08-01")
        })
    );
    let none = ReportingPolicy {
        first_report: 0,
        frequency: 0,
        on_change: 0,
    };
    assert_eq!(
        account.reporting_status(&l.rtr_americas, as_of, none),
        Some(ReportingStatus::NotRequired)
    );
    // A device that never consumed needs no report.
    let alice = Actor::User(acme.alice);
    let idle = smart_accounts::DeviceId::parse("IDLE-1").unwrap();
    w.dir
        .register_device(&alice, at, idle.clone(), acme.us, parse_date("2020-01-01"))
        .unwrap();
    let account = w.dir.account(acme.sa).unwrap();
    assert_eq!(
        account.reporting_status(&idle, as_of, policy),
        Some(ReportingStatus::NotRequired)
    );
    // A report clears the overdue change report.
    w.dir
        .license(
            &alice,
            at,
            LicenseCommand::RecordReport {
                device: l.rtr_americas.clone(),
                on: as_of,
            },
        )
        .unwrap();
    assert_eq!(
        w.dir
            .account(acme.sa)
            .unwrap()
            .reporting_status(&l.rtr_americas, as_of, policy),
        Some(ReportingStatus::OnTime {
            due: parse_date("2027-01-05")
        })
    );
    let listed = w.dir.account(acme.sa).unwrap().reporting(as_of, policy);
    assert_eq!(listed.len(), 4);
}
