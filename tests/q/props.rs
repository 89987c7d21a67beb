//! Properties of the quote validator (issue 4's proofs). Cases: `PROPTEST_CASES`, default 256.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::cases;
use proptest::prelude::*;
use smart_accounts::fixtures;
use smart_accounts::policy::PolicyAction;
use smart_accounts::quote::{Assignment, Country, Quote};
use smart_accounts::quote_strategies as qs;
use smart_accounts::validate::Severity;
use smart_accounts::{PolicyCalendar, Report, RuleId, Stage, Verdict, validate};

/// The position of a finding's line in the quote (0 for quote-wide findings), as the order of
/// findings promises.
fn position(quote: &Quote, line: Option<&str>) -> usize {
    match line {
        None => 0,
        Some(id) => quote
            .lines
            .iter()
            .position(|l| l.id.as_str() == id)
            .map_or(usize::MAX, |i| i + 1),
    }
}

fn check_invariants(quote: &Quote, report: &Report, stage: Stage) {
    let errors = report.errors().count();
    let warnings = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let infos = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Info)
        .count();
    assert_eq!(report.counts.errors, errors);
    assert_eq!(report.counts.warnings, warnings);
    assert_eq!(report.counts.infos, infos);
    assert_eq!(report.stage, stage);
    match report.verdict {
        Verdict::Blocked => assert!(errors > 0),
        Verdict::AllowedOnHold => {
            assert_eq!(errors, 0);
            assert_ne!(stage, Stage::Submit);
            assert!(report.of_rule(RuleId::Q006).count() > 0);
        }
        Verdict::Allowed => assert_eq!(errors, 0),
    }
    // Stable order: by line position, then rule (duplicate line IDs share the first position,
    // and their findings stay grouped per line).
    let keys: Vec<(usize, RuleId)> = report
        .findings
        .iter()
        .map(|f| (position(quote, f.line.as_ref().map(|l| l.as_str())), f.rule))
        .collect();
    let mut quote_wide_done = false;
    for pair in keys.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.0 != 0 {
            quote_wide_done = true;
        }
        assert!(
            !(quote_wide_done && b.0 == 0),
            "a quote-wide finding after a line finding"
        );
    }
    let unique: std::collections::BTreeSet<&str> =
        quote.lines.iter().map(|l| l.id.as_str()).collect();
    // Every line whose identifier an earlier line has is reported once, and no other.
    let duplicates = report
        .findings
        .iter()
        .filter(|f| f.rule == RuleId::Q008 && f.message.contains("same identifier"))
        .count();
    assert_eq!(duplicates, quote.lines.len() - unique.len());
    if unique.len() == quote.lines.len() {
        assert!(
            keys.windows(2).all(|p| p[0] <= p[1]),
            "findings out of order: {keys:?}"
        );
    }
    for f in &report.findings {
        assert!(!f.message.is_empty());
        assert!(f.line.is_none() || quote.lines.iter().any(|l| Some(&l.id) == f.line.as_ref()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Validation never panics on arbitrary quotes against arbitrary directories, and its
    /// report is consistent (counts, verdict, order).
    #[test]
    fn q008_never_panics_and_reports_are_consistent(
        dir in qs::directory(),
        quote in qs::quote(),
        stage in qs::stage(),
        day in qs::day(),
        calendar in qs::calendar(),
    ) {
        let report = validate(&dir, &quote, stage, day, &calendar);
        check_invariants(&quote, &report, stage);
    }

    /// A line's findings do not depend on the other lines (but for duplicate identifiers):
    /// validating each line alone gives the same findings, on quotes long enough to take the
    /// hashed paths for duplicate IDs and repeated assignments.
    #[test]
    fn q008_line_findings_are_independent_of_other_lines(
        dir in qs::directory(),
        quote in qs::quote_with(40),
        stage in qs::stage(),
        day in qs::day(),
        calendar in qs::calendar(),
    ) {
        let whole = validate(&dir, &quote, stage, day, &calendar);
        check_invariants(&quote, &whole, stage);
        let mut expected = Vec::new();
        for line in &quote.lines {
            let mut alone = quote.clone();
            alone.lines = vec![line.clone()];
            let report = validate(&dir, &alone, stage, day, &calendar);
            expected.extend(report.findings.into_iter().filter(|f| f.line.is_some()));
        }
        let duplicate = |f: &smart_accounts::validate::Finding| {
            f.rule == RuleId::Q008 && f.message.contains("same identifier")
        };
        let got: Vec<_> = whole
            .findings
            .into_iter()
            .filter(|f| f.line.is_some() && !duplicate(f))
            .collect();
        prop_assert_eq!(got, expected);
    }

    /// Same input, identical report; the directory is not changed.
    #[test]
    fn q008_reports_are_deterministic(
        dir in qs::directory(),
        quote in qs::quote(),
        stage in qs::stage(),
        day in qs::day(),
        calendar in qs::calendar(),
    ) {
        let before = dir.clone();
        let a = validate(&dir, &quote, stage, day, &calendar);
        let b = validate(&dir, &quote, stage, day, &calendar);
        let c = validate(&before.clone(), &quote.clone(), stage, day, &calendar.clone());
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(&a, &c);
        prop_assert_eq!(a.to_string(), c.to_string());
        prop_assert!(dir == before);
    }

    /// Adding a valid assignment (Acme's Active account) to an unassigned line never adds an
    /// error: every error after is one that was there before.
    #[test]
    fn q002_adding_a_valid_assignment_never_adds_an_error(
        dir in qs::directory(),
        mut quote in qs::quote(),
        stage in qs::stage(),
        day in qs::day(),
        calendar in qs::calendar(),
        mut open in qs::line(),
        pick in any::<prop::sample::Index>(),
    ) {
        let world = fixtures::world().unwrap();
        // The unassigned line is generated and put among the others, rather than looked for:
        // a filter for quotes with one rejected too many cases for proptest at high counts.
        open.assignment = None;
        open.new_assignment = None;
        let i = pick.index(quote.lines.len() + 1);
        quote.lines.insert(i, open);
        prop_assert!(quote.lines[i].effective_assignment().is_none());
        let mut assigned = quote.clone();
        assigned.lines[i].assignment = Some(Assignment::Account { sa: world.acme.sa.into(), va: None });
        let before = validate(&dir, &quote, stage, day, &calendar);
        let after = validate(&dir, &assigned, stage, day, &calendar);
        let mut remaining: Vec<_> = before.errors().cloned().collect();
        for e in after.errors() {
            let at = remaining.iter().position(|b| b == e);
            prop_assert!(at.is_some(), "new error {} after assigning line {}", e, i);
            if let Some(at) = at {
                remaining.swap_remove(at);
            }
        }
        prop_assert!(after.counts.errors <= before.counts.errors);
    }

    /// An end customer in Japan is never blocked by Q004 (Cisco's and the originally announced
    /// calendar), whatever the deal, stage or day.
    #[test]
    fn q005_japan_is_never_blocked_by_q004(
        dir in qs::directory(),
        mut quote in qs::quote(),
        stage in qs::stage(),
        day in qs::day(),
        original in any::<bool>(),
    ) {
        quote.end_customer.country = Country::JP;
        let calendar = if original {
            PolicyCalendar::originally_announced()
        } else {
            PolicyCalendar::cisco()
        };
        prop_assert_eq!(
            calendar.requirement(day, &quote.deal.kind, Country::JP).action,
            PolicyAction::None
        );
        let report = validate(&dir, &quote, stage, day, &calendar);
        prop_assert_eq!(report.of_rule(RuleId::Q004).count(), 0);
        // Blocked only by errors of other rules.
        prop_assert!(report.errors().all(|f| f.rule != RuleId::Q004));
    }
}

#[cfg(feature = "serde")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Quotes, reports and calendars round-trip through serde (JSON).
    #[test]
    fn q008_quotes_reports_and_calendars_round_trip_through_serde(
        quote in qs::quote(),
        stage in qs::stage(),
        day in qs::day(),
        calendar in qs::calendar(),
    ) {
        let world = fixtures::world().unwrap();
        let json = serde_json::to_string(&quote).unwrap();
        let back: Quote = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &quote);
        let report = validate(&world.dir, &quote, stage, day, &calendar);
        let json = serde_json::to_string(&report).unwrap();
        let back: Report = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &report);
        let json = serde_json::to_string(&calendar).unwrap();
        let back: PolicyCalendar = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &calendar);
    }
}
