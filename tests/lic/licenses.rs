//! Licenses: one test (at least) per rule LIC001–LIC010. (Devices are `dev/`; procurement
//! history and replay with licenses are `ev/log.rs`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::licenses::{license_refused, pool};
use crate::common::{event_refused, license_event, logless, world};
use jiff::civil::Date;
use smart_accounts::fixtures::{self, World};
use smart_accounts::license::{CrossSaPath, CrossSaTransfer, Origin};
use smart_accounts::{
    Actor, Change, Directory, Error, Event, IdempotencyKey, License, LicenseChange, LicenseCommand,
    LicenseKind, OrderId, OrderLine, RuleId, SaId, Sku, SmartAccount, Term, TransferId,
    TransferLine, VaId,
};

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn key(s: &str) -> IdempotencyKey {
    IdempotencyKey::parse(s).unwrap()
}

fn line(license: &License, quantity: u64) -> TransferLine {
    TransferLine {
        license: license.clone(),
        quantity,
    }
}

fn order(id: &str, line: u32) -> OrderLine {
    OrderLine {
        order: OrderId::parse(id).unwrap(),
        line,
    }
}

fn deposit(
    sa: SaId,
    va: Option<VaId>,
    o: OrderLine,
    license: &License,
    quantity: u64,
) -> LicenseCommand {
    LicenseCommand::Deposit {
        sa,
        va,
        order: o,
        license: license.clone(),
        kind: LicenseKind::Smart,
        quantity,
        procured_by: fixtures::world().unwrap().partner.org,
        sa_mandatory: false,
    }
}

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

