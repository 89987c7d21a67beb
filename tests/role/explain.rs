//! ROLE009 (amended): a denial names the user's nearest binding on the same account that does
//! not reach the target, with why (account only, elsewhere in the tree, expired on a date), and
//! the text meant for people names users, accounts and Virtual Accounts by name. The chain
//! `Region-US > Finance > Sacramento` is seed 001's example of nested Virtual Accounts
//! ("Nested Virtual Accounts provide flexibility in organizing Licenses such Region-US >
//! Finance > Sacramento"); seed 003 describes the same tree as folders.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::commands::{at, by, user};
use crate::common::{date, day, world};
use smart_accounts::{
    AccountKind, Action, Command, Directory, Effect, Inheritance, NearMiss, OrgKind, Reason, Role,
    SaId, Shortfall, Target, UserId, VaId,
};

/// Acme's account with `Region-US > Finance > Sacramento` and `Region-EU`, created by `alice`
/// (SA Admin), and `dora`, who holds no role yet.
struct Chain {
    dir: Directory,
    sa: SaId,
    alice: UserId,
    dora: UserId,
    region_us: VaId,
    finance: VaId,
    sacramento: VaId,
    region_eu: VaId,
}

fn chain() -> Chain {
    let mut dir = Directory::new();
    let org = dir
        .register_organization("Acme", OrgKind::Customer)
        .unwrap();
    let alice = user(&mut dir, Some("alice"), "alice@acme.com", org);
    let dora = user(&mut dir, Some("dora"), "dora@acme.com", org);
    let sa = dir
        .request_account(
            &by(alice),
            at(),
            AccountKind::Customer,
            "Acme",
            Some("acme.com"),
            alice,
        )
        .unwrap();
    let mut va = |parent, name| dir.create_va(&by(alice), at(), sa, parent, name).unwrap();
    let region_us = va(None, "Region-US");
    let finance = va(Some(region_us), "Finance");
    let sacramento = va(Some(finance), "Sacramento");
    let region_eu = va(None, "Region-EU");
    Chain {
        dir,
        sa,
        alice,
        dora,
        region_us,
        finance,
        sacramento,
        region_eu,
    }
}

impl Chain {
    /// Gives `dora` `role` on `va` with `inheritance`.
    fn give(&mut self, va: VaId, role: Role, inheritance: Inheritance) {
        let command = Command::AssignRole {
            user: self.dora,
            target: Target::Va(va),
            role,
            inheritance,
        };
        self.dir.execute(&by(self.alice), at(), command).unwrap();
    }
}

#[test]
fn role009_a_va_admin_account_only_on_region_us_is_told_the_binding_does_not_reach_sacramento() {
    let mut c = chain();
    c.give(c.region_us, Role::VaAdmin, Inheritance::AccountOnly);
    let (dora, act) = (c.dora, Action::ManageLicenses);
    assert_eq!(c.dir.account_of(c.sacramento), Some(c.sa));
    assert!(c.dir.is_allowed(dora, act, Target::Va(c.region_us)));
    for (va, steps) in [(c.finance, 1), (c.sacramento, 2)] {
        let decision = c.dir.check(dora, act, Target::Va(va));
        assert_eq!(decision.effect, Effect::Deny);
        let Reason::NotGranted {
            held,
            would_grant,
            near,
        } = decision.reason
        else {
            panic!("{decision}");
        };
        assert_eq!(held, None, "{steps} levels down nothing reaches");
        assert!(would_grant.contains(Role::VaAdmin));
        assert_eq!(
            near,
            Some(NearMiss {
                role: Role::VaAdmin,
                bound_to: Some(c.region_us),
                inheritance: Inheritance::AccountOnly,
                why: Shortfall::AccountOnly,
            })
        );
    }
    let decision = c.dir.check(dora, act, Target::Va(c.sacramento));
    assert_eq!(
        decision.display_with(&c.dir).to_string(),
        "denied: dora@acme.com holds VA Admin on acme.com/Region-US (account only), which does \
         not reach acme.com/Region-US/Finance/Sacramento; to manage licenses there needs one of: \
         SA Admin, SA User, VA Admin, VA User on it or above with children"
    );
    // The form without a directory keeps the identifiers, in backticks.
    let ids = decision.to_string();
    assert!(ids.contains(&format!("`{}`", c.region_us)), "{ids}");
    assert!(
        ids.contains("(account only), which does not reach"),
        "{ids}"
    );
}

#[test]
fn role009_a_binding_on_another_branch_is_named_as_elsewhere() {
    let mut c = chain();
    c.give(c.region_eu, Role::VaUser, Inheritance::AccountAndChildren);
    let decision = c
        .dir
        .check(c.dora, Action::ViewLicenses, Target::Va(c.finance));
    let Reason::NotGranted { near, .. } = decision.reason else {
        panic!("{decision}");
    };
    assert_eq!(near.map(|n| n.why), Some(Shortfall::Elsewhere));
    assert_eq!(near.and_then(|n| n.bound_to), Some(c.region_eu));
    assert_eq!(
        decision.display_with(&c.dir).to_string(),
        "denied: dora@acme.com holds VA User on acme.com/Region-EU, which does not reach \
         acme.com/Region-US/Finance; to view licenses and devices there needs one of: SA Admin, \
         SA User, SA Viewer, VA Admin, VA User, VA Viewer on it or above with children"
    );
    // An account-only binding above the target is nearer than one on another branch.
    c.give(c.region_us, Role::VaViewer, Inheritance::AccountOnly);
    let decision = c
        .dir
        .check(c.dora, Action::ViewLicenses, Target::Va(c.sacramento));
    let Reason::NotGranted { near, .. } = decision.reason else {
        panic!("{decision}");
    };
    assert_eq!(near.map(|n| n.why), Some(Shortfall::AccountOnly));
    assert_eq!(near.and_then(|n| n.bound_to), Some(c.region_us));
}

