//! The finding codes of the quote validator (Q001–Q010 and the rules they borrow): a closed,
//! unique set, each code prefixed by its finding's rule, every one produced by a quote below,
//! and `docs/FINDINGS.md` generated from them. The page is rewritten with
//! `UPDATE_FINDINGS=1 cargo test --all-features --test all finding_codes`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use jiff::civil::date;
use smart_accounts::fixtures::quotes::{DAY, samples};
use smart_accounts::quote::{Assignment, Contact, Line, Quote, SaRequirement, VaRef};
use smart_accounts::validate::Finding;
use smart_accounts::{Domain, Email, FindingCode, PolicyCalendar, Stage, validate};

use crate::common::world;

/// The text of `docs/FINDINGS.md`.
fn page() -> String {
    format!(
        "<!-- Generated from `FindingCode::ALL` by `UPDATE_FINDINGS=1 cargo test --all-features --test all finding_codes`; do not edit. -->\n\n\
Every finding of a quote report (`smart_accounts::validate`) carries a stable `code`: the ID of \
its rule (see `docs/RULES.md`) plus a sub-code. Codes keep their meaning across releases; the \
severity of a code can depend on the stage (see the severity table of `validate`).\n\n{}",
        FindingCode::table()
    )
}

#[test]
fn finding_codes_page_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/FINDINGS.md");
    let want = page();
    if std::env::var_os("UPDATE_FINDINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/FINDINGS.md is stale: run UPDATE_FINDINGS=1 cargo test --all-features --test all finding_codes"
    );
}

#[test]
fn finding_codes_are_unique_and_prefixed_by_their_rule() {
    let mut seen = BTreeSet::new();
    for code in FindingCode::ALL {
        let text = code.as_str();
        assert!(seen.insert(text), "{text} twice");
        let (rule, sub) = text.split_once('.').unwrap();
        assert_eq!(rule, code.rule().to_string(), "{text}");
        assert!(
            !sub.is_empty()
                && sub
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{text}: sub-codes are lowercase words joined by hyphens"
        );
        assert_eq!(text.parse::<FindingCode>().unwrap(), *code);
        assert_eq!(code.to_string(), text);
        assert!(!code.about().is_empty());
    }
    assert!("Q007.nonsense".parse::<FindingCode>().is_err());
}

#[cfg(feature = "serde")]
#[test]
fn finding_codes_serialize_as_their_text() {
    for code in FindingCode::ALL {
        let json = serde_json::to_string(code).unwrap();
        assert_eq!(json, format!("\"{}\"", code.as_str()));
        assert_eq!(serde_json::from_str::<FindingCode>(&json).unwrap(), *code);
    }
}

/// Quotes that produce the codes no sample quote produces.
fn extra_quotes(w: &smart_accounts::fixtures::World) -> Vec<(Quote, Stage)> {
    let base = samples(w).unwrap().remove(0).quote;
    let contact = |cco: Option<&str>, email: &str| Contact {
        cco_id: cco.map(str::to_owned),
        email: Email::parse(email).unwrap(),
    };
    let mut out = Vec::new();
    // Quote-wide: no deal kind name, no lines, unknown partner, customer as partner,
    // distributors that are unknown, not distributors, or the partner itself.
    let mut q = base.clone();
    q.deal.kind = smart_accounts::quote::DealKind::Other(" ".into());
    q.lines.clear();
    q.partner = smart_accounts::OrgId::new(9_999);
    q.distributor = Some(smart_accounts::OrgId::new(9_998));
    out.push((q, Stage::Order));
    let mut q = base.clone();
    q.partner = w.acme.org;
    q.distributor = Some(w.partner.org);
    out.push((q, Stage::Order));
    let mut q = base.clone();
    q.distributor = Some(w.partner.org);
    out.push((q.clone(), Stage::Order));
    q.partner = w.distributor.org;
    q.distributor = Some(w.distributor.org);
    out.push((q, Stage::Order));
    // Lines: no ID, a SKU too long, a subscription of 0 months, an assignment that has no
    // effect, an optional Smart line unassigned, a delegate elsewhere, a foreign holding
    // account on a 2-tier deal, a Limited Use request for a company email and one that exists.
    let mut q = base.clone();
    let mut no_id = Line::new(" ", &"X".repeat(101), 1);
    no_id.term = smart_accounts::quote::Term::Subscription { months: 0 };
    let mut na = Line::new("2.0", "SVC", 1).assigned(Assignment::account(w.acme.sa, None));
    na.requirement = SaRequirement::NotApplicable;
    let mut optional = Line::new("3.0", "OPT", 1);
    optional.requirement = SaRequirement::Optional;
    let delegate = Line::new("4.0", "DLG", 1).assigned(Assignment::Delegate {
        contact: contact(None, "x@elsewhere.com"),
    });
    let company_lu = Line::new("5.0", "LU", 1).assigned(Assignment::NewAccount {
        domain: None,
        contact: contact(Some("pat"), "pat@acme.com"),
    });
    let existing_lu = Line::new("6.0", "LU", 1).assigned(Assignment::NewAccount {
        domain: None,
        contact: contact(Some("sam"), "sam.bikes@gmail.com"),
    });
    let taken = Line::new("7.0", "NEW", 1).assigned(Assignment::NewAccount {
        domain: Some(Domain::parse("acme.com").unwrap()),
        contact: contact(Some("pat"), "pat@acme.com"),
    });
    let sibling = Line::new("9.0", "NEW", 1).assigned(Assignment::NewAccount {
        domain: Some(Domain::parse("unit.acme.com").unwrap()),
        contact: contact(Some("pat"), "pat@acme.com"),
    });
    let va = Line::new("8.0", "VA", 1).assigned(Assignment::account(
        w.acme.sa,
        Some(VaRef::Name("Mars".into())),
    ));
    q.lines = vec![
        no_id,
        na,
        optional,
        delegate,
        company_lu,
        existing_lu,
        taken,
        va,
        sibling,
    ];
    out.push((q.clone(), Stage::Order));
    out.push((q, Stage::Submit));
    // A 2-tier deal (the distributor unknown here) into the holding account of an
    // organization that is neither the partner nor the distributor.
    let mut q = base;
    q.distributor = Some(smart_accounts::OrgId::new(9_998));
    q.lines = vec![
        Line::new("1.0", "HOLD", 1).assigned(Assignment::account(w.distributor.holding, None)),
    ];
    out.push((q, Stage::Order));
    out
}

/// Every code is produced by a sample quote (at its stage and at every other) or by one of
/// [`extra_quotes`].
#[test]
fn finding_codes_every_code_is_produced_by_a_quote() {
    let w = world();
    let calendar = PolicyCalendar::default();
    let mut produced = BTreeSet::new();
    let mut note = |findings: &[Finding]| {
        for f in findings {
            assert_eq!(f.rule, f.code.rule(), "{f}");
            produced.insert(f.code);
        }
    };
    for s in samples(&w).unwrap() {
        for stage in Stage::ALL {
            for day in [s.date, DAY, date(2020, 11, 2)] {
                note(&validate(&w.dir, &s.quote, stage, day, &calendar).findings);
            }
        }
    }
    for (quote, stage) in extra_quotes(&w) {
        note(&validate(&w.dir, &quote, stage, DAY, &calendar).findings);
    }
    let missing: Vec<_> = FindingCode::ALL
        .iter()
        .filter(|c| !produced.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "never produced: {missing:?}");
}
