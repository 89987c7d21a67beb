//! The best-practice advisor: one test per rule (BP001–BP009) and its properties (it never
//! panics, and the same input always gives the same advice).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::world;
use crate::common::{date, day};
use jiff::civil::Date;
use proptest::prelude::*;
use smart_accounts::advisor::{Advice, AdvisorConfig, Scope, Severity, Subject, advise};
use smart_accounts::fixtures::World;
use smart_accounts::{
    AccountKind, Actor, Command, Inheritance, NewUser, Role, RuleId, SaId, Target, UserKind,
};

fn of(advice: &[Advice], rule: RuleId) -> Vec<&Advice> {
    advice.iter().filter(|a| a.rule == rule).collect()
}

fn all(w: &World, on: Date) -> Vec<Advice> {
    advise(&w.dir, Scope::All, on, &AdvisorConfig::default())
}

#[test]
fn bp001_several_accounts_of_one_company_are_flagged() {
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    assert!(of(&all(&w, date(1)), RuleId::BP001).is_empty());
    let lab = w
        .dir
        .request_account(
            &alice,
            w.at,
            AccountKind::Customer,
            "Acme Lab",
            Some("lab.acme.com"),
            w.acme.alice,
        )
        .unwrap();
    let advice = all(&w, date(1));
    let found = of(&advice, RuleId::BP001);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].account, Some(w.acme.sa));
    assert!(found[0].message.contains("`acme.com`") && found[0].message.contains("`lab.acme.com`"));
    assert!(found[0].fix.contains("virtual accounts"));
    // Seen from either account; not from another company's.
    let one = advise(
        &w.dir,
        Scope::Account(lab),
        date(1),
        &AdvisorConfig::default(),
    );
    assert_eq!(of(&one, RuleId::BP001).len(), 1);
    let other = advise(
        &w.dir,
        Scope::Account(w.globex.sa),
        date(1),
        &AdvisorConfig::default(),
    );
    assert!(of(&other, RuleId::BP001).is_empty());
    // The threshold is configurable.
    let config = AdvisorConfig {
        max_accounts_per_company: 2,
        ..AdvisorConfig::default()
    };
    assert!(of(&advise(&w.dir, Scope::All, date(1), &config), RuleId::BP001).is_empty());
}

#[test]
fn bp002_an_account_created_by_a_team_alias_is_flagged() {
    let mut w = world();
    assert!(of(&all(&w, date(1)), RuleId::BP002).is_empty());
    let team = w.acme.ops_team;
    let sa = w
        .dir
        .request_account(
            &Actor::User(team),
            w.at,
            AccountKind::Customer,
            "Acme Ops",
            Some("ops.acme.com"),
            team,
        )
        .unwrap();
    let advice = advise(
        &w.dir,
        Scope::Account(sa),
        date(1),
        &AdvisorConfig::default(),
    );
    let found = of(&advice, RuleId::BP002);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::User(team));
    assert!(found[0].message.contains("ops-team"));
    assert!(found[0].fix.contains("individual"));
}

#[test]
fn bp003_confidential_words_in_va_names_are_flagged() {
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let secret = w
        .dir
        .create_va(&alice, w.at, w.acme.sa, None, "Finance-EU CONFIDENTIAL")
        .unwrap();
    let phrase = w
        .dir
        .create_va(&alice, w.at, w.acme.sa, None, "Do not share: M&A")
        .unwrap();
    let harmless = w
        .dir
        .create_va(&alice, w.at, w.acme.sa, None, "Internationalization")
        .unwrap();
    let advice = all(&w, date(1));
    let found = of(&advice, RuleId::BP003);
    let subjects: Vec<Subject> = found.iter().map(|a| a.subject).collect();
    assert!(subjects.contains(&Subject::Va(secret)));
    assert!(subjects.contains(&Subject::Va(phrase)));
    assert!(
        !subjects.contains(&Subject::Va(harmless)),
        "words match whole words only"
    );
    let on_secret = found
        .iter()
        .find(|a| a.subject == Subject::Va(secret))
        .unwrap();
    assert!(on_secret.message.contains("`confidential`"));
    assert!(on_secret.fix.contains("rename `Finance-EU CONFIDENTIAL`"));
    // The list is configurable.
    let config = AdvisorConfig {
        confidential_words: vec!["international".into(), "m a".into()],
        ..AdvisorConfig::default()
    };
    let advice = advise(&w.dir, Scope::All, date(1), &config);
    let subjects: Vec<Subject> = of(&advice, RuleId::BP003)
        .iter()
        .map(|a| a.subject)
        .collect();
    assert_eq!(
        subjects,
        vec![Subject::Va(phrase)],
        "`m a` matches `M&A`, `international` nothing"
    );
}

