//! Tests written for mutants of `src/advisor.rs` that survived `scripts/mutants.sh` (the
//! partner, license and placement advice): each names the mutant it kills and what no test
//! pinned down before.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::world;
use crate::common::{date, day};
use jiff::Timestamp;
use jiff::civil::Date;
use smart_accounts::advisor::{Advice, AdvisorConfig, Scope, Severity, Subject, advise};
use smart_accounts::fixtures::World;
use smart_accounts::{
    Actor, Command, DeviceId, Inheritance, LicenseCommand, LicenseKind, NewUser, OrderId,
    OrderLine, OrgId, Role, RuleId, SaId, Target, UserKind,
};

/// The advice of `rule` about the account `sa`, on `on`, with the default configuration.
fn on_account(w: &World, sa: SaId, rule: RuleId, on: Date) -> Vec<Advice> {
    advise(&w.dir, Scope::All, on, &AdvisorConfig::default())
        .into_iter()
        .filter(|a| a.rule == rule && a.account == Some(sa))
        .collect()
}

/// The BP005 advice about one partner user's account role in Acme.
fn bp005_about(w: &World, user: smart_accounts::UserId) -> Advice {
    let found: Vec<Advice> = on_account(w, w.acme.sa, RuleId::BP005, date(1))
        .into_iter()
        .filter(|a| a.subject == Subject::User(user))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

/// The organizations BP006 flags on Acme on `on`, with their messages.
fn bp006(w: &World, on: Date) -> Vec<(Subject, String)> {
    on_account(w, w.acme.sa, RuleId::BP006, on)
        .into_iter()
        .map(|a| (a.subject, a.message))
        .collect()
}

fn org(o: OrgId) -> Subject {
    Subject::Organization(o)
}

/// The distributor's admin gets `role` on `target` of Acme from alice at `at`.
fn grant_distributor(w: &mut World, at: Timestamp, target: Target, role: Role) {
    let alice = Actor::User(w.acme.alice);
    w.dir
        .assign_role(
            &alice,
            at,
            w.distributor.admin,
            target,
            role,
            Inheritance::AccountOnly,
        )
        .unwrap();
}

/// `src/advisor.rs`: in `Advisor::licenses`, the row filter `c.purchased > 0` turned into `>=`
/// survived: no test had a pool in the default Virtual Account with consumption but nothing
/// purchased. Such a shortfall pool holds no licenses: BP007 counts only the license types
/// purchased there.
#[test]
fn bp007_counts_only_the_license_types_purchased_in_the_default_va() {
    let mut w = world();
    let a = w.acme;
    let bp007 = |w: &World| {
        let found = on_account(w, a.sa, RuleId::BP007, date(1));
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].message.clone()
    };
    let before = bp007(&w);
    assert!(before.contains("of 1 type(s)"), "{before}");
    // A device in `DEFAULT` uses DNA licenses, all of which sit in `EMEA`.
    let alice = Actor::User(a.alice);
    let device = DeviceId::parse("SW-DEFAULT-1").unwrap();
    w.dir
        .register_device(&alice, w.at, device.clone(), a.default_va, date(0))
        .unwrap();
    w.dir
        .consume(&alice, w.at, device, w.licensing.acme_dna.clone(), 3)
        .unwrap();
    let default_dna = w
        .dir
        .account(a.sa)
        .unwrap()
        .compliance()
        .filter(|c| c.va == a.default_va && c.purchased == 0)
        .count();
    assert_eq!(default_dna, 1, "the shortfall pool exists");
    assert_eq!(bp007(&w), before);
}

/// `src/advisor.rs`: in `Advisor::licenses`, the choice of the oldest lot (`age > a`) turned
/// into `==` and into `>=` survived: the fixture's lots arrive oldest first, at different
/// dates. BP008 names the oldest lot even when it arrived after a younger one, and the first of
/// two equally old lots.
#[test]
fn bp008_the_advice_names_the_first_of_the_oldest_lots() {
    let mut w = world();
    let holding = w.distributor.holding;
    let ise = w.licensing.ise.clone();
    // Two lots from day 1 (4, then 5) and a larger one from day 10; a log's times never
    // decrease (EV004), so the oldest come first.
    for (n, quantity, at) in [(2, 4, day(1)), (3, 5, day(1)), (1, 6, day(10))] {
        w.dir
            .license(
                &Actor::Fulfilment,
                at,
                LicenseCommand::Deposit {
                    sa: holding,
                    va: None,
                    order: OrderLine {
                        order: OrderId::parse(&format!("ING-{n}")).unwrap(),
                        line: 1,
                    },
                    license: ise.clone(),
                    kind: LicenseKind::Smart,
                    quantity,
                    procured_by: w.distributor.org,
                    sa_mandatory: false,
                },
            )
            .unwrap();
    }
    let found: Vec<String> = on_account(&w, holding, RuleId::BP008, date(50))
        .into_iter()
        .map(|x| x.message)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("15 licenses in 3 lot(s)"), "{}", found[0]);
    assert!(
        found[0].contains(&format!(
            "the oldest, 4 x {ise}, since {} (49 days)",
            date(1)
        )),
        "{}",
        found[0]
    );
}

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

