//! One test (at least) per quote rule Q001–Q010, the policy calendars, and bad JSON. (The
//! properties of the validator are `props.rs`.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::quotes::{new_account_line, quote_for, report_of};
use crate::common::world;
use jiff::civil::{Date, date};
use smart_accounts::fixtures::World;
use smart_accounts::fixtures::quotes::{DAY, sample, samples};
use smart_accounts::policy::{DealScope, Phase, PolicyAction};
use smart_accounts::quote::{
    Assignment, Contact, Country, Deal, DealKind, EndCustomer, Line, Quote, SaRequirement, Term,
    VaRef,
};
use smart_accounts::validate::{Finding, Severity};
use smart_accounts::{
    AccountKind, Actor, Command, Domain, Email, NewUser, OrgId, OrgKind, PolicyCalendar, Report,
    RuleId, SaId, Stage, VaId, Verdict, Visibility, validate,
};

fn quote(world: &World, lines: Vec<Line>) -> Quote {
    Quote {
        deal: Deal {
            id: "D-1".into(),
            kind: DealKind::Other("Standard".into()),
        },
        partner: world.partner.org,
        distributor: None,
        end_customer: EndCustomer {
            name: "Acme".into(),
            domain: Some(Domain::parse("acme.com").unwrap()),
            country: Country::US,
        },
        lines,
    }
}

fn at(sa: SaId, va: Option<&str>) -> Assignment {
    Assignment::Account {
        sa: sa.into(),
        va: va.map(|v| VaRef::Name(v.into())),
    }
}

fn run(world: &World, quote: &Quote, stage: Stage) -> Report {
    validate(&world.dir, quote, stage, DAY, &PolicyCalendar::default())
}

fn rules_of(report: &Report, severity: Severity) -> Vec<RuleId> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.rule)
        .collect()
}

fn contact(cco: Option<&str>, email: &str) -> Contact {
    Contact {
        cco_id: cco.map(Into::into),
        email: Email::parse(email).unwrap(),
    }
}

fn rnsd_unassigned(world: &World) -> Quote {
    let mut q = quote(
        world,
        vec![
            Line::new("1", "SKU", 1).assigned(at(world.acme.sa, Some("EMEA"))),
            Line::new("2", "SKU", 1),
        ],
    );
    q.deal.kind = DealKind::RnsdTransactional;
    q
}

fn submit_on(world: &World, q: &Quote, day: Date, calendar: &PolicyCalendar) -> Report {
    validate(&world.dir, q, Stage::Submit, day, calendar)
}

fn only_finding(world: &World, va: VaRef) -> Finding {
    let q = quote(
        world,
        vec![Line::new("1", "SKU", 1).assigned(Assignment::Account {
            sa: world.acme.sa.into(),
            va: Some(va),
        })],
    );
    let r = run(world, &q, Stage::Order);
    assert_eq!(r.findings.len(), 1, "{r}");
    r.findings[0].clone()
}

#[test]
fn q001_required_line_without_assignment_shows_smart_account_required() {
    let world = world();
    let s = sample(&world, "q001-unassigned").unwrap().unwrap();
    let order = run(&world, &s.quote, Stage::Order);
    assert_eq!(order.verdict, Verdict::Blocked);
    let f: Vec<&Finding> = order.of_rule(RuleId::Q001).collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].line.as_ref().unwrap().as_str(), "2.0");
    assert!(f[0].message.starts_with("Smart Account Required"));
    // At submission the line still shows the label, as information (no policy for this kind).
    let submit = run(&world, &s.quote, Stage::Submit);
    assert_eq!(submit.verdict, Verdict::Allowed);
    assert_eq!(rules_of(&submit, Severity::Info), vec![RuleId::Q001]);
    assert!(
        submit.findings[0]
            .message
            .contains("Smart Account Required")
    );
    // Optional and not-applicable products need no assignment.
    let mut q = s.quote.clone();
    q.lines[1].requirement = SaRequirement::Optional;
    assert_eq!(run(&world, &q, Stage::Order).verdict, Verdict::Allowed);
    q.lines[1].requirement = SaRequirement::NotApplicable;
    let r = run(&world, &q, Stage::Order);
    assert_eq!(r.verdict, Verdict::Allowed);
    assert!(r.findings.is_empty());
    // The change stage is an order too.
    assert_eq!(
        run(&world, &s.quote, Stage::Change).verdict,
        Verdict::Blocked
    );
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