#[test]
fn bp004_too_many_sa_admins_are_flagged() {
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let a = w.acme;
    for user in [a.bob, a.carol] {
        w.dir
            .execute(
                &alice,
                w.at,
                Command::ChangeRole {
                    user,
                    target: Target::Account(a.sa),
                    role: Role::SaAdmin,
                    inheritance: Inheritance::AccountAndChildren,
                },
            )
            .unwrap();
    }
    assert!(
        of(&all(&w, date(1)), RuleId::BP004).is_empty(),
        "three admins are fine"
    );
    w.dir
        .execute(
            &alice,
            w.at,
            Command::ChangeRole {
                user: a.dave,
                target: Target::Account(a.sa),
                role: Role::SaAdmin,
                inheritance: Inheritance::AccountAndChildren,
            },
        )
        .unwrap();
    let advice = all(&w, date(1));
    let found = of(&advice, RuleId::BP004);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::Account(a.sa));
    assert!(found[0].message.contains("4 SA Admins"));
    assert!(found[0].fix.contains("change 1 of them"));
    let config = AdvisorConfig {
        max_sa_admins: 4,
        ..AdvisorConfig::default()
    };
    assert!(of(&advise(&w.dir, Scope::All, date(1), &config), RuleId::BP004).is_empty());
}

#[test]
fn bp005_partner_sa_roles_and_shared_vas_are_flagged() {
    let mut w = world();
    let alice = Actor::User(w.acme.alice);
    let (a, nina) = (w.acme, w.partner.nina);
    assert!(
        of(&all(&w, date(1)), RuleId::BP005).is_empty(),
        "nina's VA role is the good practice"
    );
    w.dir
        .assign_role(
            &alice,
            w.at,
            nina,
            Target::Account(a.sa),
            Role::SaUser,
            Inheritance::AccountAndChildren,
        )
        .unwrap();
    let advice = all(&w, date(1));
    let found = of(&advice, RuleId::BP005);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::User(nina));
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(
        found[0]
            .fix
            .contains("replace SA User with VA User on `Americas`"),
        "{}",
        found[0].fix
    );

    // Two partner organizations on one virtual account.
    w.dir
        .assign_role(
            &alice,
            w.at,
            w.distributor.admin,
            Target::Va(a.us),
            Role::VaViewer,
            Inheritance::AccountOnly,
        )
        .unwrap();
    let advice = all(&w, date(1));
    let shared: Vec<&Advice> = of(&advice, RuleId::BP005)
        .into_iter()
        .filter(|x| x.subject == Subject::Va(a.us))
        .collect();
    assert_eq!(shared.len(), 1);
    assert!(
        shared[0].message.contains("`Nimbus Networks`")
            && shared[0].message.contains("`Ingress Distribution`")
    );
    assert!(shared[0].fix.contains("a virtual account of its own"));
}

