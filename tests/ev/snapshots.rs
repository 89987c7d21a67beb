//! Snapshots from outside are checked on the way in (EV003, EV004): valid ones round-trip, and
//! each category of malformed snapshot that crosses rules (dangling references, contradictions,
//! unknown fields, huge strings) is refused with a clear error naming the rule and where in the
//! snapshot the problem is, and nothing panics. A snapshot that breaks one rule is tested in that
//! rule's section (`sa/snapshots.rs`, `va/tree.rs`, `role/roles.rs`, `lic/snapshots.rs`, ...).
//!
//! The JSON cases need the `serde` feature; the others run without it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use crate::common::snapshots::load_refused;
use crate::common::snapshots::{acc, snapshot_refused, vi};
#[cfg(feature = "serde")]
use crate::common::snapshots::{json, json_refused};
use crate::common::{logless, world};
use smart_accounts::{
    Binding, Directory, Error, Inheritance, OrgId, Role, RuleId, UserId, VaId, VaSnapshot,
    Visibility,
};

#[test]
fn ev003_valid_snapshots_round_trip() {
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

#[test]
fn ev003_event_log_that_does_not_replay_to_the_state_is_refused() {
    let w = world();
    let snap = w.dir.to_snapshot();
    let i = acc(&snap, w.acme.sa);

    // The state says one thing, the log another.
    let mut bad = snap.clone();
    let j = vi(&bad.accounts[i], w.acme.emea);
    bad.accounts[i].vas[j].name = "Europe".into();
    let err = snapshot_refused(bad, RuleId::EV003, &format!("accounts[{i}]"));
    assert!(matches!(err.error(), Error::Inconsistent { .. }), "{err}");

    // A role in the state the log never granted.
    let mut bad = snap.clone();
    bad.accounts[i].roles.retain(|b| b.user != w.acme.grace);
    snapshot_refused(bad, RuleId::EV003, &format!("accounts[{i}]"));

    // A log that does not replay at all: a gap in the sequence, an event of another account.
    let mut bad = snap.clone();
    bad.accounts[i].events[3].seq = 99;
    let err = snapshot_refused(bad, RuleId::EV003, &format!("accounts[{i}].events[3]"));
    assert!(matches!(err.error(), Error::Replay { .. }), "{err}");
    let mut bad = snap.clone();
    bad.accounts[i].events[4].sa = w.solo.sa;
    snapshot_refused(bad, RuleId::EV003, &format!("accounts[{i}].events[4]"));
    let mut bad = snap;
    bad.accounts[i].events.truncate(5);
    snapshot_refused(bad, RuleId::EV003, &format!("accounts[{i}]"));
}

#[test]
fn ev003_snapshot_identifiers_that_are_zero_or_repeated_are_refused() {
    let w = world();
    let snap = logless(&w.dir);
    let n_orgs = snap.organizations.len();
    let n_accounts = snap.accounts.len();

    let mut twice = snap.clone();
    twice.organizations.push(twice.organizations[0].clone());
    load_refused(
        twice,
        &format!("organizations[{n_orgs}]"),
        RuleId::EV003,
        "appears twice",
    );

    let mut zero = snap.clone();
    zero.users[0].id = UserId::new(0);
    load_refused(zero, "users[0]", RuleId::EV003, "zero or appears twice");

    let mut again = snap.clone();
    again.accounts.push(again.accounts[0].clone());
    load_refused(
        again,
        &format!("accounts[{n_accounts}]"),
        RuleId::EV003,
        "appears twice",
    );

    // The untouched snapshot loads: each refusal above is the one change.
    let loaded = Directory::from_snapshot(snap).map_err(|e| e.to_string());
    assert_eq!(loaded.map(|d| d.accounts().count()), Ok(n_accounts));
}

#[cfg(feature = "serde")]
#[test]
fn ev004_malformed_json_is_refused() {
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
fn ev004_dangling_references_are_refused() {
    let w = world();
    let i = acc(&w.dir.to_snapshot(), w.acme.sa);

    // An account's organization.
    let mut snap = logless(&w.dir);
    snap.accounts[i].owner = OrgId::new(999);
    snapshot_refused(snap, RuleId::SA007, &format!("accounts[{i}]"));

    // A user's organization.
    let mut snap = logless(&w.dir);
    snap.users[2].org = OrgId::new(999);
    snapshot_refused(snap, RuleId::SA004, "users[2]");

    // An account's contact.
    let mut snap = logless(&w.dir);
    snap.accounts[i].contact = UserId::new(999);
    snapshot_refused(snap, RuleId::SA008, &format!("accounts[{i}]"));

    // A role's user.
    let mut snap = logless(&w.dir);
    snap.accounts[i].roles[1].user = UserId::new(999);
    snapshot_refused(snap, RuleId::ROLE002, &format!("accounts[{i}].roles[1]"));

    // A parent VA.
    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.us);
    snap.accounts[i].vas[j].parent = Some(VaId::new(9_999));
    snapshot_refused(snap, RuleId::VA004, &format!("accounts[{i}].vas[{j}]"));

    // The VA of a role.
    let mut snap = logless(&w.dir);
    let r = snap.accounts[i]
        .roles
        .iter()
        .position(|b| b.user == w.acme.erin)
        .unwrap();
    snap.accounts[i].roles[r].va = Some(VaId::new(9_999));
    snapshot_refused(snap, RuleId::ROLE004, &format!("accounts[{i}].roles[{r}]"));
}

#[test]
fn ev004_references_into_another_account_are_refused() {
    let w = world();
    let i = acc(&w.dir.to_snapshot(), w.acme.sa);
    let other = w.partner.holding_default;

    // A parent VA in another account.
    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.us);
    snap.accounts[i].vas[j].parent = Some(other);
    snapshot_refused(snap, RuleId::VA004, &format!("accounts[{i}].vas[{j}]"));

    // A role on a VA of another account.
    let mut snap = logless(&w.dir);
    let r = snap.accounts[i]
        .roles
        .iter()
        .position(|b| b.user == w.acme.erin)
        .unwrap();
    snap.accounts[i].roles[r].va = Some(other);
    snapshot_refused(snap, RuleId::ROLE004, &format!("accounts[{i}].roles[{r}]"));

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
    snapshot_refused(snap, RuleId::EV003, &format!("accounts[{h}].vas[{j}]"));
}