#[test]
fn q002_assignment_kinds_and_new_account_requests() {
    let world = world();
    // Initiated assignments: accepted, order on hold.
    let s = sample(&world, "q002-initiated").unwrap().unwrap();
    let r = run(&world, &s.quote, Stage::Order);
    assert_eq!(r.verdict, Verdict::AllowedOnHold);
    assert_eq!(r.counts.errors, 0);
    assert!(
        s.quote
            .lines
            .iter()
            .all(|l| l.assignment.as_ref().unwrap().is_initiated())
    );

    // Requests that would be refused by SA004/SA005.
    let s = sample(&world, "q002-bad-request").unwrap().unwrap();
    let r = run(&world, &s.quote, Stage::Submit);
    assert_eq!(
        rules_of(&r, Severity::Error),
        vec![RuleId::SA004, RuleId::SA004, RuleId::SA005]
    );
    assert!(
        r.of_line("1.0")
            .any(|f| f.message.contains("does not match"))
    );
    assert!(r.of_line("2.0").any(|f| f.message.contains("Cisco.com ID")));

    let request = |domain: Option<&str>, c: Contact| {
        quote(
            &world,
            vec![Line::new("1", "SKU", 1).assigned(Assignment::NewAccount {
                domain: domain.map(|d| Domain::parse(d).unwrap()),
                contact: c,
            })],
        )
    };
    // A prefixed form of the contact's email domain is fine (SA004); acme.com already has an
    // account, so a second company account is worth a warning (Q007), not an error.
    let r = run(
        &world,
        &request(
            Some("labs.acme.com"),
            contact(Some("lena"), "lena@acme.com"),
        ),
        Stage::Order,
    );
    assert_eq!(r.counts.errors, 0, "{r}");
    assert_eq!(
        rules_of(&r, Severity::Warning),
        vec![RuleId::Q006, RuleId::Q007]
    );
    // The exact domain of an existing account would be refused (SA003).
    let r = run(
        &world,
        &request(Some("acme.com"), contact(Some("lena"), "lena@acme.com")),
        Stage::Order,
    );
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::SA003]);
    // Limited Use: only for a public email domain, once per email.
    let r = run(
        &world,
        &request(None, contact(Some("lu"), "lu.person@gmail.com")),
        Stage::Order,
    );
    assert_eq!(r.counts.errors, 0, "{r}");
    let r = run(
        &world,
        &request(None, contact(Some("lena"), "lena@acme.com")),
        Stage::Order,
    );
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::SA005]);
    let r = run(
        &world,
        &request(None, contact(Some("sam"), "sam.bikes@gmail.com")),
        Stage::Order,
    );
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::SA005]);
    // A delegate outside the customer's company is worth a warning.
    let q = quote(
        &world,
        vec![Line::new("1", "SKU", 1).assigned(Assignment::Delegate {
            contact: contact(None, "someone@elsewhere.com"),
        })],
    );
    let r = run(&world, &q, Stage::Order);
    assert!(
        r.of_rule(RuleId::Q002)
            .any(|f| f.severity == Severity::Warning)
    );
    assert_eq!(r.verdict, Verdict::AllowedOnHold);
    // An assignment on a line that needs none is pointed out.
    let mut l = Line::new("1", "SKU", 1).assigned(at(world.acme.sa, Some("EMEA")));
    l.requirement = SaRequirement::NotApplicable;
    let r = run(&world, &quote(&world, vec![l]), Stage::Order);
    assert_eq!(rules_of(&r, Severity::Info), vec![RuleId::Q002]);
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
            sa: w.acme.sa.into(),
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

