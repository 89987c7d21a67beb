//! Q011: order records. An order on Smart Account Hold is released line by line when an Active
//! account is assigned (by the partner, by the end customer's contact for a delegated line, or
//! when the requested account becomes Active); booking locks the assignment (Q009); fulfilment
//! deposits into the assigned account. Seed 001 (CCW's Smart Account Hold), seed 000.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use smart_accounts::fixtures::World;
use smart_accounts::license::{License, LicenseKind, OrderId, OrderLine, Sku};
use smart_accounts::quote::{Assignment, Contact, Line};
use smart_accounts::records::{Hold, LineState, OrderCommand};
use smart_accounts::{
    Actor, Command, Directory, Domain, Email, LicenseCommand, NewUser, RuleId, SaId, StreamId,
    UserKind,
};

use crate::common::{all_events, day, logless, world};

fn order(id: &str) -> OrderId {
    OrderId::parse(id).unwrap()
}

fn quote(w: &World, lines: Vec<Line>) -> smart_accounts::Quote {
    crate::common::quotes::quote_for(w, "acme.com", lines)
}

fn place(w: &mut World, id: &str, lines: Vec<Line>) {
    let quote = quote(w, lines);
    let command = Command::Order(OrderCommand::Place {
        order: order(id),
        quote,
    });
    w.dir
        .execute(&Actor::User(w.partner.nina), day(1), command)
        .unwrap();
}

fn state(w: &World, id: &str, line: u32) -> LineState {
    w.dir.order(&order(id)).unwrap().line(line).unwrap().clone()
}

/// The ordering system deposits order line `line` of `id` into `sa`.
fn fulfil(id: &str, line: u32, sa: SaId, quantity: u64) -> Command {
    Command::License(LicenseCommand::Deposit {
        sa,
        va: None,
        order: OrderLine {
            order: order(id),
            line,
        },
        license: License::perpetual(Sku::parse("SKU").unwrap()),
        kind: LicenseKind::Smart,
        quantity,
        procured_by: smart_accounts::fixtures::world().unwrap().partner.org,
        sa_mandatory: true,
    })
}

/// Runs a command that must be refused for `rule`; the directory and its streams stay as they
/// were.
fn refused(dir: &mut Directory, actor: &Actor, at: i64, command: Command, rule: RuleId) -> String {
    let before = dir.clone();
    let err = dir.execute(actor, day(at), command).unwrap_err();
    assert_eq!(err.rule(), rule, "{err}");
    assert_eq!(*dir, before, "a refused command changed the directory");
    assert_eq!(
        dir.version(StreamId::Directory),
        before.version(StreamId::Directory)
    );
    err.to_string()
}

fn delegated(id: &str, email: &str) -> Line {
    Line::new(id, "SKU", 5).assigned(Assignment::Delegate {
        contact: Contact {
            cco_id: None,
            email: Email::parse(email).unwrap(),
        },
    })
}

#[test]
fn q011_a_line_for_a_pending_account_is_released_when_the_contact_activates_it() {
    // Seed 001: the partner requested Globex's account; the order waits on Smart Account Hold
    // until Globex's contact activates it.
    let mut w = world();
    let globex = w.globex.sa;
    let line = Line::new("1.0", "SKU", 5).assigned(Assignment::account(globex, None));
    place(&mut w, "CCW-1", vec![line]);
    assert_eq!(
        state(&w, "CCW-1", 1),
        LineState::OnHold {
            hold: Hold::PendingAccount { sa: globex }
        }
    );
    assert_eq!(w.dir.holds().count(), 1);

    // Booking waits for the hold.
    let book = Command::Order(OrderCommand::Book {
        order: order("CCW-1"),
        lines: vec![],
    });
    let msg = refused(
        &mut w.dir,
        &Actor::Fulfilment,
        2,
        book.clone(),
        RuleId::Q011,
    );
    assert!(msg.contains("smart account hold"), "{msg}");

    // The contact activates the account: the same commit releases the line.
    let before = w.dir.version(StreamId::Directory);
    w.dir
        .execute(
            &Actor::User(w.globex.hank),
            day(3),
            Command::ActivateAccount { sa: globex },
        )
        .unwrap();
    assert_eq!(w.dir.version(StreamId::Directory), before + 1);
    let default_va = w.dir.account(globex).unwrap().default_va();
    assert_eq!(
        state(&w, "CCW-1", 1),
        LineState::Ready {
            sa: globex,
            va: default_va
        }
    );
    assert_eq!(w.dir.holds().count(), 0);

    // Booked, then fulfilled into the assigned account.
    w.dir.execute(&Actor::Fulfilment, day(4), book).unwrap();
    w.dir
        .execute(&Actor::Fulfilment, day(5), fulfil("CCW-1", 1, globex, 5))
        .unwrap();
    assert_eq!(state(&w, "CCW-1", 1), LineState::Fulfilled { sa: globex });
    let pool = w
        .dir
        .account(globex)
        .unwrap()
        .compliance()
        .find(|c| c.license.sku.as_str() == "SKU")
        .unwrap();
    assert_eq!(pool.purchased, 5);
}

