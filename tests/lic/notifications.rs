//! LIC008, notifications as records: in a Partner Holding account, a Smart-Account-mandatory
//! order line deposited there yields a numbered record addressed to the members ("you will
//! receive an email notifying you that an order needs to be moved from your Partner Holding
//! Account", seed 001), and members who sign up for them get a notice of every fulfilment
//! ("members of the Holding Account can sign for notifications, so they know when the order is
//! fulfilled", seed 001). The ordering system marks a record sent, a recipient acknowledges it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::licenses::license_refused;
use crate::common::snapshots::{account_mut, load_refused};
use crate::common::{date, day, event_refused, logless, world, world_with_nico};
use jiff::Timestamp;
use smart_accounts::fixtures::World;
use smart_accounts::license::Origin;
use smart_accounts::{
    Actor, Change, Command, Directory, Error, Event, License, LicenseChange, LicenseCommand,
    LicenseKind, NotificationKind, NotificationRecord, NotificationState, OrderId, OrderLine,
    RecordedActor, RuleId, SmartAccount, Target, UserId,
};

fn order(id: &str, line: u32) -> OrderLine {
    OrderLine {
        order: OrderId::parse(id).unwrap(),
        line,
    }
}

/// Fulfilment deposits `quantity` ISE licenses of order line `o` in Nimbus's holding account.
fn deposit(w: &mut World, at: Timestamp, o: &OrderLine, quantity: u64, mandatory: bool) {
    let command = LicenseCommand::Deposit {
        sa: w.partner.holding,
        va: None,
        order: o.clone(),
        license: w.licensing.ise.clone(),
        kind: LicenseKind::Smart,
        quantity,
        procured_by: w.partner.org,
        sa_mandatory: mandatory,
    };
    w.dir.license(&Actor::Fulfilment, at, command).unwrap();
}

fn record(w: &World, id: u64) -> NotificationRecord {
    w.dir
        .account(w.partner.holding)
        .unwrap()
        .notification(id)
        .cloned()
        .unwrap_or_else(|| panic!("no notification {id}"))
}

fn records(dir: &Directory, w: &World) -> Vec<NotificationRecord> {
    dir.account(w.partner.holding)
        .unwrap()
        .notification_records()
        .cloned()
        .collect()
}

fn log_len(w: &World) -> usize {
    w.dir
        .events(w.partner.admin, w.partner.holding)
        .unwrap()
        .len()
}

fn sent(w: &World, id: u64) -> LicenseCommand {
    LicenseCommand::MarkNotificationSent {
        sa: w.partner.holding,
        id,
    }
}

fn ack(w: &World, id: u64) -> LicenseCommand {
    LicenseCommand::AcknowledgeNotification {
        sa: w.partner.holding,
        id,
    }
}

fn opt(w: &World, opt_in: bool) -> LicenseCommand {
    LicenseCommand::FulfilmentNotices {
        sa: w.partner.holding,
        opt_in,
    }
}

fn members(w: &World) -> Vec<UserId> {
    let mut m = vec![w.partner.admin, w.partner.nina];
    m.sort();
    m
}

/// [`refused_in`] with its arguments evaluated before the world is borrowed.
macro_rules! refused {
    ($w:expr, $actor:expr, $at:expr, $command:expr) => {{
        let (actor, at, command) = ($actor, $at, $command);
        refused_in(&mut $w, actor, at, command)
    }};
}

/// Runs a command that must be refused for LIC008; checks that neither the state nor the
/// account's log changed. Returns the message.
fn refused_in(w: &mut World, actor: &Actor, at: Timestamp, command: LicenseCommand) -> String {
    let events = log_len(w);
    let err = license_refused(&mut w.dir, actor, at, command);
    assert_eq!(err.rule(), RuleId::LIC008, "{err}");
    assert_eq!(log_len(w), events, "a refused command appended an event");
    err.to_string()
}