#[test]
fn q003_account_must_exist_va_must_belong_and_holding_must_be_ours() {
    let world = world();
    let s = sample(&world, "q003-not-found").unwrap().unwrap();
    let r = run(&world, &s.quote, Stage::Order);
    assert_eq!(
        rules_of(&r, Severity::Error),
        vec![RuleId::Q003, RuleId::Q003, RuleId::Q003]
    );
    // A Virtual Account of another account, by identifier, is not found either.
    let q = quote(
        &world,
        vec![Line::new("1", "SKU", 1).assigned(Assignment::Account {
            sa: world.acme.sa.into(),
            va: Some(VaRef::Id(world.partner.holding_default)),
        })],
    );
    let r = run(&world, &q, Stage::Order);
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::Q003]);
    // An Unrestricted one of the right account is found by identifier, and by name ignoring case.
    for va in [VaRef::Id(world.acme.emea), VaRef::Name("emea-sales".into())] {
        let q = quote(
            &world,
            vec![Line::new("1", "SKU", 1).assigned(Assignment::Account {
                sa: world.acme.sa.into(),
                va: Some(va),
            })],
        );
        assert_eq!(run(&world, &q, Stage::Order).verdict, Verdict::Allowed);
    }
    // Our own holding account is fine (the customer has an account: a warning only).
    let q = quote(
        &world,
        vec![Line::new("1", "SKU", 1).assigned(at(world.partner.holding, None))],
    );
    let r = run(&world, &q, Stage::Order);
    assert_eq!(r.counts.errors, 0);
    // A quoting partner that is no organization, or a customer, is an error.
    let mut q = quote(
        &world,
        vec![Line::new("1", "SKU", 1).assigned(at(world.acme.sa, Some("EMEA")))],
    );
    q.partner = OrgId::new(999);
    let r = run(&world, &q, Stage::Order);
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::Q003]);
    assert!(r.findings[0].line.is_none());
    q.partner = world.acme.org;
    assert_eq!(
        rules_of(&run(&world, &q, Stage::Order), Severity::Error),
        vec![RuleId::Q003]
    );
}

/// SA010 with seed 002's partner request on a customer's behalf: once Globex's contact has
/// declined the Pending request Nimbus made for it, the account is a closed record, not an
/// account: a line assigned to it is a Q003 error that says so and names SA010.
#[test]
fn q003_sa010_a_line_assigned_to_a_declined_request_is_an_error() {
    let mut world = world();
    let globex = world.globex;
    let line = || vec![Line::new("1", "SKU", 1).assigned(at(globex.sa, None))];
    let pending = run(&world, &quote(&world, line()), Stage::Order);
    assert!(
        !rules_of(&pending, Severity::Error).contains(&RuleId::Q003),
        "a Pending account is still an account: {:?}",
        pending.findings
    );
    world
        .dir
        .execute(
            &Actor::User(globex.hank),
            world.at,
            Command::DeclineAccountRequest { sa: globex.sa },
        )
        .unwrap();
    let r = run(&world, &quote(&world, line()), Stage::Order);
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::Q003]);
    assert_eq!(r.verdict, Verdict::Blocked);
    let text = &r.findings[0].message;
    assert!(
        text.contains("declined") && text.contains("SA010"),
        "{text}"
    );
}

#[test]
fn q003_ptr004_two_tier_distributor_and_reseller_holding_accounts() {
    let world = world();
    let s = sample(&world, "q003-two-tier").unwrap().unwrap();
    assert_eq!(
        run(&world, &s.quote, Stage::Order).verdict,
        Verdict::Allowed
    );
    // The reseller's own holding account on the distributor's deal is fine too.
    let mut q = s.quote.clone();
    q.lines[0].assignment = Some(at(world.partner.holding, None));
    assert_eq!(run(&world, &q, Stage::Order).verdict, Verdict::Allowed);
    // Without the distributor on the deal, its holding account is not the partner's.
    let mut q = s.quote.clone();
    q.distributor = None;
    let r = run(&world, &q, Stage::Order);
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::Q003]);
    // A third organization's holding account on a 2-tier deal (PTR004).
    let mut w = world.clone();
    let other = w
        .dir
        .register_organization("Other Partner", OrgKind::Partner)
        .unwrap();
    let admin = w
        .dir
        .register_user(NewUser {
            cco_id: Some("op-admin".into()),
            email: "admin@other-partner.com".into(),
            org: other,
            kind: Default::default(),
        })
        .unwrap();
    let holding = w
        .dir
        .request_account(
            &Actor::User(admin),
            w.at,
            AccountKind::PartnerHolding,
            "Other Holding",
            Some("other-partner.com"),
            admin,
        )
        .unwrap();
    let mut q = s.quote.clone();
    q.lines[0].assignment = Some(at(holding, None));
    let r = run(&w, &q, Stage::Order);
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::PTR004]);
    // The distributor must be a distributor organization.
    let mut q = s.quote.clone();
    q.distributor = Some(world.acme.org);
    let r = run(&world, &q, Stage::Order);
    assert!(r.of_rule(RuleId::PTR004).any(|f| f.line.is_none()));
}