#[test]
fn lic001_an_entitlement_has_a_sku_quantity_kind_and_term() {
    let mut w = world();
    let l = &w.licensing;
    // Terms end after they start; SKUs are non-empty text without spaces.
    let err = Term::subscription(date("2026-02-01"), date("2026-01-01")).unwrap_err();
    assert_eq!(err.rule(), RuleId::LIC001);
    assert!(err.to_string().contains("2026-02-01"));
    assert_eq!(
        Term::subscription(date("2026-01-01"), date("2026-01-01"))
            .unwrap_err()
            .rule(),
        RuleId::LIC001
    );
    assert_eq!(Sku::parse("").unwrap_err().rule(), RuleId::LIC001);
    assert_eq!(Sku::parse("A B").unwrap_err().rule(), RuleId::LIC001);
    assert_eq!(Sku::parse(" ISE-PLS-LIC ").unwrap().as_str(), "ISE-PLS-LIC");
    // The same SKU with two terms is two license types, each with its own pool.
    let acme = w.acme;
    let (p, ..) = pool(&w.dir, acme.sa, acme.emea, &l.acme_dna);
    assert_eq!(p, 50);
    assert_eq!(pool(&w.dir, acme.sa, acme.emea, &l.holding_dna).0, 0);
    // A deposit with a bad term or a zero quantity is refused and changes nothing.
    let bad = License {
        sku: l.ise.sku.clone(),
        term: Term::Subscription {
            start: date("2026-05-01"),
            end: date("2026-04-01"),
        },
    };
    let at = w.at;
    let err = license_refused(
        &mut w.dir,
        &Actor::Fulfilment,
        at,
        deposit(acme.sa, None, order("X-1", 1), &bad, 5),
    );
    assert_eq!(err.rule(), RuleId::LIC001);
    let ise = w.licensing.ise.clone();
    let err = license_refused(
        &mut w.dir,
        &Actor::Fulfilment,
        at,
        deposit(acme.sa, None, order("X-1", 1), &ise, 0),
    );
    assert!(matches!(err, Error::InvalidQuantity { quantity: 0, .. }));
    assert_eq!(err.rule(), RuleId::LIC002);
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

#[test]
fn lic001_text_ids_parse_from_str_and_debug_as_their_text() {
    use smart_accounts::{DeviceId, Sku};
    let sku: Sku = "  ISE-PLS-LIC ".parse().unwrap();
    assert_eq!(sku.as_str(), "ISE-PLS-LIC");
    assert_eq!(format!("{sku:?}"), "\"ISE-PLS-LIC\"");
    assert_eq!(sku.to_string(), "ISE-PLS-LIC");
    let err = "two words".parse::<Sku>().expect_err("spaces");
    assert_eq!(err.rule(), RuleId::LIC001);
    assert!(err.to_string().contains("it contains spaces"), "{err}");
    let err = "x".repeat(101).parse::<DeviceId>().expect_err("too long");
    assert_eq!(err.rule(), RuleId::DEV001);
}

#[test]
fn lic002_deposits_go_to_the_named_va_or_the_default_and_classic_to_the_portal() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let ise = w.licensing.ise.clone();
    let before_default = pool(&w.dir, acme.sa, acme.default_va, &ise).0;
    let events = w
        .dir
        .license(
            &Actor::Fulfilment,
            at,
            deposit(acme.sa, None, order("ACME-3000", 1), &ise, 7),
        )
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        pool(&w.dir, acme.sa, acme.default_va, &ise).0,
        before_default + 7
    );
    // A named VA receives it.
    w.dir
        .license(
            &Actor::Fulfilment,
            at,
            deposit(acme.sa, Some(acme.us), order("ACME-3000", 2), &ise, 3),
        )
        .unwrap();
    assert_eq!(pool(&w.dir, acme.sa, acme.us, &ise).0, 3);
    // The same order line again with the same contents is a retry: nothing happens.
    let before = w.dir.clone();
    let retry = w
        .dir
        .license(
            &Actor::Fulfilment,
            at,
            deposit(acme.sa, Some(acme.us), order("ACME-3000", 2), &ise, 3),
        )
        .unwrap();
    assert!(retry.is_empty());
    assert_eq!(w.dir, before);
    // With different contents it is refused.
    let err = license_refused(
        &mut w.dir,
        &Actor::Fulfilment,
        at,
        deposit(acme.sa, Some(acme.us), order("ACME-3000", 2), &ise, 4),
    );
    assert_eq!(err.rule(), RuleId::LIC002);
    // Only fulfilment deposits; a VA of another account is not found.
    let err = license_refused(
        &mut w.dir,
        &Actor::User(acme.alice),
        at,
        deposit(acme.sa, None, order("ACME-3001", 1), &ise, 1),
    );
    assert!(matches!(err, Error::WrongActor { .. }));
    assert_eq!(err.rule(), RuleId::LIC002);
    let err = license_refused(
        &mut w.dir,
        &Actor::Fulfilment,
        at,
        deposit(
            acme.sa,
            Some(w.partner.holding_default),
            order("ACME-3001", 1),
            &ise,
            1,
        ),
    );
    assert_eq!(err.rule(), RuleId::LIC002);
    // Classic licenses go to the License Registration Portal record, not a pool.
    let pak = w.licensing.asa_pak.clone();
    let account = w.dir.account(acme.sa).unwrap();
    assert_eq!(account.classic().collect::<Vec<_>>(), vec![(&pak, 10)]);
    assert!(account.compliance().all(|c| c.license != &pak));
    // Converting moves them into a pool; converting more than held is refused.
    let alice = Actor::User(acme.alice);
    let err = license_refused(
        &mut w.dir,
        &alice,
        at,
        LicenseCommand::ConvertClassic {
            sa: acme.sa,
            license: pak.clone(),
            quantity: 11,
            va: Some(acme.emea),
        },
    );
    assert_eq!(err.rule(), RuleId::LIC002);
    w.dir
        .license(
            &alice,
            at,
            LicenseCommand::ConvertClassic {
                sa: acme.sa,
                license: pak.clone(),
                quantity: 4,
                va: Some(acme.emea),
            },
        )
        .unwrap();
    let account = w.dir.account(acme.sa).unwrap();
    assert_eq!(account.classic().collect::<Vec<_>>(), vec![(&pak, 6)]);
    assert_eq!(pool(&w.dir, acme.sa, acme.emea, &pak).0, 4);
    assert_eq!(w.dir.account(acme.sa).unwrap().total_of(&pak.sku), 10);
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