#[test]
fn lic008_a_mandatory_order_in_holding_yields_a_record_that_is_sent_and_acknowledged_once() {
    let mut w = world();
    // The fixture's SA-mandatory order NIM-2001 was deposited first: record 1, to the members.
    let first = record(&w, 1);
    assert_eq!(first.kind, NotificationKind::MustMove);
    assert_eq!(
        first.lot.origin,
        Origin::Order(w.licensing.aged_order.clone())
    );
    assert_eq!(first.lot.quantity, 25);
    assert_eq!(first.state, NotificationState::Yielded);
    // A partner's SA-mandatory order deposited on day 1: the next record, 2.
    let o = order("NIM-3001", 1);
    deposit(&mut w, day(1), &o, 12, true);
    let n = record(&w, 2);
    assert_eq!(n.id, 2);
    assert_eq!(n.kind, NotificationKind::MustMove);
    assert_eq!(n.lot.origin, Origin::Order(o));
    assert_eq!((n.lot.quantity, n.lot.since), (12, date(1)));
    assert_eq!(n.lot.license, w.licensing.ise);
    assert_eq!(n.recipients, members(&w));
    assert_eq!(n.state, NotificationState::Yielded);
    // The deposit's own event made it: no event of its own.
    let log = w.dir.events(w.partner.admin, w.partner.holding).unwrap();
    assert!(matches!(
        &log.last().unwrap().change,
        Change::License(LicenseChange::Deposited(_))
    ));
    // The ordering system sends it on day 2, a member acknowledges it on day 3.
    let events = w
        .dir
        .license(&Actor::Fulfilment, day(2), sent(&w, 2))
        .unwrap();
    assert_eq!(
        events[0].change,
        Change::License(LicenseChange::NotificationSent { id: 2 })
    );
    assert_eq!(record(&w, 2).state, NotificationState::Sent { on: date(2) });
    let nina = Actor::User(w.partner.nina);
    let events = w.dir.license(&nina, day(3), ack(&w, 2)).unwrap();
    assert_eq!(
        events[0].change,
        Change::License(LicenseChange::NotificationAcknowledged {
            id: 2,
            by: w.partner.nina
        })
    );
    let done = NotificationState::Acknowledged {
        by: w.partner.nina,
        on: date(3),
    };
    assert_eq!(record(&w, 2).state, done);
    // A second acknowledgement, by anyone, is refused and changes nothing.
    let admin = Actor::User(w.partner.admin);
    for actor in [&nina, &admin] {
        let message = refused!(w, actor, day(4), ack(&w, 2));
        assert!(message.contains("notification 2"), "{message}");
        assert!(message.contains("already acknowledged"), "{message}");
        assert!(
            message.contains(&w.partner.holding.to_string()),
            "{message}"
        );
    }
    // Sending after the acknowledgement is refused too.
    let message = refused!(w, &Actor::Fulfilment, day(4), sent(&w, 2));
    assert!(message.contains("notification 2"), "{message}");
    assert_eq!(record(&w, 2).state, done);
}

#[test]
fn lic008_only_the_ordering_system_marks_a_notification_sent_once() {
    let mut w = world();
    let admin = Actor::User(w.partner.admin);
    let command = sent(&w, 1);
    let err = license_refused(&mut w.dir, &admin, day(1), command);
    assert!(matches!(err, Error::WrongActor { .. }), "{err}");
    assert_eq!(err.rule(), RuleId::LIC008);
    // An unknown ID is named.
    let message = refused!(w, &Actor::Fulfilment, day(1), sent(&w, 9));
    assert!(message.contains("notification 9"), "{message}");
    // Sent once; a second time is refused.
    w.dir
        .license(&Actor::Fulfilment, day(1), sent(&w, 1))
        .unwrap();
    let message = refused!(w, &Actor::Fulfilment, day(2), sent(&w, 1));
    assert!(message.contains("notification 1"), "{message}");
    assert_eq!(record(&w, 1).state, NotificationState::Sent { on: date(1) });
}