#[test]
fn q004_quote_submission_follows_the_cisco_calendar() {
    let world = world();
    let cal = PolicyCalendar::cisco();
    let q = rnsd_unassigned(&world);
    let q004 = |day| {
        let r = submit_on(&world, &q, day, &cal);
        (
            r.verdict,
            r.of_rule(RuleId::Q004)
                .map(|f| f.severity)
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(q004(date(2020, 9, 12)), (Verdict::Allowed, vec![]));
    assert_eq!(
        q004(date(2020, 9, 13)),
        (Verdict::Allowed, vec![Severity::Warning])
    );
    assert_eq!(
        q004(date(2021, 1, 3)),
        (Verdict::Allowed, vec![Severity::Warning])
    );
    assert_eq!(
        q004(date(2021, 1, 4)),
        (Verdict::Blocked, vec![Severity::Error])
    );
    assert_eq!(
        q004(date(2030, 1, 1)),
        (Verdict::Blocked, vec![Severity::Error])
    );
    // Other deal kinds: no quote-time requirement from 2021-01-04, monitored before.
    let mut other = q.clone();
    other.deal.kind = DealKind::Other("Standard".into());
    let r = submit_on(&world, &other, date(2021, 1, 4), &cal);
    assert_eq!(r.of_rule(RuleId::Q004).count(), 0);
    let r = submit_on(&world, &other, date(2020, 12, 1), &cal);
    assert_eq!(r.of_rule(RuleId::Q004).count(), 1);
    // Initiating an assignment satisfies the requirement.
    let mut initiated = q.clone();
    initiated.lines[1].assignment = Some(Assignment::Delegate {
        contact: contact(None, "it@acme.com"),
    });
    let r = submit_on(&world, &initiated, date(2021, 2, 1), &cal);
    assert_eq!(r.verdict, Verdict::Allowed);
    // The policy concerns submission only: at order time Q001 decides.
    let r = validate(&world.dir, &q, Stage::Order, date(2021, 2, 1), &cal);
    assert_eq!(r.of_rule(RuleId::Q004).count(), 0);
    assert_eq!(r.of_rule(RuleId::Q001).count(), 1);
}

#[test]
fn q004_cisco_and_originally_announced_calendars_disagree_exactly_where_they_should() {
    let cisco = PolicyCalendar::cisco();
    let original = PolicyCalendar::originally_announced();
    let kinds = [
        DealKind::RnsdTransactional,
        DealKind::Other("Standard".into()),
    ];
    let mut disagreements = 0;
    let mut day = date(2020, 1, 1);
    while day <= date(2022, 12, 31) {
        for kind in &kinds {
            for country in [Country::US, Country::JP, Country::DE] {
                let a = cisco.requirement(day, kind, country).action;
                let b = original.requirement(day, kind, country).action;
                let should_differ = country != Country::JP
                    && day >= date(2020, 10, 25)
                    && (day < date(2021, 1, 4) || *kind != DealKind::RnsdTransactional);
                assert_eq!(
                    a != b,
                    should_differ,
                    "{day} {kind} {country}: {a:?} vs {b:?}"
                );
                if should_differ {
                    assert_eq!(b, PolicyAction::Block);
                    disagreements += 1;
                }
            }
        }
        day = day.tomorrow().unwrap();
    }
    assert!(disagreements > 0);
    // And through the validator: the same quote, two verdicts.
    let world = world();
    let mut q = rnsd_unassigned(&world);
    q.deal.kind = DealKind::Other("Standard".into());
    let day = date(2021, 6, 1);
    assert_eq!(submit_on(&world, &q, day, &cisco).verdict, Verdict::Allowed);
    assert_eq!(
        submit_on(&world, &q, day, &original).verdict,
        Verdict::Blocked
    );
}

#[test]
fn q004_calendars_are_validated_and_custom_ones_apply() {
    let phase = |from, action| Phase {
        from,
        scope: DealScope::All,
        action,
        exempt_countries: Default::default(),
    };
    assert!(
        PolicyCalendar::new(vec![
            phase(date(2021, 1, 1), PolicyAction::Block),
            phase(date(2021, 1, 1), PolicyAction::Warn),
        ])
        .is_err()
    );
    let cal = PolicyCalendar::new(vec![
        phase(date(2021, 1, 1), PolicyAction::Block),
        phase(date(2022, 1, 1), PolicyAction::None),
    ])
    .unwrap();
    let world = world();
    let q = rnsd_unassigned(&world);
    assert_eq!(
        submit_on(&world, &q, date(2021, 6, 1), &cal).verdict,
        Verdict::Blocked
    );
    assert_eq!(
        submit_on(&world, &q, date(2022, 6, 1), &cal).verdict,
        Verdict::Allowed
    );
    // Without an exemption, Japan is in scope of a custom calendar.
    let mut jp = q.clone();
    jp.end_customer.country = Country::JP;
    assert_eq!(
        submit_on(&world, &jp, date(2021, 6, 1), &cal).verdict,
        Verdict::Blocked
    );
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

#[test]
fn q005_end_customers_in_japan_are_excluded_from_the_quote_time_policy() {
    let world = world();
    let s = sample(&world, "q005-japan").unwrap().unwrap();
    for cal in [
        PolicyCalendar::cisco(),
        PolicyCalendar::originally_announced(),
    ] {
        for day in [date(2020, 9, 13), date(2020, 11, 1), date(2021, 2, 1)] {
            let r = submit_on(&world, &s.quote, day, &cal);
            assert_eq!(r.verdict, Verdict::Allowed);
            assert_eq!(r.of_rule(RuleId::Q004).count(), 0);
            let q005: Vec<_> = r.of_rule(RuleId::Q005).collect();
            assert_eq!(q005.len(), 1);
            assert_eq!(q005[0].severity, Severity::Info);
        }
        // Before the policy there is nothing to be exempt from.
        let r = submit_on(&world, &s.quote, date(2020, 1, 1), &cal);
        assert_eq!(r.of_rule(RuleId::Q005).count(), 0);
    }
    // Order time still requires the assignment (Q001).
    let r = validate(
        &world.dir,
        &s.quote,
        Stage::Order,
        date(2021, 2, 1),
        &PolicyCalendar::cisco(),
    );
    assert_eq!(r.verdict, Verdict::Blocked);
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::Q001]);
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

#[test]
fn q005_policy_actions_read_as_documented() {
    use smart_accounts::policy::PolicyAction;
    assert_eq!(PolicyAction::None.to_string(), "no requirement");
    assert_eq!(PolicyAction::Warn.to_string(), "monitored (warning only)");
    assert_eq!(
        PolicyAction::Block.to_string(),
        "enforced (blocks submission)"
    );
}

#[test]
fn q006_pending_or_initiated_assignment_puts_the_order_on_hold() {
    let world = world();
    let s = sample(&world, "q006-pending").unwrap().unwrap();
    let r = run(&world, &s.quote, Stage::Order);
    assert_eq!(r.verdict, Verdict::AllowedOnHold);
    assert!(r.is_allowed());
    let f: Vec<_> = r.of_rule(RuleId::Q006).collect();
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("Smart Account Hold"));
    assert!(f[0].message.contains("Pending"));
    // At submission: information only, no hold.
    let r = run(&world, &s.quote, Stage::Submit);
    assert_eq!(r.verdict, Verdict::Allowed);
    assert_eq!(rules_of(&r, Severity::Info), vec![RuleId::Q006]);
    // A hold never hides an error.
    let mut q = s.quote.clone();
    q.lines.push(Line::new("2.0", "SKU", 1));
    assert_eq!(run(&world, &q, Stage::Order).verdict, Verdict::Blocked);
    // Once the contact activates the account, no hold.
    let mut w = world.clone();
    w.dir
        .execute(
            &Actor::User(w.globex.hank),
            w.at,
            Command::ActivateAccount { sa: w.globex.sa },
        )
        .unwrap();
    assert_eq!(run(&w, &s.quote, Stage::Order).verdict, Verdict::Allowed);
}

#[test]
fn q007_warnings_for_lost_and_misdelivered_licenses() {
    let world = world();
    let s = sample(&world, "q007-warnings").unwrap().unwrap();
    let r = run(&world, &s.quote, Stage::Order);
    assert_eq!(r.verdict, Verdict::Allowed);
    assert_eq!(r.counts.warnings, 5);
    assert!(r.findings.iter().all(|f| f.rule == RuleId::Q007));
    let msgs = |line: &str| {
        r.of_line(line)
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
    };
    assert!(msgs("1.0")[0].contains("already has the Active Smart Account Acme (acme.com)"));
    assert!(msgs("2.0").iter().any(|m| m.contains("term subscription")));
    assert!(msgs("3.0")[0].contains("default virtual account"));
    assert!(msgs("4.0")[0].contains("does not match the end customer's domain"));
    // Naming the virtual account, or a prefixed-domain account, raises nothing.
    let q = quote(
        &world,
        vec![Line::new("1", "SKU", 1).assigned(at(world.acme.sa, Some("DEFAULT")))],
    );
    assert!(run(&world, &q, Stage::Order).findings.is_empty());
    // A customer without an Active account may use a holding account quietly (perpetual).
    let mut q = quote(
        &world,
        vec![Line::new("1", "SKU", 1).assigned(at(world.partner.holding, None))],
    );
    q.end_customer.domain = Some(Domain::parse("newco.com").unwrap());
    assert!(run(&world, &q, Stage::Order).findings.is_empty());
    q.lines[0].term = Term::Subscription { months: 12 };
    assert_eq!(
        rules_of(&run(&world, &q, Stage::Order), Severity::Warning),
        vec![RuleId::Q007]
    );
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
            sa: w.partner.holding.into(),
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

#[test]
fn q008_the_samples_get_their_documented_verdicts() {
    let world = world();
    let all = samples(&world).unwrap();
    assert!(all.len() >= 10);
    for s in &all {
        let report = validate(
            &world.dir,
            &s.quote,
            s.stage,
            s.date,
            &PolicyCalendar::default(),
        );
        assert_eq!(report.verdict, s.expected, "sample {}: {report}", s.name);
    }
    // Every quote rule has a sample named after it.
    for code in [
        "q001", "q002", "q003", "q004", "q005", "q006", "q007", "q008", "q009", "q010",
    ] {
        assert!(
            all.iter().any(|s| s.name.starts_with(code)),
            "no sample for {code}"
        );
    }
}

#[test]
fn q008_every_finding_is_returned_in_a_stable_order() {
    let world = world();
    let s = sample(&world, "q008-malformed").unwrap().unwrap();
    let r = run(&world, &s.quote, Stage::Order);
    assert_eq!(r.verdict, Verdict::Blocked);
    assert_eq!(r.counts.errors, 5);
    assert_eq!(
        r.counts.errors + r.counts.warnings + r.counts.infos,
        r.findings.len()
    );
    assert!(r.findings.iter().all(|f| f.rule == RuleId::Q008));
    // Quote-wide findings first, then lines in order.
    assert!(r.findings[0].line.is_none() && r.findings[1].line.is_none());
    assert!(r.findings[2..].iter().all(|f| f.line.is_some()));
    // Many problems on many lines: all reported, ordered by line then rule.
    let mut lines = Vec::new();
    for i in 0..5 {
        let mut l = Line::new(&format!("L{i}"), "", 0).assigned(at(SaId::new(777), None));
        l.booked = true;
        l.new_assignment = Some(at(world.acme.sa, None));
        lines.push(l);
    }
    let q = quote(&world, lines);
    let r = run(&world, &q, Stage::Change);
    for i in 0..5 {
        let rules: Vec<RuleId> = r.of_line(&format!("L{i}")).map(|f| f.rule).collect();
        assert_eq!(
            rules,
            vec![RuleId::Q003, RuleId::Q008, RuleId::Q008, RuleId::Q009]
        );
    }
    assert_eq!(r, run(&world, &q, Stage::Change));
    // No lines at all.
    let r = run(&world, &quote(&world, vec![]), Stage::Order);
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::Q008]);
}

