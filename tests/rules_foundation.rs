//! One test (at least) per rule of the crate foundation (issue 2): SA001–SA009, VA001–VA007,
//! ROLE001–ROLE010, EV001, EV003, AGR001. Each test's name holds the rule ID in lowercase.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::commands::{
    accepted, assign, at, by, create_va, log_len, refused, request, user,
};
use crate::common::world;
use std::collections::BTreeSet;

use jiff::Timestamp;
use smart_accounts::{
    AccountKind, AccountStatus, Action, ActionSet, Actor, Change, Command, Directory, Effect,
    Error, Inheritance, NewUser, OrgKind, Reason, Role, RoleSet, RuleId, SaId, SmartAccount,
    Target, UserId, UserKind, VaId, Visibility,
};

#[test]
fn sa001_three_kinds_of_smart_account_exist_and_can_be_requested() {
    let w = world();
    let kinds: BTreeSet<AccountKind> = w.dir.accounts().map(SmartAccount::kind).collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            AccountKind::Customer,
            AccountKind::PartnerHolding,
            AccountKind::LimitedUse
        ])
    );
    assert_eq!(
        w.dir.account(w.acme.sa).unwrap().kind(),
        AccountKind::Customer
    );
    assert_eq!(
        w.dir.account(w.partner.holding).unwrap().kind(),
        AccountKind::PartnerHolding
    );
    assert_eq!(
        w.dir.account(w.solo.sa).unwrap().kind(),
        AccountKind::LimitedUse
    );
    assert_eq!(AccountKind::PartnerHolding.to_string(), "Partner Holding");
}

