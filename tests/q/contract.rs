//! The quote validator's contract with callers in other languages: finding codes per kind of
//! finding (Q007's warnings each their own), accounts named by domain or email as well as by
//! identifier (Q003), each line's resolved account, Virtual Account and hold (Q006), and the
//! plain JSON forms of references and deal kinds (Q008).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use crate::common::world;
use smart_accounts::fixtures::World;
use smart_accounts::fixtures::quotes::{DAY, sample};
use smart_accounts::quote::{Assignment, Quote, SaRef, VaRef};
use smart_accounts::validate::LineResolution;
use smart_accounts::{
    Domain, Email, FindingCode, PolicyCalendar, Report, RuleId, Stage, Verdict, validate,
};

fn run(world: &World, quote: &Quote, stage: Stage) -> Report {
    validate(&world.dir, quote, stage, DAY, &PolicyCalendar::default())
}

fn sample_quote(world: &World, name: &str) -> Quote {
    sample(world, name).unwrap().unwrap().quote
}

fn codes(report: &Report, line: &str) -> Vec<FindingCode> {
    report.of_line(line).map(|f| f.code).collect()
}

#[test]
fn q007_each_warning_has_its_own_code() {
    let w = world();
    let r = run(&w, &sample_quote(&w, "q007-warnings"), Stage::Order);
    assert_eq!(codes(&r, "1.0"), vec![FindingCode::Q007CustomerHasAccount]);
    assert_eq!(
        codes(&r, "2.0"),
        vec![
            FindingCode::Q007CustomerHasAccount,
            FindingCode::Q007HoldingSubscription
        ]
    );
    assert_eq!(codes(&r, "3.0"), vec![FindingCode::Q007DefaultVa]);
    assert_eq!(codes(&r, "4.0"), vec![FindingCode::Q007DomainMismatch]);
    let q007: BTreeSet<_> = r.of_rule(RuleId::Q007).map(|f| f.code).collect();
    assert_eq!(q007.len(), 4, "four kinds of Q007 warning, four codes");
    assert_eq!(r.of_code(FindingCode::Q007DefaultVa).count(), 1);
}

#[test]
fn q001_the_code_is_the_same_at_every_stage_while_the_severity_follows_the_stage() {
    let w = world();
    let q = sample_quote(&w, "q001-unassigned");
    for stage in Stage::ALL {
        let r = run(&w, &q, stage);
        assert_eq!(r.of_code(FindingCode::Q001Unassigned).count(), 1, "{stage}");
    }
}

/// The all-good quote with every account named another way: the same report, but for the
/// references themselves.
#[test]
fn q003_an_account_is_found_by_its_domain_or_email_as_by_its_identifier() {
    let w = world();
    let by_id = sample_quote(&w, "all-good");
    let mut by_domain = by_id.clone();
    for line in &mut by_domain.lines {
        if let Some(Assignment::Account { sa, .. }) = &mut line.assignment {
            *sa = SaRef::Domain(Domain::parse("ACME.com").unwrap());
        }
    }
    assert_eq!(
        run(&w, &by_id, Stage::Order),
        run(&w, &by_domain, Stage::Order)
    );
    // A Limited Use account by its email, a holding account by its domain.
    let mut q = by_id.clone();
    q.end_customer.domain = Some(Domain::parse("gmail.com").unwrap());
    q.lines.truncate(1);
    q.lines[0].assignment = Some(Assignment::account(
        SaRef::Email(Email::parse("sam.bikes@gmail.com").unwrap()),
        None,
    ));
    let r = run(&w, &q, Stage::Order);
    assert_eq!(r.verdict, Verdict::Allowed, "{r}");
    assert_eq!(r.lines[0].sa, Some(w.solo.sa));
    let holding = w
        .dir
        .account(w.partner.holding)
        .unwrap()
        .identifier()
        .to_string();
    q.lines[0].assignment = Some(Assignment::account(SaRef::parse(&holding).unwrap(), None));
    let r = run(&w, &q, Stage::Order);
    assert_eq!(r.lines[0].sa, Some(w.partner.holding));
}