#[test]
fn lic008_only_a_recipient_who_is_still_a_member_acknowledges() {
    let (mut w, nico) = world_with_nico();
    // Nico (Nimbus, no role) and Alice (Acme) are no recipients of record 1.
    for outsider in [nico, w.acme.alice] {
        let message = refused!(w, &Actor::User(outsider), day(1), ack(&w, 1));
        assert!(message.contains("only a recipient"), "{message}");
    }
    // Unknown IDs are named.
    let message = refused!(w, &Actor::User(w.partner.nina), day(1), ack(&w, 7));
    assert!(message.contains("notification 7"), "{message}");
    // Nina leaves the holding account: still a recipient on record, but no member to act.
    let revoke = Command::RevokeRole {
        user: w.partner.nina,
        target: Target::Account(w.partner.holding),
    };
    w.dir
        .execute(&Actor::User(w.partner.admin), day(1), revoke)
        .unwrap();
    assert!(record(&w, 1).recipients.contains(&w.partner.nina));
    let message = refused!(w, &Actor::User(w.partner.nina), day(2), ack(&w, 1));
    assert!(message.contains("no longer a member"), "{message}");
    // Acknowledged before it was sent: allowed (a member saw it first).
    w.dir
        .license(&Actor::User(w.partner.admin), day(2), ack(&w, 1))
        .unwrap();
    assert!(!record(&w, 1).is_open());
}

#[test]
fn lic008_an_opted_in_member_gets_a_fulfilment_notice_of_every_deposit() {
    let mut w = world();
    let nina = Actor::User(w.partner.nina);
    let events = w.dir.license(&nina, day(1), opt(&w, true)).unwrap();
    assert_eq!(
        events[0].change,
        Change::License(LicenseChange::FulfilmentNoticesChosen {
            user: w.partner.nina,
            opt_in: true
        })
    );
    let holding = w.dir.account(w.partner.holding).unwrap();
    assert_eq!(
        holding.fulfilment_notice_members().collect::<Vec<_>>(),
        [w.partner.nina]
    );
    // A deposit that is not SA-mandatory: one fulfilment notice, to Nina only.
    let plain = order("NIM-3002", 1);
    deposit(&mut w, day(2), &plain, 4, false);
    let all = records(&w.dir, &w);
    assert_eq!(all.len(), 2);
    let notice = record(&w, 2);
    assert_eq!(notice.kind, NotificationKind::Fulfilled);
    assert_eq!(notice.recipients, [w.partner.nina]);
    assert_eq!(notice.lot.origin, Origin::Order(plain));
    assert!(!notice.lot.sa_mandatory);
    // An SA-mandatory one: the must-move record to every member, then Nina's notice.
    let mandatory = order("NIM-3003", 1);
    deposit(&mut w, day(3), &mandatory, 6, true);
    let (must, fulfilled) = (record(&w, 3), record(&w, 4));
    assert_eq!(must.kind, NotificationKind::MustMove);
    assert_eq!(must.recipients, members(&w));
    assert_eq!(fulfilled.kind, NotificationKind::Fulfilled);
    assert_eq!(fulfilled.recipients, [w.partner.nina]);
    // The admin is no recipient of Nina's notice; Nina acknowledges it.
    let admin = Actor::User(w.partner.admin);
    let message = refused!(w, &admin, day(4), ack(&w, 4));
    assert!(message.contains("only a recipient"), "{message}");
    w.dir.license(&nina, day(4), ack(&w, 4)).unwrap();
    // Opted out, the next deposit yields nothing for her; opting out twice is refused.
    w.dir.license(&nina, day(5), opt(&w, false)).unwrap();
    let message = refused!(w, &nina, day(5), opt(&w, false));
    assert!(message.contains("not opted in"), "{message}");
    deposit(&mut w, day(6), &order("NIM-3004", 1), 1, false);
    assert_eq!(records(&w.dir, &w).len(), 4);
    // Deposits into customer accounts yield no records.
    let acme = w.dir.account(w.acme.sa).unwrap();
    assert_eq!(acme.notification_records().count(), 0);
}

