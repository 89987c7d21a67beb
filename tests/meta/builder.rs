//! The fixture builder (`fixtures::builder`) that other projects' test suites use to make
//! directories of their own shape: what it builds is what the commands build, with the rules
//! enforced (its refusals are the commands' refusals) and a full log that replays.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::all_events;
use smart_accounts::fixtures::builder::Builder;
use smart_accounts::{
    AccountKind, AccountStatus, Action, Directory, Inheritance, Role, RuleId, Target,
};

fn start() -> Builder {
    Builder::new("2026-01-05T09:00:00Z".parse().unwrap())
}

#[test]
fn builder_makes_companies_paths_users_and_roles_through_the_commands() {
    let mut b = start();
    let acme = b.customer("Acme", "acme.com").unwrap();
    let nimbus = b.partner("Nimbus", "nimbus.net").unwrap();
    let ingress = b.distributor("Ingress", "ingress-dist.com").unwrap();
    let sacramento = b.va_path(&acme, "Region-US/Finance/Sacramento").unwrap();
    // An existing path is found again, and extended below.
    let finance = b.va_path(&acme, "Region-US/Finance").unwrap();
    let fresno = b.va_path(&acme, "Region-US/Finance/Fresno").unwrap();
    let dir = b.dir();
    let account = dir.account(acme.sa).unwrap();
    assert_eq!(account.status(), AccountStatus::Active);
    assert_eq!(account.kind(), AccountKind::Customer);
    assert_eq!(account.va(sacramento).unwrap().parent(), Some(finance));
    assert_eq!(account.va(fresno).unwrap().parent(), Some(finance));
    assert_eq!(account.va(sacramento).unwrap().level(), 3);
    for holding in [&nimbus, &ingress] {
        let account = dir.account(holding.sa).unwrap();
        assert_eq!(account.kind(), AccountKind::PartnerHolding);
        assert_eq!(account.default_va(), holding.default_va);
    }
    assert_eq!(
        dir.user(acme.admin).unwrap().email.as_str(),
        "admin@acme.com"
    );
    let dora = b.user(&acme, "dora").unwrap();
    b.role(
        &acme,
        dora,
        Target::Va(finance),
        Role::VaUser,
        Inheritance::AccountAndChildren,
    )
    .unwrap();
    let t0 = b.at();
    assert!(b.advance_days(30).unwrap() > t0);
    let dir = b.build();
    assert!(dir.is_allowed(dora, Action::ManageLicenses, Target::Va(sacramento)));
    assert!(!dir.is_allowed(dora, Action::ManageLicenses, Target::Va(acme.default_va)));
    // Everything came through the commands: the log replays to the same directory.
    let again = Directory::from_events(dir.config().clone(), all_events(&dir)).unwrap();
    assert_eq!(again, dir);
}

#[test]
fn builder_refusals_are_the_commands_refusals_and_change_nothing() {
    let mut b = start();
    let acme = b.customer("Acme", "acme.com").unwrap();
    b.va_path(&acme, "EMEA/Sales").unwrap();
    let before = b.dir().clone();
    // "Sales" exists under EMEA: another parent is a second VA of that name (VA003).
    let err = b.va_path(&acme, "APAC/Sales").unwrap_err();
    assert_eq!(err.rule(), RuleId::VA003);
    // APAC was created on the way (a path is made one command at a time); nothing else was.
    let account = b.dir().account(acme.sa).unwrap();
    assert!(account.va_by_name("APAC").is_some());
    assert_eq!(
        account.va_count(),
        before.account(acme.sa).unwrap().va_count() + 1
    );
    // A second company of one domain: its admin's login is taken (SA004). A public email
    // domain (SA005), time going back (EV004).
    assert_eq!(
        b.customer("Acme Again", "acme.com").unwrap_err().rule(),
        RuleId::SA004
    );
    assert!(b.customer("Gmail", "gmail.com").is_err());
    assert_eq!(b.advance_days(-1).unwrap_err().rule(), RuleId::EV004);
    // Eleven levels (VA001).
    let deep = "L1/L2/L3/L4/L5/L6/L7/L8/L9/L10/L11";
    assert_eq!(b.va_path(&acme, deep).unwrap_err().rule(), RuleId::VA001);
}