#[test]
fn bp006_partner_access_not_reviewed_for_a_year_is_flagged() {
    let mut w = world();
    let a = w.acme;
    assert!(of(&all(&w, date(365)), RuleId::BP006).is_empty());
    let advice = all(&w, date(366));
    let found = of(&advice, RuleId::BP006);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::Organization(w.partner.org));
    assert!(found[0].message.contains("never reviewed since 2026-01-05"));
    assert!(found[0].fix.contains("ReviewPartnerAccess"));
    // A review resets the clock.
    w.dir
        .execute(
            &Actor::User(a.alice),
            day(200),
            Command::ReviewPartnerAccess {
                sa: a.sa,
                org: None,
            },
        )
        .unwrap();
    assert!(of(&all(&w, date(366)), RuleId::BP006).is_empty());
    let later = all(&w, date(566));
    assert_eq!(of(&later, RuleId::BP006).len(), 1);
    assert!(
        of(&later, RuleId::BP006)[0]
            .message
            .contains("last reviewed on")
    );
    let config = AdvisorConfig {
        review_period_days: 1000,
        ..AdvisorConfig::default()
    };
    assert!(
        of(
            &advise(&w.dir, Scope::All, date(566), &config),
            RuleId::BP006
        )
        .is_empty()
    );
}

#[test]
fn bp007_licenses_left_in_the_default_va_are_flagged() {
    use smart_accounts::{
        IdempotencyKey, License, LicenseCommand, LicenseKind, OrderId, OrderLine, OrgKind, Sku,
        TransferLine,
    };
    let mut w = world();
    // The fixture's Acme keeps ISE licenses in `DEFAULT` beside 18 other virtual accounts.
    let advice = all(&w, date(1));
    let found = of(&advice, RuleId::BP007);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::Va(w.acme.default_va));
    assert!(
        found[0].message.contains("`DEFAULT` holds 70 licenses"),
        "{}",
        found[0].message
    );

    // A fresh account: licenses in the default alone are fine; with another VA they are not.
    let org = w
        .dir
        .register_organization("Initech", OrgKind::Customer)
        .unwrap();
    let peter = w
        .dir
        .register_user(NewUser {
            cco_id: Some("peter".into()),
            email: "peter@initech.com".into(),
            org,
            kind: UserKind::Individual,
        })
        .unwrap();
    let me = Actor::User(peter);
    let sa = w
        .dir
        .request_account(
            &me,
            w.at,
            AccountKind::Customer,
            "Initech",
            Some("initech.com"),
            peter,
        )
        .unwrap();
    let license = License::perpetual(Sku::parse("ISE-PLS-LIC").unwrap());
    w.dir
        .license(
            &Actor::Fulfilment,
            w.at,
            LicenseCommand::Deposit {
                sa,
                va: None,
                order: OrderLine {
                    order: OrderId::parse("INI-1").unwrap(),
                    line: 1,
                },
                license: license.clone(),
                kind: LicenseKind::Smart,
                quantity: 12,
                procured_by: w.partner.org,
                sa_mandatory: false,
            },
        )
        .unwrap();
    let scope = |w: &World| {
        advise(
            &w.dir,
            Scope::Account(sa),
            date(1),
            &AdvisorConfig::default(),
        )
    };
    assert!(
        of(&scope(&w), RuleId::BP007).is_empty(),
        "no other virtual account yet"
    );
    let ops = w.dir.create_va(&me, w.at, sa, None, "Ops").unwrap();
    let advice = scope(&w);
    let found = of(&advice, RuleId::BP007);
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .message
            .contains("12 licenses of 1 type(s), 12 available")
    );
    assert!(found[0].fix.contains("transfer the licenses of `DEFAULT`"));
    let default = w.dir.account(sa).unwrap().default_va();
    w.dir
        .transfer(
            &me,
            w.at,
            default,
            ops,
            vec![TransferLine {
                license,
                quantity: 12,
            }],
            IdempotencyKey::parse("bp007").unwrap(),
        )
        .unwrap();
    assert!(
        of(&scope(&w), RuleId::BP007).is_empty(),
        "moved out: nothing left to say"
    );
}