#[test]
fn lic003_transfers_between_vas_need_manage_licenses_on_both() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let ise = w.licensing.ise.clone();
    let transfer = |from, to, k: &str, q| LicenseCommand::Transfer {
        from,
        to,
        lines: vec![line(&ise, q)],
        key: key(k),
    };
    // erin is VA Admin on EMEA only: not on DEFAULT.
    let err = license_refused(
        &mut w.dir,
        &Actor::User(acme.erin),
        at,
        transfer(acme.default_va, acme.emea, "t-erin", 5),
    );
    assert_eq!(err.rule(), RuleId::ROLE005);
    // carol is SA Viewer: views, does not manage.
    let err = license_refused(
        &mut w.dir,
        &Actor::User(acme.carol),
        at,
        transfer(acme.default_va, acme.emea, "t-carol", 5),
    );
    assert_eq!(err.rule(), RuleId::ROLE005);
    // bob is SA User: manages licenses everywhere.
    let (before_from, before_to) = (
        pool(&w.dir, acme.sa, acme.default_va, &ise).0,
        pool(&w.dir, acme.sa, acme.emea, &ise).0,
    );
    let events = w
        .dir
        .license(
            &Actor::User(acme.bob),
            at,
            transfer(acme.default_va, acme.emea, "t-bob", 5),
        )
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        pool(&w.dir, acme.sa, acme.default_va, &ise).0,
        before_from - 5
    );
    assert_eq!(pool(&w.dir, acme.sa, acme.emea, &ise).0, before_to + 5);
    // erin now manages within EMEA: EMEA to EMEA-Sales.
    w.dir
        .license(
            &Actor::User(acme.erin),
            at,
            transfer(acme.emea, acme.emea_sales, "t-erin-2", 2),
        )
        .unwrap();
    assert_eq!(pool(&w.dir, acme.sa, acme.emea_sales, &ise).0, 2);
    // The same VA as source and destination is refused.
    let err = license_refused(
        &mut w.dir,
        &Actor::User(acme.alice),
        at,
        transfer(acme.emea, acme.emea, "t-same", 1),
    );
    assert_eq!(err.rule(), RuleId::LIC003);
}

