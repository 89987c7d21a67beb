//! Tests written for mutants that survived `scripts/mutants.sh`: each names the mutant it kills
//! and what no test pinned down before.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::quotes::{new_account_line, quote_for, report_of};
use crate::common::world;
use crate::common::{event_refused, license_event};
use smart_accounts::fixtures::{self, World};
use smart_accounts::license::{CrossSaPath, CrossSaTransfer, ReportingPolicy, ReportingStatus};
use smart_accounts::{
    Actor, DeviceId, Directory, IdempotencyKey, LicenseChange, LicenseCommand,
    LicenseKind, OrderId, OrderLine, RecordedActor, RuleId, SmartAccount, TransferId,
    TransferLine,
};

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

/// `src/license.rs`: `SmartAccount::usable` with `==` turned into `!=` survived (it swapped the
/// two reasons). A reservation arriving as an event for a holding account, or for a Pending
/// one, is refused (LIC005), and the message says which of the two it is.
#[test]
fn lic005_a_reservation_event_for_a_holding_or_pending_account_says_why_it_is_refused() {
    let w = world();
    let holding = w.dir.account(w.partner.holding).unwrap();
    let pending = w.dir.account(w.globex.sa).unwrap();
    for (account, why) in [(holding, "partner holding account"), (pending, "pending")] {
        let reserve = license_event(
            account.id(),
            LicenseChange::Reserved {
                va: account.default_va(),
                license: w.licensing.ise.clone(),
                quantity: 1,
            },
        );
        let message = event_refused(account, &reserve, RuleId::LIC005);
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
    let reserve = license_event(
        acme.id(),
        LicenseChange::Reserved {
            va: w.dir.account(w.solo.sa).unwrap().default_va(),
            license: w.licensing.ise.clone(),
            quantity: 1,
        },
    );
    let message = event_refused(acme, &reserve, RuleId::LIC010);
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

use crate::common::logless;

/// A fresh pool of Acme's, with neither consumption nor reservation, in its deepest Virtual
/// Account: (VA, license, purchased).
fn free_pool(w: &mut World) -> (smart_accounts::VaId, smart_accounts::License, u64) {
    let va = w.acme.deep[9];
    let license = w.licensing.ise.clone();
    w.dir
        .license(
            &Actor::Fulfilment,
            w.at,
            LicenseCommand::Deposit {
                sa: w.acme.sa,
                va: Some(va),
                order: OrderLine {
                    order: OrderId::parse("FREE-1").unwrap(),
                    line: 1,
                },
                license: license.clone(),
                kind: LicenseKind::Smart,
                quantity: 5,
                procured_by: w.partner.org,
                sa_mandatory: false,
            },
        )
        .unwrap();
    let acme = w.dir.account(w.acme.sa).unwrap();
    let row = acme
        .compliance_of(va)
        .into_iter()
        .find(|c| *c.license == license)
        .unwrap();
    assert_eq!((row.purchased, row.consumed, row.reserved), (5, 0, 0));
    (va, license, 5)
}

/// `src/license.rs`: the filter of `opening_items` with `purchased > 0` turned into `>= 0`
/// (and its `reserved > 0` turned into `== 0` or `>= 0`) survived: no test wrote a snapshot after
/// emptying a pool. A pool emptied by a transfer writes no opening item, and the snapshot loads
/// back equal.
#[test]
fn lic001_a_pool_emptied_by_a_transfer_writes_no_opening_item() {
    let mut w = world();
    let (va, license, purchased) = free_pool(&mut w);
    let to = if va == w.acme.emea {
        w.acme.us
    } else {
        w.acme.emea
    };
    w.dir
        .license(
            &Actor::User(w.acme.alice),
            w.at,
            LicenseCommand::Transfer {
                from: va,
                to,
                lines: vec![TransferLine {
                    license: license.clone(),
                    quantity: purchased,
                }],
                key: IdempotencyKey::parse("empty-it").unwrap(),
            },
        )
        .unwrap();
    let snap = logless(&w.dir);
    let acme = snap.accounts.iter().find(|a| a.id == w.acme.sa).unwrap();
    assert!(
        !acme
            .licenses
            .pools
            .iter()
            .any(|p| p.va == va && p.license == license)
    );
    let loaded = Directory::from_snapshot(snap).unwrap();
    assert_eq!(loaded.account(w.acme.sa), w.dir.account(w.acme.sa));
}

/// `src/license.rs`: in `apply_opening`, `reserved > purchased` turned into `>=` survived (no
/// snapshot reserved a whole pool), and `reserved > 0` turned into `< 0` survived (no snapshot
/// reserved in a holding account). A pool may reserve all it holds; a reservation in a holding
/// account is refused (LIC005).
#[test]
fn lic010_an_opening_pool_may_reserve_all_it_holds_but_not_in_holding() {
    let mut w = world();
    let (va, license, purchased) = free_pool(&mut w);
    let mut snap = logless(&w.dir);
    let acme = snap
        .accounts
        .iter_mut()
        .find(|a| a.id == w.acme.sa)
        .unwrap();
    let pool = acme
        .licenses
        .pools
        .iter_mut()
        .find(|p| p.va == va && p.license == license)
        .unwrap();
    pool.reserved = purchased;
    let loaded = Directory::from_snapshot(snap).unwrap();
    let row = loaded
        .account(w.acme.sa)
        .unwrap()
        .compliance_of(va)
        .into_iter()
        .find(|c| *c.license == license)
        .map(|c| (c.reserved, c.available));
    assert_eq!(row, Some((purchased, 0)));

    let mut snap = logless(&w.dir);
    let holding = snap
        .accounts
        .iter_mut()
        .find(|a| a.id == w.partner.holding)
        .unwrap();
    holding.licenses.pools[0].reserved = 1;
    let err = Directory::from_snapshot(snap).unwrap_err();
    assert_eq!(err.rule(), RuleId::LIC005, "{err}");
    assert!(err.path().contains(".licenses.pools["), "{err}");
}

/// `src/license.rs`: `check_path` replaced by `Ok(())` survived: the command side checks the
/// case number before a record exists. A recorded vendor re-assignment without a case number is
/// refused when a snapshot lists it and when its event arrives (LIC004).
#[test]
fn lic004_a_recorded_reassignment_needs_a_case_number() {
    let mut w = world();
    let (va, license, _) = free_pool(&mut w);
    let transfer = CrossSaTransfer {
        id: TransferId::parse("no-case").unwrap(),
        path: CrossSaPath::VendorReassignment {
            case: String::new(),
        },
        from_sa: w.acme.sa,
        from_va: va,
        to_sa: w.solo.sa,
        to_va: w.dir.account(w.solo.sa).unwrap().default_va(),
        lines: vec![TransferLine {
            license,
            quantity: 1,
        }],
    };
    let mut snap = logless(&w.dir);
    let acme = snap
        .accounts
        .iter_mut()
        .find(|a| a.id == w.acme.sa)
        .unwrap();
    acme.licenses.transfers.push(transfer.clone());
    let err = Directory::from_snapshot(snap).unwrap_err();
    assert_eq!(err.rule(), RuleId::LIC004, "{err}");
    assert!(err.to_string().contains("case number"), "{err}");

    let acme = w.dir.account(w.acme.sa).unwrap();
    let sent = license_event(acme.id(), LicenseChange::Sent(transfer));
    let message = event_refused(acme, &sent, RuleId::LIC004);
    assert!(message.contains("case number"), "{message}");
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

/// `src/license.rs`: `check_move_in` replaced by `Ok(())` survived: the receiving side's
/// overflow check was untested, and without it the pool would saturate and lose count. A
/// received transfer that would overflow the destination pool is refused (LIC004).
#[test]
fn lic004_a_received_transfer_that_would_overflow_the_pool_is_refused() {
    let w = world();
    let acme = w.dir.account(w.acme.sa).unwrap();
    let held = acme
        .compliance_of(w.acme.americas)
        .into_iter()
        .find(|c| *c.license == w.licensing.ise)
        .map_or(0, |c| c.purchased);
    assert!(held > 0);
    let received = license_event(
        acme.id(),
        LicenseChange::Received(CrossSaTransfer {
            id: TransferId::parse("too-many").unwrap(),
            path: CrossSaPath::VendorReassignment {
                case: "SR-9".into(),
            },
            from_sa: w.solo.sa,
            from_va: w.dir.account(w.solo.sa).unwrap().default_va(),
            to_sa: acme.id(),
            to_va: w.acme.americas,
            lines: vec![TransferLine {
                license: w.licensing.ise.clone(),
                quantity: u64::MAX,
            }],
        }),
    );
    event_refused(acme, &received, RuleId::LIC004);
}

/// `src/validate.rs`: `Verdict::is_allowed` and `Report::is_allowed` replaced by `true`
/// survived: the tests compared verdicts, never asked `is_allowed`. Over every sample quote at
/// every stage, a report is allowed exactly when it is not blocked, and both answers occur.
#[test]
fn q008_a_report_is_allowed_exactly_when_it_is_not_blocked() {
    use smart_accounts::fixtures::quotes::{DAY, samples};
    use smart_accounts::{PolicyCalendar, Stage, Verdict, validate};
    let w = world();
    let mut seen = (false, false);
    for s in samples(&w).unwrap() {
        for stage in Stage::ALL {
            let report = validate(&w.dir, &s.quote, stage, DAY, &PolicyCalendar::default());
            let blocked = report.verdict == Verdict::Blocked;
            assert_eq!(report.is_allowed(), !blocked, "{}: {report}", s.name);
            assert_eq!(report.verdict.is_allowed(), !blocked);
            if blocked {
                seen.0 = true;
            } else {
                seen.1 = true;
            }
        }
    }
    assert_eq!(seen, (true, true));
}

/// `src/validate.rs`: the comparison, ordering, hashing and `Debug` impls of `Message` replaced
/// by constants survived: the tests read messages as text. A message compares, orders, hashes
/// and debug-prints as its text, whether it was built from a `&'static str` or a `String`.
#[test]
fn q008_a_message_behaves_as_its_text() {
    use smart_accounts::validate::Message;
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let fixed = Message::from("SA required");
    let shared = Message::from(String::from("SA required"));
    let other = Message::from("VA not found");
    assert_eq!(fixed, shared);
    assert_ne!(fixed, other);
    assert!(fixed == *"SA required" && fixed == "SA required");
    assert!(fixed != *"VA not found" && fixed != "VA not found");
    assert_eq!(fixed.partial_cmp(&other), Some(std::cmp::Ordering::Less));
    assert_eq!(fixed.cmp(&shared), std::cmp::Ordering::Equal);
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    assert_eq!(hasher.hash_one(&fixed), hasher.hash_one("SA required"));
    assert_eq!(hasher.hash_one(&fixed), hasher.hash_one(&shared));
    assert_ne!(hasher.hash_one(&fixed), hasher.hash_one(&other));
    assert_eq!(format!("{fixed:?}"), format!("{:?}", "SA required"));
}

/// `src/validate.rs`: in `Ctx::customer_active`, `&&` turned into `||` survived. Only an
/// Active Customer account makes a holding-account line warn (Q007): the Pending customer
/// account of globex.com does not, nor does the partner's own Active holding account.
#[test]
fn q007_only_an_active_customer_account_makes_a_holding_line_warn() {
    use smart_accounts::quote::{Assignment, Line};
    let w = world();
    let line = || {
        Line::new("1", "SKU", 1).assigned(Assignment::Account {
            sa: w.partner.holding,
            va: None,
        })
    };
    for domain in ["globex.com", "nimbus-networks.com"] {
        let report = report_of(&w, &quote_for(&w, domain, vec![line()]));
        assert!(report.findings.is_empty(), "{domain}: {report}");
    }
    let report = report_of(&w, &quote_for(&w, "acme.com", vec![line()]));
    assert_eq!(report.of_rule(RuleId::Q007).count(), 1, "{report}");
}

/// `src/validate.rs`: the PTR004 case "the distributor is the quoting partner" (its match
/// guard replaced by `false`) survived. A distributor quoting with itself as its distributor
/// gets the error.
#[test]
fn ptr004_a_distributor_named_as_its_own_distributor_is_an_error() {
    let w = world();
    let mut quote = quote_for(&w, "acme.com", Vec::new());
    quote.partner = w.distributor.org;
    quote.distributor = Some(w.distributor.org);
    let report = report_of(&w, &quote);
    let found: Vec<_> = report.of_rule(RuleId::PTR004).collect();
    assert_eq!(found.len(), 1, "{report}");
    assert!(found[0].message.contains("same organization"), "{report}");
}

/// `src/validate.rs`: the SKU length check (`len() > 100 && chars().count() > 100`) survived
/// several mutants: no test had a SKU near 100 characters. 100 characters pass whatever their
/// bytes; 101 do not.
#[test]
fn q008_the_sku_limit_counts_characters_not_bytes() {
    use smart_accounts::quote::Line;
    let w = world();
    let long = |sku: String| {
        let report = report_of(
            &w,
            &quote_for(&w, "acme.com", vec![Line::new("1", &sku, 1)]),
        );
        report
            .of_rule(RuleId::Q008)
            .any(|f| f.message.contains("longer than 100"))
    };
    assert!(!long("X".repeat(100)));
    assert!(!long("é".repeat(100)));
    assert!(long("X".repeat(101)));
    assert!(long("é".repeat(101)));
}

/// `src/validate.rs`: the fast path of `blank` (its match guard replaced by `true`) survived:
/// no test had a SKU of spaces only. Such a SKU, like an empty one, is missing (Q008).
#[test]
fn q008_a_sku_of_spaces_only_is_missing() {
    use smart_accounts::quote::Line;
    let w = world();
    for sku in ["", "   ", "\t"] {
        let report = report_of(&w, &quote_for(&w, "acme.com", vec![Line::new("1", sku, 1)]));
        assert!(
            report
                .of_rule(RuleId::Q008)
                .any(|f| f.message.contains("no SKU")),
            "{sku:?}: {report}"
        );
    }
}

/// `src/validate.rs`: the Q001 note for unassigned optional Smart lines (its guard replaced by
/// `true` or `false`, `&&` by `||`, `==` by `!=`) survived. When ordering, an unassigned line
/// whose Smart Account is optional gets the note only for Smart licenses; when submitting it
/// gets nothing.
#[test]
fn q001_an_unassigned_optional_smart_line_gets_a_note_when_ordered() {
    use smart_accounts::fixtures::quotes::DAY;
    use smart_accounts::quote::{LicenseKind as Kind, Line, SaRequirement};
    use smart_accounts::validate::Severity;
    use smart_accounts::{PolicyCalendar, Stage, validate};
    let w = world();
    let notes = |license: Kind, stage: Stage| {
        let mut line = Line::new("1", "SKU", 1);
        line.requirement = SaRequirement::Optional;
        line.license = license;
        let quote = quote_for(&w, "acme.com", vec![line]);
        let report = validate(&w.dir, &quote, stage, DAY, &PolicyCalendar::default());
        report
            .findings
            .iter()
            .map(|f| (f.rule, f.severity))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        notes(Kind::Smart, Stage::Order),
        vec![(RuleId::Q001, Severity::Info)]
    );
    assert!(notes(Kind::Classic, Stage::Order).is_empty());
    assert!(notes(Kind::Smart, Stage::Submit).is_empty());
}

/// `src/validate.rs`: in `new_account`, the Cisco.com ID test with `&&` turned into `||`
/// survived. A contact whose Cisco.com ID is only spaces, or longer than 100 characters, has
/// none (SA004); a real one passes.
#[test]
fn sa004_a_blank_or_overlong_cisco_id_is_no_cisco_id() {
    let w = world();
    let sa004 = |cco: &str| {
        let quote = quote_for(
            &w,
            "newco.com",
            vec![new_account_line("newco.com", Some(cco))],
        );
        report_of(&w, &quote).of_rule(RuleId::SA004).count()
    };
    assert_eq!(sa004("   "), 1);
    assert_eq!(sa004(&"c".repeat(101)), 1);
    assert_eq!(sa004("newco-it"), 0);
}

/// `src/validate.rs`: `family_has_account` replaced by `true`, with its `!` deleted, or with
/// `&&` turned into `||`, survived: no test requested an account for a company without one. A
/// request for newco.com or unit.newco.com raises no "already has a Smart Account" warning; one
/// for unit.acme.com does (Q007, BP001).
#[test]
fn q007_a_new_account_warns_only_when_the_company_has_one() {
    let w = world();
    let warned = |domain: &str| {
        let quote = quote_for(&w, domain, vec![new_account_line(domain, Some("newco-it"))]);
        report_of(&w, &quote)
            .of_rule(RuleId::Q007)
            .any(|f| f.message.contains("already has a Smart Account"))
    };
    assert!(!warned("newco.com"));
    assert!(!warned("unit.newco.com"));
    assert!(warned("unit.acme.com"));
}

/// `src/advisor.rs`: the `Display` impls of `Severity` and `Subject` replaced by empty output
/// survived. They print the severity's name and the subject's identifier.
#[test]
fn bp_advice_severities_and_subjects_print_as_documented() {
    use smart_accounts::advisor::{Severity, Subject};
    assert_eq!(Severity::Info.to_string(), "info");
    assert_eq!(Severity::Warning.to_string(), "warning");
    assert_eq!(Severity::Critical.to_string(), "critical");
    let w = world();
    assert_eq!(
        Subject::Account(w.acme.sa).to_string(),
        w.acme.sa.to_string()
    );
    assert_eq!(
        Subject::Va(w.acme.emea).to_string(),
        w.acme.emea.to_string()
    );
    assert_eq!(
        Subject::User(w.acme.alice).to_string(),
        w.acme.alice.to_string()
    );
    assert_eq!(
        Subject::Organization(w.acme.org).to_string(),
        w.acme.org.to_string()
    );
}

/// `src/advisor.rs`: in `same_word`, `&&` turned into `||` (ASCII words of equal length) and
/// `==` into `!=` (non-ASCII words) survived. A configured phrase matches only its own words:
/// `m a` flags "M&A" but not "M&B"; `privé` flags "Dossier PRIVÉ" but not "Dossier PUBLIÉ".
#[test]
fn bp003_configured_words_match_only_themselves() {
    use smart_accounts::advisor::{AdvisorConfig, Scope, Subject, advise};
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let mut va = |name: &str| {
        w.dir
            .create_va(&alice, w.at, w.acme.sa, None, name)
            .unwrap()
    };
    let (ma, mb, prive, publie) = (
        va("Deal room M&A"),
        va("Deal room M&B"),
        va("Dossier PRIVÉ"),
        va("Dossier PUBLIÉ"),
    );
    let config = AdvisorConfig {
        confidential_words: vec!["m a".into(), "privé".into()],
        ..AdvisorConfig::default()
    };
    let on: jiff::civil::Date = "2026-02-01".parse().unwrap();
    let flagged: Vec<Subject> = advise(&w.dir, Scope::All, on, &config)
        .into_iter()
        .filter(|a| a.rule == RuleId::BP003)
        .map(|a| a.subject)
        .collect();
    assert!(flagged.contains(&Subject::Va(ma)));
    assert!(flagged.contains(&Subject::Va(prive)));
    assert!(!flagged.contains(&Subject::Va(mb)), "{flagged:?}");
    assert!(!flagged.contains(&Subject::Va(publie)), "{flagged:?}");
}

/// `src/advisor.rs`: in `Advisor::note`, the guard that links a company's later accounts to its
/// first (`*first != 0`) replaced by `false` survived: the BP001 test used related domains,
/// which link accounts on their own. Two Customer accounts of one organization with unrelated
/// domains are one company too.
#[test]
fn bp001_accounts_of_one_organization_are_one_company_whatever_their_domains() {
    use smart_accounts::advisor::{AdvisorConfig, Scope, advise};
    let mut w = world();
    let on: jiff::civil::Date = "2026-02-01".parse().unwrap();
    let bp001 = |dir: &Directory| {
        advise(dir, Scope::All, on, &AdvisorConfig::default())
            .into_iter()
            .filter(|a| a.rule == RuleId::BP001)
            .count()
    };
    assert_eq!(bp001(&w.dir), 0);
    let robo = w
        .dir
        .register_user(smart_accounts::NewUser {
            cco_id: Some("robo".into()),
            email: "robo@acme-robotics.io".into(),
            org: w.acme.org,
            kind: smart_accounts::UserKind::Individual,
        })
        .unwrap();
    w.dir
        .request_account(
            &Actor::User(robo),
            w.at,
            smart_accounts::AccountKind::Customer,
            "Acme Robotics",
            Some("acme-robotics.io"),
            robo,
        )
        .unwrap();
    assert_eq!(bp001(&w.dir), 1);
}

/// `src/advisor.rs`: in `Advisor::partner_org`, `&&` turned into `||` survived. A user of
/// another customer organization holding roles is not partner access: the advisor gives no
/// partner advice (BP005) about them.
#[test]
fn ptr001_a_user_of_another_customer_is_not_a_partner_to_the_advisor() {
    use smart_accounts::advisor::{AdvisorConfig, Scope, Subject, advise};
    use smart_accounts::{Inheritance, Role, Target};
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let on: jiff::civil::Date = "2026-02-01".parse().unwrap();
    let hank = w.globex.hank;
    // An account role and a Virtual Account role, as a partner user's would be.
    for (target, role) in [
        (Target::Account(w.acme.sa), Role::SaViewer),
        (Target::Va(w.acme.emea), Role::VaViewer),
    ] {
        w.dir
            .assign_role(&alice, w.at, hank, target, role, Inheritance::AccountOnly)
            .unwrap();
    }
    let about_hank: Vec<_> = advise(&w.dir, Scope::All, on, &AdvisorConfig::default())
        .into_iter()
        .filter(|a| {
            a.subject == Subject::User(hank) || a.subject == Subject::Organization(w.globex.org)
        })
        .map(|a| (a.rule, a.message))
        .collect();
    assert_eq!(about_hank, Vec::new());
}

/// `src/advisor.rs`: the note on restricted Virtual Accounts in BP003 (`==` turned into `!=`)
/// survived. The advice on a confidential-looking name says when the Virtual Account is
/// restricted, and only then.
#[test]
fn bp003_the_advice_says_when_a_confidential_name_is_restricted() {
    use smart_accounts::advisor::{AdvisorConfig, Scope, Subject, advise};
    use smart_accounts::{Command, Visibility};
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let open = w
        .dir
        .create_va(&alice, w.at, w.acme.sa, None, "Open CONFIDENTIAL")
        .unwrap();
    let hidden = w
        .dir
        .create_va(&alice, w.at, w.acme.sa, None, "Hidden CONFIDENTIAL")
        .unwrap();
    w.dir
        .execute(
            &alice,
            w.at,
            Command::SetVisibility {
                va: hidden,
                visibility: Visibility::Restricted,
            },
        )
        .unwrap();
    let on: jiff::civil::Date = "2026-02-01".parse().unwrap();
    let advice = advise(&w.dir, Scope::All, on, &AdvisorConfig::default());
    let message = |va| {
        advice
            .iter()
            .find(|a| a.rule == RuleId::BP003 && a.subject == Subject::Va(va))
            .map(|a| a.message.clone())
            .unwrap()
    };
    assert!(message(hidden).contains("restricted"));
    assert!(!message(open).contains("restricted"));
}

/// `src/advisor.rs`: in BP009, "deeper than the deepest so far" with `>` turned into `>=`
/// survived: no test had two Virtual Accounts at the deepest level. The advice names the first
/// of them (in the account's order), so it does not change when a sibling is added.
#[test]
fn bp009_the_depth_advice_names_the_first_of_the_deepest() {
    use smart_accounts::advisor::{AdvisorConfig, Scope, Subject, advise};
    let mut w = world();
    let on: jiff::civil::Date = "2026-02-01".parse().unwrap();
    let deepest = |dir: &Directory| {
        advise(dir, Scope::All, on, &AdvisorConfig::default())
            .into_iter()
            .filter(|a| a.rule == RuleId::BP009 && a.account == Some(w.acme.sa))
            .map(|a| a.subject)
            .collect::<Vec<_>>()
    };
    let before = deepest(&w.dir);
    assert_eq!(before, vec![Subject::Va(w.acme.deep[9])]);
    let alice = Actor::User(w.acme.alice);
    w.dir
        .create_va(&alice, w.at, w.acme.sa, Some(w.acme.deep[8]), "Sibling")
        .unwrap();
    assert_eq!(deepest(&w.dir), before);
}

/// The advice of one rule over the whole directory.
fn advice_of(dir: &Directory, rule: RuleId) -> Vec<smart_accounts::advisor::Advice> {
    use smart_accounts::advisor::{AdvisorConfig, Scope, advise};
    let on: jiff::civil::Date = "2026-02-01".parse().unwrap();
    advise(dir, Scope::All, on, &AdvisorConfig::default())
        .into_iter()
        .filter(|a| a.rule == rule)
        .collect()
}

/// `src/advisor.rs`: in `Advisor::companies`, deleting the `!` that skips non-customer domains
/// survived: the BP001 tests linked accounts of one organization. Accounts of two organizations
/// whose domains are one family (acme.com and lab.acme.com) are one company too.
#[test]
fn bp001_a_domain_family_is_one_company_across_organizations() {
    let mut w = world();
    assert!(advice_of(&w.dir, RuleId::BP001).is_empty());
    let labs = w
        .dir
        .register_organization("Acme Labs Inc", smart_accounts::OrgKind::Customer)
        .unwrap();
    let lea = w
        .dir
        .register_user(smart_accounts::NewUser {
            cco_id: Some("lea".into()),
            email: "lea@lab.acme.com".into(),
            org: labs,
            kind: smart_accounts::UserKind::Individual,
        })
        .unwrap();
    w.dir
        .request_account(
            &Actor::User(lea),
            w.at,
            smart_accounts::AccountKind::Customer,
            "Acme Labs",
            Some("lab.acme.com"),
            lea,
        )
        .unwrap();
    let found = advice_of(&w.dir, RuleId::BP001);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("`acme.com`") && found[0].message.contains("`lab.acme.com`"));
}

/// `src/advisor.rs`: in `Advisor::companies`, the "and N more" of long lists (`more > 0`)
/// survived three mutants: no test had a company of more than ten accounts. Ten are listed,
/// the rest counted; a short list has no count.
#[test]
fn bp001_a_long_list_of_accounts_ends_with_a_count() {
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let request = |dir: &mut Directory, i: usize| {
        dir.request_account(
            &alice,
            w.at,
            smart_accounts::AccountKind::Customer,
            &format!("Acme unit {i}"),
            Some(&format!("u{i}.acme.com")),
            w.acme.alice,
        )
        .unwrap();
    };
    request(&mut w.dir, 1);
    let short = advice_of(&w.dir, RuleId::BP001);
    assert!(!short[0].message.contains(" more"), "{}", short[0].message);
    for i in 2..=11 {
        request(&mut w.dir, i);
    }
    let long = advice_of(&w.dir, RuleId::BP001);
    assert!(
        long[0].message.contains(" and 2 more"),
        "{}",
        long[0].message
    );
}

/// `src/advisor.rs`: in `Advisor::shared_vas`, `==` turned into `!=`, `||` into `&&` and `<`
/// into `>` survived: no test bound two partner organizations near one Virtual Account. BP005
/// names a Virtual Account when two partner organizations reach it and one is bound there;
/// one organization alone, or a Virtual Account reached only from above, is not named.
#[test]
fn bp005_shared_virtual_accounts_are_the_ones_two_partners_are_bound_to() {
    use smart_accounts::advisor::Subject;
    use smart_accounts::{Inheritance, Role, Target};
    let shared =
        |nina_at: smart_accounts::VaId, dist_at: smart_accounts::VaId, dist: Inheritance| {
            let mut w = world();
            let alice = Actor::User(w.acme.alice);
            for (user, va, inheritance) in [
                (w.partner.nina, nina_at, Inheritance::AccountAndChildren),
                (w.distributor.admin, dist_at, dist),
            ] {
                w.dir
                    .assign_role(
                        &alice,
                        w.at,
                        user,
                        Target::Va(va),
                        Role::VaUser,
                        inheritance,
                    )
                    .unwrap();
            }
            let subjects: Vec<Subject> = advice_of(&w.dir, RuleId::BP005)
                .into_iter()
                .filter(|a| a.message.contains("share"))
                .map(|a| a.subject)
                .collect();
            (w, subjects)
        };
    // Nimbus over all of EMEA, the distributor on EMEA Sales only: EMEA Sales is shared.
    let (w, subjects) = shared(
        fixtures::world().unwrap().acme.emea,
        fixtures::world().unwrap().acme.emea_sales,
        Inheritance::AccountOnly,
    );
    assert_eq!(subjects, vec![Subject::Va(w.acme.emea_sales)]);
    // Both over all of EMEA: EMEA is named, not the Virtual Accounts below it.
    let (w, subjects) = shared(
        fixtures::world().unwrap().acme.emea,
        fixtures::world().unwrap().acme.emea,
        Inheritance::AccountAndChildren,
    );
    assert_eq!(subjects, vec![Subject::Va(w.acme.emea)]);
}

/// `src/licensing.rs`: the retry test of a true-up (`d.true_up && d.license == license &&
/// d.va == Some(va)`) survived `&&` turned into `||` twice: no test reused an order line for a
/// different true-up. Only the same true-up again is a no-op; an order line used by a regular
/// deposit, or by a true-up of another license type, is refused.
#[test]
fn lic006_only_the_same_true_up_again_is_a_retry() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let dna = w.licensing.acme_dna.clone();
    let ise = w.licensing.ise.clone();
    let fulfil = Actor::Fulfilment;
    let order_line = |id: &str| OrderLine {
        order: OrderId::parse(id).unwrap(),
        line: 1,
    };
    // A regular deposit into EMEA (short of 10), then a true-up naming its order line.
    w.dir
        .license(
            &fulfil,
            at,
            LicenseCommand::Deposit {
                sa: acme.sa,
                va: Some(acme.emea),
                order: order_line("SO-REG"),
                license: dna.clone(),
                kind: LicenseKind::Smart,
                quantity: 3,
                procured_by: acme.org,
                sa_mandatory: false,
            },
        )
        .unwrap();
    let true_up = |order: &str, license: &smart_accounts::License| LicenseCommand::TrueUp {
        va: acme.emea,
        license: license.clone(),
        order: order_line(order),
        procured_by: acme.org,
    };
    assert!(w.dir.license(&fulfil, at, true_up("SO-REG", &dna)).is_err());
    // A real true-up, its retry, and its order line reused for another license type.
    assert_eq!(
        w.dir
            .license(&fulfil, at, true_up("SO-TU", &dna))
            .unwrap()
            .len(),
        1
    );
    assert!(
        w.dir
            .license(&fulfil, at, true_up("SO-TU", &dna))
            .unwrap()
            .is_empty()
    );
    assert!(w.dir.license(&fulfil, at, true_up("SO-TU", &ise)).is_err());
}

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

/// `src/licensing.rs`: in `destination_va`, deleting the `!` survived: no test assigned into a
/// restricted Virtual Account its user may see. A partner user with a role on Acme's restricted
/// Americas assigns holding licenses into it; a partner admin without one does not find it
/// (LIC004, as if it did not exist).
#[test]
fn lic004_a_restricted_destination_is_found_only_by_users_who_see_it() {
    use smart_accounts::{Command, Visibility};
    let mut w = world();
    let (acme, partner, at) = (w.acme, w.partner, w.at);
    w.dir
        .execute(
            &Actor::User(acme.alice),
            at,
            Command::SetVisibility {
                va: acme.americas,
                visibility: Visibility::Restricted,
            },
        )
        .unwrap();
    let assign = |id: &str| LicenseCommand::AssignFromHolding {
        transfer: TransferId::parse(id).unwrap(),
        from: partner.holding_default,
        to_sa: acme.sa,
        to_va: Some(acme.americas),
        lines: vec![TransferLine {
            license: w.licensing.ise.clone(),
            quantity: 1,
        }],
    };
    let err = w
        .dir
        .license(&Actor::User(partner.admin), at, assign("hidden-1"))
        .unwrap_err();
    assert_eq!(err.rule(), RuleId::LIC004, "{err}");
    let events = w
        .dir
        .license(&Actor::User(partner.nina), at, assign("seen-1"))
        .unwrap();
    assert_eq!(events.len(), 2);
}

/// `src/licensing.rs`: the reasons of a refused reservation command (`==` turned into `!=`
/// swaps them) survived. Reserving in a holding account or in a Pending account is refused
/// (LIC005), and the message says which.
#[test]
fn lic005_a_reservation_command_says_why_it_is_refused() {
    let mut w = world();
    for (sa, actor, why) in [
        (
            w.partner.holding,
            w.partner.admin,
            "partner holding account",
        ),
        (w.globex.sa, w.globex.hank, "pending"),
    ] {
        let va = w.dir.account(sa).unwrap().default_va();
        let err = w
            .dir
            .license(
                &Actor::User(actor),
                w.at,
                LicenseCommand::Reserve {
                    va,
                    license: w.licensing.ise.clone(),
                    quantity: 1,
                },
            )
            .unwrap_err();
        assert_eq!(err.rule(), RuleId::LIC005, "{err}");
        assert!(err.to_string().contains(why), "{err}");
    }
}

/// `src/licensing.rs`: in `plan_pair`, "both accounts recorded this very transfer" with `&&`
/// turned into `||` survived. When only the source recorded it and the destination holds
/// another transfer under that ID (a snapshot can say so), repeating it is a conflict, not a
/// retry (LIC004).
#[test]
fn lic004_a_transfer_recorded_on_one_side_only_is_no_retry() {
    let w = world();
    let (acme, solo) = (w.acme, w.solo);
    let solo_va = w.dir.account(solo.sa).unwrap().default_va();
    let record = CrossSaTransfer {
        id: TransferId::parse("pair-1").unwrap(),
        path: CrossSaPath::VendorReassignment {
            case: "SR-1".into(),
        },
        from_sa: acme.sa,
        from_va: acme.americas,
        to_sa: solo.sa,
        to_va: solo_va,
        lines: vec![TransferLine {
            license: w.licensing.ise.clone(),
            quantity: 1,
        }],
    };
    let mut snap = logless(&w.dir);
    for a in &mut snap.accounts {
        if a.id == acme.sa {
            a.licenses.transfers.push(record.clone());
        } else if a.id == solo.sa {
            a.licenses.transfers.push(CrossSaTransfer {
                from_sa: w.globex.sa,
                from_va: w.dir.account(w.globex.sa).unwrap().default_va(),
                ..record.clone()
            });
        }
    }
    let mut dir = Directory::from_snapshot(snap).unwrap();
    let err = dir
        .license(
            &Actor::VendorSupport {
                case: "SR-1".into(),
            },
            w.at,
            LicenseCommand::VendorReassign {
                transfer: record.id.clone(),
                from: acme.americas,
                to_sa: solo.sa,
                to_va: None,
                lines: record.lines.clone(),
            },
        )
        .unwrap_err();
    assert_eq!(err.rule(), RuleId::LIC004, "{err}");
}

/// `src/model.rs`: `ActionSet::with` with `|` turned into `^` survived: no test added an action
/// a set already held. Adding is idempotent; every action can be added to any set.
#[test]
fn role005_adding_an_action_twice_keeps_it() {
    use smart_accounts::{Action, ActionSet};
    for action in Action::ALL {
        let once = ActionSet::EMPTY.with(action);
        assert!(once.contains(action));
        assert_eq!(once.with(action), once);
        assert_eq!(ActionSet::EVERY.with(action), ActionSet::EVERY);
    }
}

/// `src/check.rs`: in `is_allowed_on`, the account test of an expiring account-level grant
/// (`g.sa == sa` turned into `!=`) survived. An expiring SA role allows on its own account until
/// it ends, and never on another account.
#[test]
fn ptr005_an_expiring_account_role_allows_only_on_its_account() {
    use smart_accounts::{Action, Command, Inheritance, Role, Target};
    let mut w = world();
    let (acme, nina) = (w.acme, w.partner.nina);
    let alice = Actor::User(acme.alice);
    w.dir
        .assign_role(
            &alice,
            w.at,
            nina,
            Target::Account(acme.sa),
            Role::SaViewer,
            Inheritance::AccountOnly,
        )
        .unwrap();
    let end: jiff::civil::Date = "2027-01-01".parse().unwrap();
    w.dir
        .execute(
            &alice,
            w.at,
            Command::SetRoleExpiry {
                user: nina,
                target: Target::Account(acme.sa),
                expires: Some(end),
            },
        )
        .unwrap();
    let before: jiff::civil::Date = "2026-12-31".parse().unwrap();
    let view = Action::ViewAccount;
    assert!(
        w.dir
            .is_allowed_on(nina, view, Target::Account(acme.sa), before)
    );
    assert!(
        !w.dir
            .is_allowed_on(nina, view, Target::Account(acme.sa), end)
    );
    assert!(
        !w.dir
            .is_allowed_on(nina, view, Target::Account(w.solo.sa), before)
    );
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

/// Nina asks for VA Viewer on three of Acme's Virtual Accounts; Alice approves the first and
/// rejects the second; the third stays pending. Returns the request identifiers.
fn three_requests(w: &mut World) -> [u64; 3] {
    use smart_accounts::{Command, Inheritance, Role, Target};
    let (acme, nina) = (w.acme, w.partner.nina);
    let mut ask = |va| {
        w.dir
            .request_partner_access(
                &Actor::User(nina),
                w.at,
                acme.sa,
                Target::Va(va),
                Role::VaViewer,
                Inheritance::AccountOnly,
                None,
            )
            .unwrap()
    };
    let ids = [ask(acme.emea), ask(acme.us), ask(acme.apac)];
    let alice = Actor::User(acme.alice);
    w.dir
        .execute(
            &alice,
            w.at,
            Command::ApprovePartnerAccess {
                sa: acme.sa,
                request: ids[0],
                expires: None,
            },
        )
        .unwrap();
    w.dir
        .execute(
            &alice,
            w.at,
            Command::RejectPartnerAccess {
                sa: acme.sa,
                request: ids[1],
            },
        )
        .unwrap();
    ids
}

/// `src/snapshot.rs`: in `origins`, `r.status != Pending` turned into `==` survived: it pairs
/// the events that rebuild an account without a log with their paths, and no test loaded
/// decided requests without a log. Approved, rejected and pending requests all load back as
/// they were.
#[test]
fn ptr002_decided_requests_load_back_from_a_snapshot_without_log() {
    let mut w = world();
    three_requests(&mut w);
    let loaded = Directory::from_snapshot(logless(&w.dir)).unwrap();
    let account = |d: &Directory| d.account(w.acme.sa).unwrap().clone();
    assert_eq!(account(&loaded), account(&w.dir));
    assert_eq!(
        account(&loaded)
            .access_requests()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        account(&w.dir)
            .access_requests()
            .map(|r| r.status)
            .collect::<Vec<_>>()
    );
}

/// `src/snapshot.rs`: in `check_partner_records`, the test "a pending request names a Virtual
/// Account of this account" survived `==` turned into `!=` twice. A pending request for a
/// Virtual Account the account does not have is refused (PTR002), with its path.
#[test]
fn ptr002_a_pending_request_for_a_foreign_virtual_account_is_refused() {
    let mut w = world();
    three_requests(&mut w);
    let foreign = w.dir.account(w.solo.sa).unwrap().default_va();
    let mut snap = logless(&w.dir);
    let acme = snap
        .accounts
        .iter_mut()
        .find(|a| a.id == w.acme.sa)
        .unwrap();
    let pending = acme
        .access_requests
        .iter()
        .position(|r| r.status == smart_accounts::RequestStatus::Pending)
        .unwrap();
    acme.access_requests[pending].va = Some(foreign);
    let err = Directory::from_snapshot(snap).unwrap_err();
    assert_eq!(err.rule(), RuleId::PTR002, "{err}");
    assert!(err.path().contains(".access_requests["), "{err}");
}

/// Found while examining a survivor of `origins` (`src/snapshot.rs`): a snapshot whose access
/// request was approved or rejected by a user the directory does not know loaded without a
/// word, a dangling reference. It is now refused (PTR002) at the request's `status`; decided
/// requests that are fine load back as they were.
#[test]
fn ptr002_a_bad_decision_is_refused_at_its_status() {
    let mut w = world();
    three_requests(&mut w);
    let loaded = Directory::from_snapshot(logless(&w.dir)).unwrap();
    assert_eq!(loaded.account(w.acme.sa), w.dir.account(w.acme.sa));
    for j in 0..2 {
        let mut snap = logless(&w.dir);
        let acme = snap
            .accounts
            .iter_mut()
            .find(|a| a.id == w.acme.sa)
            .unwrap();
        let ghost = smart_accounts::UserId::new(9_999);
        acme.access_requests[j].status = match acme.access_requests[j].status {
            smart_accounts::RequestStatus::Approved { at, .. } => {
                smart_accounts::RequestStatus::Approved { by: ghost, at }
            }
            smart_accounts::RequestStatus::Rejected { at, .. } => {
                smart_accounts::RequestStatus::Rejected { by: ghost, at }
            }
            smart_accounts::RequestStatus::Pending => panic!("request {j} is decided"),
        };
        let err = Directory::from_snapshot(snap).unwrap_err();
        assert!(
            err.path()
                .ends_with(&format!(".access_requests[{j}].status")),
            "{err}"
        );
    }
}

/// `src/text.rs`: the length limit of a domain (`> MAX_DOMAIN` turned into `>=`) survived: no
/// test had a domain of exactly 253 characters. 253 pass, 254 do not (SA003).
#[test]
fn sa003_a_domain_of_exactly_253_characters_is_valid() {
    use smart_accounts::{Domain, MAX_DOMAIN};
    let label = |c: char, n: usize| c.to_string().repeat(n);
    let longest = format!(
        "{}.{}.{}.{}",
        label('a', 63),
        label('b', 63),
        label('c', 63),
        label('d', 61)
    );
    assert_eq!(longest.len(), MAX_DOMAIN);
    assert!(Domain::parse(&longest).is_ok());
    let over = format!(
        "{}.{}.{}.{}",
        label('a', 63),
        label('b', 63),
        label('c', 63),
        label('d', 62)
    );
    assert!(Domain::parse(&over).is_err());
}

/// `src/text.rs`: the limits of a domain label (`> 63`), of an email (`> MAX_EMAIL`) and of its
/// local part (`> 64`) survived `>` turned into `>=` (and `==`): no test sat on a limit. A
/// 63-character label, a 64-character local part and a 254-character email are valid; one
/// character more is not (SA003, SA004).
#[test]
fn sa004_email_and_label_limits_are_inclusive() {
    use smart_accounts::{Domain, Email, MAX_EMAIL};
    let x = |c: char, n: usize| c.to_string().repeat(n);
    assert!(Domain::parse(&format!("{}.com", x('a', 63))).is_ok());
    assert!(Domain::parse(&format!("{}.com", x('a', 64))).is_err());
    assert!(Email::parse(&format!("{}@acme.com", x('l', 64))).is_ok());
    assert!(Email::parse(&format!("{}@acme.com", x('l', 65))).is_err());
    // 64 + 1 + 189 = 254 characters: labels of 63, 63, 57 and `com`.
    let domain = format!("{}.{}.{}.com", x('a', 63), x('b', 63), x('c', 57));
    let longest = format!("{}@{domain}", x('l', 64));
    assert_eq!(longest.len(), MAX_EMAIL);
    assert!(
        Email::parse(&longest).is_ok(),
        "{:?}",
        Email::parse(&longest)
    );
    let domain = format!("{}.{}.{}.com", x('a', 63), x('b', 63), x('c', 58));
    assert!(Email::parse(&format!("{}@{domain}", x('l', 64))).is_err());
}

/// `src/quote.rs`: in `Country::parse`, `||` turned into `&&` survived: no test had a code with
/// one uppercase letter. Both letters must be uppercase ASCII.
#[test]
fn q005_a_country_code_is_two_uppercase_letters() {
    use smart_accounts::quote::Country;
    assert!(Country::parse("JP").is_ok());
    for bad in ["Jp", "jP", "jp", "J1", "1P", "J", "JPN"] {
        assert!(Country::parse(bad).is_err(), "{bad}");
    }
}

/// `src/quote.rs`: the `Display` of `DealKind` and `VaRef` replaced by empty output, and
/// `Assignment::is_initiated` replaced by `true`, survived. Deal kinds and VA references print
/// as written; only a request or a delegation merely initiates an account.
#[test]
fn q002_deal_kinds_va_references_and_initiated_assignments() {
    use smart_accounts::quote::{Assignment, Contact, DealKind, VaRef};
    assert_eq!(
        DealKind::RnsdTransactional.to_string(),
        "RNSD Transactional"
    );
    assert_eq!(DealKind::Other("Promotion".into()).to_string(), "Promotion");
    assert_eq!(VaRef::Name("EMEA".into()).to_string(), "EMEA");
    let w = world();
    assert_eq!(VaRef::Id(w.acme.emea).to_string(), w.acme.emea.to_string());
    let contact = Contact {
        cco_id: Some("it".into()),
        email: smart_accounts::Email::parse("it@newco.com").unwrap(),
    };
    assert!(
        !Assignment::Account {
            sa: w.acme.sa,
            va: None
        }
        .is_initiated()
    );
    assert!(
        Assignment::Delegate {
            contact: contact.clone()
        }
        .is_initiated()
    );
    assert!(
        Assignment::NewAccount {
            domain: None,
            contact
        }
        .is_initiated()
    );
}

/// `src/dot.rs`: the shortfall note of a pool (`> 0` turned into `>= 0`) survived. The export
/// says "short" only for pools that are.
#[test]
fn lic006_the_dot_export_notes_only_real_shortfalls() {
    let w = world();
    let on: jiff::civil::Date = "2026-02-01".parse().unwrap();
    let dot = smart_accounts::dot::to_dot(&w.dir, w.acme.sa, on).unwrap();
    assert!(dot.contains(", 10 short"), "{dot}");
    assert!(!dot.contains(", 0 short"), "{dot}");
}

/// `src/directory.rs`: in `Directory::slot`, `level > 0` turned into `>= 0` survived: it made
/// the empty slots of unknown and deleted Virtual Accounts look real. A check on a deleted
/// Virtual Account, or on identifier 0, says the target does not exist.
#[test]
fn role009_a_deleted_or_unknown_virtual_account_does_not_exist() {
    use smart_accounts::{Action, Command, Reason, Target, VaId};
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let gone = w
        .dir
        .create_va(&alice, w.at, w.acme.sa, None, "Short-lived")
        .unwrap();
    w.dir
        .execute(&alice, w.at, Command::DeleteVa { va: gone })
        .unwrap();
    for va in [gone, VaId::new(0)] {
        let decision = w
            .dir
            .check(w.acme.alice, Action::ViewAccount, Target::Va(va));
        assert_eq!(decision.reason, Reason::UnknownTarget, "{va}");
        assert!(
            !w.dir
                .is_allowed(w.acme.alice, Action::ViewAccount, Target::Va(va))
        );
    }
}

/// `src/policy.rs`: `PolicyCalendar::phases` replaced by an empty list and
/// `CalendarError::index` replaced by 0 or 1 survived. The default calendar lists its phases,
/// and a calendar whose last phase does not start after the one before names that phase.
#[test]
fn q004_policy_calendar_phases_and_the_phase_out_of_order() {
    use smart_accounts::PolicyCalendar;
    let phases = PolicyCalendar::default().phases().to_vec();
    assert!(phases.len() >= 2, "{phases:?}");
    let mut bad = phases.clone();
    bad.push(phases[phases.len() - 1].clone());
    let err = PolicyCalendar::new(bad).unwrap_err();
    assert_eq!(err.index(), phases.len());
    assert_eq!(
        PolicyCalendar::new(phases.clone()).unwrap().phases(),
        &phases[..]
    );
}

/// `src/directory.rs`: in `acting_user`, the guard "the user is known" replaced by `true`
/// survived: an unknown user was refused later for lacking a role. A command by a user the
/// directory does not know is refused as not found, naming the user.
#[test]
fn role005_a_command_by_an_unknown_user_names_the_user() {
    use smart_accounts::{Command, Entity, Error, UserId};
    let mut w = world();
    let ghost = UserId::new(9_999);
    let err = w
        .dir
        .execute(
            &Actor::User(ghost),
            w.at,
            Command::RenameAccount {
                sa: w.acme.sa,
                name: "Acme Corp".into(),
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::NotFound { entity: Entity::User(u), .. } if u == ghost),
        "{err}"
    );
}

/// An approved request cannot be rejected afterwards (PTR002), and nothing changes. (Written for
/// the survivor "already answered" guard replaced by `false` in `src/directory.rs`, which it
/// does not kill: `apply` refuses the same change with the same reason.)
#[test]
fn ptr002_an_answered_request_cannot_be_rejected() {
    use smart_accounts::{Command, Inheritance, Role, Target};
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let request = w
        .dir
        .request_partner_access(
            &Actor::User(w.partner.nina),
            w.at,
            w.acme.sa,
            Target::Va(w.acme.apac),
            Role::VaViewer,
            Inheritance::AccountOnly,
            None,
        )
        .unwrap();
    w.dir
        .execute(
            &alice,
            w.at,
            Command::ApprovePartnerAccess {
                sa: w.acme.sa,
                request,
                expires: None,
            },
        )
        .unwrap();
    let before = w.dir.clone();
    let err = w
        .dir
        .execute(
            &alice,
            w.at,
            Command::RejectPartnerAccess {
                sa: w.acme.sa,
                request,
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("already answered"), "{err}");
    assert_eq!(w.dir, before);
}

/// `src/directory.rs`: in `plan_request`, "requested by and for a partner or distributor"
/// with `||` turned into `&&` survived. A customer user cannot request a holding account for a
/// partner, nor a partner user one for a customer (SA001).
#[test]
fn sa001_a_holding_account_is_requested_by_and_for_a_seller() {
    let mut w = world();
    for (requester, contact, domain) in [
        (w.acme.alice, w.partner.admin, "emea.nimbus-networks.com"),
        (w.partner.admin, w.acme.alice, "unit.acme.com"),
    ] {
        let before = w.dir.clone();
        let result = w.dir.request_account(
            &Actor::User(requester),
            w.at,
            smart_accounts::AccountKind::PartnerHolding,
            "Second holding",
            Some(domain),
            contact,
        );
        assert!(result.is_err(), "{requester} for {contact}");
        assert_eq!(w.dir, before);
    }
}

/// `src/model.rs`: the `RoleSet` deserializer with `|` turned into `^` survived: no test sent a
/// role twice. A role listed twice is in the set once, not cancelled out.
#[cfg(feature = "serde")]
#[test]
fn role005_a_role_listed_twice_in_json_is_in_the_set() {
    use smart_accounts::{Role, RoleSet};
    let role = serde_json::to_string(&Role::VaAdmin).unwrap();
    let set: RoleSet = serde_json::from_str(&format!("[{role},{role}]")).unwrap();
    assert!(set.contains(Role::VaAdmin));
}

/// `src/partners.rs`: in `partner_activity`, `&&` turned into `||` survived. The partner
/// activity of an account lists what partner users did, not what a user of another customer
/// organization did.
#[test]
fn ptr003_partner_activity_leaves_out_users_of_other_customers() {
    use smart_accounts::{Inheritance, Role, Target};
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let hank = w.globex.hank;
    w.dir
        .assign_role(
            &alice,
            w.at,
            hank,
            Target::Va(w.acme.apac),
            Role::VaAdmin,
            Inheritance::AccountAndChildren,
        )
        .unwrap();
    w.dir
        .create_va(
            &Actor::User(hank),
            w.at,
            w.acme.sa,
            Some(w.acme.apac),
            "Globex work",
        )
        .unwrap();
    let activity = w.dir.partner_activity(w.acme.alice, w.acme.sa).unwrap();
    assert!(
        activity
            .iter()
            .all(|e| !matches!(e.actor, RecordedActor::User { user, .. } if user == hank)),
        "{activity:?}"
    );
}

/// `src/validate.rs` `FpTable::find_or_insert`: probing backwards (`at + 1` to `at - 1`) and
/// the probe steps `(at + 1) | mask` and `(at + 1) ^ mask` survived. Long quotes (over 16
/// lines) find repeated line IDs through this table, and no test had a long quote with many
/// IDs, so chains of collisions never formed. Backwards probing underflows at slot 0; the other
/// two steps cycle over one or two slots and drop IDs, so their repeats go unreported. Every
/// line whose ID an earlier line has must get the Q008 error, whatever the table does.
#[test]
fn q008_every_repeated_line_id_of_a_long_quote_is_reported() {
    use smart_accounts::fixtures::quotes::DAY;
    use smart_accounts::quote::Line;
    use smart_accounts::validate::Severity;
    use smart_accounts::{PolicyCalendar, Stage, validate};
    use std::collections::BTreeMap;

    let w = world();
    // A fixed stream of numbers (a linear congruential generator) picks the IDs.
    let mut state: u64 = 7;
    let mut next = move |below: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % below
    };
    // Thousands of short long-quotes (17 to 56 lines: tables of 64 or 128 slots, where chains
    // through slot 0 form often), then a few long ones.
    let shapes: Vec<(u64, u64)> = (0..3_000)
        .map(|_| {
            let lines = 17 + next(40);
            (lines, lines - next(lines / 2))
        })
        .chain([(2_000, 1_500), (5_000, 4_000), (9_000, 8_000)])
        .collect();
    let mut repeats = 0;
    for (lines, ids) in shapes {
        // The reference: how many times each ID repeats an earlier line's.
        let mut expected: BTreeMap<String, usize> = BTreeMap::new();
        let mut seen = BTreeMap::new();
        let mut quote_lines = Vec::new();
        for _ in 0..lines {
            let id = format!("L{}", next(ids));
            if seen.insert(id.clone(), ()).is_some() {
                *expected.entry(id.clone()).or_default() += 1;
            }
            quote_lines.push(Line::new(&id, "SKU-1", 1));
        }
        let quote = quote_for(&w, "acme.com", quote_lines);
        let report = validate(
            &w.dir,
            &quote,
            Stage::Submit,
            DAY,
            &PolicyCalendar::default(),
        );
        let mut got: BTreeMap<String, usize> = BTreeMap::new();
        for f in &report.findings {
            if f.rule == RuleId::Q008
                && f.severity == Severity::Error
                && f.message.contains("same identifier")
            {
                *got.entry(f.line.as_ref().unwrap().as_str().to_owned())
                    .or_default() += 1;
            }
        }
        repeats += expected.values().sum::<usize>();
        assert_eq!(got, expected, "{lines} lines over {ids} IDs");
    }
    assert!(repeats > 10_000, "{repeats} repeated IDs");
}

/// `src/license.rs` `SmartAccount::draw_lots`: keeping lots of quantity 0 (`> 0` to `>= 0`)
/// survived the last cargo-mutants run; earlier runs caught it only when a random property case
/// happened to empty a lot. A lot that an assignment empties leaves the holding account: its
/// lots, its aging report and what is undelivered list only licenses still waiting.
#[test]
fn lic004_a_holding_lot_emptied_by_an_assignment_is_gone() {
    let mut w = world();
    let (partner, acme, l, at) = (w.partner, w.acme, w.licensing.clone(), w.at);
    let holding = |w: &World| {
        w.dir
            .account(partner.holding)
            .unwrap()
            .holding_lots()
            .to_vec()
    };
    let before = holding(&w);
    let waiting = |license: &smart_accounts::License| -> u64 {
        before
            .iter()
            .filter(|lot| &lot.license == license)
            .map(|lot| lot.quantity)
            .sum()
    };
    let (ise, dna) = (waiting(&l.ise), waiting(&l.holding_dna));
    assert!(ise > 0 && dna > 0, "the fixture holds both");
    let assign = |w: &mut World, id: &str, license: &smart_accounts::License, quantity| {
        w.dir
            .license(
                &Actor::User(partner.admin),
                at,
                LicenseCommand::AssignFromHolding {
                    transfer: TransferId::parse(id).unwrap(),
                    from: partner.holding_default,
                    to_sa: acme.sa,
                    to_va: None,
                    lines: vec![TransferLine {
                        license: license.clone(),
                        quantity,
                    }],
                },
            )
            .unwrap();
    };
    // All of one license: its lot goes, the other stays whole.
    assign(&mut w, "empty-ise", &l.ise, ise);
    let after = holding(&w);
    assert!(after.iter().all(|lot| lot.quantity > 0), "{after:?}");
    assert!(after.iter().all(|lot| lot.license != l.ise), "{after:?}");
    assert_eq!(after.len(), before.len() - 1);
    // Then all of the other: nothing waits any more.
    assign(&mut w, "empty-dna", &l.holding_dna, dna);
    assert_eq!(holding(&w), vec![]);
    let account = w.dir.account(partner.holding).unwrap();
    assert!(account.holding_aging(l.aged_since).is_empty());
    assert!(
        account
            .undelivered(l.aged_since)
            .iter()
            .all(|u| u.delivered.is_some())
    );
}
