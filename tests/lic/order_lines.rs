//! LIC011: holding stock is kept per order line. Assignment from holding and vendor
//! re-assignment name the order lines they move (all of a line or part of it); aging, LIC007
//! and the LIC008 notices then name the order line that really waits.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::licenses::{license_refused, pool};
use crate::common::{day, event_refused, license_event, logless, world};
use smart_accounts::fixtures::World;
use smart_accounts::license::{CrossSaTransfer, Origin};
use smart_accounts::{
    Actor, Change, Directory, Error, Event, License, LicenseChange, LicenseCommand, LicenseKind,
    OrderId, OrderLine, OrderLineMove, RuleId, SaId, Term, TransferId, TransferLine, VaId,
};

fn order(id: &str, line: u32) -> OrderLine {
    OrderLine {
        order: OrderId::parse(id).unwrap(),
        line,
    }
}

fn moved(o: &OrderLine, license: &License, quantity: u64) -> OrderLineMove {
    OrderLineMove {
        order: o.clone(),
        license: license.clone(),
        quantity,
    }
}

/// A term subscription of a SKU no fixture order names.
fn switch_license() -> License {
    License {
        sku: "C9200-DNA-A-24-3Y".parse().unwrap(),
        term: Term::subscription("2025-12-01".parse().unwrap(), "2028-11-30".parse().unwrap())
            .unwrap(),
    }
}

/// Order `PO-7` of two lines of one license type, both SA-mandatory, deposited in the
/// partner's holding account: line 1 (10) on day 0, line 2 (6) on day 3.
fn two_lines(w: &mut World) -> (License, OrderLine, OrderLine) {
    let license = switch_license();
    let (first, second) = (order("PO-7", 1), order("PO-7", 2));
    for (o, quantity, at) in [(&first, 10, day(0)), (&second, 6, day(3))] {
        let command = LicenseCommand::Deposit {
            sa: w.partner.holding,
            va: None,
            order: o.clone(),
            license: license.clone(),
            kind: LicenseKind::Smart,
            quantity,
            procured_by: w.partner.org,
            sa_mandatory: true,
        };
        w.dir.license(&Actor::Fulfilment, at, command).unwrap();
    }
    (license, first, second)
}

fn assign(from: VaId, id: &str, to_sa: SaId, moves: Vec<OrderLineMove>) -> LicenseCommand {
    LicenseCommand::AssignFromHolding {
        transfer: TransferId::parse(id).unwrap(),
        from,
        to_sa,
        to_va: None,
        lines: Vec::new(),
        order_lines: moves,
    }
}

fn sent(events: &[Event]) -> CrossSaTransfer {
    match &events[0].change {
        Change::License(LicenseChange::Sent(t)) => (**t).clone(),
        other => panic!("expected a sent event: {other:?}"),
    }
}

/// The lots of `license` waiting in the partner's holding account: (order line, quantity).
fn waiting(w: &World, license: &License) -> Vec<(Origin, u64)> {
    let holding = w.dir.account(w.partner.holding).unwrap();
    holding
        .holding_lots()
        .iter()
        .filter(|l| l.license == *license)
        .map(|l| (l.origin.clone(), l.quantity))
        .collect()
}

/// The directory replays from its logs (EV003, EV004) and loads from its state alone, to the
/// same directory.
fn round_trips(dir: &Directory) {
    let replayed = Directory::from_snapshot(dir.to_snapshot()).unwrap();
    assert_eq!(&replayed, dir);
    let state = logless(dir);
    let opened = Directory::from_snapshot(state.clone()).unwrap();
    let again = logless(&opened);
    for (a, b) in state.accounts.iter().zip(&again.accounts) {
        assert_eq!(a.licenses, b.licenses);
    }
}

