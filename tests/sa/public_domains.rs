//! SA005 has one implementation (`Config::is_public_domain`): the quote validator and the
//! commands agree on every email and domain, sub-domains of public providers included.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jiff::Timestamp;
use proptest::prelude::*;
use smart_accounts::quote::{
    Assignment, Contact, Country, Deal, DealKind, EndCustomer, Line, Quote,
};
use smart_accounts::validate::Severity;
use smart_accounts::{
    AccountKind, Actor, Config, Directory, Domain, Email, NewUser, OrgKind, PolicyCalendar, RuleId,
    Stage, UserId, UserKind, validate,
};

/// Registrable bases: public providers (two of them with three labels), companies, and
/// look-alikes that are not public.
const BASES: &[&str] = &[
    "gmail.com",
    "yahoo.co.uk",
    "yahoo.co.jp",
    "mail.com",
    "web.de",
    "acme.com",
    "example.org",
    "notgmail.com",
    "gmail.com.acme.com",
    "co.uk",
    "com.de",
];
const PREFIXES: &[&str] = &["eu", "mail", "x1", "gmail", "com", "yahoo"];

fn domain() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(proptest::sample::select(PREFIXES), 0..3),
        proptest::sample::select(BASES),
    )
        .prop_map(|(prefixes, base)| {
            let mut labels: Vec<&str> = prefixes;
            labels.push(base);
            labels.join(".")
        })
}

/// A directory with one customer user `x@<email_domain>` (with a Cisco.com ID) and a partner.
fn directory(email_domain: &str) -> (Directory, UserId, smart_accounts::OrgId) {
    let mut dir = Directory::new();
    let org = dir
        .register_organization("Customer", OrgKind::Customer)
        .unwrap();
    let partner = dir
        .register_organization("Partner", OrgKind::Partner)
        .unwrap();
    let user = dir
        .register_user(NewUser {
            cco_id: Some("x".into()),
            email: format!("x@{email_domain}"),
            org,
            kind: UserKind::Individual,
        })
        .unwrap();
    (dir, user, partner)
}

/// The SA-rule errors the validator reports for a request of a new account.
fn validator_errors(
    dir: &Directory,
    partner: smart_accounts::OrgId,
    domain: Option<Domain>,
    email: &str,
) -> Vec<RuleId> {
    let quote = Quote {
        deal: Deal {
            id: "D-1".into(),
            kind: DealKind::Other("Standard".into()),
        },
        partner,
        distributor: None,
        end_customer: EndCustomer {
            name: "Customer".into(),
            domain: None,
            country: Country::US,
        },
        lines: vec![Line::new("1", "SKU", 1).assigned(Assignment::NewAccount {
            domain,
            contact: Contact {
                cco_id: Some("x".into()),
                email: Email::parse(email).unwrap(),
            },
        })],
    };
    let day = "2026-01-05".parse().unwrap();
    let report = validate(dir, &quote, Stage::Order, day, &PolicyCalendar::default());
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.rule)
        .filter(|r| [RuleId::SA003, RuleId::SA004, RuleId::SA005].contains(r))
        .collect()
}

fn at() -> Timestamp {
    "2026-01-05T09:00:00Z".parse().unwrap()
}

#[test]
fn sa005_a_sub_domain_of_a_public_provider_is_public_for_commands_and_validator() {
    let config = Config::default();
    for public in ["gmail.com", "eu.gmail.com", "mail.yahoo.co.uk"] {
        assert!(
            config.is_public_domain(&Domain::parse(public).unwrap()),
            "{public}"
        );
    }
    for private in ["acme.com", "gmail.com.acme.com", "notgmail.com", "co.uk"] {
        assert!(
            !config.is_public_domain(&Domain::parse(private).unwrap()),
            "{private}"
        );
    }
    // `x@mail.yahoo.co.uk` gets no Customer account for its domain, and does get a Limited
    // Use one, from the command and from the validator alike.
    let (dir, user, partner) = directory("mail.yahoo.co.uk");
    let mut customer = dir.clone();
    let err = customer
        .request_account(
            &Actor::User(user),
            at(),
            AccountKind::Customer,
            "",
            Some("mail.yahoo.co.uk"),
            user,
        )
        .unwrap_err();
    assert_eq!(err.rule(), RuleId::SA005);
    assert_eq!(customer, dir, "a refused command changes nothing");
    let domain = Domain::parse("mail.yahoo.co.uk").ok();
    assert_eq!(
        validator_errors(&dir, partner, domain, "x@mail.yahoo.co.uk"),
        vec![RuleId::SA005]
    );
    let mut limited = dir.clone();
    limited
        .request_account(
            &Actor::User(user),
            at(),
            AccountKind::LimitedUse,
            "",
            None,
            user,
        )
        .unwrap();
    assert!(validator_errors(&dir, partner, None, "x@mail.yahoo.co.uk").is_empty());
    // And the snapshot of that directory loads (the same rule for loading).
    assert_eq!(
        Directory::from_snapshot(limited.to_snapshot()).unwrap(),
        limited
    );
}

