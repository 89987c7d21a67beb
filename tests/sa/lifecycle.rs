//! SA010: the lifecycle of a Smart Account request. Seed 002 ("the customer approves or
//! rejects"): a partner requests an account for its customer, and the customer's authorised
//! contact activates or declines it; the requester may withdraw it or name another contact, and a
//! request left unanswered lapses after a configurable period (90 days by default). A closed
//! request frees its domain and stays as a record.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::common::on_day::{accepted, by, refused};
use crate::common::{date, day, logless, world};
use smart_accounts::{
    AccountKind, AccountStatus, Actor, Command, Directory, DirectoryChange, Error, NewUser, RuleId,
    UserKind,
};

/// Seed 002: Nimbus requested `globex.com` for Globex (the fixture's Pending account, contact
/// `hank`); Hank declines the stray request, and Globex then requests its own account for its
/// domain.
#[test]
fn sa010_a_declined_partner_request_frees_the_customer_domain() {
    let mut w = world();
    let (sa, hank) = (w.globex.sa, w.globex.hank);
    assert_eq!(w.dir.requester(sa), Some(w.partner.admin));
    refused(
        &mut w.dir,
        hank,
        1,
        Command::RequestAccount {
            kind: AccountKind::Customer,
            name: String::new(),
            domain: Some("globex.com".into()),
            contact: hank,
        },
    );
    let events = w
        .dir
        .execute(&by(hank), day(1), Command::DeclineAccountRequest { sa })
        .unwrap();
    assert_eq!(events.len(), 1);
    // The record: status, when, and the release of the domain on the directory's stream.
    let account = w.dir.account(sa).unwrap();
    assert_eq!(account.status(), AccountStatus::Declined);
    assert_eq!(account.closed_at(), Some(day(1)));
    assert!(w.dir.directory_events().iter().any(|e| matches!(
        &e.change,
        DirectoryChange::IdentifierReleased { sa: s, .. } if *s == sa
    )));
    assert!(w.dir.account_by_domain("globex.com").is_none());
    assert!(w.dir.search_domain("globex.com").is_empty());
    let own = w
        .dir
        .request_account(
            &by(hank),
            day(2),
            AccountKind::Customer,
            "Globex",
            Some("globex.com"),
            hank,
        )
        .unwrap();
    assert_eq!(w.dir.account(own).unwrap().status(), AccountStatus::Active);
    assert_eq!(w.dir.account_by_domain("globex.com").unwrap().id(), own);
    assert_eq!(w.dir.account(sa).unwrap().status(), AccountStatus::Declined);
}

/// Seed 002: nobody answers the partner's request; after 90 days the scheduler (the ordering
/// system here) lapses it and the domain is free again.
#[test]
fn sa010_a_request_unanswered_for_90_days_lapses_and_frees_its_domain() {
    let mut w = world();
    let sa = w.globex.sa;
    let created = w.dir.account(sa).unwrap().created_at();
    let lapses_on = w.dir.account(sa).unwrap().request_lapses_on(90).unwrap();
    assert_eq!(lapses_on, date(90));
    assert!(created <= day(0));
    assert!(w.dir.lapsing_requests(date(89)).is_empty());
    let before = w.dir.clone();
    let err = w
        .dir
        .execute(
            &Actor::Fulfilment,
            day(89),
            Command::LapseAccountRequest { sa },
        )
        .unwrap_err();
    assert!(matches!(err, Error::RequestNotDue { .. }), "{err}");
    assert_eq!(err.rule(), RuleId::SA010);
    assert_eq!(w.dir, before, "a refused lapse changes nothing");
    assert_eq!(w.dir.lapsing_requests(date(90)), vec![sa]);
    w.dir
        .execute(
            &Actor::Fulfilment,
            day(90),
            Command::LapseAccountRequest { sa },
        )
        .unwrap();
    assert_eq!(w.dir.account(sa).unwrap().status(), AccountStatus::Lapsed);
    assert!(w.dir.account_by_domain("globex.com").is_none());
    // Lapsed once: it neither lapses again nor activates.
    let hank = w.globex.hank;
    let err = refused(&mut w.dir, hank, 91, Command::ActivateAccount { sa });
    assert_eq!(err.rule(), RuleId::SA010);
    let err = refused(&mut w.dir, hank, 91, Command::LapseAccountRequest { sa });
    assert_eq!(err.rule(), RuleId::SA010);
}

/// The period is a setting: 10 days.
#[test]
fn sa010_the_lapse_period_is_configurable() {
    let w = world();
    let mut snapshot = w.dir.to_snapshot();
    snapshot.config.account_request_lapse_days = 10;
    let mut dir = Directory::from_snapshot(snapshot).unwrap();
    assert_eq!(dir.lapsing_requests(date(10)), vec![w.globex.sa]);
    dir.execute(
        &Actor::Fulfilment,
        day(10),
        Command::LapseAccountRequest { sa: w.globex.sa },
    )
    .unwrap();
}

/// Seed 002: only Nimbus, who asked, withdraws its request; the contact declines instead.
#[test]
fn sa010_only_the_requester_may_withdraw() {
    let mut w = world();
    let sa = w.globex.sa;
    for user in [w.globex.hank, w.partner.nina, w.acme.alice] {
        let err = refused(&mut w.dir, user, 1, Command::WithdrawAccountRequest { sa });
        assert_eq!(err.rule(), RuleId::SA010, "{err}");
    }
    let err = refused(
        &mut w.dir,
        w.partner.admin,
        1,
        Command::DeclineAccountRequest { sa },
    );
    assert_eq!(
        err.rule(),
        RuleId::SA010,
        "only the contact declines: {err}"
    );
    accepted(
        &mut w.dir,
        w.partner.admin,
        1,
        Command::WithdrawAccountRequest { sa },
    );
    assert_eq!(
        w.dir.account(sa).unwrap().status(),
        AccountStatus::Withdrawn
    );
    let err = refused(
        &mut w.dir,
        w.partner.admin,
        2,
        Command::WithdrawAccountRequest { sa },
    );
    assert_eq!(err.rule(), RuleId::SA010);
}