#[test]
fn lic004_licenses_move_between_accounts_only_from_holding_or_by_vendor_support() {
    let mut w = world();
    let (acme, partner, at) = (w.acme, w.partner, w.at);
    let l = w.licensing.clone();
    // A plain transfer to a VA of another account is refused.
    let err = license_refused(
        &mut w.dir,
        &Actor::User(partner.admin),
        at,
        LicenseCommand::Transfer {
            from: partner.holding_default,
            to: acme.default_va,
            lines: vec![line(&l.ise, 1)],
            key: key("cross"),
        },
    );
    assert_eq!(err.rule(), RuleId::LIC004);
    // A customer account cannot "assign from holding".
    let err = license_refused(
        &mut w.dir,
        &Actor::User(acme.alice),
        at,
        LicenseCommand::AssignFromHolding {
            transfer: TransferId::parse("from-acme").unwrap(),
            from: acme.default_va,
            to_sa: w.solo.sa,
            to_va: None,
            lines: vec![line(&l.ise, 1)],
            order_lines: Vec::new(),
        },
    );
    assert_eq!(err.rule(), RuleId::LIC004);
    // Not to a Pending account, nor to another holding account.
    for to_sa in [w.globex.sa, w.distributor.holding] {
        let err = license_refused(
            &mut w.dir,
            &Actor::User(partner.admin),
            at,
            LicenseCommand::AssignFromHolding {
                transfer: TransferId::parse("bad-dest").unwrap(),
                from: partner.holding_default,
                to_sa,
                to_va: None,
                lines: vec![line(&l.ise, 1)],
                order_lines: Vec::new(),
            },
        );
        assert_eq!(err.rule(), RuleId::LIC004);
    }
    // (a) From holding to Acme's EMEA: one event in each log, sharing the transfer ID.
    let id = TransferId::parse("assign-acme-1").unwrap();
    let command = LicenseCommand::AssignFromHolding {
        transfer: id.clone(),
        from: partner.holding_default,
        to_sa: acme.sa,
        to_va: Some(acme.emea),
        lines: vec![line(&l.ise, 4)],
        order_lines: Vec::new(),
    };
    let mut stored_acme = w.dir.account(acme.sa).unwrap().clone();
    let events = w
        .dir
        .license(&Actor::User(partner.admin), at, command.clone())
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!((events[0].sa, events[1].sa), (partner.holding, acme.sa));
    let (
        Change::License(LicenseChange::Sent(sent)),
        Change::License(LicenseChange::Received(received)),
    ) = (&events[0].change, &events[1].change)
    else {
        panic!("expected a sent and a received event: {events:?}");
    };
    assert_eq!(sent, received);
    assert_eq!(sent.id, id);
    assert_eq!(sent.path, CrossSaPath::HoldingAssignment);
    assert_eq!(pool(&w.dir, acme.sa, acme.emea, &l.ise).0, 4);
    assert_eq!(
        pool(&w.dir, partner.holding, partner.holding_default, &l.ise).0,
        6
    );
    // Each side sits at the end of its own log.
    let acme_log = w.dir.events(acme.alice, acme.sa).unwrap();
    assert_eq!(acme_log.last().as_ref(), Some(&events[1]));
    let holding_log = w.dir.events(partner.admin, partner.holding).unwrap();
    assert_eq!(holding_log.last().as_ref(), Some(&events[0]));
    // A retry changes nothing; the ID with other contents is refused.
    let before = w.dir.clone();
    assert!(
        w.dir
            .license(&Actor::User(partner.admin), at, command)
            .unwrap()
            .is_empty()
    );
    assert_eq!(w.dir, before);
    let err = license_refused(
        &mut w.dir,
        &Actor::User(partner.admin),
        at,
        LicenseCommand::AssignFromHolding {
            transfer: id.clone(),
            from: partner.holding_default,
            to_sa: acme.sa,
            to_va: None,
            lines: vec![line(&l.ise, 1)],
            order_lines: Vec::new(),
        },
    );
    assert_eq!(err.rule(), RuleId::LIC004);
    // A service storing Acme apart applies the received event, idempotently.
    assert!(stored_acme.apply_event(&events[1]).unwrap());
    assert!(!stored_acme.apply_event(&events[1]).unwrap());
    assert_eq!(&stored_acme, w.dir.account(acme.sa).unwrap());
    assert!(stored_acme.apply_event(&events[0]).is_err());
    // (b) Vendor support re-assigns, with its case number; nobody else may.
    let reassign = LicenseCommand::VendorReassign {
        transfer: TransferId::parse("case-reassign-1").unwrap(),
        from: acme.americas,
        to_sa: w.solo.sa,
        to_va: None,
        lines: vec![line(&l.ise, 3)],
        order_lines: Vec::new(),
    };
    let err = license_refused(&mut w.dir, &Actor::User(acme.alice), at, reassign.clone());
    assert_eq!(err.rule(), RuleId::LIC004);
    let vendor = Actor::VendorSupport {
        case: "SR-690001234".into(),
    };
    let events = w.dir.license(&vendor, at, reassign).unwrap();
    assert_eq!(events.len(), 2);
    let Change::License(LicenseChange::Received(t)) = &events[1].change else {
        panic!("expected a received event");
    };
    assert_eq!(
        t.path,
        CrossSaPath::VendorReassignment {
            case: "SR-690001234".into()
        }
    );
    let solo_default = w.dir.account(w.solo.sa).unwrap().default_va();
    assert_eq!(pool(&w.dir, w.solo.sa, solo_default, &l.ise).0, 3);
    assert_eq!(pool(&w.dir, acme.sa, acme.americas, &l.ise).0, 27);
}