#[cfg(feature = "serde")]
#[test]
fn q008_bad_json_names_the_field() {
    let world = world();
    let s = sample(&world, "q003-two-tier").unwrap().unwrap();
    let good = serde_json::to_value(&s.quote).unwrap();
    let parse = |v: &serde_json::Value| {
        let text = v.to_string();
        let mut de = serde_json::Deserializer::from_str(&text);
        serde_path_to_error::deserialize::<_, Quote>(&mut de)
            .map(|_| ())
            .map_err(|e| (e.path().to_string(), e.inner().to_string()))
    };
    assert_eq!(parse(&good), Ok(()));
    type Case = (fn(&mut serde_json::Value), &'static str, &'static str);
    let cases: Vec<Case> = vec![
        (
            |v| v["lines"][0]["quantity"] = "ten".into(),
            "lines[0].quantity",
            "invalid type",
        ),
        (
            |v| v["lines"][0]["quantity"] = (-1).into(),
            "lines[0].quantity",
            "invalid value",
        ),
        (
            |v| v["lines"][0]["colour"] = "red".into(),
            "lines[0].colour",
            "unknown field `colour`",
        ),
        (
            |v| {
                v.as_object_mut().unwrap().remove("lines");
            },
            ".",
            "missing field `lines`",
        ),
        (
            |v| v["end_customer"]["country"] = "Japan".into(),
            "end_customer.country",
            "country code",
        ),
        (
            |v| v["end_customer"]["country"] = "XX".into(),
            "end_customer.country",
            "private use",
        ),
        (
            |v| v["end_customer"]["domain"] = "not a domain".into(),
            "end_customer.domain",
            "SA003",
        ),
        (
            |v| v["lines"][0]["requirement"] = "sometimes".into(),
            "lines[0].requirement",
            "unknown variant",
        ),
        (
            |v| v["lines"][0]["assignment"] = serde_json::json!({"account": {"sa": 1, "vva": "x"}}),
            "lines[0].assignment.account.vva",
            "unknown field `vva`",
        ),
        (
            |v| v["partner"] = "nimbus".into(),
            "partner",
            "invalid type",
        ),
    ];
    for (break_it, path, words) in cases {
        let mut v = good.clone();
        break_it(&mut v);
        let (got_path, message) = parse(&v).unwrap_err();
        assert_eq!(got_path, path, "{message}");
        assert!(message.contains(words), "{path}: {message}");
    }
    // Calendars: an invalid date names the phase.
    let text = r#"{"phases": [{"from": "2021-02-30", "scope": "all", "action": "block"}]}"#;
    let mut de = serde_json::Deserializer::from_str(text);
    let err = serde_path_to_error::deserialize::<_, PolicyCalendar>(&mut de).unwrap_err();
    assert_eq!(err.path().to_string(), "phases[0].from");
    // Truncated input is an error, not a panic.
    let text = good.to_string();
    for cut in (0..text.len()).step_by(7) {
        if let Some(prefix) = text.get(..cut) {
            assert!(serde_json::from_str::<Quote>(prefix).is_err());
        }
    }
}