#[test]
fn sa001_account_name_over_100_characters_is_refused() {
    let mut w = world();
    let err = refused(
        &mut w.dir,
        &by(w.acme.alice),
        Command::RenameAccount {
            sa: w.acme.sa,
            name: "n".repeat(101),
        },
    );
    assert!(matches!(err, Error::InvalidName { .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::SA001);
    accepted(
        &mut w.dir,
        &by(w.acme.alice),
        Command::RenameAccount {
            sa: w.acme.sa,
            name: "n".repeat(100),
        },
    );
    assert_eq!(w.dir.account(w.acme.sa).unwrap().name(), "n".repeat(100));
}

#[test]
fn sa002_new_account_gets_one_unrestricted_top_level_default_named_default() {
    let mut w = world();
    let org = w
        .dir
        .register_organization("Initech", OrgKind::Customer)
        .unwrap();
    let peter = user(&mut w.dir, Some("peter"), "peter@initech.com", org);
    let sa = w
        .dir
        .request_account(
            &by(peter),
            at(),
            AccountKind::Customer,
            "Initech",
            Some("initech.com"),
            peter,
        )
        .unwrap();
    let account = w.dir.account(sa).unwrap();
    assert_eq!(account.va_count(), 1);
    let default = account.va(account.default_va()).unwrap();
    assert_eq!(default.name(), "DEFAULT");
    assert_eq!(default.parent(), None);
    assert_eq!(default.level(), 1);
    assert_eq!(default.visibility(), Visibility::Unrestricted);
    // The creation and its default VA are one event.
    let log = w.dir.events(peter, sa).unwrap();
    assert!(matches!(
        log[0].change,
        Change::AccountCreated { default_va, .. } if default_va == account.default_va()
    ));
}

#[test]
fn sa002_default_va_cannot_be_deleted_and_moves_only_to_top_level() {
    let mut w = world();
    let alice = by(w.acme.alice);
    let err = refused(
        &mut w.dir,
        &alice,
        Command::DeleteVa {
            va: w.acme.default_va,
        },
    );
    assert!(matches!(err, Error::DefaultVa { va, .. } if va == w.acme.default_va));
    assert_eq!(err.rule(), RuleId::SA002);

    let err = refused(
        &mut w.dir,
        &alice,
        Command::SetDefaultVa {
            va: w.acme.emea_sales,
        },
    );
    assert!(matches!(err, Error::DefaultVa { .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::SA002);

    let err = refused(
        &mut w.dir,
        &alice,
        Command::MoveVa {
            va: w.acme.default_va,
            parent: Some(w.acme.emea),
        },
    );
    assert!(matches!(err, Error::DefaultVa { .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::SA002);

    // The designation moves to another top-level VA; the old default can then be deleted.
    accepted(
        &mut w.dir,
        &alice,
        Command::SetDefaultVa { va: w.acme.emea },
    );
    let account = w.dir.account(w.acme.sa).unwrap();
    assert_eq!(account.default_va(), w.acme.emea);
    let defaults = account
        .vas()
        .filter(|v| v.id() == account.default_va())
        .count();
    assert_eq!(defaults, 1);
    // The old default still holds the fixture's licenses: it can be deleted only once empty
    // (VA005), so release the reservation and move its licenses to the new default first.
    let ise = w.licensing.ise.clone();
    let old = w.acme.default_va;
    w.dir
        .license(
            &alice,
            at(),
            smart_accounts::LicenseCommand::ReleaseReservation {
                va: old,
                license: ise.clone(),
                quantity: 2,
            },
        )
        .unwrap();
    let held = w.dir.account(w.acme.sa).unwrap().available(old, &ise);
    w.dir
        .transfer(
            &alice,
            at(),
            old,
            w.acme.emea,
            vec![smart_accounts::TransferLine {
                license: ise,
                quantity: held,
            }],
            smart_accounts::IdempotencyKey::parse("empty-old-default").unwrap(),
        )
        .unwrap();
    accepted(
        &mut w.dir,
        &alice,
        Command::DeleteVa {
            va: w.acme.default_va,
        },
    );
    assert!(w.dir.va(w.acme.default_va).is_none());
    let err = refused(&mut w.dir, &alice, Command::DeleteVa { va: w.acme.emea });
    assert_eq!(err.rule(), RuleId::SA002);
}

#[test]
fn sa003_invalid_domains_are_refused() {
    let mut w = world();
    let alice = w.acme.alice;
    for bad in [
        "acme",
        "",
        "   ",
        "-acme.com",
        "acme-.com",
        "ac me.com",
        "acme..com",
        "ácme.com",
        "acme_x.com",
        &format!("{}.com", "a".repeat(64)),
        &format!("{}.com", ["a"; 130].join(".")),
    ] {
        let err = refused(
            &mut w.dir,
            &by(alice),
            request(AccountKind::Customer, Some(bad), alice),
        );
        assert!(matches!(err, Error::InvalidDomain { .. }), "{bad}: {err:?}");
        assert_eq!(err.rule(), RuleId::SA003);
    }
    let err = refused(
        &mut w.dir,
        &by(alice),
        request(AccountKind::Customer, None, alice),
    );
    assert_eq!(err.rule(), RuleId::SA003);
}

#[test]
fn sa003_domain_is_unique_after_normalisation_and_prefixed_forms_are_allowed() {
    let mut w = world();
    let alice = w.acme.alice;
    let err = refused(
        &mut w.dir,
        &by(alice),
        request(AccountKind::Customer, Some("  ACME.com "), alice),
    );
    assert!(
        matches!(err, Error::DomainTaken { existing, .. } if existing == w.acme.sa),
        "{err:?}"
    );
    assert_eq!(err.rule(), RuleId::SA003);
    assert!(err.to_string().contains("unit.acme.com"));
    let events = accepted(
        &mut w.dir,
        &by(alice),
        request(AccountKind::Customer, Some("EMEA.acme.com"), alice),
    );
    let sa = events[0].sa;
    assert_eq!(
        w.dir.account(sa).unwrap().identifier().to_string(),
        "emea.acme.com"
    );
    assert_eq!(w.dir.account_by_domain("emea.acme.com").unwrap().id(), sa);
}

#[test]
fn sa004_contact_needs_cco_id_and_matching_email_domain() {
    let mut w = world();
    let acme_org = w.acme.org;
    let nocco = user(&mut w.dir, None, "nocco@acme.com", acme_org);
    let err = refused(
        &mut w.dir,
        &by(nocco),
        request(AccountKind::Customer, Some("lab.acme.com"), nocco),
    );
    assert!(matches!(err, Error::MissingCcoId { user } if user == nocco));
    assert_eq!(err.rule(), RuleId::SA004);

    let err = refused(
        &mut w.dir,
        &by(w.acme.alice),
        request(AccountKind::Customer, Some("initech.com"), w.acme.alice),
    );
    assert!(matches!(err, Error::EmailDomainMismatch { .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::SA004);

    // A user of a prefixed email domain cannot claim the parent domain.
    let emea_user = user(&mut w.dir, Some("ezra"), "ezra@emea.initech.com", acme_org);
    let err = refused(
        &mut w.dir,
        &by(emea_user),
        request(AccountKind::Customer, Some("initech.com"), emea_user),
    );
    assert!(matches!(err, Error::EmailDomainMismatch { .. }), "{err:?}");
    accepted(
        &mut w.dir,
        &by(emea_user),
        request(
            AccountKind::Customer,
            Some("sales.emea.initech.com"),
            emea_user,
        ),
    );
}

#[test]
fn sa004_user_registration_validates_email_and_unique_logins() {
    let mut w = world();
    let org = w.acme.org;
    let before = w.dir.clone();
    for bad in [
        "no-at-sign",
        "a@b@acme.com",
        "@acme.com",
        "x y@acme.com",
        "x@acme",
    ] {
        let err = w
            .dir
            .register_user(NewUser {
                cco_id: Some("new".into()),
                email: bad.into(),
                org,
                kind: UserKind::Individual,
            })
            .unwrap_err();
        assert!(matches!(err, Error::InvalidEmail { .. }), "{bad}: {err:?}");
        assert_eq!(err.rule(), RuleId::SA004);
    }
    let err = w
        .dir
        .register_user(NewUser {
            cco_id: Some("new".into()),
            email: "ALICE@acme.com".into(),
            org,
            kind: UserKind::Individual,
        })
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateLogin { existing, .. } if existing == w.acme.alice));
    let err = w
        .dir
        .register_user(NewUser {
            cco_id: Some("Alice".into()),
            email: "alice2@acme.com".into(),
            org,
            kind: UserKind::Individual,
        })
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateLogin { existing, .. } if existing == w.acme.alice));
    assert_eq!(err.rule(), RuleId::SA004);
    assert_eq!(w.dir, before);
}

#[test]
fn sa005_public_domain_is_never_a_customer_domain() {
    let mut w = world();
    let sam = w.solo.sam;
    for domain in ["gmail.com", "GMAIL.com", "eu.gmail.com"] {
        let err = refused(
            &mut w.dir,
            &by(sam),
            request(AccountKind::Customer, Some(domain), sam),
        );
        assert!(
            matches!(err, Error::PublicDomain { .. }),
            "{domain}: {err:?}"
        );
        assert_eq!(err.rule(), RuleId::SA005);
    }
}

#[test]
fn sa005_limited_use_is_for_public_emails_only_and_one_per_email() {
    let mut w = world();
    let alice = w.acme.alice;
    let err = refused(
        &mut w.dir,
        &by(alice),
        request(AccountKind::LimitedUse, None, alice),
    );
    assert!(matches!(err, Error::NotPublicEmail { user, .. } if user == alice));
    assert_eq!(err.rule(), RuleId::SA005);

    let sam = w.solo.sam;
    let err = refused(
        &mut w.dir,
        &by(sam),
        request(AccountKind::LimitedUse, None, sam),
    );
    assert!(matches!(err, Error::EmailTaken { existing, .. } if existing == w.solo.sa));
    assert_eq!(err.rule(), RuleId::SA005);
    assert_eq!(
        w.dir.account_by_email("sam.bikes@gmail.com").unwrap().id(),
        w.solo.sa
    );

    let other = user(&mut w.dir, Some("tom"), "tom@yahoo.com", w.solo.org);
    accepted(
        &mut w.dir,
        &by(other),
        request(AccountKind::LimitedUse, None, other),
    );
    let account = w.dir.account_by_email("tom@yahoo.com").unwrap();
    assert_eq!(account.kind(), AccountKind::LimitedUse);
    assert_eq!(account.identifier().to_string(), "tom@yahoo.com");
}

#[test]
fn sa006_limited_use_has_no_nested_vas_and_one_user_besides_its_creator() {
    let mut w = world();
    let sam = by(w.solo.sam);
    let sa = w.solo.sa;
    let top = w.dir.create_va(&sam, at(), sa, None, "Shop").unwrap();
    let err = refused(&mut w.dir, &sam, create_va(sa, Some(top), "Nested"));
    assert!(matches!(err, Error::LimitedUse { sa: s, .. } if s == sa));
    assert_eq!(err.rule(), RuleId::SA006);
    let second = w.dir.create_va(&sam, at(), sa, None, "Workshop").unwrap();
    let err = refused(
        &mut w.dir,
        &sam,
        Command::MoveVa {
            va: second,
            parent: Some(top),
        },
    );
    assert_eq!(err.rule(), RuleId::SA006);

    // One more user may join; a third distinct user may not.
    let helper = user(&mut w.dir, Some("helper"), "helper@gmail.com", w.solo.org);
    let third = user(&mut w.dir, Some("third"), "third@gmail.com", w.solo.org);
    accepted(
        &mut w.dir,
        &sam,
        assign(
            helper,
            Target::Va(top),
            Role::VaUser,
            Inheritance::AccountOnly,
        ),
    );
    // The same helper may hold another role elsewhere in the account.
    accepted(
        &mut w.dir,
        &sam,
        assign(
            helper,
            Target::Va(second),
            Role::VaViewer,
            Inheritance::AccountOnly,
        ),
    );
    let err = refused(
        &mut w.dir,
        &sam,
        assign(
            third,
            Target::Account(sa),
            Role::SaViewer,
            Inheritance::AccountAndChildren,
        ),
    );
    assert!(matches!(err, Error::LimitedUse { .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::SA006);
}

#[test]
fn sa007_holding_accounts_are_for_sellers_and_customers_get_no_role_on_them() {
    let mut w = world();
    // A customer user cannot request a holding account.
    let alice = w.acme.alice;
    let err = refused(
        &mut w.dir,
        &by(alice),
        request(AccountKind::PartnerHolding, Some("hold.acme.com"), alice),
    );
    assert!(matches!(err, Error::Holding { user, .. } if user == alice));
    assert_eq!(err.rule(), RuleId::SA007);

    // A customer user cannot be given any role on a holding account.
    let admin = by(w.partner.admin);
    for (target, role) in [
        (Target::Account(w.partner.holding), Role::SaViewer),
        (Target::Va(w.partner.holding_default), Role::VaViewer),
    ] {
        let err = refused(
            &mut w.dir,
            &admin,
            assign(alice, target, role, Inheritance::AccountAndChildren),
        );
        assert!(matches!(err, Error::Holding { user, .. } if user == alice));
        assert_eq!(err.rule(), RuleId::SA007);
    }
    // A distributor may request one; its user may get a role on the partner's.
    let holding = w.dir.account(w.distributor.holding).unwrap();
    assert_eq!(holding.kind(), AccountKind::PartnerHolding);
    assert_eq!(holding.owner(), w.distributor.org);
    accepted(
        &mut w.dir,
        &admin,
        assign(
            w.distributor.admin,
            Target::Account(w.partner.holding),
            Role::SaViewer,
            Inheritance::AccountAndChildren,
        ),
    );
}

#[test]
fn sa008_pending_until_the_authorised_contact_activates() {
    let mut w = world();
    let sa = w.globex.sa;
    let hank = w.globex.hank;
    assert_eq!(w.dir.account(sa).unwrap().status(), AccountStatus::Pending);
    assert_eq!(w.dir.account(sa).unwrap().contact(), hank);

    // Nothing can be done in a Pending account.
    let err = refused(&mut w.dir, &by(w.partner.admin), create_va(sa, None, "X"));
    assert!(matches!(err, Error::AccountPending { sa: s } if s == sa));
    assert_eq!(err.rule(), RuleId::SA008);
    let err = refused(&mut w.dir, &by(hank), Command::AcceptAgreement { sa });
    assert_eq!(err.rule(), RuleId::SA008);

    // Only the contact activates.
    let err = refused(
        &mut w.dir,
        &by(w.partner.admin),
        Command::ActivateAccount { sa },
    );
    assert!(matches!(err, Error::NotContact { contact, .. } if contact == hank));
    assert_eq!(err.rule(), RuleId::SA008);
    accepted(&mut w.dir, &by(hank), Command::ActivateAccount { sa });
    assert_eq!(w.dir.account(sa).unwrap().status(), AccountStatus::Active);
    let err = refused(&mut w.dir, &by(hank), Command::ActivateAccount { sa });
    assert!(matches!(err, Error::AlreadyActive { .. }), "{err:?}");
    accepted(&mut w.dir, &by(hank), create_va(sa, None, "X"));
}

#[test]
fn sa009_search_finds_prefixed_forms_but_never_limited_use() {
    let mut w = world();
    let alice = w.acme.alice;
    let emea = accepted(
        &mut w.dir,
        &by(alice),
        request(AccountKind::Customer, Some("emea.acme.com"), alice),
    )[0]
    .sa;
    let deep = accepted(
        &mut w.dir,
        &by(alice),
        request(AccountKind::Customer, Some("x.emea.acme.com"), alice),
    )[0]
    .sa;
    // A look-alike that only ends with the same letters is not a prefixed form.
    let org = w
        .dir
        .register_organization("Notacme", OrgKind::Customer)
        .unwrap();
    let n = user(&mut w.dir, Some("n"), "n@notacme.com", org);
    let lookalike = accepted(
        &mut w.dir,
        &by(n),
        request(AccountKind::Customer, Some("notacme.com"), n),
    )[0]
    .sa;

    let mut expected = vec![w.acme.sa, emea, deep];
    expected.sort();
    assert_eq!(w.dir.search_domain("acme.com"), expected);
    assert_eq!(w.dir.search_domain(" ACME.COM "), expected);
    assert_eq!(w.dir.search_domain("emea.acme.com"), vec![emea, deep]);
    assert_eq!(w.dir.search_domain("notacme.com"), vec![lookalike]);
    assert!(w.dir.search_domain("cme.com").is_empty());
    assert!(w.dir.search_domain("not a domain").is_empty());
    assert!(w.dir.search_domain("com").is_empty());
    // Holding accounts are found, Limited Use ones never, even by their email's domain.
    assert_eq!(
        w.dir.search_domain("nimbus-networks.com"),
        vec![w.partner.holding]
    );
    assert!(w.dir.search_domain("gmail.com").is_empty());
    for sa in w.dir.search_domain("com") {
        assert_ne!(w.dir.account(sa).unwrap().kind(), AccountKind::LimitedUse);
    }
}

#[test]
fn va001_eleventh_level_is_refused() {
    let mut w = world();
    let alice = by(w.acme.alice);
    let lab10 = w.acme.deep[9];
    assert_eq!(w.dir.va(lab10).unwrap().level(), 10);
    let err = refused(
        &mut w.dir,
        &alice,
        create_va(w.acme.sa, Some(lab10), "Lab-11"),
    );
    assert!(matches!(err, Error::TooDeep { level: 11, .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::VA001);
    // A sibling at level 10 is fine.
    let va = w
        .dir
        .create_va(&alice, at(), w.acme.sa, Some(w.acme.deep[8]), "Lab-10b")
        .unwrap();
    assert_eq!(w.dir.va(va).unwrap().level(), 10);
}

#[test]
fn va001_moving_a_subtree_past_level_ten_is_refused() {
    let mut w = world();
    let alice = by(w.acme.alice);
    // Americas › US › Finance › Sacramento is 4 levels; under Lab-7 (level 7) it would reach 11.
    let err = refused(
        &mut w.dir,
        &alice,
        Command::MoveVa {
            va: w.acme.americas,
            parent: Some(w.acme.deep[6]),
        },
    );
    assert!(matches!(err, Error::TooDeep { level: 11, .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::VA001);
    // Under Lab-6 it reaches exactly 10.
    accepted(
        &mut w.dir,
        &alice,
        Command::MoveVa {
            va: w.acme.americas,
            parent: Some(w.acme.deep[5]),
        },
    );
    assert_eq!(w.dir.va(w.acme.americas).unwrap().level(), 7);
    assert_eq!(w.dir.va(w.acme.sacramento).unwrap().level(), 10);
}

#[test]
fn va002_there_is_no_limit_on_the_number_of_vas() {
    let mut w = world();
    let alice = by(w.acme.alice);
    let before = w.dir.account(w.acme.sa).unwrap().va_count();
    let mut parent = None;
    for i in 0..600 {
        let va = w
            .dir
            .create_va(&alice, at(), w.acme.sa, parent, &format!("bulk-{i}"))
            .unwrap();
        if i % 100 == 0 {
            parent = Some(va);
        }
    }
    assert_eq!(w.dir.account(w.acme.sa).unwrap().va_count(), before + 600);
    assert_eq!(
        w.dir.targets_of(w.acme.alice, Action::ViewAccount).len(),
        before + 600 + 1
    );
}

#[test]
fn va003_names_are_checked_trimmed_and_unique_ignoring_case() {
    let mut w = world();
    let alice = by(w.acme.alice);
    let sa = w.acme.sa;
    for bad in ["", "   ", "tab\there", "bell\u{7}", &"x".repeat(101)] {
        let err = refused(&mut w.dir, &alice, create_va(sa, None, bad));
        assert!(
            matches!(
                err,
                Error::InvalidName {
                    rule: RuleId::VA003,
                    ..
                }
            ),
            "{bad:?}: {err:?}"
        );
    }
    for dup in ["emea", "EMEA", "  Emea  ", "default"] {
        let err = refused(&mut w.dir, &alice, create_va(sa, None, dup));
        assert!(
            matches!(err, Error::DuplicateVaName { .. }),
            "{dup}: {err:?}"
        );
        assert_eq!(err.rule(), RuleId::VA003);
    }
    // Unique across the whole tree, not only among siblings.
    let err = refused(
        &mut w.dir,
        &alice,
        create_va(sa, Some(w.acme.emea), "sacramento"),
    );
    assert!(
        matches!(err, Error::DuplicateVaName { existing, .. } if existing == w.acme.sacramento)
    );
    let err = refused(
        &mut w.dir,
        &alice,
        Command::RenameVa {
            va: w.acme.us,
            name: "finance".into(),
        },
    );
    assert_eq!(err.rule(), RuleId::VA003);

    let va = w
        .dir
        .create_va(&alice, at(), sa, None, &format!("  {}  ", "y".repeat(100)))
        .unwrap();
    assert_eq!(w.dir.va(va).unwrap().name(), "y".repeat(100));
    // Renaming to another case of its own name is fine.
    accepted(
        &mut w.dir,
        &alice,
        Command::RenameVa {
            va: w.acme.emea,
            name: "Emea".into(),
        },
    );
    assert_eq!(
        w.dir.account(sa).unwrap().va_by_name("EMEA").unwrap().id(),
        w.acme.emea
    );
    // Another account may reuse a name.
    let sam = by(w.solo.sam);
    w.dir
        .create_va(&sam, at(), w.solo.sa, None, "EMEA")
        .unwrap();
}

#[test]
fn va004_moves_stay_in_one_account_and_never_make_a_cycle() {
    let mut w = world();
    let alice = by(w.acme.alice);
    for parent in [w.acme.sacramento, w.acme.americas] {
        let err = refused(
            &mut w.dir,
            &alice,
            Command::MoveVa {
                va: w.acme.americas,
                parent: Some(parent),
            },
        );
        assert!(matches!(err, Error::BadMove { .. }), "{err:?}");
        assert_eq!(err.rule(), RuleId::VA004);
    }
    let err = refused(
        &mut w.dir,
        &alice,
        Command::MoveVa {
            va: w.acme.us,
            parent: Some(w.partner.holding_default),
        },
    );
    assert!(matches!(err, Error::BadMove { .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::VA004);
    let err = refused(
        &mut w.dir,
        &alice,
        create_va(w.acme.sa, Some(w.partner.holding_default), "Sneaky"),
    );
    assert_eq!(err.rule(), RuleId::VA004);

    // A valid move takes the subtree along and keeps the levels right.
    accepted(
        &mut w.dir,
        &alice,
        Command::MoveVa {
            va: w.acme.us,
            parent: Some(w.acme.emea),
        },
    );
    let account = w.dir.account(w.acme.sa).unwrap();
    assert_eq!(account.va(w.acme.us).unwrap().parent(), Some(w.acme.emea));
    assert_eq!(account.va(w.acme.sacramento).unwrap().level(), 4);
    assert!(account.children(Some(w.acme.emea)).contains(&w.acme.us));
    assert!(!account.children(Some(w.acme.americas)).contains(&w.acme.us));
    // Erin, VA Admin on EMEA, now covers the moved subtree.
    assert!(w.dir.is_allowed(
        w.acme.erin,
        Action::ManageLicenses,
        Target::Va(w.acme.sacramento)
    ));
    // And back to the top level.
    accepted(
        &mut w.dir,
        &alice,
        Command::MoveVa {
            va: w.acme.us,
            parent: None,
        },
    );
    assert_eq!(w.dir.va(w.acme.finance).unwrap().level(), 2);
}

#[test]
fn va005_only_empty_vas_are_deleted_and_their_roles_go_with_them() {
    let mut w = world();
    let alice = by(w.acme.alice);
    let err = refused(&mut w.dir, &alice, Command::DeleteVa { va: w.acme.emea });
    assert!(matches!(err, Error::NotEmpty { va, .. } if va == w.acme.emea));
    assert_eq!(err.rule(), RuleId::VA005);

    // EMEA-Sales is a leaf with frank's direct role on it.
    let events = accepted(
        &mut w.dir,
        &alice,
        Command::DeleteVa {
            va: w.acme.emea_sales,
        },
    );
    assert!(events.iter().any(|e| matches!(
        e.change,
        Change::RoleRevoked { user, va: Some(v) } if user == w.acme.frank && v == w.acme.emea_sales
    )));
    assert!(matches!(
        events.last().unwrap().change,
        Change::VaDeleted { .. }
    ));
    assert!(w.dir.va(w.acme.emea_sales).is_none());
    assert!(
        w.dir
            .targets_of(w.acme.frank, Action::ViewAccount)
            .is_empty()
    );
    let err = refused(
        &mut w.dir,
        &alice,
        Command::DeleteVa {
            va: w.acme.emea_sales,
        },
    );
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[test]
fn va006_va_names_are_visible_to_partner_users_with_a_role() {
    let w = world();
    let nina = w.partner.nina;
    // Nina, a partner user, sees the names of the VAs she holds a role on.
    let visible: Vec<&str> = w
        .dir
        .targets_of(nina, Action::ViewAccount)
        .into_iter()
        .filter_map(|t| match t {
            Target::Va(va) if w.dir.account_of(va) == Some(w.acme.sa) => {
                Some(w.dir.va(va).unwrap().name())
            }
            _ => None,
        })
        .collect();
    assert_eq!(visible, vec!["Americas", "US", "Finance", "Sacramento"]);
    assert!(
        !w.dir
            .is_allowed(nina, Action::ViewAccount, Target::Va(w.acme.emea))
    );
}

#[test]
fn va007_default_stays_unrestricted_and_others_can_be_restricted() {
    let mut w = world();
    let alice = by(w.acme.alice);
    assert_eq!(
        w.dir.va(w.acme.apac).unwrap().visibility(),
        Visibility::Restricted
    );
    assert_eq!(
        w.dir.va(w.acme.emea).unwrap().visibility(),
        Visibility::Unrestricted
    );
    let err = refused(
        &mut w.dir,
        &alice,
        Command::SetVisibility {
            va: w.acme.default_va,
            visibility: Visibility::Restricted,
        },
    );
    assert!(matches!(err, Error::DefaultRestricted { va } if va == w.acme.default_va));
    assert_eq!(err.rule(), RuleId::VA007);
    // A Restricted VA cannot become the default.
    let err = refused(
        &mut w.dir,
        &alice,
        Command::SetDefaultVa { va: w.acme.apac },
    );
    assert_eq!(err.rule(), RuleId::VA007);
    accepted(
        &mut w.dir,
        &alice,
        Command::SetVisibility {
            va: w.acme.apac,
            visibility: Visibility::Unrestricted,
        },
    );
    accepted(
        &mut w.dir,
        &alice,
        Command::SetDefaultVa { va: w.acme.apac },
    );
    accepted(
        &mut w.dir,
        &alice,
        Command::SetVisibility {
            va: w.acme.emea_ops,
            visibility: Visibility::Restricted,
        },
    );
    assert_eq!(
        w.dir.va(w.acme.emea_ops).unwrap().visibility(),
        Visibility::Restricted
    );
}

#[test]
fn role001_account_roles_only_on_accounts_and_va_roles_only_on_vas() {
    let sa_roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| r.is_account_role())
        .collect();
    let va_roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| !r.is_account_role())
        .collect();
    assert_eq!(
        sa_roles,
        [
            Role::SaAdmin,
            Role::SaUser,
            Role::SaViewer,
            Role::SaApprover
        ]
    );
    assert_eq!(va_roles, [Role::VaAdmin, Role::VaUser, Role::VaViewer]);

    let mut w = world();
    let alice = by(w.acme.alice);
    let oscar = w.acme.oscar;
    for role in sa_roles {
        let err = refused(
            &mut w.dir,
            &alice,
            assign(
                oscar,
                Target::Va(w.acme.emea),
                role,
                Inheritance::AccountAndChildren,
            ),
        );
        assert!(matches!(err, Error::RoleKind { role: r, .. } if r == role));
        assert_eq!(err.rule(), RuleId::ROLE001);
    }
    for role in va_roles {
        let err = refused(
            &mut w.dir,
            &alice,
            assign(
                oscar,
                Target::Account(w.acme.sa),
                role,
                Inheritance::AccountAndChildren,
            ),
        );
        assert!(matches!(err, Error::RoleKind { role: r, .. } if r == role));
        assert_eq!(err.rule(), RuleId::ROLE001);
    }
}

#[test]
fn role002_second_role_on_same_account_is_refused() {
    let mut w = world();
    let alice = by(w.acme.alice);
    let err = refused(
        &mut w.dir,
        &alice,
        assign(
            w.acme.bob,
            Target::Account(w.acme.sa),
            Role::SaViewer,
            Inheritance::AccountAndChildren,
        ),
    );
    assert!(matches!(err, Error::RoleHeld { held: Role::SaUser, user, .. } if user == w.acme.bob));
    assert_eq!(err.rule(), RuleId::ROLE002);
    assert!(err.to_string().contains("SA User"), "{err}");
    let err = refused(
        &mut w.dir,
        &alice,
        assign(
            w.acme.erin,
            Target::Va(w.acme.emea),
            Role::VaUser,
            Inheritance::AccountOnly,
        ),
    );
    assert!(
        matches!(
            err,
            Error::RoleHeld {
                held: Role::VaAdmin,
                ..
            }
        ),
        "{err:?}"
    );

    // Changing is a separate command; changing or revoking a role not held is refused.
    accepted(
        &mut w.dir,
        &alice,
        Command::ChangeRole {
            user: w.acme.bob,
            target: Target::Account(w.acme.sa),
            role: Role::SaViewer,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    assert_eq!(
        w.dir.account(w.acme.sa).unwrap().role_of(w.acme.bob, None),
        Some(Role::SaViewer)
    );
    let err = refused(
        &mut w.dir,
        &alice,
        Command::ChangeRole {
            user: w.acme.oscar,
            target: Target::Account(w.acme.sa),
            role: Role::SaViewer,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    assert!(matches!(err, Error::NoRole { .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::ROLE002);
    let err = refused(
        &mut w.dir,
        &alice,
        Command::RevokeRole {
            user: w.acme.oscar,
            target: Target::Va(w.acme.emea),
        },
    );
    assert!(matches!(err, Error::NoRole { .. }), "{err:?}");
}

#[test]
fn role003_roles_on_many_accounts_give_the_union() {
    let mut w = world();
    let alice = by(w.acme.alice);
    let carol = w.acme.carol;
    assert!(
        !w.dir
            .is_allowed(carol, Action::ManageLicenses, Target::Va(w.acme.emea_ops))
    );
    // SA Viewer of Acme, plus VA Admin on EMEA, plus a role in another account.
    accepted(
        &mut w.dir,
        &alice,
        assign(
            carol,
            Target::Va(w.acme.emea),
            Role::VaAdmin,
            Inheritance::AccountAndChildren,
        ),
    );
    // SA Admin of another Smart Account (Sam's Limited Use account).
    accepted(
        &mut w.dir,
        &by(w.solo.sam),
        assign(
            carol,
            Target::Account(w.solo.sa),
            Role::SaAdmin,
            Inheritance::AccountAndChildren,
        ),
    );
    assert!(
        w.dir
            .is_allowed(carol, Action::EditAccount, Target::Account(w.solo.sa))
    );
    assert!(
        !w.dir
            .is_allowed(carol, Action::EditAccount, Target::Account(w.acme.sa))
    );
    assert!(
        w.dir
            .is_allowed(carol, Action::ManageLicenses, Target::Va(w.acme.emea_ops))
    );
    assert!(
        w.dir
            .is_allowed(carol, Action::ViewLicenses, Target::Va(w.acme.us))
    );
    assert!(
        !w.dir
            .is_allowed(carol, Action::ManageLicenses, Target::Va(w.acme.us))
    );
    let union = Role::SaViewer.actions().union(Role::VaAdmin.actions());
    assert_eq!(
        w.dir.actions_of(carol, Target::Va(w.acme.emea_sales)),
        union
    );
    assert_eq!(
        w.dir.actions_of(carol, Target::Va(w.acme.us)),
        Role::SaViewer.actions()
    );
}

#[test]
fn role004_sa_roles_cover_every_va_and_va_roles_reach_as_assigned() {
    let mut w = world();
    assert_eq!(Inheritance::default(), Inheritance::AccountAndChildren);
    // An SA role covers every VA, however deep.
    for va in w.dir.account(w.acme.sa).unwrap().vas().map(|v| v.id()) {
        assert!(
            w.dir
                .is_allowed(w.acme.bob, Action::ManageDevices, Target::Va(va))
        );
    }
    // "Account only": frank on EMEA-Sales, nowhere else.
    let frank = w.acme.frank;
    let alice = by(w.acme.alice);
    let below = w
        .dir
        .create_va(
            &alice,
            at(),
            w.acme.sa,
            Some(w.acme.emea_sales),
            "Sales-North",
        )
        .unwrap();
    assert!(
        w.dir
            .is_allowed(frank, Action::ManageLicenses, Target::Va(w.acme.emea_sales))
    );
    assert!(
        !w.dir
            .is_allowed(frank, Action::ManageLicenses, Target::Va(below))
    );
    assert!(
        !w.dir
            .is_allowed(frank, Action::ViewAccount, Target::Va(w.acme.emea))
    );
    // "Account and children": erin on EMEA reaches VAs created later below it.
    assert!(
        w.dir
            .is_allowed(w.acme.erin, Action::ManageLicenses, Target::Va(below))
    );
    assert!(!w.dir.is_allowed(
        w.acme.erin,
        Action::ViewAccount,
        Target::Va(w.acme.americas)
    ));
    // Switching frank's reach to children extends it.
    accepted(
        &mut w.dir,
        &alice,
        Command::ChangeRole {
            user: frank,
            target: Target::Va(w.acme.emea_sales),
            role: Role::VaUser,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    assert!(
        w.dir
            .is_allowed(frank, Action::ManageLicenses, Target::Va(below))
    );
    // VA roles never count on the account as a whole.
    assert!(
        !w.dir
            .is_allowed(w.acme.erin, Action::ViewAccount, Target::Account(w.acme.sa))
    );
}

/// ROLE005 (docs/RULES.md), row by row: the roles with a ✓.
fn spec_matrix(action: Action) -> &'static [Role] {
    use Role::*;
    match action {
        Action::ViewAccount => &[
            SaAdmin, SaUser, SaViewer, SaApprover, VaAdmin, VaUser, VaViewer,
        ],
        Action::ViewLicenses => &[SaAdmin, SaUser, SaViewer, VaAdmin, VaUser, VaViewer],
        Action::ManageLicenses | Action::ManageDevices => &[SaAdmin, SaUser, VaAdmin, VaUser],
        Action::CreateTopLevelVa => &[SaAdmin],
        Action::ManageChildVas | Action::AssignVaRoles => &[SaAdmin, VaAdmin],
        Action::AssignSaRoles | Action::EditAccount => &[SaAdmin],
        Action::ApprovePartnerAccess => &[SaAdmin],
        Action::AcceptAgreement => &[SaAdmin, SaApprover],
        Action::ViewEventLog => &[SaAdmin],
    }
}

#[test]
fn role005_role_actions_match_the_spec_matrix_cell_by_cell() {
    for action in Action::ALL {
        for role in Role::ALL {
            assert_eq!(
                role.actions().contains(action),
                spec_matrix(action).contains(&role),
                "{role} / {action}"
            );
        }
        let granting: Vec<Role> = Role::granting(action).iter().collect();
        let expected: Vec<Role> = spec_matrix(action)
            .iter()
            .copied()
            .filter(|r| r.is_account_role() || !action.is_account_level())
            .collect();
        assert_eq!(granting, expected, "{action}");
    }
}

#[test]
fn role005_check_on_the_fixture_matches_the_matrix_for_every_cell() {
    let w = world();
    let a = &w.acme;
    // (user, role, where it is bound, a VA it covers)
    let sa_holders = [
        (a.alice, Role::SaAdmin),
        (a.bob, Role::SaUser),
        (a.carol, Role::SaViewer),
        (a.dave, Role::SaApprover),
    ];
    for (user, role) in sa_holders {
        for action in Action::ALL {
            let expected = spec_matrix(action).contains(&role);
            for target in [
                Target::Account(a.sa),
                Target::Va(a.emea),
                Target::Va(a.deep[9]),
                Target::Va(a.apac),
            ] {
                let decision = w.dir.check(user, action, target);
                assert_eq!(decision.is_allowed(), expected, "{role} {action} {target}");
                assert_eq!(w.dir.is_allowed(user, action, target), expected);
            }
            // Never in another account.
            assert!(
                !w.dir
                    .is_allowed(user, action, Target::Va(w.partner.holding_default))
            );
        }
    }
    let va_holders = [
        (a.erin, Role::VaAdmin, a.emea_ops),
        (a.frank, Role::VaUser, a.emea_sales),
        (a.grace, Role::VaViewer, a.emea_sales),
    ];
    for (user, role, va) in va_holders {
        for action in Action::ALL {
            let expected = spec_matrix(action).contains(&role) && !action.is_account_level();
            assert_eq!(
                w.dir.check(user, action, Target::Va(va)).is_allowed(),
                expected,
                "{role} {action}"
            );
            assert_eq!(w.dir.is_allowed(user, action, Target::Va(va)), expected);
            assert!(!w.dir.is_allowed(user, action, Target::Account(a.sa)));
            assert!(!w.dir.is_allowed(user, action, Target::Va(a.americas)));
        }
    }
    for action in Action::ALL {
        assert!(!w.dir.is_allowed(a.oscar, action, Target::Va(a.emea)));
        assert!(!w.dir.is_allowed(a.oscar, action, Target::Account(a.sa)));
    }
}

#[test]
fn role005_commands_without_permission_are_denied() {
    let mut w = world();
    let err = refused(
        &mut w.dir,
        &by(w.acme.bob),
        create_va(w.acme.sa, None, "Mine"),
    );
    assert!(
        matches!(
            err,
            Error::Denied {
                rule: RuleId::ROLE005,
                action: Action::CreateTopLevelVa,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.rule(), RuleId::ROLE005);
    let err = refused(
        &mut w.dir,
        &by(w.acme.erin),
        Command::RenameVa {
            va: w.acme.emea,
            name: "Europe".into(),
        },
    );
    assert_eq!(err.rule(), RuleId::ROLE005);
    let err = refused(
        &mut w.dir,
        &Actor::Fulfilment,
        create_va(w.acme.sa, None, "Mine"),
    );
    assert!(matches!(err, Error::ActorNotAllowed { .. }), "{err:?}");
    assert_eq!(err.rule(), RuleId::ROLE005);
    let err = refused(
        &mut w.dir,
        &by(UserId::new(9_999)),
        create_va(w.acme.sa, None, "Mine"),
    );
    assert_eq!(err.rule(), RuleId::ROLE005);
    // Erin manages strictly below EMEA.
    accepted(
        &mut w.dir,
        &by(w.acme.erin),
        create_va(w.acme.sa, Some(w.acme.emea), "EMEA-New"),
    );
}

#[test]
fn role006_va_admins_assign_only_within_their_scope() {
    let mut w = world();
    let erin = by(w.acme.erin);
    let oscar = w.acme.oscar;
    accepted(
        &mut w.dir,
        &erin,
        assign(
            oscar,
            Target::Va(w.acme.emea_ops),
            Role::VaAdmin,
            Inheritance::AccountOnly,
        ),
    );
    for (target, role) in [
        (Target::Va(w.acme.americas), Role::VaViewer),
        (Target::Account(w.acme.sa), Role::SaViewer),
    ] {
        let err = refused(
            &mut w.dir,
            &erin,
            assign(
                w.acme.ops_team,
                target,
                role,
                Inheritance::AccountAndChildren,
            ),
        );
        assert!(matches!(err, Error::Denied { .. }), "{err:?}");
        assert_eq!(err.rule(), RuleId::ROLE006, "{err}");
    }
    let err = refused(
        &mut w.dir,
        &erin,
        Command::RevokeRole {
            user: w.acme.bob,
            target: Target::Account(w.acme.sa),
        },
    );
    assert_eq!(err.rule(), RuleId::ROLE006);
    // Oscar, VA Admin of EMEA-Ops "account only", cannot hand out "account and children".
    let err = refused(
        &mut w.dir,
        &by(oscar),
        assign(
            w.acme.carol,
            Target::Va(w.acme.emea_ops),
            Role::VaUser,
            Inheritance::AccountAndChildren,
        ),
    );
    assert!(
        matches!(
            err,
            Error::Denied {
                rule: RuleId::ROLE006,
                ..
            }
        ),
        "{err:?}"
    );
    accepted(
        &mut w.dir,
        &by(oscar),
        assign(
            w.acme.carol,
            Target::Va(w.acme.emea_ops),
            Role::VaUser,
            Inheritance::AccountOnly,
        ),
    );
    // SA Admins assign any role anywhere in their account.
    accepted(
        &mut w.dir,
        &by(w.acme.alice),
        assign(
            w.acme.ops_team,
            Target::Va(w.acme.emea),
            Role::VaAdmin,
            Inheritance::AccountAndChildren,
        ),
    );
}

#[test]
fn role007_last_sa_admin_cannot_be_removed_or_downgraded() {
    let mut w = world();
    let alice = w.acme.alice;
    let err = refused(
        &mut w.dir,
        &by(alice),
        Command::RevokeRole {
            user: alice,
            target: Target::Account(w.acme.sa),
        },
    );
    assert!(matches!(err, Error::LastAdmin { user, .. } if user == alice));
    assert_eq!(err.rule(), RuleId::ROLE007);
    let err = refused(
        &mut w.dir,
        &by(alice),
        Command::ChangeRole {
            user: alice,
            target: Target::Account(w.acme.sa),
            role: Role::SaUser,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    assert_eq!(err.rule(), RuleId::ROLE007);
    // With a second admin, the first may go.
    accepted(
        &mut w.dir,
        &by(alice),
        Command::ChangeRole {
            user: w.acme.bob,
            target: Target::Account(w.acme.sa),
            role: Role::SaAdmin,
            inheritance: Inheritance::AccountAndChildren,
        },
    );
    accepted(
        &mut w.dir,
        &by(w.acme.bob),
        Command::RevokeRole {
            user: alice,
            target: Target::Account(w.acme.sa),
        },
    );
    assert_eq!(w.dir.account(w.acme.sa).unwrap().admin_count(), 1);
    let err = refused(
        &mut w.dir,
        &by(w.acme.bob),
        Command::RevokeRole {
            user: w.acme.bob,
            target: Target::Account(w.acme.sa),
        },
    );
    assert_eq!(err.rule(), RuleId::ROLE007);
}

#[test]
fn role008_creator_or_activating_contact_becomes_first_sa_admin() {
    let mut w = world();
    let acme = w.dir.account(w.acme.sa).unwrap();
    assert_eq!(acme.role_of(w.acme.alice, None), Some(Role::SaAdmin));
    assert_eq!(acme.admin_count(), 1);
    let globex = w.dir.account(w.globex.sa).unwrap();
    assert_eq!(globex.roles().count(), 0);
    assert_eq!(globex.role_of(w.partner.admin, None), None);
    accepted(
        &mut w.dir,
        &by(w.globex.hank),
        Command::ActivateAccount { sa: w.globex.sa },
    );
    let globex = w.dir.account(w.globex.sa).unwrap();
    assert_eq!(globex.role_of(w.globex.hank, None), Some(Role::SaAdmin));
    assert_eq!(globex.role_of(w.partner.admin, None), None);
    assert_eq!(globex.admin_count(), 1);
}

#[test]
fn role009_check_explains_the_binding_and_where_it_is_inherited_from() {
    let w = world();
    let a = &w.acme;
    let d = w
        .dir
        .check(a.frank, Action::ManageLicenses, Target::Va(a.emea_sales));
    assert_eq!(d.effect, Effect::Allow);
    let Reason::Granted(via) = d.reason else {
        panic!("{d:?}")
    };
    assert_eq!(
        (via.role, via.bound_to, via.inherited),
        (Role::VaUser, Some(a.emea_sales), false)
    );
    assert_eq!(via.inheritance, Inheritance::AccountOnly);

    let d = w
        .dir
        .check(a.grace, Action::ViewLicenses, Target::Va(a.emea_sales));
    let Reason::Granted(via) = d.reason else {
        panic!("{d:?}")
    };
    assert_eq!(
        (via.role, via.bound_to, via.inherited),
        (Role::VaViewer, Some(a.emea), true)
    );
    assert!(d.to_string().contains("inherited"), "{d}");

    let d = w
        .dir
        .check(a.bob, Action::ManageDevices, Target::Va(a.sacramento));
    let Reason::Granted(via) = d.reason else {
        panic!("{d:?}")
    };
    assert_eq!((via.role, via.bound_to), (Role::SaUser, None));

    // Deny: the binding held and the roles that would allow.
    let d = w
        .dir
        .check(a.grace, Action::ManageLicenses, Target::Va(a.emea_ops));
    assert_eq!(d.effect, Effect::Deny);
    let Reason::NotGranted { held, would_grant } = d.reason else {
        panic!("{d:?}")
    };
    let held = held.unwrap();
    assert_eq!(
        (held.role, held.bound_to, held.inherited),
        (Role::VaViewer, Some(a.emea), true)
    );
    let would: Vec<Role> = would_grant.iter().collect();
    assert_eq!(
        would,
        [Role::SaAdmin, Role::SaUser, Role::VaAdmin, Role::VaUser]
    );
    assert!(d.to_string().contains("SA User"), "{d}");

    // A VA role covering the target is reported as held even for an account-level action,
    // which only SA roles grant.
    let d = w
        .dir
        .check(a.erin, Action::EditAccount, Target::Va(a.emea_sales));
    let Reason::NotGranted { held, would_grant } = d.reason else {
        panic!("{d:?}")
    };
    let held = held.unwrap();
    assert_eq!(
        (held.role, held.bound_to, held.inherited),
        (Role::VaAdmin, Some(a.emea), true)
    );
    assert_eq!(would_grant.iter().collect::<Vec<_>>(), [Role::SaAdmin]);

    let d = w
        .dir
        .check(a.oscar, Action::EditAccount, Target::Account(a.sa));
    assert_eq!(
        d.reason,
        Reason::NotGranted {
            held: None,
            would_grant: Role::granting(Action::EditAccount)
        }
    );
    assert_eq!(
        Role::granting(Action::EditAccount)
            .iter()
            .collect::<Vec<_>>(),
        [Role::SaAdmin]
    );
    let d = w
        .dir
        .check(UserId::new(9_999), Action::ViewAccount, Target::Va(a.emea));
    assert_eq!((d.effect, d.reason), (Effect::Deny, Reason::UnknownUser));
    let d = w
        .dir
        .check(a.alice, Action::ViewAccount, Target::Va(VaId::new(9_999)));
    assert_eq!((d.effect, d.reason), (Effect::Deny, Reason::UnknownTarget));
    let d = w.dir.check(
        a.alice,
        Action::ViewAccount,
        Target::Account(SaId::new(9_999)),
    );
    assert_eq!(d.reason, Reason::UnknownTarget);
}

#[test]
fn role009_explanation_names_the_closest_binding_whatever_the_assignment_order() {
    let w = world();
    let a = w.acme;
    let alice = by(a.alice);
    // Two users with the same three bindings assigned in opposite orders.
    let bindings = [
        (Target::Account(a.sa), Role::SaViewer),
        (Target::Va(a.americas), Role::VaViewer),
        (Target::Va(a.us), Role::VaUser),
    ];
    let mut dir = w.dir.clone();
    let u1 = user(&mut dir, Some("u1"), "u1@acme.com", a.org);
    let u2 = user(&mut dir, Some("u2"), "u2@acme.com", a.org);
    for (target, role) in bindings {
        dir.execute(
            &alice,
            at(),
            assign(u1, target, role, Inheritance::AccountAndChildren),
        )
        .unwrap();
    }
    for (target, role) in bindings.into_iter().rev() {
        dir.execute(
            &alice,
            at(),
            assign(u2, target, role, Inheritance::AccountAndChildren),
        )
        .unwrap();
    }
    for u in [u1, u2] {
        let d = dir.check(u, Action::ViewAccount, Target::Va(a.sacramento));
        let Reason::Granted(via) = d.reason else {
            panic!("{d:?}")
        };
        assert_eq!(
            (via.role, via.bound_to, via.inherited),
            (Role::VaUser, Some(a.us), true)
        );
        let d = dir.check(u, Action::ViewAccount, Target::Va(a.americas));
        let Reason::Granted(via) = d.reason else {
            panic!("{d:?}")
        };
        assert_eq!(
            (via.role, via.bound_to, via.inherited),
            (Role::VaViewer, Some(a.americas), false)
        );
        let d = dir.check(u, Action::ViewAccount, Target::Va(a.emea));
        let Reason::Granted(via) = d.reason else {
            panic!("{d:?}")
        };
        assert_eq!((via.role, via.bound_to), (Role::SaViewer, None));
    }
}

/// Every target of the fixture.
fn all_targets(dir: &Directory) -> Vec<Target> {
    let mut out = Vec::new();
    for account in dir.accounts() {
        out.push(Target::Account(account.id()));
        out.extend(account.vas().map(|v| Target::Va(v.id())));
    }
    out
}

#[test]
fn role010_reverse_queries_are_complete_and_sorted() {
    let w = world();
    let a = &w.acme;
    assert_eq!(
        w.dir.targets_of(a.erin, Action::ManageChildVas),
        vec![
            Target::Va(a.emea),
            Target::Va(a.emea_sales),
            Target::Va(a.emea_ops)
        ]
    );
    assert_eq!(
        w.dir.targets_of(a.frank, Action::ViewAccount),
        vec![Target::Va(a.emea_sales)]
    );
    assert!(w.dir.targets_of(a.oscar, Action::ViewAccount).is_empty());
    let alice_targets = w.dir.targets_of(a.alice, Action::EditAccount);
    assert_eq!(alice_targets, vec![Target::Account(a.sa)]);

    // holders: direct and inherited, sorted by user.
    let holders = w.dir.holders(a.emea_sales);
    let users: Vec<UserId> = holders.iter().map(|h| h.user).collect();
    assert_eq!(
        users,
        vec![a.alice, a.bob, a.carol, a.dave, a.erin, a.frank, a.grace]
    );
    let erin = holders.iter().find(|h| h.user == a.erin).unwrap();
    assert_eq!(
        (erin.via.role, erin.via.bound_to, erin.via.inherited),
        (Role::VaAdmin, Some(a.emea), true)
    );
    let frank = holders.iter().find(|h| h.user == a.frank).unwrap();
    assert!(!frank.via.inherited);

    assert_eq!(
        w.dir.actions_of(a.frank, Target::Va(a.emea_sales)),
        Role::VaUser.actions()
    );
    assert_eq!(
        w.dir.actions_of(a.frank, Target::Va(a.emea)),
        ActionSet::EMPTY
    );
    assert_eq!(
        w.dir.actions_of(a.dave, Target::Account(a.sa)),
        Role::SaApprover.actions()
    );

    // Cross-check all three against is_allowed on every user, action and target.
    let targets = all_targets(&w.dir);
    let users: Vec<UserId> = w.dir.users().map(|u| u.id).collect();
    for &user in &users {
        for action in Action::ALL {
            let got = w.dir.targets_of(user, action);
            assert!(got.windows(2).all(|p| p[0] < p[1]), "sorted, no duplicates");
            // Account-level actions are listed on the account only (see `targets_of`).
            let mut expected: Vec<Target> = targets
                .iter()
                .copied()
                .filter(|t| !action.is_account_level() || matches!(t, Target::Account(_)))
                .filter(|t| w.dir.is_allowed(user, action, *t))
                .collect();
            expected.sort();
            assert_eq!(got, expected, "{user} {action}");
        }
        for &target in &targets {
            let expected = Action::ALL
                .into_iter()
                .filter(|x| w.dir.is_allowed(user, *x, target))
                .fold(ActionSet::EMPTY, ActionSet::with);
            assert_eq!(w.dir.actions_of(user, target), expected, "{user} {target}");
        }
    }
    for &target in &targets {
        let Target::Va(va) = target else { continue };
        let holders = w.dir.holders(va);
        assert!(holders.windows(2).all(|p| p[0].user <= p[1].user));
        let got: BTreeSet<UserId> = holders.iter().map(|h| h.user).collect();
        let expected: BTreeSet<UserId> = users
            .iter()
            .copied()
            .filter(|u| w.dir.is_allowed(*u, Action::ViewAccount, target))
            .collect();
        assert_eq!(got, expected, "{va}");
    }
}

#[test]
fn ev001_every_change_appends_an_event_and_refusals_append_nothing() {
    let mut w = world();
    let alice = w.acme.alice;
    let sa = w.acme.sa;
    let n = log_len(&w.dir, alice, sa);
    let later: Timestamp = "2026-02-01T10:00:00Z".parse().unwrap();
    let events = w
        .dir
        .execute(&by(alice), later, create_va(sa, None, "New"))
        .unwrap();
    assert_eq!(events.len(), 1);
    let log = w.dir.events(alice, sa).unwrap();
    assert_eq!(log.len(), n + 1);
    assert_eq!(log.last().unwrap(), &events[0]);
    assert_eq!(events[0].seq, n as u64 + 1);
    assert_eq!(events[0].at, later);
    assert_eq!(
        events[0].actor,
        smart_accounts::RecordedActor::User {
            user: alice,
            org: w.acme.org
        }
    );
    assert!(
        log.iter()
            .zip(1u64..)
            .all(|(e, seq)| e.seq == seq && e.sa == sa)
    );
    // A partner's action is recorded with the partner's organization.
    let nina = w.partner.nina;
    let nina_events = w
        .dir
        .execute(
            &by(alice),
            later,
            Command::ChangeRole {
                user: nina,
                target: Target::Va(w.acme.americas),
                role: Role::VaAdmin,
                inheritance: Inheritance::AccountAndChildren,
            },
        )
        .unwrap();
    assert_eq!(nina_events.len(), 1);
    let e = w
        .dir
        .execute(
            &by(nina),
            later,
            create_va(sa, Some(w.acme.americas), "Partner-made"),
        )
        .unwrap();
    assert!(
        matches!(e[0].actor, smart_accounts::RecordedActor::User { org, .. } if org == w.partner.org)
    );

    let n = log_len(&w.dir, alice, sa);
    let err = refused(&mut w.dir, &by(alice), create_va(sa, None, "new"));
    assert_eq!(err.rule(), RuleId::VA003);
    assert_eq!(log_len(&w.dir, alice, sa), n);
    // A multi-change command that fails half-way leaves nothing behind: deleting EMEA would
    // first revoke erin's and grace's roles, then fail on the children.
    let err = refused(
        &mut w.dir,
        &by(alice),
        Command::DeleteVa { va: w.acme.emea },
    );
    assert_eq!(err.rule(), RuleId::VA005);
    assert_eq!(log_len(&w.dir, alice, sa), n);
    assert!(
        w.dir
            .is_allowed(w.acme.erin, Action::ManageChildVas, Target::Va(w.acme.emea))
    );
    // Reading the log is an SA Admin's right.
    let err = w.dir.events(w.acme.bob, sa).unwrap_err();
    assert_eq!(err.rule(), RuleId::ROLE005);
}

#[test]
fn ev003_replay_rebuilds_every_account_exactly() {
    let mut w = world();
    // Some more history: moves, renames, deletions, role changes, a new default, agreement.
    let alice = by(w.acme.alice);
    for command in [
        Command::MoveVa {
            va: w.acme.us,
            parent: Some(w.acme.emea),
        },
        Command::RenameVa {
            va: w.acme.finance,
            name: "Money".into(),
        },
        Command::DeleteVa {
            va: w.acme.emea_sales,
        },
        Command::SetDefaultVa {
            va: w.acme.americas,
        },
        Command::AcceptAgreement { sa: w.acme.sa },
        Command::RevokeRole {
            user: w.acme.grace,
            target: Target::Va(w.acme.emea),
        },
    ] {
        accepted(&mut w.dir, &alice, command);
    }
    accepted(
        &mut w.dir,
        &by(w.globex.hank),
        Command::ActivateAccount { sa: w.globex.sa },
    );
    let admins = [
        (w.acme.sa, w.acme.alice),
        (w.partner.holding, w.partner.admin),
        (w.distributor.holding, w.distributor.admin),
        (w.solo.sa, w.solo.sam),
        (w.globex.sa, w.globex.hank),
    ];
    assert_eq!(admins.len(), w.dir.accounts().count());
    for (sa, admin) in admins {
        let log = w.dir.events(admin, sa).unwrap();
        let replayed = SmartAccount::replay(log).unwrap();
        assert_eq!(Some(&replayed), w.dir.account(sa), "{sa}");
    }
    // Tampered logs do not replay.
    let log = w.dir.events(w.acme.alice, w.acme.sa).unwrap().to_vec();
    assert_eq!(SmartAccount::replay(&[]).unwrap_err().rule(), RuleId::EV003);
    assert_eq!(
        SmartAccount::replay(&log[1..]).unwrap_err().rule(),
        RuleId::EV003
    );
    let mut swapped = log.clone();
    swapped.swap(3, 4);
    assert!(matches!(
        SmartAccount::replay(&swapped),
        Err(Error::Replay { .. })
    ));
    let mut foreign = log.clone();
    foreign[5].sa = w.solo.sa;
    assert_eq!(
        SmartAccount::replay(&foreign).unwrap_err().rule(),
        RuleId::EV003
    );
    let mut doubled = log.clone();
    let mut again = log[1].clone();
    again.seq = log.len() as u64 + 1;
    doubled.push(again);
    assert_eq!(
        SmartAccount::replay(&doubled).unwrap_err().rule(),
        RuleId::EV003
    );
}

#[test]
fn agr001_sa_admin_or_approver_accepts_the_agreement_and_it_is_recorded() {
    let mut w = world();
    let sa = w.acme.sa;
    for denied in [
        w.acme.bob,
        w.acme.carol,
        w.acme.erin,
        w.acme.oscar,
        w.partner.nina,
    ] {
        let err = refused(&mut w.dir, &by(denied), Command::AcceptAgreement { sa });
        assert!(
            matches!(
                err,
                Error::Denied { action: Action::AcceptAgreement, would_grant, .. }
                    if would_grant.iter().collect::<Vec<_>>() == [Role::SaAdmin, Role::SaApprover]
            ),
            "{err:?}"
        );
        assert_eq!(err.rule(), RuleId::ROLE005);
    }
    assert!(w.dir.account(sa).unwrap().agreement().is_none());
    let when: Timestamp = "2026-03-01T08:00:00Z".parse().unwrap();
    let events = w
        .dir
        .execute(&by(w.acme.dave), when, Command::AcceptAgreement { sa })
        .unwrap();
    assert!(matches!(events[0].change, Change::AgreementAccepted { by } if by == w.acme.dave));
    let acceptance = w.dir.account(sa).unwrap().agreement().copied().unwrap();
    assert_eq!((acceptance.by, acceptance.at), (w.acme.dave, when));
    // An SA Admin may accept too; the latest acceptance is recorded.
    w.dir
        .execute(&by(w.acme.alice), when, Command::AcceptAgreement { sa })
        .unwrap();
    assert_eq!(
        w.dir.account(sa).unwrap().agreement().unwrap().by,
        w.acme.alice
    );
    let err = refused(
        &mut w.dir,
        &by(w.acme.alice),
        Command::AcceptAgreement {
            sa: SaId::new(9_999),
        },
    );
    assert!(
        matches!(
            err,
            Error::NotFound {
                rule: RuleId::AGR001,
                ..
            }
        ),
        "{err:?}"
    );
    let _ = RoleSet::EMPTY;
}