/// Seed 002: the contact the partner named has left; Nimbus names another Globex employee,
/// who activates the account (the old contact no longer can).
#[test]
fn sa010_the_requester_changes_the_contact_of_a_pending_request() {
    let mut w = world();
    let (sa, hank) = (w.globex.sa, w.globex.hank);
    let gina = w
        .dir
        .register_user(NewUser {
            cco_id: Some("gina".into()),
            email: "gina@globex.com".into(),
            org: w.globex.org,
            kind: UserKind::Individual,
        })
        .unwrap();
    let no_cco = w
        .dir
        .register_user(NewUser {
            cco_id: None,
            email: "paul@globex.com".into(),
            org: w.globex.org,
            kind: UserKind::Individual,
        })
        .unwrap();
    let change = |contact| Command::ChangeRequestContact { sa, contact };
    // Not by the contact, not to someone without a Cisco.com ID, another company's user or
    // the contact already named.
    assert_eq!(
        refused(&mut w.dir, hank, 1, change(gina)).rule(),
        RuleId::SA010
    );
    assert_eq!(
        refused(&mut w.dir, w.partner.admin, 1, change(no_cco)).rule(),
        RuleId::SA004
    );
    assert_eq!(
        refused(&mut w.dir, w.partner.admin, 1, change(w.acme.alice)).rule(),
        RuleId::SA010
    );
    assert_eq!(
        refused(&mut w.dir, w.partner.admin, 1, change(hank)).rule(),
        RuleId::SA010
    );
    accepted(&mut w.dir, w.partner.admin, 1, change(gina));
    assert_eq!(w.dir.account(sa).unwrap().contact(), gina);
    assert_eq!(
        refused(&mut w.dir, hank, 2, Command::ActivateAccount { sa }).rule(),
        RuleId::SA008
    );
    accepted(&mut w.dir, gina, 2, Command::ActivateAccount { sa });
    assert_eq!(w.dir.account(sa).unwrap().status(), AccountStatus::Active);
    // Once active, the contact no longer changes.
    let err = refused(&mut w.dir, w.partner.admin, 3, change(hank));
    assert_eq!(err.rule(), RuleId::SA008);
}

/// A closed request is a record: it is never used (no Virtual Account, no deposit), and it
/// round-trips through snapshots with and without its log.
#[test]
fn sa010_a_closed_request_is_a_record_and_round_trips() {
    let mut w = world();
    let sa = w.globex.sa;
    accepted(
        &mut w.dir,
        w.globex.hank,
        1,
        Command::DeclineAccountRequest { sa },
    );
    let err = refused(
        &mut w.dir,
        w.globex.hank,
        2,
        Command::CreateVa {
            sa,
            parent: None,
            name: "X".into(),
        },
    );
    assert_eq!(err.rule(), RuleId::SA010, "{err}");
    let back = Directory::from_snapshot(w.dir.to_snapshot()).unwrap();
    assert_eq!(back, w.dir);
    let logless = Directory::from_snapshot(logless(&w.dir)).unwrap();
    assert_eq!(logless.account(sa), w.dir.account(sa));
    assert!(logless.account_by_domain("globex.com").is_none());
    #[cfg(feature = "serde")]
    {
        let json = serde_json::to_string(&w.dir).unwrap();
        let from_json: Directory = serde_json::from_str(&json).unwrap();
        assert_eq!(from_json, w.dir);
    }
}

/// Hostile snapshots: a declined request whose stream still claims its domain, a closed status
/// without its time, and a lapse before its period are refused naming SA010.
#[test]
fn sa010_hostile_snapshots_of_closed_requests_are_refused() {
    let mut w = world();
    let sa = w.globex.sa;
    accepted(
        &mut w.dir,
        w.globex.hank,
        1,
        Command::DeclineAccountRequest { sa },
    );
    // The release taken out of the directory's stream.
    let mut still_claims = w.dir.to_snapshot();
    still_claims
        .directory_events
        .retain(|e| !matches!(e.change, DirectoryChange::IdentifierReleased { .. }));
    let err = Directory::from_snapshot(still_claims).unwrap_err();
    assert_eq!(err.rule(), RuleId::SA010, "{err}");
    // Declined, but no closing time.
    let mut no_time = logless(&w.dir);
    no_time.directory_events.clear();
    let i = no_time.accounts.iter().position(|a| a.id == sa).unwrap();
    no_time.accounts[i].closed_at = None;
    let err = Directory::from_snapshot(no_time.clone()).unwrap_err();
    assert_eq!(err.rule(), RuleId::SA010, "{err}");
    // Lapsed after one day.
    no_time.accounts[i].status = AccountStatus::Lapsed;
    no_time.accounts[i].closed_at = Some(day(1));
    let err = Directory::from_snapshot(no_time.clone()).unwrap_err();
    assert_eq!(err.rule(), RuleId::SA010, "{err}");
    // After 90 days it loads, and a second account may hold the domain.
    no_time.accounts[i].closed_at = Some(day(90));
    let dir = Directory::from_snapshot(no_time).unwrap();
    assert!(dir.account_by_domain("globex.com").is_none());
}