/// Found by `license_model` (a random case, fixed in the model, not the crate): a transfer ID is
/// scoped to the two accounts it names. Reusing it between two other accounts is a new
/// transfer; reusing it with either account for something else is a conflict; repeating the
/// same transfer is a retry. A directory-wide check would tell one customer that an unrelated
/// account used the ID (see DESIGN.md).
#[test]
fn lic004_a_transfer_id_is_scoped_to_the_two_accounts_it_names() {
    let mut w = world();
    let (acme, partner, at) = (w.acme, w.partner, w.at);
    let l = w.licensing.clone();
    let vendor = Actor::VendorSupport {
        case: "SR-1".into(),
    };
    let reassign = |from: VaId, to_sa: SaId| LicenseCommand::VendorReassign {
        transfer: TransferId::parse("shared-1").unwrap(),
        from,
        to_sa,
        to_va: None,
        lines: vec![line(&l.ise, 1)],
        order_lines: Vec::new(),
    };
    let first = w
        .dir
        .license(&vendor, at, reassign(acme.americas, w.solo.sa))
        .unwrap();
    assert_eq!(first.len(), 2);
    // The same transfer again is a retry: nothing happens.
    let retry = w
        .dir
        .license(&vendor, at, reassign(acme.americas, w.solo.sa))
        .unwrap();
    assert!(retry.is_empty());
    // Acme already recorded `shared-1`: using it towards another account conflicts.
    let err = license_refused(
        &mut w.dir,
        &vendor,
        at,
        reassign(acme.americas, w.globex.sa),
    );
    assert!(
        matches!(
            err,
            Error::IdempotencyConflict {
                rule: RuleId::LIC004,
                ..
            }
        ),
        "{err}"
    );
    // The partner's holding account and Globex have never seen it: a new transfer.
    let other = w
        .dir
        .license(&vendor, at, reassign(partner.holding_default, w.globex.sa))
        .unwrap();
    assert_eq!(other.len(), 2);
    assert_eq!((other[0].sa, other[1].sa), (partner.holding, w.globex.sa));
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
        order_lines: Vec::new(),
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
    let sent = license_event(acme.id(), LicenseChange::Sent(Box::new(transfer)));
    let message = event_refused(acme, &sent, RuleId::LIC004);
    assert!(message.contains("case number"), "{message}");
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
        LicenseChange::Received(Box::new(CrossSaTransfer {
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
            order_lines: Vec::new(),
        })),
    );
    event_refused(acme, &received, RuleId::LIC004);
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
        order_lines: Vec::new(),
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
        order_lines: Vec::new(),
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
                order_lines: Vec::new(),
            },
        )
        .unwrap_err();
    assert_eq!(err.rule(), RuleId::LIC004, "{err}");
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
                    order_lines: Vec::new(),
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