#[test]
fn role009_an_expired_binding_is_named_with_its_date() {
    let mut c = chain();
    c.give(c.region_us, Role::VaAdmin, Inheritance::AccountAndChildren);
    let expiry = Command::SetRoleExpiry {
        user: c.dora,
        target: Target::Va(c.region_us),
        expires: Some(date(30)),
    };
    c.dir.execute(&by(c.alice), day(0), expiry).unwrap();
    let (dora, act, target) = (c.dora, Action::ManageLicenses, Target::Va(c.sacramento));
    assert!(c.dir.check_on(dora, act, target, date(29)).is_allowed());
    let decision = c.dir.check_on(dora, act, target, date(30));
    assert_eq!(decision.effect, Effect::Deny);
    let Reason::NotGranted { held, near, .. } = decision.reason else {
        panic!("{decision}");
    };
    assert_eq!(held, None);
    assert_eq!(
        near,
        Some(NearMiss {
            role: Role::VaAdmin,
            bound_to: Some(c.region_us),
            inheritance: Inheritance::AccountAndChildren,
            why: Shortfall::Expired { on: date(30) },
        })
    );
    let text = decision.display_with(&c.dir).to_string();
    assert_eq!(
        text,
        format!(
            "denied: dora@acme.com holds VA Admin on acme.com/Region-US, which would reach \
             acme.com/Region-US/Finance/Sacramento but expired on {}; to manage licenses there \
             needs one of: SA Admin, SA User, VA Admin, VA User on it or above with children",
            date(30)
        )
    );
    // Without a date the binding is not counted at all (PTR005), and the denial says why.
    let undated = c.dir.check(dora, act, target);
    let Reason::NotGranted { near, .. } = undated.reason else {
        panic!("{undated}");
    };
    assert_eq!(
        near.map(|n| n.why),
        Some(Shortfall::Dated { expires: date(30) })
    );
    let text = undated.display_with(&c.dir).to_string();
    assert!(
        text.contains(&format!(
            "but expires on {} and counts only in a dated check",
            date(30)
        )),
        "{text}"
    );
}

#[test]
fn role009_text_names_people_accounts_and_vas() {
    let w = world();
    let (dir, a) = (&w.dir, &w.acme);
    let told = |user, action, target: Target| {
        dir.check(user, action, target)
            .display_with(dir)
            .to_string()
    };
    assert_eq!(
        told(a.erin, Action::ViewAccount, Target::Va(a.emea_sales)),
        "allowed: erin@acme.com may view the account on acme.com/EMEA/EMEA-Sales as VA Admin on \
         acme.com/EMEA, inherited"
    );
    assert_eq!(
        told(a.bob, Action::ViewAccount, Target::Va(a.sacramento)),
        "allowed: bob@acme.com may view the account on acme.com/Americas/US/Finance/Sacramento \
         as SA User on acme.com"
    );
    // No text for people carries an internal identifier, whoever asks about whatever.
    let mut targets = Vec::new();
    for account in dir.accounts() {
        targets.push(Target::Account(account.id()));
        targets.extend(account.vas().map(|v| Target::Va(v.id())));
    }
    let mut told_count = 0;
    for user in dir.users() {
        for action in Action::ALL {
            for &target in &targets {
                let text = told(user.id, action, target);
                for kind in ["`user:", "`va:", "`sa:", "`org:"] {
                    assert!(!text.contains(kind), "{text}");
                }
                assert!(text.contains(user.email.as_str()), "{text}");
                told_count += 1;
            }
        }
    }
    assert!(told_count > 1_000, "{told_count}");
    assert_eq!(
        dir.va_path(a.sacramento).as_deref(),
        Some("acme.com/Americas/US/Finance/Sacramento")
    );
}

#[test]
fn role010_holders_say_which_bindings_expire_and_the_dated_form_drops_expired_ones() {
    let mut c = chain();
    c.give(c.region_us, Role::VaUser, Inheritance::AccountAndChildren);
    let expiry = Command::SetRoleExpiry {
        user: c.dora,
        target: Target::Va(c.region_us),
        expires: Some(date(10)),
    };
    c.dir.execute(&by(c.alice), day(0), expiry).unwrap();
    let holders = c.dir.holders(c.sacramento);
    let dora: Vec<_> = holders.iter().filter(|h| h.user == c.dora).collect();
    assert_eq!(dora.len(), 1);
    assert_eq!(dora[0].expires, Some(date(10)));
    assert!(
        holders
            .iter()
            .any(|h| h.user == c.alice && h.expires.is_none())
    );
    let on = |n| -> Vec<UserId> {
        c.dir
            .holders_on(c.sacramento, date(n))
            .iter()
            .map(|h| h.user)
            .collect()
    };
    assert_eq!(on(9), vec![c.alice, c.dora]);
    assert_eq!(on(10), vec![c.alice]);
    // The dated reverse queries count the binding until its expiry.
    let act = Action::ManageLicenses;
    let target = Target::Va(c.sacramento);
    assert!(c.dir.targets_of_on(c.dora, act, date(9)).contains(&target));
    assert!(c.dir.targets_of_on(c.dora, act, date(10)).is_empty());
    assert!(c.dir.targets_of(c.dora, act).is_empty());
    assert!(c.dir.actions_of_on(c.dora, target, date(9)).contains(act));
    assert!(c.dir.actions_of_on(c.dora, target, date(10)).is_empty());
}
