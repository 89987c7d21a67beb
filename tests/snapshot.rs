//! Malformed snapshots: one test per category. Each is refused with a clear error naming the
//! rule and where in the snapshot the problem is, and nothing panics.
//!
//! The JSON cases need the `serde` feature; the others run without it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use crate::common::snapshots::{acc, refused, vi};
#[cfg(feature = "serde")]
use crate::common::snapshots::{json, json_refused};
use crate::common::{logless, world};
use smart_accounts::{
    Binding, Directory, Domain, Email, Error, Identifier, Inheritance, OrgId, Role, RuleId, UserId,
    VaId, VaSnapshot, Visibility,
};

#[test]
fn valid_snapshots_round_trip() {
    let mut w = world();
    // An accepted agreement too (it once got lost on load: AGR001, EV003).
    w.dir
        .execute(
            &smart_accounts::Actor::User(w.acme.dave),
            w.at,
            smart_accounts::Command::AcceptAgreement { sa: w.acme.sa },
        )
        .unwrap();
    let snap = w.dir.to_snapshot();
    assert_eq!(Directory::from_snapshot(snap.clone()).unwrap(), w.dir);
    #[cfg(feature = "serde")]
    {
        let back: Directory = serde_json::from_str(&json(&w)).unwrap();
        assert_eq!(back, w.dir);
    }
    // Without event logs, the state alone loads too.
    let loaded = Directory::from_snapshot(logless(&w.dir)).unwrap();
    assert_eq!(loaded.account(w.acme.sa), w.dir.account(w.acme.sa));
    let acceptance = loaded.account(w.acme.sa).unwrap().agreement().unwrap();
    assert_eq!(acceptance.by, w.acme.dave);
}

#[cfg(feature = "serde")]
#[test]
fn malformed_json_is_refused() {
    let w = world();
    let text = json(&w);
    for bad in [
        "",
        "{",
        "null",
        "{\"organizations\": 7}",
        &text[..text.len() / 2],
        &text.replacen(':', "", 1),
    ] {
        let message = json_refused(bad);
        assert!(!message.is_empty());
    }
}

#[test]
fn va004_cycle_is_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let i = acc(&snap, w.acme.sa);
    let a = &mut snap.accounts[i];
    let j = vi(a, w.acme.emea);
    a.vas[j].parent = Some(w.acme.emea_sales);
    let err = refused(snap, RuleId::VA004, &format!("accounts[{i}].vas[{j}]"));
    assert!(err.to_string().contains("cycle"), "{err}");

    // A VA that is its own parent.
    let mut snap = logless(&w.dir);
    let a = &mut snap.accounts[i];
    let j = vi(a, w.acme.apac);
    a.vas[j].parent = Some(w.acme.apac);
    refused(snap, RuleId::VA004, &format!("accounts[{i}].vas[{j}]"));
}

#[test]
fn va001_depth_over_ten_is_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let i = acc(&snap, w.acme.sa);
    let a = &mut snap.accounts[i];
    a.vas.push(VaSnapshot {
        id: VaId::new(5_000),
        name: "Lab-11".into(),
        parent: Some(w.acme.deep[9]),
        visibility: Visibility::Unrestricted,
    });
    let j = a.vas.len() - 1;
    let err = refused(snap, RuleId::VA001, &format!("accounts[{i}].vas[{j}]"));
    assert!(
        matches!(err.error(), Error::TooDeep { level: 11, .. }),
        "{err}"
    );

    // Moving the chain one level down pushes Lab-10 to level 11.
    let mut snap = logless(&w.dir);
    let a = &mut snap.accounts[i];
    let labs = vi(a, w.acme.deep[0]);
    a.vas[labs].parent = Some(w.acme.emea);
    let j = vi(a, w.acme.deep[9]);
    refused(snap, RuleId::VA001, &format!("accounts[{i}].vas[{j}]"));
}

#[test]
fn sa002_missing_default_va_is_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let i = acc(&snap, w.acme.sa);
    snap.accounts[i].default_va = VaId::new(9_999);
    refused(snap, RuleId::SA002, &format!("accounts[{i}].default_va"));

    // The default VA removed from the list.
    let mut snap = logless(&w.dir);
    let a = &mut snap.accounts[i];
    let j = vi(a, w.acme.default_va);
    a.vas.remove(j);
    refused(snap, RuleId::SA002, &format!("accounts[{i}].default_va"));
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
    let err = refused(snap, RuleId::SA002, &format!("accounts[{i}].vas[{j}]"));
    assert!(matches!(err.error(), Error::DefaultVa { .. }), "{err}");

    let mut snap = logless(&w.dir);
    let a = &mut snap.accounts[i];
    let j = vi(a, w.acme.default_va);
    a.vas[j].visibility = Visibility::Restricted;
    refused(snap, RuleId::VA007, &format!("accounts[{i}].vas[{j}]"));
}