#[test]
fn sa004_the_validator_and_registration_agree_on_cisco_com_ids() {
    let long = "x".repeat(100);
    let too_long = "x".repeat(101);
    for cco in [
        "x", " x ", "", "  ", "a b", "a\tb", "a\u{7}", &long, &too_long,
    ] {
        let mut dir = Directory::new();
        let org = dir
            .register_organization("Customer", OrgKind::Customer)
            .unwrap();
        let registered = dir
            .register_user(NewUser {
                cco_id: Some(cco.into()),
                email: "x@gmail.com".into(),
                org,
                kind: UserKind::Individual,
            })
            .is_ok();
        let quote_line = Assignment::NewAccount {
            domain: None,
            contact: Contact {
                cco_id: Some(cco.into()),
                email: Email::parse("x@gmail.com").unwrap(),
            },
        };
        let quote = Quote {
            deal: Deal {
                id: "D-1".into(),
                kind: DealKind::Other("Standard".into()),
            },
            partner: org,
            distributor: None,
            end_customer: EndCustomer {
                name: "Customer".into(),
                domain: None,
                country: Country::US,
            },
            lines: vec![Line::new("1", "SKU", 1).assigned(quote_line)],
        };
        let day = "2026-01-05".parse().unwrap();
        let report = validate(&dir, &quote, Stage::Order, day, &PolicyCalendar::default());
        let refused = report
            .findings
            .iter()
            .any(|f| f.rule == RuleId::SA004 && f.message.contains("Cisco.com ID"));
        assert_eq!(registered, !refused, "Cisco.com ID {cco:?}");
    }
}

proptest! {
    /// For every generated email and requested domain, the validator (a request for a new
    /// account on a quote line) and `request_account` (Customer with the domain, Limited Use
    /// without) agree: SA005 from one exactly when from the other, and a request the command
    /// accepts has no SA003/SA004/SA005 error in the validator; one it refuses has the error of
    /// the command's rule.
    #[test]
    fn sa005_validator_and_commands_agree_on_every_email_and_domain(
        email_domain in domain(),
        requested in prop_oneof![
            Just(None),
            domain().prop_map(Some),
            proptest::sample::select(PREFIXES).prop_map(|p| Some(format!("{p}.@"))),
        ],
    ) {
        let email = format!("x@{email_domain}");
        let (dir, user, partner) = directory(&email_domain);
        // `p.@` stands for a prefixed form of the email's own domain.
        let requested = requested.map(|d| d.replace('@', &email_domain));
        let domain = requested.as_deref().map(|d| Domain::parse(d).unwrap());

        // Limited Use, identified by the email.
        let mut limited = dir.clone();
        let command = limited.request_account(
            &Actor::User(user), at(), AccountKind::LimitedUse, "", None, user,
        );
        let report = validator_errors(&dir, partner, None, &email);
        prop_assert_eq!(
            command.as_ref().err().map(smart_accounts::Error::rule) == Some(RuleId::SA005),
            report.contains(&RuleId::SA005),
            "Limited Use for {}: command {:?}, validator {:?}", email, command, report
        );
        prop_assert_eq!(command.is_ok(), report.is_empty());

        // Customer, for the requested domain.
        if let Some(domain) = domain {
            let mut customer = dir.clone();
            let command = customer.request_account(
                &Actor::User(user), at(), AccountKind::Customer, "", Some(domain.as_str()), user,
            );
            let report = validator_errors(&dir, partner, Some(domain.clone()), &email);
            prop_assert_eq!(
                command.as_ref().err().map(smart_accounts::Error::rule) == Some(RuleId::SA005),
                report.contains(&RuleId::SA005),
                "Customer {} for {}: command {:?}, validator {:?}", domain, email, command, report
            );
            match &command {
                Ok(_) => prop_assert!(report.is_empty(), "{:?}", report),
                Err(e) => prop_assert!(report.contains(&e.rule()), "{} vs {:?}", e, report),
            }
            // The public test itself is the one both use.
            prop_assert_eq!(
                dir.config().is_public_domain(&domain),
                report.contains(&RuleId::SA005)
            );
        }
    }
}