#[test]
fn q003_an_unknown_domain_or_email_reference_is_a_finding_naming_it() {
    let w = world();
    let mut q = sample_quote(&w, "all-good");
    q.lines.truncate(2);
    q.lines[0].assignment = Some(Assignment::account(
        SaRef::parse("nowhere.com").unwrap(),
        None,
    ));
    // A Customer account's domain is no Limited Use email, and the reverse.
    q.lines[1].assignment = Some(Assignment::account(
        SaRef::parse("admin@acme.com").unwrap(),
        Some(VaRef::Name("EMEA".into())),
    ));
    let r = run(&w, &q, Stage::Order);
    assert_eq!(r.verdict, Verdict::Blocked);
    for (line, reference) in [("1.0", "nowhere.com"), ("2.0", "admin@acme.com")] {
        let f: Vec<_> = r.of_line(line).collect();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, FindingCode::Q003UnknownAccount);
        assert!(f[0].message.contains(&format!("`{reference}`")), "{}", f[0]);
        assert_eq!(r.lines[i(line)].sa, None);
    }
    // Unknown identifiers are named by their number, not an internal form.
    q.lines[0].assignment = Some(Assignment::account(smart_accounts::SaId::new(9_999), None));
    let r = run(&w, &q, Stage::Order);
    assert!(r.of_line("1.0").any(|f| f.message.contains("`9999`")));
}

fn i(line: &str) -> usize {
    line.split('.').next().unwrap().parse::<usize>().unwrap() - 1
}

#[test]
fn q006_each_line_reports_its_account_virtual_account_and_hold() {
    let w = world();
    // Named Virtual Accounts, and the default one when none is named.
    let mut q = sample_quote(&w, "all-good");
    q.lines[2].assignment = Some(Assignment::account(w.acme.sa, None));
    let r = run(&w, &q, Stage::Order);
    let want = |va| LineResolution {
        sa: Some(w.acme.sa),
        va: Some(va),
        hold: false,
    };
    assert_eq!(
        r.lines,
        vec![
            want(w.acme.emea_sales),
            want(w.acme.americas),
            want(w.acme.default_va)
        ]
    );
    let acme = r.account(w.acme.sa).unwrap();
    assert_eq!(
        (acme.name.as_str(), acme.identifier.as_str()),
        ("Acme", "acme.com")
    );
    assert_eq!(r.accounts.len(), 1);
    assert_eq!(r.va(w.acme.americas).unwrap().name, "Americas");
    assert_eq!(r.va(w.acme.americas).unwrap().sa, w.acme.sa);
    assert_eq!(r.vas.len(), 3);
    // Initiated assignments hold the order, and name no account.
    let q = sample_quote(&w, "q002-initiated");
    let r = run(&w, &q, Stage::Order);
    assert_eq!(r.verdict, Verdict::AllowedOnHold);
    assert!(
        r.lines
            .iter()
            .all(|l| l.hold && l.sa.is_none() && l.va.is_none())
    );
    assert!(r.accounts.is_empty() && r.vas.is_empty());
    // A Pending account holds the order; at submission nothing holds.
    let q = sample_quote(&w, "q006-pending");
    let r = run(&w, &q, Stage::Order);
    assert_eq!(r.lines[0].sa, Some(w.globex.sa));
    assert!(r.lines[0].hold);
    assert!(!run(&w, &q, Stage::Submit).lines[0].hold);
    // Unassigned lines, unknown accounts and unknown (or hidden, Q010) VAs resolve to nothing.
    for name in ["q001-unassigned", "q003-not-found", "q010-restricted"] {
        let q = sample_quote(&w, name);
        let r = run(&w, &q, Stage::Order);
        assert_eq!(r.lines.len(), q.lines.len(), "{name}");
        for (line, resolution) in q.lines.iter().zip(&r.lines) {
            let blocked = r.of_line(line.id.as_str()).any(|f| {
                matches!(
                    f.code,
                    FindingCode::Q001Unassigned
                        | FindingCode::Q003UnknownAccount
                        | FindingCode::Q003UnknownVa
                )
            });
            assert_eq!(blocked, resolution.va.is_none(), "{name} {}", line.id);
        }
    }
}

/// Every finding's code starts with its rule, over every sample at every stage.
#[test]
fn q008_every_finding_carries_a_code_of_its_rule() {
    use smart_accounts::fixtures::quotes::samples;
    let w = world();
    for s in samples(&w).unwrap() {
        for stage in Stage::ALL {
            for f in run(&w, &s.quote, stage).findings {
                assert_eq!(f.code.rule(), f.rule, "{}: {f}", s.name);
                assert!(f.code.as_str().starts_with(&format!("{}.", f.rule)));
            }
        }
    }
}