/// `src/advisor.rs`: in `Advisor::partners`, deleting the match arm `Role::SaAdmin` survived,
/// and in `Advisor::own_va` the log guard replaced by `true`, `*by == org` turned into `!=`,
/// and either `&&` after it turned into `||` survived: no test had a partner SA Admin, nor a
/// partner without any Virtual Account. A partner SA Admin is critical and told to become VA
/// Admin on a Virtual Account of its own to create, not on one the customer created.
#[test]
fn bp005_a_partner_sa_admin_is_told_to_become_va_admin_on_a_new_va() {
    let mut w = world();
    let sa = w.acme.sa;
    grant_distributor(&mut w, day(0), Target::Account(sa), Role::SaAdmin);
    let found = bp005_about(&w, w.distributor.admin);
    assert_eq!(found.severity, Severity::Critical);
    assert_eq!(
        found.fix,
        "replace SA Admin with VA Admin on a virtual account of its own (create `Ingress Distribution`) for `ingress-admin`"
    );
}

/// `src/advisor.rs`: in `Advisor::partners`, deleting the match arm `Role::SaViewer` survived:
/// no test had a partner SA Viewer. It is told to become VA Viewer, not to drop the role.
#[test]
fn bp005_a_partner_sa_viewer_is_told_to_become_va_viewer() {
    let mut w = world();
    let sa = w.acme.sa;
    grant_distributor(&mut w, day(0), Target::Account(sa), Role::SaViewer);
    let found = bp005_about(&w, w.distributor.admin);
    assert_eq!(found.severity, Severity::Warning);
    assert!(
        found
            .fix
            .starts_with("replace SA Viewer with VA Viewer on "),
        "{}",
        found.fix
    );
}

/// `src/advisor.rs`: in `Advisor::own_va`, the log guard replaced by `false`, `*by == org`
/// turned into `!=`, and in its last clause `*o == org` turned into `!=`, `||` into `&&` and
/// `b.va != Some(*va)` into `==` survived: no test had a partner create a Virtual Account. The
/// fix names the Virtual Account the partner created, while no other partner holds a role
/// there, and not once another partner does.
#[test]
fn bp005_the_fix_names_the_va_the_partner_created_while_it_is_its_own() {
    let mut w = world();
    let sa = w.acme.sa;
    grant_distributor(&mut w, day(0), Target::Account(sa), Role::SaAdmin);
    let admin = Actor::User(w.distributor.admin);
    let work = w
        .dir
        .create_va(&admin, w.at, sa, None, "Ingress Work")
        .unwrap();
    // Nina (Nimbus) holds VA User on `Americas` meanwhile.
    let found = bp005_about(&w, w.distributor.admin);
    assert_eq!(
        found.fix,
        "replace SA Admin with VA Admin on `Ingress Work` for `ingress-admin`"
    );
    // Another partner on it: no longer the distributor's own.
    w.dir
        .assign_role(
            &Actor::User(w.acme.alice),
            w.at,
            w.partner.nina,
            Target::Va(work),
            Role::VaViewer,
            Inheritance::AccountOnly,
        )
        .unwrap();
    let found = bp005_about(&w, w.distributor.admin);
    assert!(
        found
            .fix
            .contains("a virtual account of its own (create `Ingress Distribution`)"),
        "{}",
        found.fix
    );
}

/// `src/advisor.rs`: in `Advisor::own_va`, `b.va != Some(*va)` turned into `==` in the search
/// among the partner's bound Virtual Accounts survived: no test had another partner bound
/// elsewhere. Nina's `Americas` is still Nimbus's own while the distributor is on `EMEA`.
#[test]
fn bp005_the_fix_names_the_partners_own_va_beside_another_partner() {
    let mut w = world();
    let a = w.acme;
    grant_distributor(&mut w, day(0), Target::Va(a.emea), Role::VaViewer);
    w.dir
        .assign_role(
            &Actor::User(a.alice),
            w.at,
            w.partner.nina,
            Target::Account(a.sa),
            Role::SaUser,
            Inheritance::AccountAndChildren,
        )
        .unwrap();
    let found = bp005_about(&w, w.partner.nina);
    assert_eq!(
        found.fix,
        "replace SA User with VA User on `Americas` for `nina`"
    );
}