#[test]
fn lic005_nothing_is_consumed_or_activated_in_holding_or_pending_accounts() {
    let mut w = world();
    let (partner, at) = (w.partner, w.at);
    let l = w.licensing.clone();
    // Reserving (activating) in a holding account is refused.
    let err = license_refused(
        &mut w.dir,
        &Actor::User(partner.admin),
        at,
        LicenseCommand::Reserve {
            va: partner.holding_default,
            license: l.ise.clone(),
            quantity: 1,
        },
    );
    assert_eq!(err.rule(), RuleId::LIC005);
    assert!(matches!(err, Error::NotUsable { .. }));
    // Licenses deposited in a Pending account cannot be reserved either.
    let globex = w.globex.sa;
    w.dir
        .license(
            &Actor::Fulfilment,
            at,
            deposit(globex, None, order("GLX-1", 1), &l.ise, 3),
        )
        .unwrap();
    let globex_default = w.dir.account(globex).unwrap().default_va();
    let err = license_refused(
        &mut w.dir,
        &Actor::User(w.globex.hank),
        at,
        LicenseCommand::Reserve {
            va: globex_default,
            license: l.ise.clone(),
            quantity: 1,
        },
    );
    assert_eq!(err.rule(), RuleId::LIC005);
    // Even an event crafted by hand cannot consume in a holding account.
    let mut holding: SmartAccount = w.dir.account(partner.holding).unwrap().clone();
    let before = holding.clone();
    let crafted = Event {
        sa: partner.holding,
        seq: 99,
        at,
        actor: smart_accounts::RecordedActor::Fulfilment,
        command: None,
        change: Change::License(LicenseChange::Consumed {
            device: l.sw_emea_1.clone(),
            license: l.ise.clone(),
            quantity: 1,
        }),
    };
    let err = holding.apply_event(&crafted).unwrap_err();
    assert_eq!(err.rule(), RuleId::LIC005);
    assert_eq!(holding, before);
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

#[test]
fn lic006_overage_shows_as_shortfall_until_a_true_up() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let l = w.licensing.clone();
    // The fixture's EMEA devices consume 60 of 50.
    assert_eq!(
        pool(&w.dir, acme.sa, acme.emea, &l.acme_dna),
        (50, 60, 0, 0, 10)
    );
    // Consuming further is allowed: overage grows.
    w.dir
        .consume(
            &Actor::User(acme.erin),
            at,
            l.sw_emea_1.clone(),
            l.acme_dna.clone(),
            2,
        )
        .unwrap();
    assert_eq!(pool(&w.dir, acme.sa, acme.emea, &l.acme_dna).4, 12);
    // A true-up deposits exactly the shortfall and is recorded as such.
    let true_up = LicenseCommand::TrueUp {
        va: acme.emea,
        license: l.acme_dna.clone(),
        order: order("ACME-TU-1", 1),
        procured_by: acme.org,
    };
    w.dir
        .license(&Actor::Fulfilment, at, true_up.clone())
        .unwrap();
    assert_eq!(
        pool(&w.dir, acme.sa, acme.emea, &l.acme_dna),
        (62, 62, 0, 0, 0)
    );
    let last = w
        .dir
        .account(acme.sa)
        .unwrap()
        .procurement()
        .last()
        .unwrap()
        .clone();
    assert!(last.deposit.true_up);
    assert_eq!(last.deposit.quantity, 12);
    // Retried: nothing; nothing left to true up: refused.
    assert!(
        w.dir
            .license(&Actor::Fulfilment, at, true_up)
            .unwrap()
            .is_empty()
    );
    let err = license_refused(
        &mut w.dir,
        &Actor::Fulfilment,
        at,
        LicenseCommand::TrueUp {
            va: acme.emea,
            license: l.acme_dna.clone(),
            order: order("ACME-TU-2", 1),
            procured_by: acme.org,
        },
    );
    assert_eq!(err.rule(), RuleId::LIC006);
    // Releasing more than the device consumes, or consuming an unknown type, is refused.
    let err = license_refused(
        &mut w.dir,
        &Actor::User(acme.erin),
        at,
        LicenseCommand::Release {
            device: l.sw_emea_2.clone(),
            license: l.acme_dna.clone(),
            quantity: 41,
        },
    );
    assert_eq!(err.rule(), RuleId::LIC006);
    let unknown = License::perpetual(Sku::parse("NOT-SOLD").unwrap());
    let err = license_refused(
        &mut w.dir,
        &Actor::User(acme.erin),
        at,
        LicenseCommand::Consume {
            device: l.sw_emea_2.clone(),
            license: unknown,
            quantity: 1,
        },
    );
    assert!(matches!(err, Error::UnknownLicense { .. }));
    assert_eq!(err.rule(), RuleId::LIC006);
    // Releasing gives the pool back.
    w.dir
        .license(
            &Actor::User(acme.erin),
            at,
            LicenseCommand::Release {
                device: l.sw_emea_2.clone(),
                license: l.acme_dna.clone(),
                quantity: 10,
            },
        )
        .unwrap();
    assert_eq!(
        pool(&w.dir, acme.sa, acme.emea, &l.acme_dna),
        (62, 52, 0, 10, 0)
    );
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

#[test]
fn lic007_days_a_term_ran_undelivered_are_reported() {
    let w = world();
    let l = &w.licensing;
    let delivered_on = jiff::tz::Offset::UTC.to_datetime(w.at).date();
    let expected = l.aged_since.until(delivered_on).unwrap().get_days();
    assert!(expected > 100);
    // Sam's Bikes received 5 of the aged term licenses, which had run since shipping.
    let solo = w.dir.account(w.solo.sa).unwrap();
    let rows = solo.undelivered(date("2026-06-01"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].quantity, 5);
    assert_eq!(rows[0].delivered, Some(delivered_on));
    assert_eq!(rows[0].days, expected);
    assert_eq!(rows[0].origin, Origin::Transfer(l.assignment.clone()));
    // The 20 still in holding keep running: counted up to the date asked.
    let holding = w.dir.account(w.partner.holding).unwrap();
    let as_of = date("2026-02-01");
    let waiting = holding.undelivered(as_of);
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].quantity, 20);
    assert_eq!(waiting[0].delivered, None);
    assert_eq!(
        waiting[0].days,
        l.aged_since.until(as_of).unwrap().get_days()
    );
    // Never beyond the term's end.
    let late = holding.undelivered(date("2031-01-01"));
    let term_days = l.aged_since.until(date("2028-09-14")).unwrap().get_days();
    assert_eq!(late[0].days, term_days);
    // Acme's own term was deposited on its first day: nothing undelivered.
    assert!(
        w.dir
            .account(w.acme.sa)
            .unwrap()
            .undelivered(as_of)
            .is_empty()
    );
}