#[test]
fn q011_a_delegated_line_is_released_when_the_customers_contact_assigns_the_account() {
    // Seed 001: the partner delegates the choice of account to the end customer's contact.
    let mut w = world();
    let acme = w.acme.sa;
    place(
        &mut w,
        "CCW-2",
        vec![
            delegated("1.0", "alice@acme.com"),
            Line::new("2.0", "SKU", 1).assigned(Assignment::account(acme, None)),
        ],
    );
    assert!(matches!(
        state(&w, "CCW-2", 1),
        LineState::OnHold {
            hold: Hold::Delegated { .. }
        }
    ));
    let assign = |sa: SaId, va| {
        Command::Order(OrderCommand::Assign {
            order: order("CCW-2"),
            line: 1,
            sa,
            va: Some(va),
        })
    };
    // Someone else of the customer is neither the contact nor the seller.
    let msg = refused(
        &mut w.dir,
        &Actor::User(w.acme.oscar),
        2,
        assign(w.acme.sa, w.acme.emea),
        RuleId::Q011,
    );
    assert!(msg.contains("CCW-2"), "{msg}");
    // The contact assigns Acme's EMEA: released.
    w.dir
        .execute(
            &Actor::User(w.acme.alice),
            day(2),
            assign(w.acme.sa, w.acme.emea),
        )
        .unwrap();
    assert_eq!(
        state(&w, "CCW-2", 1),
        LineState::Ready {
            sa: w.acme.sa,
            va: w.acme.emea
        }
    );
    // The other line was Ready from the start and stays as it was: lines are released one by
    // one.
    let default_va = w.dir.account(acme).unwrap().default_va();
    assert_eq!(
        state(&w, "CCW-2", 2),
        LineState::Ready {
            sa: acme,
            va: default_va
        }
    );
    // Released, the line is no longer the contact's to assign.
    refused(
        &mut w.dir,
        &Actor::User(w.acme.alice),
        3,
        assign(acme, w.acme.us),
        RuleId::Q011,
    );
}

#[test]
fn q011_a_line_requesting_a_new_account_is_released_when_that_account_is_created_active() {
    let mut w = world();
    let newco = w
        .dir
        .register_organization("Newco", smart_accounts::OrgKind::Customer)
        .unwrap();
    let line = Line::new("1.0", "SKU", 2).assigned(Assignment::NewAccount {
        domain: Some(Domain::parse("newco.example").unwrap()),
        contact: Contact {
            cco_id: Some("nora".into()),
            email: Email::parse("nora@newco.example").unwrap(),
        },
    });
    let quote = crate::common::quotes::quote_for(&w, "newco.example", vec![line]);
    w.dir
        .execute(
            &Actor::Fulfilment,
            day(1),
            Command::Order(OrderCommand::Place {
                order: order("CCW-3"),
                quote,
            }),
        )
        .unwrap();
    assert!(matches!(
        state(&w, "CCW-3", 1),
        LineState::OnHold {
            hold: Hold::NewAccount { .. }
        }
    ));
    // The contact creates the account herself: Active at once, and the line is released.
    let nora = w
        .dir
        .register_user(NewUser {
            cco_id: Some("nora".into()),
            email: "nora@newco.example".into(),
            org: newco,
            kind: UserKind::Individual,
        })
        .unwrap();
    let sa = w
        .dir
        .request_account(
            &Actor::User(nora),
            day(2),
            smart_accounts::AccountKind::Customer,
            "Newco",
            Some("newco.example"),
            nora,
        )
        .unwrap();
    let va = w.dir.account(sa).unwrap().default_va();
    assert_eq!(state(&w, "CCW-3", 1), LineState::Ready { sa, va });
    // The record's quote now names the account, not the request.
    let record = w.dir.order(&order("CCW-3")).unwrap();
    assert_eq!(
        record.quote.lines[0].assignment,
        Some(Assignment::account(sa, None))
    );
}