#[test]
fn role002_duplicate_role_on_one_account_is_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let i = acc(&snap, w.acme.sa);
    let a = &mut snap.accounts[i];
    a.roles.push(Binding {
        user: w.acme.bob,
        va: None,
        role: Role::SaViewer,
        inheritance: Inheritance::AccountAndChildren,
        expires: None,
    });
    let j = a.roles.len() - 1;
    let err = refused(snap, RuleId::ROLE002, &format!("accounts[{i}].roles[{j}]"));
    assert!(
        matches!(
            err.error(),
            Error::RoleHeld {
                held: Role::SaUser,
                ..
            }
        ),
        "{err}"
    );

    let mut snap = logless(&w.dir);
    let a = &mut snap.accounts[i];
    a.roles.push(Binding {
        user: w.acme.erin,
        va: Some(w.acme.emea),
        role: Role::VaViewer,
        inheritance: Inheritance::AccountOnly,
        expires: None,
    });
    let j = a.roles.len() - 1;
    refused(snap, RuleId::ROLE002, &format!("accounts[{i}].roles[{j}]"));
}

#[test]
fn dangling_references_are_refused() {
    let w = world();
    let i = acc(&w.dir.to_snapshot(), w.acme.sa);

    // An account's organization.
    let mut snap = logless(&w.dir);
    snap.accounts[i].owner = OrgId::new(999);
    refused(snap, RuleId::SA007, &format!("accounts[{i}]"));

    // A user's organization.
    let mut snap = logless(&w.dir);
    snap.users[2].org = OrgId::new(999);
    refused(snap, RuleId::SA004, "users[2]");

    // An account's contact.
    let mut snap = logless(&w.dir);
    snap.accounts[i].contact = UserId::new(999);
    refused(snap, RuleId::SA008, &format!("accounts[{i}]"));

    // A role's user.
    let mut snap = logless(&w.dir);
    snap.accounts[i].roles[1].user = UserId::new(999);
    refused(snap, RuleId::ROLE002, &format!("accounts[{i}].roles[1]"));

    // A parent VA.
    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.us);
    snap.accounts[i].vas[j].parent = Some(VaId::new(9_999));
    refused(snap, RuleId::VA004, &format!("accounts[{i}].vas[{j}]"));

    // The VA of a role.
    let mut snap = logless(&w.dir);
    let r = snap.accounts[i]
        .roles
        .iter()
        .position(|b| b.user == w.acme.erin)
        .unwrap();
    snap.accounts[i].roles[r].va = Some(VaId::new(9_999));
    refused(snap, RuleId::ROLE004, &format!("accounts[{i}].roles[{r}]"));
}

#[test]
fn references_into_another_account_are_refused() {
    let w = world();
    let i = acc(&w.dir.to_snapshot(), w.acme.sa);
    let other = w.partner.holding_default;

    // A parent VA in another account.
    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.us);
    snap.accounts[i].vas[j].parent = Some(other);
    refused(snap, RuleId::VA004, &format!("accounts[{i}].vas[{j}]"));

    // A role on a VA of another account.
    let mut snap = logless(&w.dir);
    let r = snap.accounts[i]
        .roles
        .iter()
        .position(|b| b.user == w.acme.erin)
        .unwrap();
    snap.accounts[i].roles[r].va = Some(other);
    refused(snap, RuleId::ROLE004, &format!("accounts[{i}].roles[{r}]"));

    // The same VA listed in two accounts.
    let mut snap = logless(&w.dir);
    let h = acc(&snap, w.partner.holding);
    snap.accounts[h].vas.push(VaSnapshot {
        id: w.acme.emea,
        name: "Stolen".into(),
        parent: None,
        visibility: Visibility::Unrestricted,
    });
    let j = snap.accounts[h].vas.len() - 1;
    refused(snap, RuleId::EV003, &format!("accounts[{h}].vas[{j}]"));
}