#[test]
fn lic008_a_non_member_cannot_opt_in_and_nothing_changes() {
    let (mut w, nico) = world_with_nico();
    let message = refused!(w, &Actor::User(nico), day(1), opt(&w, true));
    assert!(message.contains("only a member"), "{message}");
    assert!(
        message.contains(&w.partner.holding.to_string()),
        "{message}"
    );
    assert!(message.contains(&nico.to_string()), "{message}");
    // A customer's user, and the distributor's admin (member of another holding account).
    for outsider in [w.acme.alice, w.distributor.admin] {
        refused!(w, &Actor::User(outsider), day(1), opt(&w, true));
    }
    // Customer accounts send no fulfilment notices, even to their members.
    let customer = LicenseCommand::FulfilmentNotices {
        sa: w.acme.sa,
        opt_in: true,
    };
    let message = refused!(w, &Actor::User(w.acme.alice), day(1), customer);
    assert!(message.contains("partner holding"), "{message}");
    // A member opts in once; twice is refused.
    let nina = Actor::User(w.partner.nina);
    w.dir.license(&nina, day(1), opt(&w, true)).unwrap();
    let message = refused!(w, &nina, day(2), opt(&w, true));
    assert!(message.contains("already opted in"), "{message}");
    // Fulfilment is no member either.
    let command = opt(&w, true);
    let err = license_refused(&mut w.dir, &Actor::Fulfilment, day(2), command);
    assert_eq!(err.rule(), RuleId::ROLE005);
}

#[test]
fn lic008_a_member_who_loses_the_last_role_is_opted_out() {
    let mut w = world();
    let nina = Actor::User(w.partner.nina);
    w.dir.license(&nina, day(1), opt(&w, true)).unwrap();
    let revoke = Command::RevokeRole {
        user: w.partner.nina,
        target: Target::Account(w.partner.holding),
    };
    w.dir
        .execute(&Actor::User(w.partner.admin), day(2), revoke)
        .unwrap();
    let holding = w.dir.account(w.partner.holding).unwrap();
    assert_eq!(holding.fulfilment_notice_members().count(), 0);
    deposit(&mut w, day(3), &order("NIM-3005", 1), 2, false);
    assert_eq!(records(&w.dir, &w).len(), 1);
}

/// A world with every kind of record and state: 1 acknowledged, 2 sent, 3 and 4 yielded (a
/// must-move and Nina's fulfilment notice), Nina opted in.
fn busy_world() -> World {
    let mut w = world();
    let nina = Actor::User(w.partner.nina);
    w.dir.license(&nina, day(1), opt(&w, true)).unwrap();
    deposit(&mut w, day(2), &order("NIM-4001", 1), 3, false);
    w.dir
        .license(&Actor::Fulfilment, day(3), sent(&w, 2))
        .unwrap();
    w.dir.license(&nina, day(4), ack(&w, 1)).unwrap();
    deposit(&mut w, day(5), &order("NIM-4002", 2), 8, true);
    w
}