/// `src/advisor.rs`: in `Advisor::shared_vas`, `b.va == Some(va)` turned into `!=` and
/// `orgs.len() < 2 || !bound_here` with `||` turned into `&&` survived: no test had two
/// partners' inherited roles overlap below both bindings. A shared Virtual Account is reported
/// where a partner is bound, not on every Virtual Account below, nor where one partner alone is.
#[test]
fn bp005_shared_vas_are_reported_where_a_partner_is_bound_only() {
    let mut w = world();
    let a = w.acme;
    // Nina holds VA User on `Americas` and its children; the distributor on `US` and below.
    w.dir
        .assign_role(
            &Actor::User(a.alice),
            w.at,
            w.distributor.admin,
            Target::Va(a.us),
            Role::VaViewer,
            Inheritance::AccountAndChildren,
        )
        .unwrap();
    let shared: Vec<Subject> = on_account(&w, a.sa, RuleId::BP005, date(1))
        .into_iter()
        .map(|x| x.subject)
        .collect();
    assert_eq!(shared, vec![Subject::Va(a.us)]);
}

/// `src/advisor.rs`: in `Advisor::partners`, the review filter `o == org` turned into `!=`
/// survived: no test reviewed one partner's access alone. A review of Nimbus resets Nimbus's
/// clock, and not the distributor's.
#[test]
fn bp006_a_review_of_one_partner_does_not_count_for_another() {
    let mut w = world();
    let a = w.acme;
    grant_distributor(&mut w, day(0), Target::Va(a.emea), Role::VaViewer);
    w.dir
        .execute(
            &Actor::User(a.alice),
            day(200),
            Command::ReviewPartnerAccess {
                sa: a.sa,
                org: Some(w.partner.org),
            },
        )
        .unwrap();
    let found = bp006(&w, date(366));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, org(w.distributor.org));
    assert!(found[0].1.contains("never reviewed since 2026-01-05"));
}

/// `src/advisor.rs`: in `Advisor::partners`, the guard `r.org == org` on approved requests
/// replaced by `true`, by `false`, and turned into `!=` survived: no test approved a request and
/// then waited a review period. An approved request of the distributor counts as its review, and
/// not as Nimbus's.
#[test]
fn bp006_an_approved_request_counts_as_a_review_of_its_partner_only() {
    let mut w = world();
    let a = w.acme;
    let ask = w
        .dir
        .request_partner_access(
            &Actor::User(w.distributor.admin),
            day(190),
            a.sa,
            Target::Va(a.emea),
            Role::VaViewer,
            Inheritance::AccountOnly,
            None,
        )
        .unwrap();
    w.dir
        .execute(
            &Actor::User(a.alice),
            day(200),
            Command::ApprovePartnerAccess {
                sa: a.sa,
                request: ask,
                expires: None,
            },
        )
        .unwrap();
    let found = bp006(&w, date(366));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, org(w.partner.org));
    assert!(found[0].1.contains("never reviewed since 2026-01-05"));
    let later: Vec<(Subject, String)> = bp006(&w, date(600))
        .into_iter()
        .filter(|(s, _)| *s == org(w.distributor.org))
        .collect();
    assert_eq!(later.len(), 1, "{later:?}");
    assert!(
        later[0]
            .1
            .contains(&format!("last reviewed on {}", date(200))),
        "{}",
        later[0].1
    );
}

/// `src/advisor.rs`: in `Advisor::partners`, `days > period` turned into `>=` survived: no test
/// looked at the day a period after a review. Exactly `review_period_days` after the last
/// review is still fine; the day after is not.
#[test]
fn bp006_a_review_holds_for_exactly_the_review_period() {
    let mut w = world();
    let a = w.acme;
    w.dir
        .execute(
            &Actor::User(a.alice),
            day(1),
            Command::ReviewPartnerAccess {
                sa: a.sa,
                org: None,
            },
        )
        .unwrap();
    assert_eq!(bp006(&w, date(366)), Vec::new());
    let found = bp006(&w, date(367));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .1
            .contains("last reviewed on 2026-01-06, 366 days ago")
    );
}

/// `src/advisor.rs`: `Advisor::access_start` replaced by `None`, and its filter `*o == org`
/// turned into `!=`, survived: no test gave a partner access after the account was created. An
/// unreviewed partner's clock starts when it was given access, its own, not another partner's.
#[test]
fn bp006_the_clock_starts_when_the_partner_got_access() {
    let mut w = world();
    let a = w.acme;
    grant_distributor(&mut w, day(100), Target::Va(a.emea), Role::VaViewer);
    let found = bp006(&w, date(366));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, org(w.partner.org));
    assert!(found[0].1.contains("never reviewed since 2026-01-05"));
    let later: Vec<(Subject, String)> = bp006(&w, date(465))
        .into_iter()
        .filter(|(s, _)| *s == org(w.distributor.org))
        .collect();
    assert_eq!(later, Vec::new());
    let later: Vec<(Subject, String)> = bp006(&w, date(466))
        .into_iter()
        .filter(|(s, _)| *s == org(w.distributor.org))
        .collect();
    assert_eq!(later.len(), 1, "{later:?}");
    assert!(
        later[0]
            .1
            .contains(&format!("never reviewed since {}, 366 days ago", date(100))),
        "{}",
        later[0].1
    );
}