#[test]
fn q008_stages_parse_and_reports_print() {
    assert_eq!("submit".parse::<Stage>().unwrap(), Stage::Submit);
    assert_eq!("order".parse::<Stage>().unwrap(), Stage::Order);
    assert_eq!("change".parse::<Stage>().unwrap(), Stage::Change);
    assert!("place".parse::<Stage>().is_err());
    let world = world();
    let s = sample(&world, "q001-unassigned").unwrap().unwrap();
    let text = run(&world, &s.quote, Stage::Order).to_string();
    assert!(text.starts_with("order placement on 2026-03-02: blocked (1 errors"));
    assert!(text.contains("error Q001 line 2.0: Smart Account Required"));
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

#[test]
fn q008_invalid_country_codes_say_what_and_why_with_a_clipped_value() {
    use smart_accounts::quote::Country;
    for (text, why) in [
        ("jp", "two uppercase letters"),
        ("Japan", "two uppercase letters"),
        ("XA", "private use"),
        ("QM", "private use"),
        ("AA", "private use"),
    ] {
        let err = Country::parse(text).expect_err(text);
        assert_eq!(err.what(), "country code");
        assert_eq!(err.value(), text);
        let message = err.to_string();
        assert!(message.starts_with("Q008: `"), "{message}");
        assert!(message.contains(why), "{message}");
    }
    let long = "Z".repeat(500);
    let err = Country::parse(&long).expect_err("too long");
    assert_eq!(
        err.value().chars().count(),
        81,
        "clipped to 80 characters and an ellipsis"
    );
    assert_eq!("QL".parse::<Country>().unwrap().to_string(), "QL");
    assert_eq!(Country::try_from("JP".to_owned()).unwrap(), Country::JP);
}

#[test]
fn q009_booked_line_assignment_is_fixed_for_the_partner() {
    let world = world();
    let s = sample(&world, "q009-booked-change").unwrap().unwrap();
    let r = run(&world, &s.quote, Stage::Change);
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::Q009]);
    assert_eq!(r.findings[0].line.as_ref().unwrap().as_str(), "1.0");
    assert!(r.findings[0].message.contains("vendor support"));
    // Asking for the same assignment again is no change.
    let mut q = s.quote.clone();
    q.lines[0].new_assignment = q.lines[0].assignment.clone();
    assert_eq!(run(&world, &q, Stage::Change).verdict, Verdict::Allowed);
    // A line that is not booked takes its new assignment, which is validated.
    let mut q = s.quote.clone();
    q.lines.remove(0);
    q.lines[0].new_assignment = Some(at(SaId::new(4242), None));
    let r = run(&world, &q, Stage::Change);
    assert_eq!(rules_of(&r, Severity::Error), vec![RuleId::Q003]);
}