#[test]
fn lic008_holding_stock_ages_and_mandatory_orders_yield_notifications() {
    let w = world();
    let l = &w.licensing;
    let as_of = date("2026-01-20");
    let aging = w.dir.holding_aging(as_of);
    assert_eq!(aging.len(), 2);
    // Oldest first.
    assert_eq!(aging[0].lot.origin, Origin::Order(l.aged_order.clone()));
    assert_eq!(aging[0].lot.quantity, 20);
    assert_eq!(
        aging[0].age_days,
        l.aged_since.until(as_of).unwrap().get_days()
    );
    assert_eq!(aging[1].lot.origin, Origin::Order(l.fresh_order.clone()));
    assert_eq!(aging[1].age_days, 15);
    assert!(aging[0].age_days > aging[1].age_days);
    // Only the SA-mandatory order yields a notification, to the holding account's members.
    let notes = w.dir.notifications(as_of);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].sa, w.partner.holding);
    assert_eq!(notes[0].lot.origin, Origin::Order(l.aged_order.clone()));
    let mut recipients = notes[0].recipients.clone();
    recipients.sort();
    let mut members = vec![w.partner.admin, w.partner.nina];
    members.sort();
    assert_eq!(recipients, members);
    assert!(notes[0].to_string().starts_with("LIC008: "));
    // Customer accounts have no holding stock.
    assert!(
        w.dir
            .account(w.acme.sa)
            .unwrap()
            .holding_aging(as_of)
            .is_empty()
    );
}

#[test]
fn lic009_transfers_move_available_quantity_of_at_most_ten_types_idempotently() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let alice = Actor::User(acme.alice);
    let ise = w.licensing.ise.clone();
    // DEFAULT: 100 - 30 transferred = 70 purchased, 2 reserved: 68 available.
    assert_eq!(pool(&w.dir, acme.sa, acme.default_va, &ise).3, 68);
    let err = license_refused(
        &mut w.dir,
        &alice,
        at,
        LicenseCommand::Transfer {
            from: acme.default_va,
            to: acme.emea,
            lines: vec![line(&ise, 69)],
            key: key("too-many"),
        },
    );
    assert!(matches!(
        err,
        Error::Insufficient {
            available: 68,
            requested: 69,
            ..
        }
    ));
    assert_eq!(err.rule(), RuleId::LIC009);
    // Eleven license types in one request: refused, naming the count.
    let types: Vec<License> = (0..11)
        .map(|i| License::perpetual(Sku::parse(&format!("SKU-{i}")).unwrap()))
        .collect();
    for (i, t) in types.iter().enumerate() {
        w.dir
            .license(
                &Actor::Fulfilment,
                at,
                deposit(acme.sa, None, order("MULTI", i as u32), t, 1),
            )
            .unwrap();
    }
    let eleven: Vec<TransferLine> = types.iter().map(|t| line(t, 1)).collect();
    let err = license_refused(
        &mut w.dir,
        &alice,
        at,
        LicenseCommand::Transfer {
            from: acme.default_va,
            to: acme.emea,
            lines: eleven.clone(),
            key: key("eleven"),
        },
    );
    assert!(matches!(err, Error::TooManyLicenseTypes { count: 11 }));
    assert_eq!(err.rule(), RuleId::LIC009);
    // Ten types pass.
    w.dir
        .license(
            &alice,
            at,
            LicenseCommand::Transfer {
                from: acme.default_va,
                to: acme.emea,
                lines: eleven[..10].to_vec(),
                key: key("ten"),
            },
        )
        .unwrap();
    // A retry with the same key and request is a no-op; another request with the key is
    // refused.
    let command = LicenseCommand::Transfer {
        from: acme.default_va,
        to: acme.emea,
        lines: vec![line(&ise, 8)],
        key: key("retry-me"),
    };
    assert_eq!(w.dir.license(&alice, at, command.clone()).unwrap().len(), 1);
    let before = w.dir.clone();
    assert!(w.dir.license(&alice, at, command).unwrap().is_empty());
    assert_eq!(w.dir, before);
    let err = license_refused(
        &mut w.dir,
        &alice,
        at,
        LicenseCommand::Transfer {
            from: acme.default_va,
            to: acme.emea,
            lines: vec![line(&ise, 9)],
            key: key("retry-me"),
        },
    );
    assert!(matches!(err, Error::IdempotencyConflict { .. }));
    // Zero quantities and overflowing totals are refused.
    let err = license_refused(
        &mut w.dir,
        &alice,
        at,
        LicenseCommand::Transfer {
            from: acme.default_va,
            to: acme.emea,
            lines: vec![line(&ise, 0)],
            key: key("zero"),
        },
    );
    assert!(matches!(err, Error::InvalidQuantity { quantity: 0, .. }));
    let err = license_refused(
        &mut w.dir,
        &Actor::Fulfilment,
        at,
        deposit(acme.sa, None, order("HUGE", 1), &ise, u64::MAX),
    );
    assert!(matches!(err, Error::InvalidQuantity { .. }));
    assert!(err.to_string().contains("overflow"));
    // The typed helper returns the event it appended, and nothing for a retry.
    let lines = vec![line(&ise, 2)];
    let event = w
        .dir
        .transfer(
            &alice,
            at,
            acme.default_va,
            acme.us,
            lines.clone(),
            key("typed"),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        w.dir.events(acme.alice, acme.sa).unwrap().last().as_ref(),
        Some(&event)
    );
    assert!(matches!(
        event.change,
        Change::License(LicenseChange::Transferred { to, .. }) if to == acme.us
    ));
    let before = w.dir.clone();
    assert!(
        w.dir
            .transfer(&alice, at, acme.default_va, acme.us, lines, key("typed"))
            .unwrap()
            .is_none()
    );
    assert_eq!(w.dir, before);
    // Two lines of one type are merged into one.
    let events = w
        .dir
        .license(
            &alice,
            at,
            LicenseCommand::Transfer {
                from: acme.default_va,
                to: acme.emea,
                lines: vec![line(&ise, 1), line(&ise, 2)],
                key: key("merged"),
            },
        )
        .unwrap();
    let Change::License(LicenseChange::Transferred { lines, .. }) = &events[0].change else {
        panic!("expected a transfer");
    };
    assert_eq!(lines, &vec![line(&ise, 3)]);
}