#[test]
fn sa003_duplicate_domains_are_refused() {
    let w = world();
    let mut snap = logless(&w.dir);
    let h = acc(&snap, w.distributor.holding);
    snap.accounts[h].identifier = Identifier::Domain(Domain::parse("acme.com").unwrap());
    let err = refused(snap, RuleId::SA003, &format!("accounts[{h}]"));
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
    let err = refused(snap, RuleId::SA004, "users[1]");
    assert!(matches!(err.error(), Error::DuplicateLogin { .. }), "{err}");
    let mut snap = logless(&w.dir);
    snap.users[3].cco_id = Some("two words".into());
    refused(snap, RuleId::SA004, "users[3]");

    // A Limited Use account identified by a company email, or by a domain.
    let mut snap = logless(&w.dir);
    let s = acc(&snap, w.solo.sa);
    snap.accounts[s].identifier = Identifier::Email(Email::parse("x@acme.com").unwrap());
    refused(snap, RuleId::SA005, &format!("accounts[{s}]"));
    let mut snap = logless(&w.dir);
    snap.accounts[s].identifier = Identifier::Domain(Domain::parse("bikes.com").unwrap());
    refused(snap, RuleId::SA001, &format!("accounts[{s}]"));
}

#[test]
fn sa005_public_domain_on_a_customer_account_is_refused() {
    let w = world();
    for public in ["gmail.com", "eu.gmail.com"] {
        let mut snap = logless(&w.dir);
        let i = acc(&snap, w.acme.sa);
        snap.accounts[i].identifier = Identifier::Domain(Domain::parse(public).unwrap());
        let err = refused(snap, RuleId::SA005, &format!("accounts[{i}]"));
        assert!(matches!(err.error(), Error::PublicDomain { .. }), "{err}");
    }
}

#[test]
fn names_over_100_characters_are_refused() {
    let w = world();
    let long = "n".repeat(101);
    let i = acc(&w.dir.to_snapshot(), w.acme.sa);

    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.us);
    snap.accounts[i].vas[j].name.clone_from(&long);
    refused(snap, RuleId::VA003, &format!("accounts[{i}].vas[{j}]"));

    // The default VA's name too.
    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.default_va);
    snap.accounts[i].vas[j].name.clone_from(&long);
    refused(snap, RuleId::VA003, &format!("accounts[{i}].vas[{j}]"));

    let mut snap = logless(&w.dir);
    snap.accounts[i].name.clone_from(&long);
    refused(snap, RuleId::SA001, &format!("accounts[{i}]"));

    let mut snap = logless(&w.dir);
    snap.organizations[0].name.clone_from(&long);
    refused(snap, RuleId::SA007, "organizations[0]");

    // Two VAs with one name, ignoring case.
    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.us);
    snap.accounts[i].vas[j].name = "emea".into();
    refused(snap, RuleId::VA003, &format!("accounts[{i}].vas[{j}]"));
}