#[test]
fn lic008_records_replay_from_the_events_and_logs_are_rechecked() {
    let w = busy_world();
    let holding = w.dir.account(w.partner.holding).unwrap();
    assert_eq!(holding.notification_records().count(), 4);
    let log = w.dir.events(w.partner.admin, w.partner.holding).unwrap();
    assert_eq!(&SmartAccount::replay(&log.to_vec()).unwrap(), holding);
    // The snapshot with its logs is evidence (EV004): every opt-in, sending and
    // acknowledgement is re-planned as its command, and the records come out the same.
    let reloaded = Directory::from_snapshot(w.dir.to_snapshot()).unwrap();
    assert_eq!(reloaded, w.dir);
    assert_eq!(records(&reloaded, &w), records(&w.dir, &w));
    // A forged acknowledgement, by someone the notice is not addressed to, is refused.
    let mut forged = w.dir.to_snapshot();
    let a = account_mut(&mut forged, w.partner.holding);
    let at = a.events.last().unwrap().at;
    let seq = a.events.len() as u64 + 1;
    a.events.push(Event {
        sa: w.partner.holding,
        seq,
        at,
        actor: RecordedActor::User {
            user: w.partner.admin,
            org: w.partner.org,
        },
        command: None,
        change: Change::License(LicenseChange::NotificationAcknowledged {
            id: 4,
            by: w.partner.admin,
        }),
    });
    let err = Directory::from_snapshot(forged).unwrap_err();
    assert_eq!(err.rule(), RuleId::EV004, "{err}");
    let message = err.to_string();
    assert!(message.contains("LIC008"), "{message}");
    assert!(message.contains("only a recipient"), "{message}");
    // Applied on its own, such an event is refused and changes nothing.
    let event = Event {
        sa: w.partner.holding,
        seq: log.len() as u64 + 1,
        at,
        actor: RecordedActor::Fulfilment,
        command: None,
        change: Change::License(LicenseChange::NotificationSent { id: 2 }),
    };
    let message = event_refused(holding, &event, RuleId::LIC008);
    assert!(message.contains("already sent"), "{message}");
}

#[test]
fn lic008_records_and_opt_ins_round_trip_through_snapshots() {
    let w = busy_world();
    let snap = w.dir.to_snapshot();
    let a = snap
        .accounts
        .iter()
        .find(|a| a.id == w.partner.holding)
        .unwrap();
    assert_eq!(a.licenses.notifications, records(&w.dir, &w));
    assert_eq!(a.licenses.fulfilment_notices, [w.partner.nina]);
    // Without its log, the account is rebuilt from the records themselves.
    let loaded = Directory::from_snapshot(logless(&w.dir)).unwrap();
    assert_eq!(records(&loaded, &w), records(&w.dir, &w));
    let holding = loaded.account(w.partner.holding).unwrap();
    assert_eq!(
        holding.fulfilment_notice_members().collect::<Vec<_>>(),
        [w.partner.nina]
    );
    // Later commands continue the numbering and the states.
    let mut w2 = World {
        dir: loaded,
        ..w.clone()
    };
    deposit(&mut w2, day(6), &order("NIM-4003", 1), 1, true);
    assert_eq!(record(&w2, 5).recipients, members(&w2));
    assert_eq!(record(&w2, 6).recipients, [w2.partner.nina]);
    w2.dir
        .license(&Actor::User(w2.partner.nina), day(6), ack(&w2, 2))
        .unwrap();
}

#[cfg(feature = "serde")]
#[test]
fn lic008_records_round_trip_through_json() {
    let w = busy_world();
    let text = serde_json::to_string(&w.dir.to_snapshot()).unwrap();
    assert!(text.contains("\"must_move\""), "{text}");
    assert!(text.contains("\"acknowledged\""), "{text}");
    assert!(text.contains("\"fulfilment_notices\""), "{text}");
    let back: smart_accounts::Snapshot = serde_json::from_str(&text).unwrap();
    assert_eq!(Directory::from_snapshot(back).unwrap(), w.dir);
    // An unknown state is refused by the parser.
    let hostile = text.replacen("\"acknowledged\"", "\"forgotten\"", 1);
    assert!(serde_json::from_str::<smart_accounts::Snapshot>(&hostile).is_err());
}

/// Loads the logless snapshot of `w` with the holding account's records edited by `edit`;
/// it must be refused for LIC008 at `path` (below the holding account) naming `needle`.
fn hostile(w: &World, path: &str, needle: &str, edit: impl FnOnce(&mut Vec<NotificationRecord>)) {
    let mut snap = logless(&w.dir);
    let i = snap
        .accounts
        .iter()
        .position(|a| a.id == w.partner.holding)
        .unwrap();
    edit(&mut snap.accounts[i].licenses.notifications);
    load_refused(
        snap,
        &format!("accounts[{i}]{path}"),
        RuleId::LIC008,
        needle,
    );
}