#[test]
fn lic010_a_reservation_takes_available_quantity_until_released() {
    let mut w = world();
    let (acme, at) = (w.acme, w.at);
    let bob = Actor::User(acme.bob);
    let ise = w.licensing.ise.clone();
    let reserve = |q| LicenseCommand::Reserve {
        va: acme.default_va,
        license: ise.clone(),
        quantity: q,
    };
    assert_eq!(
        pool(&w.dir, acme.sa, acme.default_va, &ise),
        (70, 0, 2, 68, 0)
    );
    w.dir.license(&bob, at, reserve(60)).unwrap();
    assert_eq!(
        pool(&w.dir, acme.sa, acme.default_va, &ise),
        (70, 0, 62, 8, 0)
    );
    let err = license_refused(&mut w.dir, &bob, at, reserve(9));
    assert!(matches!(err, Error::Insufficient { available: 8, .. }));
    assert_eq!(err.rule(), RuleId::LIC010);
    // Reserved licenses cannot be transferred away.
    let err = license_refused(
        &mut w.dir,
        &bob,
        at,
        LicenseCommand::Transfer {
            from: acme.default_va,
            to: acme.emea,
            lines: vec![line(&ise, 9)],
            key: key("take-reserved"),
        },
    );
    assert_eq!(err.rule(), RuleId::LIC009);
    // Released, they are available again; releasing more than reserved is refused.
    let release = |q| LicenseCommand::ReleaseReservation {
        va: acme.default_va,
        license: ise.clone(),
        quantity: q,
    };
    let err = license_refused(&mut w.dir, &bob, at, release(63));
    assert_eq!(err.rule(), RuleId::LIC010);
    w.dir.license(&bob, at, release(62)).unwrap();
    assert_eq!(
        pool(&w.dir, acme.sa, acme.default_va, &ise),
        (70, 0, 0, 70, 0)
    );
    // A viewer may not reserve.
    let err = license_refused(&mut w.dir, &Actor::User(acme.carol), at, reserve(1));
    assert_eq!(err.rule(), RuleId::ROLE005);
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