#[test]
fn bp008_licenses_aging_in_holding_are_flagged() {
    let w = world();
    let holding = w.partner.holding;
    let aging = |on: Date, config: &AdvisorConfig| {
        advise(&w.dir, Scope::Account(holding), on, config)
            .into_iter()
            .filter(|a| a.rule == RuleId::BP008 && a.subject == Subject::Account(holding))
            .collect::<Vec<_>>()
    };
    let config = AdvisorConfig::default();
    let since = w.licensing.aged_since;
    // Thirty days are allowed; the thirty-first is flagged.
    let day30 = since
        .checked_add(jiff::SignedDuration::from_hours(24 * 30))
        .unwrap();
    let day31 = since
        .checked_add(jiff::SignedDuration::from_hours(24 * 31))
        .unwrap();
    assert!(aging(day30, &config).is_empty());
    let found = aging(day31, &config);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].message.contains("20 licenses in 1 lot(s)"),
        "{}",
        found[0].message
    );
    assert!(found[0].message.contains("(31 days)"));
    assert!(found[0].fix.contains("AssignFromHolding"));
    // Later the fresh lot ages too; the oldest is still named first.
    let found = aging(date(40), &config);
    assert!(
        found[0].message.contains("30 licenses in 2 lot(s)"),
        "{}",
        found[0].message
    );
    assert!(found[0].message.contains(&format!("since {since}")));
    let lenient = AdvisorConfig {
        holding_age_days: 1000,
        ..AdvisorConfig::default()
    };
    assert!(aging(date(40), &lenient).is_empty());
}

#[test]
fn bp008_a_partner_with_several_holding_accounts_is_flagged() {
    let mut w = world();
    // Only the organization-wide advice counts here; aging stock is bp008's other test.
    let several = |advice: &[Advice]| -> Vec<Advice> {
        advice
            .iter()
            .filter(|a| a.rule == RuleId::BP008 && matches!(a.subject, Subject::Organization(_)))
            .cloned()
            .collect()
    };
    assert!(several(&all(&w, date(1))).is_empty());
    let admin = w.partner.admin;
    let second = w
        .dir
        .request_account(
            &Actor::User(admin),
            w.at,
            AccountKind::PartnerHolding,
            "Nimbus EMEA",
            Some("emea.nimbus-networks.com"),
            admin,
        )
        .unwrap();
    let found = several(&all(&w, date(1)));
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].account, found[0].subject),
        (None, Subject::Organization(w.partner.org))
    );
    assert!(found[0].message.contains("2 holding accounts"));
    let one = advise(
        &w.dir,
        Scope::Account(second),
        date(1),
        &AdvisorConfig::default(),
    );
    assert_eq!(several(&one).len(), 1);
    let config = AdvisorConfig {
        max_holding_accounts: 2,
        ..AdvisorConfig::default()
    };
    assert!(several(&advise(&w.dir, Scope::All, date(1), &config)).is_empty());
}

#[test]
fn bp009_a_tree_within_one_level_of_the_maximum_is_flagged() {
    let mut w = world();
    let a = w.acme;
    let advice = advise(
        &w.dir,
        Scope::Account(a.sa),
        date(1),
        &AdvisorConfig::default(),
    );
    let found = of(&advice, RuleId::BP009);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::Va(a.deep[9]));
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(found[0].message.contains("level 10"));
    // Level 9 is within one level of the maximum: information.
    w.dir
        .execute(
            &Actor::User(a.alice),
            w.at,
            Command::DeleteVa { va: a.deep[9] },
        )
        .unwrap();
    let advice = advise(
        &w.dir,
        Scope::Account(a.sa),
        date(1),
        &AdvisorConfig::default(),
    );
    let found = of(&advice, RuleId::BP009);
    assert_eq!((found.len(), found[0].severity), (1, Severity::Info));
    let config = AdvisorConfig {
        depth_warning_level: 10,
        ..AdvisorConfig::default()
    };
    assert!(of(&advise(&w.dir, Scope::All, date(1), &config), RuleId::BP009).is_empty());
}