#[test]
fn q009_q011_a_booked_line_keeps_its_assignment_and_deposits_only_into_it() {
    let mut w = world();
    let line = Line::new("1.0", "SKU", 3).assigned(Assignment::account(w.acme.sa, None));
    place(&mut w, "CCW-4", vec![line]);
    // Not booked yet: fulfilment waits.
    let msg = refused(
        &mut w.dir,
        &Actor::Fulfilment,
        2,
        fulfil("CCW-4", 1, w.acme.sa, 3),
        RuleId::Q011,
    );
    assert!(msg.contains("not booked"), "{msg}");
    // Only the ordering system books.
    let book = Command::Order(OrderCommand::Book {
        order: order("CCW-4"),
        lines: vec![1],
    });
    refused(
        &mut w.dir,
        &Actor::User(w.partner.nina),
        2,
        book.clone(),
        RuleId::Q011,
    );
    w.dir
        .execute(&Actor::Fulfilment, day(2), book.clone())
        .unwrap();
    // Booking twice is refused; so is a new assignment (Q009).
    refused(&mut w.dir, &Actor::Fulfilment, 3, book, RuleId::Q011);
    let reassign = Command::Order(OrderCommand::Assign {
        order: order("CCW-4"),
        line: 1,
        sa: w.solo.sa,
        va: None,
    });
    refused(
        &mut w.dir,
        &Actor::User(w.partner.nina),
        3,
        reassign,
        RuleId::Q009,
    );
    // A deposit into another account, or of another quantity, is refused.
    let msg = refused(
        &mut w.dir,
        &Actor::Fulfilment,
        3,
        fulfil("CCW-4", 1, w.solo.sa, 3),
        RuleId::Q011,
    );
    assert!(msg.contains("acme.com"), "names the booked account: {msg}");
    refused(
        &mut w.dir,
        &Actor::Fulfilment,
        3,
        fulfil("CCW-4", 1, w.acme.sa, 4),
        RuleId::LIC002,
    );
    // A line the order does not have.
    refused(
        &mut w.dir,
        &Actor::Fulfilment,
        3,
        fulfil("CCW-4", 2, w.acme.sa, 3),
        RuleId::Q011,
    );
    w.dir
        .execute(&Actor::Fulfilment, day(3), fulfil("CCW-4", 1, w.acme.sa, 3))
        .unwrap();
    assert_eq!(
        state(&w, "CCW-4", 1),
        LineState::Fulfilled { sa: w.acme.sa }
    );
}

#[test]
fn q011_placement_is_validated_and_an_order_is_recorded_once() {
    let mut w = world();
    // Unassigned mandatory line: blocked by Q001, nothing recorded.
    let q = quote(&w, vec![Line::new("1.0", "SKU", 1)]);
    let place = |q| {
        Command::Order(OrderCommand::Place {
            order: order("CCW-5"),
            quote: q,
        })
    };
    let msg = refused(
        &mut w.dir,
        &Actor::User(w.partner.nina),
        1,
        place(q),
        RuleId::Q001,
    );
    assert!(msg.contains("CCW-5"), "{msg}");
    // A user of another company is not the seller.
    let ok = quote(
        &w,
        vec![Line::new("1.0", "SKU", 1).assigned(Assignment::account(w.acme.sa, None))],
    );
    refused(
        &mut w.dir,
        &Actor::User(w.acme.alice),
        1,
        place(ok.clone()),
        RuleId::Q011,
    );
    w.dir
        .execute(&Actor::User(w.partner.nina), day(1), place(ok.clone()))
        .unwrap();
    refused(
        &mut w.dir,
        &Actor::User(w.partner.nina),
        1,
        place(ok),
        RuleId::Q011,
    );
}

