//! What the advisor reports about partner access over time (PTR005): expired grants and requests
//! that lapsed unanswered, each named with its place.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::advice::{all, of, on_account};
use crate::common::{date, world};
use smart_accounts::advisor::{Severity, Subject};
use smart_accounts::{Actor, Command, Inheritance, NewUser, Role, RuleId, Target, UserKind};

/// `src/advisor.rs`: `Advisor::place` replaced by `String::new()` and by `"xyzzy"` survived:
/// no test read where an expired role or a lapsed request was. PTR005 names the Virtual
/// Account, or the account itself for an account role.
#[test]
fn ptr005_expired_roles_and_lapsed_requests_name_their_place() {
    let mut w = world();
    let a = w.acme;
    let alice = Actor::User(a.alice);
    for (user, target) in [
        (w.partner.nina, Target::Va(a.americas)),
        (a.carol, Target::Account(a.sa)),
    ] {
        w.dir
            .execute(
                &alice,
                w.at,
                Command::SetRoleExpiry {
                    user,
                    target,
                    expires: Some(date(10)),
                },
            )
            .unwrap();
    }
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
    let found = on_account(&w, a.sa, RuleId::PTR005, date(95));
    let message = |user| {
        found
            .iter()
            .find(|x| x.subject == Subject::User(user))
            .map(|x| x.message.clone())
            .unwrap()
    };
    let nina = message(w.partner.nina);
    assert!(
        nina.contains("VA User role of `nina` on `Americas` expired"),
        "{nina}"
    );
    let carol = message(a.carol);
    assert!(
        carol.contains("SA Viewer role of `carol` on `Acme` expired"),
        "{carol}"
    );
    let nico = message(nico);
    assert!(nico.contains("for VA Viewer on `EMEA` lapsed"), "{nico}");
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
