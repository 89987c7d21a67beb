//! Snapshots that break a Smart Account rule (SA002–SA005) are refused with the rule and the
//! path of the offending item.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::snapshots::load_refused;
use crate::common::snapshots::{acc, snapshot_refused, vi};
#[cfg(feature = "serde")]
use crate::common::snapshots::{json, json_refused};
use crate::common::{logless, world};
use smart_accounts::{Domain, Email, Error, Identifier, RuleId, SaId, VaId, Visibility};

#[test]
fn sa002_missing_default_va_is_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let i = acc(&snap, w.acme.sa);
    snap.accounts[i].default_va = VaId::new(9_999);
    snapshot_refused(snap, RuleId::SA002, &format!("accounts[{i}].default_va"));

    // The default VA removed from the list.
    let mut snap = logless(&w.dir);
    let a = &mut snap.accounts[i];
    let j = vi(a, w.acme.default_va);
    a.vas.remove(j);
    snapshot_refused(snap, RuleId::SA002, &format!("accounts[{i}].default_va"));
}

#[test]
fn sa002_default_not_top_level_is_refused_and_va007_default_restricted() {
    // A snapshot names one default (`default_va`), so two defaults cannot be written; what can
    // be written wrongly is a default that is not top-level, or restricted.
    let w = world();
    let mut snap = logless(&w.dir);
    let i = acc(&snap, w.acme.sa);
    snap.accounts[i].default_va = w.acme.emea_sales;
    let j = vi(&snap.accounts[i], w.acme.emea_sales);
    let err = snapshot_refused(snap, RuleId::SA002, &format!("accounts[{i}].vas[{j}]"));
    assert!(matches!(err.error(), Error::DefaultVa { .. }), "{err}");

    let mut snap = logless(&w.dir);
    let a = &mut snap.accounts[i];
    let j = vi(a, w.acme.default_va);
    a.vas[j].visibility = Visibility::Restricted;
    snapshot_refused(snap, RuleId::VA007, &format!("accounts[{i}].vas[{j}]"));
}

#[test]
fn sa003_duplicate_domains_are_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let h = acc(&snap, w.distributor.holding);
    snap.accounts[h].identifier = Identifier::Domain(Domain::parse("acme.com").unwrap());
    let err = snapshot_refused(snap, RuleId::SA003, &format!("accounts[{h}]"));
    assert!(
        matches!(err.error(), Error::DomainTaken { existing, .. } if *existing == w.acme.sa),
        "{err}"
    );
}

#[cfg(feature = "serde")]
#[test]
fn sa003_sa004_invalid_domains_and_emails_in_json_are_refused() {
    let w = world();
    let text = json(&w);
    // Domains and emails are validated as they are read, so JSON errors name the rule.
    let bad_domain = text.replace(r#"{"domain":"acme.com"}"#, r#"{"domain":"acme..com"}"#);
    assert_ne!(bad_domain, text);
    let message = json_refused(&bad_domain);
    assert!(
        message.contains("SA003") && message.contains("acme..com"),
        "{message}"
    );

    let bad_email = text.replace(r#""alice@acme.com""#, r#""alice-at-acme.com""#);
    assert_ne!(bad_email, text);
    let message = json_refused(&bad_email);
    assert!(message.contains("SA004"), "{message}");
}

#[test]
fn sa003_sa004_invalid_domains_and_emails_are_refused() {
    let w = world();
    // Two users with one email, and a Cisco.com ID with spaces.
    let mut snap = logless(&w.dir);
    snap.users[1].email = snap.users[0].email.clone();
    let err = snapshot_refused(snap, RuleId::SA004, "users[1]");
    assert!(matches!(err.error(), Error::DuplicateLogin { .. }), "{err}");
    let mut snap = logless(&w.dir);
    snap.users[3].cco_id = Some("two words".into());
    snapshot_refused(snap, RuleId::SA004, "users[3]");

    // A Limited Use account identified by a company email, or by a domain.
    let mut snap = logless(&w.dir);
    let s = acc(&snap, w.solo.sa);
    snap.accounts[s].identifier = Identifier::Email(Email::parse("x@acme.com").unwrap());
    snapshot_refused(snap, RuleId::SA005, &format!("accounts[{s}]"));
    let mut snap = logless(&w.dir);
    snap.accounts[s].identifier = Identifier::Domain(Domain::parse("bikes.com").unwrap());
    snapshot_refused(snap, RuleId::SA001, &format!("accounts[{s}]"));
}

#[test]
fn sa005_a_second_limited_use_account_for_one_email_in_a_snapshot_is_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let solo = snap
        .accounts
        .iter()
        .position(|a| a.id == w.solo.sa)
        .unwrap();
    let mut copy = snap.accounts[solo].clone();
    copy.id = SaId::new(999_999);
    snap.accounts.push(copy);
    let path = format!("accounts[{}]", snap.accounts.len() - 1);
    let expected = Error::EmailTaken {
        email: "x@y.z".into(),
        existing: w.solo.sa,
    }
    .rule();
    load_refused(snap, &path, expected, "sam.bikes@gmail.com");
}

#[test]
fn sa005_public_domain_on_a_customer_account_is_refused() {
    let w = world();
    for public in ["gmail.com", "eu.gmail.com"] {
        let mut snap = logless(&w.dir);
        let i = acc(&snap, w.acme.sa);
        snap.accounts[i].identifier = Identifier::Domain(Domain::parse(public).unwrap());
        let err = snapshot_refused(snap, RuleId::SA005, &format!("accounts[{i}]"));
        assert!(matches!(err.error(), Error::PublicDomain { .. }), "{err}");
    }
}