#[test]
fn q011_order_records_replay_round_trip_and_hostile_records_are_refused() {
    let mut w = world();
    let (globex, acme) = (w.globex.sa, w.acme.sa);
    place(
        &mut w,
        "CCW-6",
        vec![
            Line::new("1.0", "SKU", 5).assigned(Assignment::account(globex, None)),
            Line::new("2.0", "SKU", 2).assigned(Assignment::account(acme, None)),
        ],
    );
    w.dir
        .execute(
            &Actor::Fulfilment,
            day(2),
            Command::Order(OrderCommand::Book {
                order: order("CCW-6"),
                lines: vec![2],
            }),
        )
        .unwrap();
    w.dir
        .execute(
            &Actor::User(w.globex.hank),
            day(3),
            Command::ActivateAccount { sa: globex },
        )
        .unwrap();
    w.dir
        .execute(&Actor::Fulfilment, day(4), fulfil("CCW-6", 2, w.acme.sa, 2))
        .unwrap();

    // A replica following every event has the same records.
    let mut replica = Directory::new();
    replica.follow(&all_events(&w.dir)).unwrap();
    assert_eq!(replica.order(&order("CCW-6")), w.dir.order(&order("CCW-6")));
    // Snapshots, with and without the directory's stream, round-trip.
    let snap = w.dir.to_snapshot();
    let back = Directory::from_snapshot(snap.clone()).unwrap();
    assert_eq!(back, w.dir);
    let mut bare = logless(&w.dir);
    bare.directory_events.clear();
    let back = Directory::from_snapshot(bare.clone()).unwrap();
    assert_eq!(
        back.orders().collect::<Vec<_>>(),
        w.dir.orders().collect::<Vec<_>>()
    );

    // A record naming an account that does not exist.
    let mut hostile = bare.clone();
    hostile.orders[0].lines[0] = LineState::Fulfilled {
        sa: SaId::new(9_999),
    };
    let err = Directory::from_snapshot(hostile).unwrap_err();
    assert_eq!(err.rule(), RuleId::Q011);
    assert_eq!(err.path(), "orders[0].lines[0]");
    // A line recorded fulfilled where its account holds no deposit of it.
    let mut hostile = bare.clone();
    hostile.orders[0].lines[0] = LineState::Fulfilled { sa: acme };
    let err = Directory::from_snapshot(hostile).unwrap_err();
    assert_eq!(
        (err.rule(), err.path()),
        (RuleId::Q011, "orders[0].lines[0]")
    );
    assert!(err.to_string().contains("no deposit"), "{err}");
    // A record with more states than lines, or listed twice.
    let mut hostile = bare.clone();
    hostile.orders[0].lines.push(LineState::Unassigned);
    let err = Directory::from_snapshot(hostile).unwrap_err();
    assert_eq!((err.rule(), err.path()), (RuleId::Q011, "orders[0]"));
    let mut hostile = bare;
    let again = hostile.orders[0].clone();
    hostile.orders.push(again);
    let err = Directory::from_snapshot(hostile).unwrap_err();
    assert_eq!((err.rule(), err.path()), (RuleId::Q011, "orders[1]"));
    // A stream whose records differ from the stated ones.
    let mut forged = snap;
    forged.orders[0].lines[1] = LineState::Unassigned;
    let err = Directory::from_snapshot(forged).unwrap_err();
    assert_eq!(err.path(), "directory_events");
}

#[test]
fn q011_an_order_fulfilled_before_it_was_recorded_is_refused() {
    // Found by the property test (tests/q/order_props.rs): a deposit of `ORD-1` line 1, then
    // the placement of `ORD-1` with that line on hold. Replayed, the deposit came before the
    // record and was refused: the placement must be refused instead.
    let mut w = world();
    let acme = w.acme.sa;
    // Not recorded yet: an ordinary deposit of order line 1.
    w.dir
        .execute(&Actor::Fulfilment, day(1), fulfil("ORD-1", 1, acme, 1))
        .unwrap();
    let quote = quote(&w, vec![delegated("1.0", "alice@acme.com")]);
    let msg = refused(
        &mut w.dir,
        &Actor::Fulfilment,
        2,
        Command::Order(OrderCommand::Place {
            order: order("ORD-1"),
            quote,
        }),
        RuleId::Q011,
    );
    assert!(msg.contains("acme.com") && msg.contains("line 1"), "{msg}");
}

/// A directory event of order change `change`, next in `dir`'s stream.
fn next_event(
    dir: &Directory,
    change: smart_accounts::records::OrderChange,
) -> smart_accounts::StreamEvent {
    let last = dir.directory_events().last().unwrap();
    smart_accounts::StreamEvent::Directory(smart_accounts::DirectoryEvent {
        seq: last.seq + 1,
        at: last.at,
        actor: smart_accounts::RecordedActor::Fulfilment,
        command: None,
        change: smart_accounts::DirectoryChange::Order(change),
    })
}

/// A replica refuses `change` for `rule` and stays as it was.
fn replica_refuses(dir: &Directory, change: smart_accounts::records::OrderChange, rule: RuleId) {
    let mut replica = dir.clone();
    let err = replica.follow(&[next_event(dir, change)]).unwrap_err();
    assert_eq!(err.rule(), rule, "{err}");
    assert_eq!(&replica, dir, "a refused event changed the replica");
}