#[test]
fn q010_restricted_va_is_found_by_exact_name_only_and_never_revealed() {
    let world = world();
    let apac = world.acme.apac;
    assert_eq!(
        world.dir.va(apac).unwrap().visibility(),
        Visibility::Restricted
    );
    // The exact name finds it.
    let q = quote(
        &world,
        vec![Line::new("1", "SKU", 1).assigned(at(world.acme.sa, Some("APAC")))],
    );
    assert_eq!(run(&world, &q, Stage::Order).verdict, Verdict::Allowed);
    // Other spellings and the identifier get exactly what a missing VA gets: delete APAC and
    // compare.
    let mut gone = world.clone();
    gone.dir
        .execute(
            &Actor::User(world.acme.alice),
            world.at,
            Command::DeleteVa { va: apac },
        )
        .unwrap();
    assert!(gone.dir.va(apac).is_none());
    for va in [
        VaRef::Name("apac".into()),
        VaRef::Name(" APAC".into()),
        VaRef::Name("Apac".into()),
        VaRef::Id(apac),
    ] {
        let hidden = only_finding(&world, va.clone());
        let missing = only_finding(&gone, va);
        assert_eq!(hidden, missing);
        assert_eq!(hidden.severity, Severity::Error);
        assert!(hidden.message.contains("not found"));
    }
    // And a never-existing VA reads the same, but for its name.
    let never = only_finding(&world, VaRef::Name("zzzz".into()));
    let hidden = only_finding(&world, VaRef::Name("apac".into()));
    assert_eq!(never.rule, hidden.rule);
    assert_eq!(
        never.message.replace("zzzz", "apac"),
        hidden.message.as_str()
    );
    let never = only_finding(&world, VaRef::Id(VaId::new(99_999)));
    let hidden = only_finding(&world, VaRef::Id(apac));
    assert_eq!(
        never
            .message
            .replace(&VaId::new(99_999).to_string(), &apac.to_string()),
        hidden.message.as_str()
    );
}