#[cfg(feature = "serde")]
#[test]
fn q008_quote_json_takes_plain_references_and_deal_kinds_and_still_reads_the_old_forms() {
    use serde_json::json;
    let w = world();
    let emea = w.acme.emea.get();
    let quote = |kind: serde_json::Value, sa: serde_json::Value, va: serde_json::Value| {
        json!({
            "deal": {"id": "D-7", "kind": kind},
            "partner": w.partner.org.get(),
            "end_customer": {"name": "Acme", "domain": "acme.com", "country": "US"},
            "lines": [{
                "id": "1.0", "sku": "C9300-NW-E-24", "quantity": 2,
                "requirement": "mandatory", "license": "smart", "term": "perpetual",
                "assignment": {"account": {"sa": sa, "va": va}}
            }]
        })
    };
    let parse = |v: serde_json::Value| -> Result<Quote, (String, String)> {
        let text = v.to_string();
        let mut de = serde_json::Deserializer::from_str(&text);
        serde_path_to_error::deserialize::<_, Quote>(&mut de)
            .map_err(|e| (e.path().to_string(), e.inner().to_string()))
    };
    let plain = parse(quote(json!("Standard"), json!("acme.com"), json!("EMEA"))).unwrap();
    let forms = [
        quote(
            json!({"other": "Standard"}),
            json!(w.acme.sa.get()),
            json!({"name": "EMEA"}),
        ),
        quote(json!("Standard"), json!(w.acme.sa.get()), json!(emea)),
        quote(json!("Standard"), json!("acme.com"), json!({"id": emea})),
    ];
    for form in forms {
        let q = parse(form).unwrap();
        let (a, b) = (run(&w, &plain, Stage::Order), run(&w, &q, Stage::Order));
        assert_eq!(a.verdict, Verdict::Allowed);
        assert_eq!((a.findings, a.lines), (b.findings, b.lines));
    }
    for kind in [
        "RNSD Transactional",
        "rnsd transactional",
        "rnsd_transactional",
    ] {
        let q = parse(quote(json!(kind), json!(1), json!("EMEA"))).unwrap();
        assert_eq!(
            q.deal.kind,
            smart_accounts::quote::DealKind::RnsdTransactional
        );
    }
    // Written in the plain forms.
    let text = serde_json::to_value(&plain).unwrap();
    assert_eq!(text["deal"]["kind"], json!("Standard"));
    assert_eq!(
        text["lines"][0]["assignment"]["account"],
        json!({"sa": "acme.com", "va": "EMEA"})
    );
    let mut by_email = plain.clone();
    by_email.lines[0].assignment = Some(Assignment::account(
        SaRef::parse("sam.bikes@gmail.com").unwrap(),
        Some(VaRef::Id(w.acme.emea)),
    ));
    let text = serde_json::to_value(&by_email).unwrap();
    assert_eq!(
        text["lines"][0]["assignment"]["account"],
        json!({"sa": "sam.bikes@gmail.com", "va": emea})
    );
    assert_eq!(parse(text).unwrap(), by_email);
    // Bad references are refused with their path.
    let at = "lines[0].assignment.account";
    let cases = [
        (
            quote(json!("Standard"), json!("not a domain"), json!("EMEA")),
            format!("{at}.sa"),
            "SA003",
        ),
        (
            quote(json!("Standard"), json!(-1), json!("EMEA")),
            format!("{at}.sa"),
            "invalid value",
        ),
        (
            quote(json!("Standard"), json!(true), json!("EMEA")),
            format!("{at}.sa"),
            "Smart Account",
        ),
        (
            quote(json!("Standard"), json!(1), json!({"nom": "EMEA"})),
            format!("{at}.va"),
            "unknown field `nom`",
        ),
        (
            quote(json!("Standard"), json!(1), json!({"name": "A", "id": 3})),
            format!("{at}.va"),
            "one name",
        ),
        (
            quote(json!("Standard"), json!(1), json!(4_294_967_296_u64)),
            format!("{at}.va"),
            "invalid value",
        ),
        (
            quote(json!({"kind": "x"}), json!(1), json!("EMEA")),
            "deal.kind".to_owned(),
            "unknown field `kind`",
        ),
        (
            quote(json!(7), json!(1), json!("EMEA")),
            "deal.kind".to_owned(),
            "deal kind",
        ),
    ];
    for (v, path, words) in cases {
        let (got, message) = parse(v).unwrap_err();
        assert_eq!(got, path, "{message}");
        assert!(message.contains(words), "{path}: {message}");
    }
}

#[cfg(feature = "serde")]
#[test]
fn q008_report_json_carries_codes_and_each_lines_resolution() {
    let w = world();
    let q = sample_quote(&w, "q007-warnings");
    let r = run(&w, &q, Stage::Order);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["findings"][0]["code"], "Q007.customer-has-account");
    assert_eq!(v["findings"][0]["rule"], "Q007");
    assert_eq!(
        v["lines"][0],
        serde_json::json!({"sa": w.partner.holding.get(),
            "va": w.partner.holding_default.get(), "hold": false})
    );
    let ids: Vec<u64> = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_u64().unwrap())
        .collect();
    assert!(
        ids.is_sorted() && ids.contains(&u64::from(w.acme.sa.get())),
        "{ids:?}"
    );
    let back: Report = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}