#[test]
fn q009_q011_a_hostile_directory_stream_of_order_changes_is_refused() {
    use smart_accounts::records::OrderChange;
    let mut w = world();
    let (acme, globex) = (w.acme.sa, w.globex.sa);
    place(
        &mut w,
        "CCW-7",
        vec![
            Line::new("1.0", "SKU", 1).assigned(Assignment::account(acme, None)),
            Line::new("2.0", "SKU", 1).assigned(Assignment::account(globex, None)),
        ],
    );
    let line = |n| OrderLine {
        order: order("CCW-7"),
        line: n,
    };
    // Fulfilled before it was booked.
    replica_refuses(
        &w.dir,
        OrderChange::Fulfilled {
            order: line(1),
            sa: acme,
        },
        RuleId::Q011,
    );
    // A line on hold booked; a line the order does not have; a release of a line not on hold.
    replica_refuses(
        &w.dir,
        OrderChange::Booked {
            order: order("CCW-7"),
            lines: vec![2],
        },
        RuleId::Q011,
    );
    replica_refuses(
        &w.dir,
        OrderChange::Booked {
            order: order("CCW-7"),
            lines: vec![3],
        },
        RuleId::Q011,
    );
    replica_refuses(
        &w.dir,
        OrderChange::Released {
            sa: acme,
            va: w.acme.emea,
            lines: vec![line(1)],
        },
        RuleId::Q011,
    );
    // The order placed again, or a record whose states do not match its lines.
    let record = w.dir.order(&order("CCW-7")).unwrap().clone();
    replica_refuses(
        &w.dir,
        OrderChange::Placed {
            record: Box::new(record.clone()),
        },
        RuleId::Q011,
    );
    let mut other = record;
    other.id = order("CCW-8");
    other.lines.pop();
    replica_refuses(
        &w.dir,
        OrderChange::Placed {
            record: Box::new(other),
        },
        RuleId::Q011,
    );
    // Booked, a line's assignment recorded as changed, or fulfilled into another account.
    w.dir
        .execute(
            &Actor::Fulfilment,
            day(2),
            Command::Order(OrderCommand::Book {
                order: order("CCW-7"),
                lines: vec![1],
            }),
        )
        .unwrap();
    replica_refuses(
        &w.dir,
        OrderChange::Assigned {
            order: line(1),
            assignment: Box::new(Assignment::account(w.solo.sa, None)),
            state: Box::new(LineState::Ready {
                sa: w.solo.sa,
                va: w.dir.account(w.solo.sa).unwrap().default_va(),
            }),
        },
        RuleId::Q009,
    );
    replica_refuses(
        &w.dir,
        OrderChange::Fulfilled {
            order: line(1),
            sa: w.solo.sa,
        },
        RuleId::Q011,
    );
    // The same event for the right account is taken.
    let mut replica = w.dir.clone();
    replica
        .follow(&[next_event(
            &w.dir,
            OrderChange::Fulfilled {
                order: line(1),
                sa: acme,
            },
        )])
        .unwrap();
    assert_eq!(
        replica.order(&order("CCW-7")).unwrap().line(1),
        Some(&LineState::Fulfilled { sa: acme })
    );
}

/// VA005 with Q011: a Virtual Account that a recorded order line will deliver into (ready or
/// booked) is not deleted, and the refusal changes nothing; one that no line names is.
/// Found by `q011_order_records_follow_the_accounts_and_replay_on_random_timed_commands` at
/// 10,000 cases: the record kept pointing at a deleted Virtual Account.
#[test]
fn va005_q011_a_virtual_account_an_order_line_will_deliver_into_is_not_deleted() {
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let staging = w
        .dir
        .create_va(&alice, day(1), w.acme.sa, None, "Staging")
        .unwrap();
    let spare = w
        .dir
        .create_va(&alice, day(1), w.acme.sa, None, "Spare")
        .unwrap();
    let line = Line::new("1.0", "SKU", 3).assigned(Assignment::account(
        w.acme.sa,
        Some(smart_accounts::quote::VaRef::Id(staging)),
    ));
    place(&mut w, "CCW-9", vec![line]);
    assert_eq!(
        state(&w, "CCW-9", 1),
        LineState::Ready {
            sa: w.acme.sa,
            va: staging
        }
    );
    let delete = Command::DeleteVa { va: staging };
    let msg = refused(&mut w.dir, &alice, 2, delete.clone(), RuleId::VA005);
    assert!(msg.contains("on order"), "{msg}");
    let book = Command::Order(OrderCommand::Book {
        order: order("CCW-9"),
        lines: vec![1],
    });
    w.dir.execute(&Actor::Fulfilment, day(2), book).unwrap();
    refused(&mut w.dir, &alice, 3, delete, RuleId::VA005);
    w.dir
        .execute(&alice, day(3), Command::DeleteVa { va: spare })
        .unwrap();
    assert!(w.dir.va(spare).is_none());
    assert!(w.dir.va(staging).is_some());
}