#[test]
fn q010_default_va_warning_does_not_count_restricted_vas() {
    let mut world = world();
    let org = world
        .dir
        .register_organization("Initech", OrgKind::Customer)
        .unwrap();
    let peter = world
        .dir
        .register_user(NewUser {
            cco_id: Some("peter".into()),
            email: "peter@initech.com".into(),
            org,
            kind: Default::default(),
        })
        .unwrap();
    let me = Actor::User(peter);
    let sa = world
        .dir
        .request_account(
            &me,
            world.at,
            AccountKind::Customer,
            "Initech",
            Some("initech.com"),
            peter,
        )
        .unwrap();
    let secret = world
        .dir
        .create_va(&me, world.at, sa, None, "Secret")
        .unwrap();
    let mut q = quote(
        &world,
        vec![Line::new("1", "SKU", 1).assigned(at(sa, None))],
    );
    q.end_customer.domain = Some(Domain::parse("initech.com").unwrap());
    // While Unrestricted, the other VA earns the default-VA warning.
    assert_eq!(
        run(&world, &q, Stage::Order).of_rule(RuleId::Q007).count(),
        1
    );
    world
        .dir
        .execute(
            &me,
            world.at,
            Command::SetVisibility {
                va: secret,
                visibility: Visibility::Restricted,
            },
        )
        .unwrap();
    // Restricted, it must not show: the report is as for an account without other VAs.
    let r = run(&world, &q, Stage::Order);
    assert!(r.findings.is_empty(), "{r}");
}