#[test]
fn ptr005_the_advisor_reports_expired_grants_and_lapsed_requests() {
    let mut w = world();
    let (a, nina) = (w.acme, w.partner.nina);
    let alice = Actor::User(a.alice);
    w.dir
        .execute(
            &alice,
            w.at,
            Command::SetRoleExpiry {
                user: nina,
                target: Target::Va(a.americas),
                expires: Some(date(10)),
            },
        )
        .unwrap();
    let nico = w
        .dir
        .register_user(NewUser {
            cco_id: Some("nico".into()),
            email: "nico@nimbus-networks.com".into(),
            org: w.partner.org,
            kind: UserKind::Individual,
        })
        .unwrap();
    w.dir
        .request_partner_access(
            &Actor::User(nico),
            w.at,
            a.sa,
            Target::Va(a.emea),
            Role::VaViewer,
            Inheritance::AccountOnly,
            None,
        )
        .unwrap();
    assert!(of(&all(&w, date(9)), RuleId::PTR005).is_empty());
    let advice = all(&w, date(95));
    let found = of(&advice, RuleId::PTR005);
    let subjects: Vec<Subject> = found.iter().map(|x| x.subject).collect();
    assert_eq!(subjects, vec![Subject::User(nina), Subject::User(nico)]);
    assert!(found.iter().all(|x| x.severity == Severity::Info));
    // An expired partner grant is no longer partner access to review.
    assert!(of(&advice, RuleId::BP006).is_empty());
}

#[test]
fn advice_prints_its_rule_subject_and_fix() {
    let w = world();
    let advice = advise(
        &w.dir,
        Scope::Account(w.acme.sa),
        date(1),
        &AdvisorConfig::default(),
    );
    let line = advice[0].to_string();
    assert!(line.starts_with(advice[0].rule.code()), "{line}");
    assert!(line.contains("fix: "));
}