/// Seed 001 ("You can deposit a specific line item in your Partner Holding Account … and then
/// later deposit the item in the Customer's Smart Account once it is created"), seed 000 (licenses
/// age in holding accounts): order `PO-7` has two lines of one license type; only the second,
/// the later one, is moved to the customer. The first line is the one still waiting: aging and
/// the LIC008 notice name it, and the customer's LIC007 record names the second.
#[test]
fn lic011_an_order_of_two_lines_of_one_type_where_only_the_second_is_moved() {
    let mut w = world();
    let (license, first, second) = two_lines(&mut w);
    let admin = Actor::User(w.partner.admin);
    let command = assign(
        w.partner.holding_default,
        "po7-line2",
        w.acme.sa,
        vec![moved(&second, &license, 6)],
    );
    let events = w.dir.license(&admin, day(5), command).unwrap();
    let t = sent(&events);
    assert_eq!(t.order_lines, vec![moved(&second, &license, 6)]);
    assert_eq!(
        t.lines,
        vec![TransferLine {
            license: license.clone(),
            quantity: 6
        }]
    );
    // Line 1 waits, all of it; line 2 is gone from holding (oldest-first would have taken 6
    // of line 1).
    assert_eq!(
        waiting(&w, &license),
        vec![(Origin::Order(first.clone()), 10)]
    );
    let holding = w.dir.account(w.partner.holding).unwrap();
    assert_eq!(holding.order_line_waiting(&first, &license), 10);
    assert_eq!(holding.order_line_waiting(&second, &license), 0);
    let as_of = crate::common::date(20);
    let aging: Vec<_> = w
        .dir
        .holding_aging(as_of)
        .into_iter()
        .filter(|a| a.lot.license == license)
        .collect();
    assert_eq!(aging.len(), 1);
    assert_eq!(aging[0].lot.origin, Origin::Order(first.clone()));
    assert_eq!(aging[0].age_days, 20);
    let notes: Vec<_> = w
        .dir
        .notifications(as_of)
        .into_iter()
        .filter(|n| n.lot.license == license)
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].lot.origin, Origin::Order(first.clone()));
    let text = notes[0].to_string();
    assert!(
        text.contains("PO-7 line 1") && !text.contains("line 2"),
        "{text}"
    );
    // LIC007: the waiting line runs undelivered in holding; the delivered one names line 2.
    let holding = w.dir.account(w.partner.holding).unwrap();
    assert!(
        holding
            .undelivered(as_of)
            .iter()
            .any(|u| u.origin == Origin::Order(first.clone()) && u.quantity == 10)
    );
    let acme = w.dir.account(w.acme.sa).unwrap();
    let delivered: Vec<_> = acme
        .undelivered(as_of)
        .into_iter()
        .filter(|u| u.license == license)
        .collect();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].origin, Origin::Order(second.clone()));
    assert_eq!(delivered[0].delivered, Some(crate::common::date(5)));
    assert_eq!(pool(&w.dir, w.acme.sa, w.acme.default_va, &license).0, 6);
    round_trips(&w.dir);
}

/// Seed 000 (a wrong Smart Account selected on an order; vendor support re-assigns it): order
/// `PO-9` put both its lines into Acme's account, but line 2 was Sam's. Vendor support moves
/// line 2 by name under its case; the record says which order line went to the wrong account,
/// and the right account's LIC007 record names it.
#[test]
fn lic011_vendor_reassignment_names_the_order_line_that_went_to_the_wrong_account() {
    let mut w = world();
    let license = switch_license();
    let (line1, line2) = (order("PO-9", 1), order("PO-9", 2));
    for (o, quantity) in [(&line1, 4), (&line2, 3)] {
        let command = LicenseCommand::Deposit {
            sa: w.acme.sa,
            va: None,
            order: o.clone(),
            license: license.clone(),
            kind: LicenseKind::Smart,
            quantity,
            procured_by: w.partner.org,
            sa_mandatory: false,
        };
        w.dir.license(&Actor::Fulfilment, day(0), command).unwrap();
    }
    let vendor = Actor::VendorSupport {
        case: "SR-690009999".into(),
    };
    let reassign = |id: &str, moves: Vec<OrderLineMove>| LicenseCommand::VendorReassign {
        transfer: TransferId::parse(id).unwrap(),
        from: w.acme.default_va,
        to_sa: w.solo.sa,
        to_va: None,
        lines: Vec::new(),
        order_lines: moves,
    };
    let events = w
        .dir
        .license(
            &vendor,
            day(2),
            reassign("po9-fix", vec![moved(&line2, &license, 3)]),
        )
        .unwrap();
    assert_eq!(sent(&events).order_lines, vec![moved(&line2, &license, 3)]);
    let acme = w.dir.account(w.acme.sa).unwrap();
    assert_eq!(acme.order_line_waiting(&line2, &license), 0);
    assert_eq!(acme.order_line_waiting(&line1, &license), 4);
    let solo = w.dir.account(w.solo.sa).unwrap();
    assert_eq!(solo.order_line_waiting(&line2, &license), 3);
    let delivered = solo.undelivered(crate::common::date(9));
    assert!(
        delivered
            .iter()
            .any(|u| u.origin == Origin::Order(line2.clone()) && u.quantity == 3),
        "{delivered:?}"
    );
    // Line 2 is no longer in Acme's account: moving it again is refused, naming it.
    let err = license_refused(
        &mut w.dir,
        &vendor,
        day(3),
        reassign("po9-again", vec![moved(&line2, &license, 1)]),
    );
    assert_eq!(err.rule(), RuleId::LIC011);
    assert!(err.to_string().contains("PO-9 line 2"), "{err}");
    round_trips(&w.dir);
}