#[cfg(feature = "serde")]
#[test]
fn huge_strings_in_json_get_a_clear_clipped_error_without_panic() {
    let w = world();
    let huge = "x".repeat(1 << 20);
    // Through JSON, as a VA name and as a domain.
    let json_text = json(&w).replace(r#""name":"US""#, &format!(r#""name":"{huge}""#));
    assert!(json_text.len() > 1 << 20);
    let message = json_refused(&json_text);
    assert!(
        message.contains("VA003") && message.contains('…'),
        "{message}"
    );
    let json_text = json(&w).replace(
        r#"{"domain":"acme.com"}"#,
        &format!(r#"{{"domain":"{huge}.com"}}"#),
    );
    let message = json_refused(&json_text);
    assert!(
        message.contains("SA003") && message.contains('…'),
        "{message}"
    );
}

#[test]
fn huge_strings_get_a_clear_clipped_error_without_panic() {
    let w = world();
    let huge = "x".repeat(1 << 20);
    let i = acc(&w.dir.to_snapshot(), w.acme.sa);
    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.us);
    snap.accounts[i].vas[j].name.clone_from(&huge);
    let err = refused(snap, RuleId::VA003, &format!("accounts[{i}].vas[{j}]"));
    let text = err.to_string();
    assert!(text.contains('…'), "{text}");
    assert!(text.contains("longer than 100"), "{text}");
}

#[cfg(feature = "serde")]
#[test]
fn unknown_fields_are_refused() {
    let w = world();
    let text = json(&w);
    for (from, to) in [
        (r#"{"config":"#, r#"{"colour":1,"config":"#),
        (r#""name":"US""#, r#""name":"US","budget":7"#),
        (r#""role":"sa_user""#, r#""role":"sa_user","since":"2020""#),
    ] {
        let bad = text.replacen(from, to, 1);
        assert_ne!(bad, text, "{from}");
        let message = json_refused(&bad);
        assert!(message.contains("unknown field"), "{message}");
    }
}

#[cfg(feature = "serde")]
#[test]
fn unknown_enum_values_are_refused() {
    let w = world();
    let text = json(&w);
    for (from, to) in [
        (r#""kind":"customer""#, r#""kind":"mega_corp""#),
        (r#""role":"sa_user""#, r#""role":"sa_superuser""#),
        (r#""status":"active""#, r#""status":"dormant""#),
        (r#""visibility":"restricted""#, r#""visibility":"secret""#),
        (
            r#""inheritance":"account_only""#,
            r#""inheritance":"sideways""#,
        ),
    ] {
        let bad = text.replacen(from, to, 1);
        assert_ne!(bad, text, "{from}");
        let message = json_refused(&bad);
        assert!(message.contains("unknown variant"), "{message}");
    }
}

#[test]
fn ev003_event_log_that_does_not_replay_to_the_state_is_refused() {
    let w = world();
    let snap = w.dir.to_snapshot();
    let i = acc(&snap, w.acme.sa);

    // The state says one thing, the log another.
    let mut bad = snap.clone();
    let j = vi(&bad.accounts[i], w.acme.emea);
    bad.accounts[i].vas[j].name = "Europe".into();
    let err = refused(bad, RuleId::EV003, &format!("accounts[{i}]"));
    assert!(matches!(err.error(), Error::Inconsistent { .. }), "{err}");

    // A role in the state the log never granted.
    let mut bad = snap.clone();
    bad.accounts[i].roles.retain(|b| b.user != w.acme.grace);
    refused(bad, RuleId::EV003, &format!("accounts[{i}]"));

    // A log that does not replay at all: a gap in the sequence, an event of another account.
    let mut bad = snap.clone();
    bad.accounts[i].events[3].seq = 99;
    let err = refused(bad, RuleId::EV003, &format!("accounts[{i}].events[3]"));
    assert!(matches!(err.error(), Error::Replay { .. }), "{err}");
    let mut bad = snap.clone();
    bad.accounts[i].events[4].sa = w.solo.sa;
    refused(bad, RuleId::EV003, &format!("accounts[{i}].events[4]"));
    let mut bad = snap;
    bad.accounts[i].events.truncate(5);
    refused(bad, RuleId::EV003, &format!("accounts[{i}]"));
}

#[test]
fn account_level_contradictions_are_refused() {
    let w = world();
    // An Active account without SA Admin (ROLE007).
    let mut snap = logless(&w.dir);
    let i = acc(&snap, w.acme.sa);
    snap.accounts[i].roles.retain(|b| b.role != Role::SaAdmin);
    refused(snap, RuleId::ROLE007, &format!("accounts[{i}]"));
    // A Pending account with roles (SA008).
    let mut snap = logless(&w.dir);
    let g = acc(&snap, w.globex.sa);
    snap.accounts[g].roles.push(Binding {
        user: w.globex.hank,
        va: None,
        role: Role::SaAdmin,
        inheritance: Inheritance::AccountAndChildren,
        expires: None,
    });
    refused(snap, RuleId::SA008, &format!("accounts[{g}]"));
    // A holding account owned by a customer, a customer holding a role on one (SA007).
    let mut snap = logless(&w.dir);
    let h = acc(&snap, w.partner.holding);
    snap.accounts[h].owner = w.acme.org;
    refused(snap, RuleId::SA007, &format!("accounts[{h}]"));
    let mut snap = logless(&w.dir);
    snap.accounts[h].roles.push(Binding {
        user: w.acme.oscar,
        va: None,
        role: Role::SaViewer,
        inheritance: Inheritance::AccountAndChildren,
        expires: None,
    });
    let r = snap.accounts[h].roles.len() - 1;
    refused(snap, RuleId::SA007, &format!("accounts[{h}].roles[{r}]"));
    // A nested VA in a Limited Use account (SA006).
    let mut snap = logless(&w.dir);
    let s = acc(&snap, w.solo.sa);
    let top = snap.accounts[s].default_va;
    snap.accounts[s].vas.push(VaSnapshot {
        id: VaId::new(7_000),
        name: "Nested".into(),
        parent: Some(top),
        visibility: Visibility::Unrestricted,
    });
    let j = snap.accounts[s].vas.len() - 1;
    refused(snap, RuleId::SA006, &format!("accounts[{s}].vas[{j}]"));
    // A role of the wrong kind (ROLE001).
    let mut snap = logless(&w.dir);
    let r = snap.accounts[i]
        .roles
        .iter()
        .position(|b| b.user == w.acme.carol)
        .unwrap();
    snap.accounts[i].roles[r].va = Some(w.acme.emea);
    refused(snap, RuleId::ROLE001, &format!("accounts[{i}].roles[{r}]"));
}