#[cfg(feature = "serde")]
#[test]
fn the_advisor_configuration_reads_partial_json_with_defaults() {
    let json = serde_json::to_string(&AdvisorConfig::default()).unwrap();
    let back: AdvisorConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, AdvisorConfig::default());
    let partial: AdvisorConfig = serde_json::from_str(r#"{"max_sa_admins": 5}"#).unwrap();
    assert_eq!(partial.max_sa_admins, 5);
    assert_eq!(partial.review_period_days, 365);
    assert!(serde_json::from_str::<AdvisorConfig>(r#"{"max_admins": 5}"#).is_err());
}

// ---------------------------------------------------------------------------------------------
// Properties

#[derive(Debug, Clone)]
enum Step {
    CreateVa(Option<usize>, String),
    Assign(usize, usize, usize, bool),
    Expire(usize, usize, i64),
    Ask(usize, usize),
    Review(Option<usize>),
    Holding(String),
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Internal Tools".to_owned()),
        Just("Top Secret".to_owned()),
        Just("EMEA".to_owned()),
        "[a-zA-Z0-9 ._-]{1,20}",
        "\\PC{1,12}",
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (proptest::option::of(0..30usize), name()).prop_map(|(b, c)| Step::CreateVa(b, c)),
        (0..6usize, 0..30usize, 0..7usize, any::<bool>())
            .prop_map(|(a, b, c, d)| Step::Assign(a, b, c, d)),
        (0..6usize, 0..30usize, 0..500i64).prop_map(|(a, b, c)| Step::Expire(a, b, c)),
        (0..6usize, 0..30usize).prop_map(|(a, b)| Step::Ask(a, b)),
        proptest::option::of(0..3usize).prop_map(Step::Review),
        "[a-z]{1,8}".prop_map(Step::Holding),
    ]
}

fn config() -> impl Strategy<Value = AdvisorConfig> {
    (
        0..4usize,
        proptest::collection::vec("\\PC{0,12}", 0..6),
        0..5usize,
        0..800u32,
        0..3usize,
        0..12usize,
    )
        .prop_map(
            |(companies, words, admins, review, holdings, depth)| AdvisorConfig {
                max_accounts_per_company: companies,
                confidential_words: words,
                max_sa_admins: admins,
                review_period_days: review,
                max_holding_accounts: holdings,
                holding_age_days: 30,
                depth_warning_level: depth,
            },
        )
}

fn apply(w: &mut World, s: &Step) {
    let a = w.acme;
    let users = [
        a.bob,
        a.erin,
        w.partner.nina,
        w.partner.admin,
        w.distributor.admin,
        a.ops_team,
    ];
    let vas: Vec<_> = w.dir.account(a.sa).unwrap().vas().map(|v| v.id()).collect();
    let target = |i: usize| {
        if i == 0 {
            Target::Account(a.sa)
        } else {
            Target::Va(vas[i % vas.len()])
        }
    };
    let alice = Actor::User(a.alice);
    let _ = match s.clone() {
        Step::CreateVa(parent, name) => w
            .dir
            .create_va(
                &alice,
                w.at,
                a.sa,
                parent.map(|p| vas[p % vas.len()]),
                &name,
            )
            .map(|_| ()),
        Step::Assign(u, t, r, i) => {
            let inheritance = if i {
                Inheritance::AccountAndChildren
            } else {
                Inheritance::AccountOnly
            };
            w.dir
                .assign_role(&alice, w.at, users[u], target(t), Role::ALL[r], inheritance)
                .map(|_| ())
        }
        Step::Expire(u, t, d) => w
            .dir
            .execute(
                &alice,
                w.at,
                Command::SetRoleExpiry {
                    user: users[u],
                    target: target(t),
                    expires: Some(date(d)),
                },
            )
            .map(|_| ()),
        Step::Ask(u, t) => w
            .dir
            .request_partner_access(
                &Actor::User(users[u]),
                w.at,
                a.sa,
                target(t),
                Role::VaUser,
                Inheritance::AccountOnly,
                None,
            )
            .map(|_| ()),
        Step::Review(org) => w
            .dir
            .execute(
                &alice,
                day(30),
                Command::ReviewPartnerAccess {
                    sa: a.sa,
                    org: org.map(|o| [w.partner.org, w.distributor.org, a.org][o]),
                },
            )
            .map(|_| ()),
        Step::Holding(label) => w
            .dir
            .request_account(
                &Actor::User(w.partner.admin),
                w.at,
                AccountKind::PartnerHolding,
                "",
                Some(&format!("{label}.nimbus-networks.com")),
                w.partner.admin,
            )
            .map(|_: SaId| ()),
    };
}

proptest! {
    /// The advisor never panics, and the same directory, date and configuration give the same
    /// advice, sorted, whatever the order of calls; one account's advice is part of the whole.
    #[test]
    fn advisor_never_panics_and_is_deterministic(
        steps in proptest::collection::vec(step(), 0..30),
        config in config(),
        on in 0..900i64,
    ) {
        let mut w = world();
        for s in &steps {
            apply(&mut w, s);
        }
        let on = date(on);
        let first = advise(&w.dir, Scope::All, on, &config);
        let again = advise(&w.dir.clone(), Scope::All, on, &config);
        prop_assert_eq!(&first, &again);
        let keys: Vec<_> = first.iter().map(|a| (a.account, a.rule, a.subject, a.message.clone())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        prop_assert_eq!(keys, sorted);
        for account in w.dir.accounts() {
            for advice in advise(&w.dir, Scope::Account(account.id()), on, &config) {
                prop_assert!(first.contains(&advice), "{} missing from the whole", advice);
            }
        }
        for advice in &first {
            prop_assert!(advice.to_string().starts_with(advice.rule.code()));
            prop_assert!(!advice.fix.is_empty());
        }
    }
}