#[test]
fn lic008_a_hostile_snapshot_of_records_is_refused() {
    let w = busy_world();
    // The same ID twice.
    hostile(&w, ".licenses.notifications[4]", "listed twice", |n| {
        let copy = n[0].clone();
        n.push(copy);
    });
    // A state that cannot follow: acknowledged by someone it is not addressed to, or sent
    // before it was yielded.
    let alien = w.partner.admin;
    hostile(&w, ".licenses.notifications[3]", "not addressed", |n| {
        n[3].state = NotificationState::Acknowledged {
            by: alien,
            on: date(9),
        };
    });
    hostile(
        &w,
        ".licenses.notifications[1]",
        "before it was yielded",
        |n| {
            n[1].state = NotificationState::Sent { on: date(-400) };
        },
    );
    // A recipient who could never be a member: a customer's user (SA007), or no user at all.
    let alice = w.acme.alice;
    hostile(
        &w,
        ".licenses.notifications[0].recipients[2]",
        "recipient",
        |n| n[0].recipients.push(alice),
    );
    // A must-move record of an order that was not SA-mandatory; ID 0; a recipient twice.
    hostile(&w, ".licenses.notifications[1]", "mandatory", |n| {
        n[1].kind = NotificationKind::MustMove;
    });
    hostile(&w, ".licenses.notifications[0]", "start at 1", |n| {
        n[0].id = 0;
    });
    let nina = w.partner.nina;
    hostile(&w, ".licenses.notifications[2]", "listed twice", |n| {
        n[2].recipients.push(nina);
    });
}

#[test]
fn lic008_a_hostile_snapshot_of_opt_ins_or_a_customer_record_is_refused() {
    let w = busy_world();
    // An opt-in of a user without a role on the holding account.
    let mut snap = logless(&w.dir);
    let i = snap
        .accounts
        .iter()
        .position(|a| a.id == w.partner.holding)
        .unwrap();
    snap.accounts[i]
        .licenses
        .fulfilment_notices
        .push(w.distributor.admin);
    load_refused(
        snap,
        &format!("accounts[{i}].licenses.fulfilment_notices[1]"),
        RuleId::LIC008,
        "only a member",
    );
    // A record in a customer's account.
    let mut snap = logless(&w.dir);
    let record = records(&w.dir, &w)[0].clone();
    let j = snap
        .accounts
        .iter()
        .position(|a| a.id == w.acme.sa)
        .unwrap();
    snap.accounts[j]
        .licenses
        .notifications
        .push(NotificationRecord {
            recipients: vec![w.acme.alice],
            ..record
        });
    let err = Directory::from_snapshot(snap).unwrap_err();
    assert_eq!(err.rule(), RuleId::LIC008, "{err}");
    assert!(err.path().starts_with(&format!("accounts[{j}]")), "{err}");
}

#[test]
fn lic008_open_notifications_across_the_directory_oldest_first() {
    let w = busy_world();
    let open = w.dir.open_notifications();
    let ids: Vec<u64> = open.iter().map(|(_, n)| n.id).collect();
    assert_eq!(ids, [2, 3, 4]);
    assert!(open.iter().all(|(sa, _)| *sa == w.partner.holding));
    assert!(
        open.windows(2)
            .all(|p| p[0].1.lot.since <= p[1].1.lot.since)
    );
    // The value notifications of LIC008 keep their aging figure beside the records.
    let notes = w.dir.notifications(date(10));
    assert!(notes.iter().all(|n| n.age_days >= 0));
    assert_eq!(notes.len(), 2);
}