/// Seed 001 (a specific line item waits in the holding account): a move that names an order
/// line that does not wait there, more of it than waits, another license type, the same line
/// twice, or license lines its order lines do not make up, is refused for LIC011 naming the
/// order line, and changes nothing.
#[test]
fn lic011_naming_a_line_that_is_not_waiting_is_refused_and_changes_nothing() {
    let mut w = world();
    let (license, first, second) = two_lines(&mut w);
    let admin = Actor::User(w.partner.admin);
    let acme = w.acme.sa;
    let never = order("PO-404", 1);
    let err = license_refused(
        &mut w.dir,
        &admin,
        day(5),
        assign(
            w.partner.holding_default,
            "a1",
            acme,
            vec![moved(&never, &license, 1)],
        ),
    );
    assert_eq!(err.rule(), RuleId::LIC011);
    assert!(
        matches!(&err, Error::OrderLineNotWaiting { order, waiting: 0, requested: 1, .. } if order == "PO-404 line 1"),
        "{err:?}"
    );
    assert_eq!(err.to_string().matches("LIC011").count(), 1, "{err}");
    let err = license_refused(
        &mut w.dir,
        &admin,
        day(5),
        assign(
            w.partner.holding_default,
            "a2",
            acme,
            vec![moved(&second, &license, 7)],
        ),
    );
    assert!(
        matches!(&err, Error::OrderLineNotWaiting { order, waiting: 6, requested: 7, .. } if order == "PO-7 line 2"),
        "{err:?}"
    );
    // The line holds another license type.
    let other = w.licensing.ise.clone();
    let err = license_refused(
        &mut w.dir,
        &admin,
        day(5),
        assign(
            w.partner.holding_default,
            "a3",
            acme,
            vec![moved(&first, &other, 1)],
        ),
    );
    assert_eq!(err.rule(), RuleId::LIC011);
    // The same line twice, or license lines the order lines do not make up.
    let twice = vec![moved(&first, &license, 1), moved(&first, &license, 2)];
    let err = license_refused(
        &mut w.dir,
        &admin,
        day(5),
        assign(w.partner.holding_default, "a4", acme, twice),
    );
    assert_eq!(err.rule(), RuleId::LIC011);
    assert!(err.to_string().contains("PO-7 line 1"), "{err}");
    let mut mismatched = assign(
        w.partner.holding_default,
        "a5",
        acme,
        vec![moved(&first, &license, 2)],
    );
    if let LicenseCommand::AssignFromHolding { lines, .. } = &mut mismatched {
        lines.push(TransferLine {
            license: license.clone(),
            quantity: 3,
        });
    }
    let err = license_refused(&mut w.dir, &admin, day(5), mismatched);
    assert_eq!(err.rule(), RuleId::LIC011);
    // Naming both lines in full moves the whole order.
    w.dir
        .license(
            &admin,
            day(5),
            assign(
                w.partner.holding_default,
                "a6",
                acme,
                vec![moved(&first, &license, 10), moved(&second, &license, 6)],
            ),
        )
        .unwrap();
    assert!(waiting(&w, &license).is_empty());
}