#[test]
fn ev004_names_over_100_characters_are_refused() {
    let w = world();
    let long = "n".repeat(101);
    let i = acc(&w.dir.to_snapshot(), w.acme.sa);

    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.us);
    snap.accounts[i].vas[j].name.clone_from(&long);
    snapshot_refused(snap, RuleId::VA003, &format!("accounts[{i}].vas[{j}]"));

    // The default VA's name too.
    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.default_va);
    snap.accounts[i].vas[j].name.clone_from(&long);
    snapshot_refused(snap, RuleId::VA003, &format!("accounts[{i}].vas[{j}]"));

    let mut snap = logless(&w.dir);
    snap.accounts[i].name.clone_from(&long);
    snapshot_refused(snap, RuleId::SA001, &format!("accounts[{i}]"));

    let mut snap = logless(&w.dir);
    snap.organizations[0].name.clone_from(&long);
    snapshot_refused(snap, RuleId::SA007, "organizations[0]");

    // Two VAs with one name, ignoring case.
    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.us);
    snap.accounts[i].vas[j].name = "emea".into();
    snapshot_refused(snap, RuleId::VA003, &format!("accounts[{i}].vas[{j}]"));
}

#[cfg(feature = "serde")]
#[test]
fn ev004_huge_strings_in_json_get_a_clear_clipped_error_without_panic() {
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
fn ev004_huge_strings_get_a_clear_clipped_error_without_panic() {
    let w = world();
    let huge = "x".repeat(1 << 20);
    let i = acc(&w.dir.to_snapshot(), w.acme.sa);
    let mut snap = logless(&w.dir);
    let j = vi(&snap.accounts[i], w.acme.us);
    snap.accounts[i].vas[j].name.clone_from(&huge);
    let err = snapshot_refused(snap, RuleId::VA003, &format!("accounts[{i}].vas[{j}]"));
    let text = err.to_string();
    assert!(text.contains('…'), "{text}");
    assert!(text.contains("longer than 100"), "{text}");
}

#[cfg(feature = "serde")]
#[test]
fn ev004_unknown_fields_are_refused() {
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
fn ev004_unknown_enum_values_are_refused() {
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
fn ev004_account_level_contradictions_are_refused() {
    let w = world();
    // An Active account without SA Admin (ROLE007).
    let mut snap = logless(&w.dir);
    let i = acc(&snap, w.acme.sa);
    snap.accounts[i].roles.retain(|b| b.role != Role::SaAdmin);
    snapshot_refused(snap, RuleId::ROLE007, &format!("accounts[{i}]"));
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
    snapshot_refused(snap, RuleId::SA008, &format!("accounts[{g}]"));
    // A holding account owned by a customer, a customer holding a role on one (SA007).
    let mut snap = logless(&w.dir);
    let h = acc(&snap, w.partner.holding);
    snap.accounts[h].owner = w.acme.org;
    snapshot_refused(snap, RuleId::SA007, &format!("accounts[{h}]"));
    let mut snap = logless(&w.dir);
    snap.accounts[h].roles.push(Binding {
        user: w.acme.oscar,
        va: None,
        role: Role::SaViewer,
        inheritance: Inheritance::AccountAndChildren,
        expires: None,
    });
    let r = snap.accounts[h].roles.len() - 1;
    snapshot_refused(snap, RuleId::SA007, &format!("accounts[{h}].roles[{r}]"));
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
    snapshot_refused(snap, RuleId::SA006, &format!("accounts[{s}].vas[{j}]"));
    // A role of the wrong kind (ROLE001).
    let mut snap = logless(&w.dir);
    let r = snap.accounts[i]
        .roles
        .iter()
        .position(|b| b.user == w.acme.carol)
        .unwrap();
    snap.accounts[i].roles[r].va = Some(w.acme.emea);
    snapshot_refused(snap, RuleId::ROLE001, &format!("accounts[{i}].roles[{r}]"));
}