#[test]
fn lic008_a_transfer_arriving_in_holding_yields_no_record() {
    let mut w = world();
    let before = records(&w.dir, &w).len();
    // Vendor support re-assigns Acme's licenses into the holding account: not a deposit.
    let ise: License = w.licensing.ise.clone();
    let command = LicenseCommand::VendorReassign {
        transfer: smart_accounts::TransferId::parse("T-N1").unwrap(),
        from: w.acme.default_va,
        to_sa: w.partner.holding,
        to_va: None,
        lines: vec![smart_accounts::TransferLine {
            license: ise,
            quantity: 1,
        }],
        order_lines: Vec::new(),
    };
    w.dir
        .license(
            &Actor::VendorSupport {
                case: "CASE-9".into(),
            },
            day(1),
            command,
        )
        .unwrap();
    assert_eq!(records(&w.dir, &w).len(), before);
}

// ---------------------------------------------------------------------------------------------
// A focused reference model: deposits, opt-ins, sending, acknowledging and members leaving and
// coming back, in any order, by any of four people.
// ---------------------------------------------------------------------------------------------

mod model {
    use super::*;
    use crate::common::cases;
    use proptest::prelude::*;
    use smart_accounts::{Inheritance, Role};
    use std::collections::BTreeSet;

    #[derive(Debug, Clone)]
    enum Op {
        Deposit { mandatory: bool },
        Opt { who: usize, opt_in: bool },
        Send { id: u64, by_fulfilment: bool },
        Ack { id: u64, who: usize },
        Leave,
        Join,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => any::<bool>().prop_map(|mandatory| Op::Deposit { mandatory }),
            2 => (0usize..4, any::<bool>()).prop_map(|(who, opt_in)| Op::Opt { who, opt_in }),
            2 => (0u64..8, prop::bool::weighted(0.8))
                .prop_map(|(id, by_fulfilment)| Op::Send { id, by_fulfilment }),
            3 => (0u64..8, 0usize..4).prop_map(|(id, who)| Op::Ack { id, who }),
            1 => Just(Op::Leave),
            1 => Just(Op::Join),
        ]
    }

    /// What the records should be: (kind, recipients, state) by ID from 1.
    struct Model {
        records: Vec<(NotificationKind, Vec<UserId>, NotificationState)>,
        members: BTreeSet<UserId>,
        opted: BTreeSet<UserId>,
    }

    fn run(ops: &[Op]) -> Result<(), TestCaseError> {
        let (mut w, nico) = world_with_nico();
        let people = [w.partner.admin, w.partner.nina, nico, w.acme.alice];
        let holding = w.partner.holding;
        let mut model = Model {
            records: records(&w.dir, &w)
                .into_iter()
                .map(|n| (n.kind, n.recipients, n.state))
                .collect(),
            members: members(&w).into_iter().collect(),
            opted: BTreeSet::new(),
        };
        for (k, op) in ops.iter().enumerate() {
            let at = day(1 + k as i64);
            let on = date(1 + k as i64);
            let before = w.dir.clone();
            let (actor, command, expected) = match *op {
                Op::Deposit { mandatory } => {
                    let o = order("NIM-P", u32::try_from(k).unwrap() + 1);
                    let command = Command::License(LicenseCommand::Deposit {
                        sa: holding,
                        va: None,
                        order: o,
                        license: w.licensing.ise.clone(),
                        kind: LicenseKind::Smart,
                        quantity: 1,
                        procured_by: w.partner.org,
                        sa_mandatory: mandatory,
                    });
                    (Actor::Fulfilment, command, true)
                }
                Op::Opt { who, opt_in } => {
                    let user = people[who];
                    let ok = model.members.contains(&user) && model.opted.contains(&user) != opt_in;
                    (Actor::User(user), Command::License(opt(&w, opt_in)), ok)
                }
                Op::Send { id, by_fulfilment } => {
                    let ok = by_fulfilment
                        && id >= 1
                        && model
                            .records
                            .get(id as usize - 1)
                            .is_some_and(|r| r.2 == NotificationState::Yielded);
                    let actor = if by_fulfilment {
                        Actor::Fulfilment
                    } else {
                        Actor::User(w.partner.admin)
                    };
                    (actor, Command::License(sent(&w, id)), ok)
                }
                Op::Ack { id, who } => {
                    let user = people[who];
                    let ok = id >= 1
                        && model.members.contains(&user)
                        && model.records.get(id as usize - 1).is_some_and(|r| {
                            r.1.contains(&user)
                                && !matches!(r.2, NotificationState::Acknowledged { .. })
                        });
                    (Actor::User(user), Command::License(ack(&w, id)), ok)
                }
                Op::Leave => {
                    let command = Command::RevokeRole {
                        user: w.partner.nina,
                        target: Target::Account(holding),
                    };
                    let ok = model.members.contains(&w.partner.nina);
                    (Actor::User(w.partner.admin), command, ok)
                }
                Op::Join => {
                    let command = Command::AssignRole {
                        user: w.partner.nina,
                        target: Target::Account(holding),
                        role: Role::SaUser,
                        inheritance: Inheritance::AccountAndChildren,
                    };
                    let ok = !model.members.contains(&w.partner.nina);
                    (Actor::User(w.partner.admin), command, ok)
                }
            };
            let result = w.dir.execute(&actor, at, command);
            prop_assert_eq!(
                result.is_ok(),
                expected,
                "step {} {:?}: {:?}",
                k,
                op,
                result.err()
            );
            if !expected {
                prop_assert_eq!(&w.dir, &before);
                continue;
            }
            match *op {
                Op::Deposit { mandatory } => {
                    if mandatory {
                        let all: Vec<UserId> = model.members.iter().copied().collect();
                        model.records.push((
                            NotificationKind::MustMove,
                            all,
                            NotificationState::Yielded,
                        ));
                    }
                    let opted: Vec<UserId> = model.opted.iter().copied().collect();
                    if !opted.is_empty() {
                        model.records.push((
                            NotificationKind::Fulfilled,
                            opted,
                            NotificationState::Yielded,
                        ));
                    }
                }
                Op::Opt { who, opt_in } => {
                    if opt_in {
                        model.opted.insert(people[who]);
                    } else {
                        model.opted.remove(&people[who]);
                    }
                }
                Op::Send { id, .. } => {
                    model.records[id as usize - 1].2 = NotificationState::Sent { on };
                }
                Op::Ack { id, who } => {
                    model.records[id as usize - 1].2 = NotificationState::Acknowledged {
                        by: people[who],
                        on,
                    };
                }
                Op::Leave => {
                    model.members.remove(&w.partner.nina);
                    model.opted.remove(&w.partner.nina);
                }
                Op::Join => {
                    model.members.insert(w.partner.nina);
                }
            }
            let actual: Vec<(NotificationKind, Vec<UserId>, NotificationState)> =
                records(&w.dir, &w)
                    .into_iter()
                    .enumerate()
                    .map(|(i, n)| {
                        assert_eq!(n.id, i as u64 + 1, "IDs are the account's sequence");
                        (n.kind, n.recipients, n.state)
                    })
                    .collect();
            prop_assert_eq!(&actual, &model.records);
        }
        // The log replays to the account, the snapshot with logs re-checks as evidence, and the
        // snapshot without them rebuilds the same records.
        let account = w.dir.account(holding).unwrap();
        let log = w.dir.events(w.partner.admin, holding).unwrap();
        prop_assert_eq!(&SmartAccount::replay(&log.to_vec()).unwrap(), account);
        let reloaded = Directory::from_snapshot(w.dir.to_snapshot());
        prop_assert!(reloaded.is_ok(), "{:?}", reloaded.err());
        prop_assert_eq!(&reloaded.unwrap(), &w.dir);
        let logless_reload = Directory::from_snapshot(logless(&w.dir));
        prop_assert!(logless_reload.is_ok(), "{:?}", logless_reload.err());
        prop_assert_eq!(records(&logless_reload.unwrap(), &w), records(&w.dir, &w));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        #[test]
        fn lic008_random_notification_commands_agree_with_a_reference_model(ops in prop::collection::vec(op(), 1..30)) {
            run(&ops)?;
        }
    }
}