/// Seed 000 (licenses age in holding accounts): 4 of line 1's 10 move; the 6 left keep aging
/// from line 1's arrival on day 0, not from the move. A move that names no order line keeps
/// the earlier behaviour: the oldest licenses of the type go first.
#[test]
fn lic011_part_of_a_line_moves_and_the_rest_keeps_aging_from_its_arrival() {
    let mut w = world();
    let (license, first, second) = two_lines(&mut w);
    let admin = Actor::User(w.partner.admin);
    let command = assign(
        w.partner.holding_default,
        "part-1",
        w.acme.sa,
        vec![moved(&first, &license, 4)],
    );
    w.dir.license(&admin, day(10), command).unwrap();
    assert_eq!(
        waiting(&w, &license),
        vec![
            (Origin::Order(first.clone()), 6),
            (Origin::Order(second.clone()), 6)
        ]
    );
    let as_of = crate::common::date(20);
    let ages: Vec<(Origin, u64, i32)> = w
        .dir
        .holding_aging(as_of)
        .into_iter()
        .filter(|a| a.lot.license == license)
        .map(|a| (a.lot.origin, a.lot.quantity, a.age_days))
        .collect();
    assert_eq!(
        ages,
        vec![
            (Origin::Order(first.clone()), 6, 20),
            (Origin::Order(second.clone()), 6, 17)
        ]
    );
    // The old form: by quantity, oldest first.
    let by_quantity = LicenseCommand::AssignFromHolding {
        transfer: TransferId::parse("part-2").unwrap(),
        from: w.partner.holding_default,
        to_sa: w.acme.sa,
        to_va: None,
        lines: vec![TransferLine {
            license: license.clone(),
            quantity: 8,
        }],
        order_lines: Vec::new(),
    };
    let events = w.dir.license(&admin, day(11), by_quantity).unwrap();
    assert!(sent(&events).order_lines.is_empty());
    // Its event reads and writes as before: no `order_lines` in the JSON.
    #[cfg(feature = "serde")]
    assert!(
        !serde_json::to_string(&events[0])
            .unwrap()
            .contains("order_lines")
    );
    assert_eq!(
        waiting(&w, &license),
        vec![(Origin::Order(second.clone()), 4)]
    );
    round_trips(&w.dir);
}

/// Seed 001 (a line item waits in holding until it is moved): holding stock per order line
/// survives a snapshot, and a log or snapshot that moves an order line that never arrived, or
/// whose order lines do not make up what moved, is refused for LIC011.
#[test]
fn lic011_per_line_stock_round_trips_and_a_move_of_a_line_that_never_arrived_is_refused() {
    let mut w = world();
    let (license, first, second) = two_lines(&mut w);
    let admin = Actor::User(w.partner.admin);
    let command = assign(
        w.partner.holding_default,
        "snap-1",
        w.acme.sa,
        vec![moved(&second, &license, 2)],
    );
    let events = w.dir.license(&admin, day(4), command).unwrap();
    round_trips(&w.dir);
    #[cfg(feature = "serde")]
    {
        let text = serde_json::to_string(&w.dir).unwrap();
        assert!(text.contains("order_lines"));
        let back: Directory = serde_json::from_str(&text).unwrap();
        assert_eq!(back, w.dir);
    }
    // A hostile log: the sent event names a line that never arrived in holding.
    let mut t = sent(&events);
    t.id = TransferId::parse("hostile-1").unwrap();
    let never = order("PO-404", 1);
    t.order_lines = vec![moved(&never, &license, 2)];
    let holding = w.dir.account(w.partner.holding).unwrap();
    let text = event_refused(
        holding,
        &license_event(w.partner.holding, LicenseChange::Sent(Box::new(t.clone()))),
        RuleId::LIC011,
    );
    assert!(text.contains("PO-404 line 1"), "{text}");
    // Order lines that do not make up the lines, in an event or in a snapshot's record.
    t.order_lines = vec![moved(&first, &license, 1)];
    event_refused(
        holding,
        &license_event(w.partner.holding, LicenseChange::Sent(Box::new(t.clone()))),
        RuleId::LIC011,
    );
    let acme = w.dir.account(w.acme.sa).unwrap();
    event_refused(
        acme,
        &license_event(w.acme.sa, LicenseChange::Received(Box::new(t.clone()))),
        RuleId::LIC011,
    );
    let mut snap = logless(&w.dir);
    crate::common::snapshots::account_mut(&mut snap, w.acme.sa)
        .licenses
        .transfers
        .push(t);
    crate::common::snapshots::license_snapshot_refused(snap, RuleId::LIC011, "transfers");
    // The recorded log with the sent and received events edited to name a line that never
    // arrived does not replay.
    let mut snap = w.dir.to_snapshot();
    for a in &mut snap.accounts {
        for e in &mut a.events {
            if let Change::License(LicenseChange::Sent(t) | LicenseChange::Received(t)) =
                &mut e.change
                && t.id.as_str() == "snap-1"
            {
                t.order_lines = vec![moved(&never, &license, 2)];
            }
        }
    }
    let err = Directory::from_snapshot(snap).expect_err("the log must be refused");
    assert_eq!(err.rule(), RuleId::LIC011, "{err}");
    assert!(err.to_string().contains("PO-404 line 1"), "{err}");
}
