//! Behaviour at the edges that the rule tests do not reach: hostile event logs, unknown
//! identifiers in queries, every explanation text, lookups, limits and the text forms of the
//! public types. Found by line coverage (`scripts/coverage.sh`) and mutation testing
//! (`scripts/mutants.sh`); each test asserts the behaviour, not only that the code runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::{logless, world};
use smart_accounts::fixtures::World;
use smart_accounts::{
    AccountKind, Action, ActionSet, Actor, Change, Decision, Directory, Effect, Error, Event,
    Inheritance, NewUser, OrgKind, Reason, Role, RoleSet, RuleId, SaId, SmartAccount, Target,
    UserId, VaId, Via,
};

/// Acme's event log.
fn acme_log(w: &World) -> Vec<Event> {
    w.dir.events(w.acme.alice, w.acme.sa).unwrap().to_vec()
}

/// `events` with one more event carrying `change`.
fn with(events: &[Event], change: Change) -> Vec<Event> {
    let mut out = events.to_vec();
    let last = out.last().unwrap().clone();
    out.push(Event {
        seq: last.seq + 1,
        change,
        ..last
    });
    out
}

/// Replay refuses the log with an EV003 error whose reason contains `needle`.
fn replay_refused(events: &[Event], needle: &str) {
    let err = SmartAccount::replay(events).expect_err("the log must be refused");
    assert_eq!(err.rule(), RuleId::EV003, "{err}");
    let Error::Replay { reason, .. } = &err else {
        panic!("not a replay error: {err:?}");
    };
    assert!(
        reason.contains(needle),
        "reason `{reason}` lacks `{needle}`"
    );
}

#[test]
fn ev003_a_log_that_does_not_start_with_the_creation_is_refused() {
    let w = world();
    let mut log = acme_log(&w);
    log[0].change = Change::AccountActivated;
    replay_refused(&log, "the first event must create the account");
}

#[test]
fn ev003_a_second_creation_in_a_log_is_refused() {
    let w = world();
    let log = acme_log(&w);
    let again = log[0].change.clone();
    replay_refused(&with(&log, again), "the account already exists");
}

#[test]
fn ev003_activating_an_active_account_in_a_log_is_refused() {
    let w = world();
    let log = acme_log(&w);
    let expected = Error::AlreadyActive { sa: w.acme.sa }.to_string();
    replay_refused(&with(&log, Change::AccountActivated), &expected);
}

#[test]
fn ev003_creating_an_existing_va_in_a_log_is_refused() {
    let w = world();
    let log = acme_log(&w);
    let change = Change::VaCreated {
        va: w.acme.emea,
        parent: None,
        name: "Another".into(),
    };
    replay_refused(&with(&log, change), "already exists");
}

#[test]
fn ev003_deleting_a_va_that_still_has_role_bindings_in_a_log_is_refused() {
    // frank holds VA User on EMEA-Sales, which has no children: the command revokes bindings
    // with the VA, but a log that deletes it without revoking them is inconsistent.
    let w = world();
    let log = acme_log(&w);
    let va = w.acme.emea_sales;
    assert!(
        w.dir
            .account(w.acme.sa)
            .unwrap()
            .children(Some(va))
            .is_empty()
    );
    let expected = Error::NotEmpty {
        va,
        what: "role bindings",
    }
    .to_string();
    replay_refused(&with(&log, Change::VaDeleted { va }), &expected);
}

#[test]
fn ev003_moving_a_va_below_another_accounts_va_in_a_log_is_refused() {
    let w = world();
    let log = acme_log(&w);
    let change = Change::VaMoved {
        va: w.acme.emea,
        parent: Some(w.partner.holding_default),
    };
    replay_refused(&with(&log, change), "not in the same smart account");
}

#[test]
fn replayed_account_keeps_its_creation_time() {
    let w = world();
    let account = w.dir.account(w.acme.sa).unwrap();
    assert_eq!(account.created_at(), w.at);
    let replayed = SmartAccount::replay(&acme_log(&w)).unwrap();
    assert_eq!(replayed.created_at(), w.at);
}

#[test]
fn tree_queries_on_an_unknown_va_are_empty() {
    let w = world();
    let account = w.dir.account(w.acme.sa).unwrap();
    let nowhere = VaId::new(999_999);
    assert!(account.children(Some(nowhere)).is_empty());
    assert!(account.subtree(nowhere).is_empty());
    // A VA of another account is unknown here too.
    assert!(account.subtree(w.partner.holding_default).is_empty());
    assert!(!account.children(None).is_empty());
}

#[test]
fn role010_reverse_queries_on_unknown_users_and_vas_are_empty() {
    let w = world();
    let stranger = UserId::new(999_999);
    let nowhere = VaId::new(999_999);
    assert_eq!(
        w.dir.actions_of(stranger, Target::Account(w.acme.sa)),
        ActionSet::EMPTY
    );
    assert_eq!(
        w.dir.actions_of(w.acme.alice, Target::Va(nowhere)),
        ActionSet::EMPTY
    );
    assert_eq!(
        w.dir.actions_of(w.acme.alice, Target::Va(w.acme.emea)),
        ActionSet::EVERY
    );
    assert!(w.dir.targets_of(stranger, Action::ViewAccount).is_empty());
    assert!(w.dir.holders(nowhere).is_empty());
    assert!(!w.dir.holders(w.acme.emea).is_empty());
}

#[test]
fn role005_a_va_role_never_grants_an_account_level_action_on_its_va() {
    // erin is VA Admin on EMEA: on EMEA itself, an account-level action is still denied, and
    // the explanation names her binding.
    let w = world();
    let (erin, emea) = (w.acme.erin, w.acme.emea);
    assert!(
        !w.dir
            .is_allowed(erin, Action::EditAccount, Target::Va(emea))
    );
    let decision = w.dir.check(erin, Action::EditAccount, Target::Va(emea));
    assert_eq!(decision.effect, Effect::Deny);
    let Reason::NotGranted { held, would_grant } = decision.reason else {
        panic!("{decision:?}");
    };
    assert_eq!(held.map(|v| v.role), Some(Role::VaAdmin));
    assert_eq!(would_grant.iter().collect::<Vec<_>>(), vec![Role::SaAdmin]);
}

#[test]
fn role009_every_kind_of_decision_explains_itself() {
    let w = world();
    let dir = &w.dir;
    let text = |d: Decision| d.to_string();

    let unknown_user = text(dir.check(UserId::new(999_999), Action::ViewAccount, w.acme.sa.into()));
    assert_eq!(
        unknown_user,
        "denied: `user:999999` is not a registered user"
    );

    let unknown_target =
        text(dir.check(w.acme.alice, Action::ViewAccount, VaId::new(999_999).into()));
    assert_eq!(unknown_target, "denied: `va:999999` does not exist");

    let no_role = text(dir.check(w.acme.oscar, Action::ViewAccount, w.acme.emea.into()));
    assert!(
        no_role.starts_with(&format!(
            "denied: `{}` holds no role covering `{}`",
            w.acme.oscar, w.acme.emea
        )),
        "{no_role}"
    );
    assert!(
        no_role
            .ends_with("SA Admin, SA User, SA Viewer, SA Approver, VA Admin, VA User, VA Viewer"),
        "{no_role}"
    );

    let inherited = text(dir.check(w.acme.erin, Action::ViewAccount, w.acme.emea_sales.into()));
    assert!(
        inherited.ends_with(&format!("as VA Admin on `{}`, inherited", w.acme.emea)),
        "{inherited}"
    );

    let direct = text(dir.check(w.acme.frank, Action::ViewAccount, w.acme.emea_sales.into()));
    assert!(
        direct.ends_with(&format!("as VA User on `{}`", w.acme.emea_sales)),
        "{direct}"
    );

    let account = text(dir.check(w.acme.bob, Action::ViewAccount, w.acme.emea.into()));
    assert!(
        account.ends_with("as SA User on the smart account"),
        "{account}"
    );
}

#[test]
fn via_display_distinguishes_direct_inherited_and_account_bindings() {
    let va = VaId::new(7);
    let via = |bound_to, inherited| Via {
        role: Role::VaUser,
        bound_to,
        inheritance: Inheritance::AccountAndChildren,
        inherited,
    };
    assert_eq!(via(Some(va), false).to_string(), "VA User on `va:7`");
    assert_eq!(
        via(Some(va), true).to_string(),
        "VA User on `va:7`, inherited"
    );
    assert_eq!(via(None, false).to_string(), "VA User on the smart account");
}

#[test]
fn lookups_by_login_and_email_normalise_and_miss_cleanly() {
    let w = world();
    assert_eq!(
        w.dir.user_by_cco_id("ALICE").map(|u| u.id),
        Some(w.acme.alice)
    );
    assert_eq!(w.dir.user_by_cco_id("nobody").map(|u| u.id), None);
    assert_eq!(
        w.dir.user_by_email("  Alice@ACME.com ").map(|u| u.id),
        Some(w.acme.alice)
    );
    assert_eq!(w.dir.user_by_email("not an email").map(|u| u.id), None);
    assert_eq!(w.dir.user_by_email("ghost@acme.com").map(|u| u.id), None);
}

#[test]
fn sa007_organization_names_are_validated() {
    let mut dir = Directory::new();
    for (name, reason) in [
        ("   ", "it is empty"),
        (&"x".repeat(101) as &str, "it is longer than 100 characters"),
        ("a\u{0}b", "it contains control characters"),
    ] {
        let err = dir
            .register_organization(name, OrgKind::Customer)
            .expect_err("refused");
        let Error::InvalidName { reason: got, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(*got, reason);
        assert!(err.to_string().starts_with(err.rule().code()));
    }
    assert_eq!(
        dir.organizations().count(),
        0,
        "a refusal registers nothing"
    );
    let id = dir
        .register_organization("  Acme  ", OrgKind::Customer)
        .unwrap();
    assert_eq!(dir.organization(id).unwrap().name, "Acme");
}

#[test]
fn sa004_a_cisco_id_over_100_characters_is_refused() {
    let mut dir = Directory::new();
    let org = dir
        .register_organization("Acme", OrgKind::Customer)
        .unwrap();
    let new = |cco: String| NewUser {
        cco_id: Some(cco),
        email: "a@acme.com".into(),
        org,
        kind: Default::default(),
    };
    let err = dir
        .register_user(new("c".repeat(101)))
        .expect_err("refused");
    let Error::InvalidName { reason, .. } = &err else {
        panic!("{err:?}");
    };
    // MAX_CCO_ID is 100, like MAX_NAME, so the message names the number.
    assert_eq!(*reason, "it is longer than 100 characters");
    assert_eq!(dir.users().count(), 0);
    dir.register_user(new("c".repeat(100))).unwrap();
}

#[test]
fn an_email_over_254_characters_is_refused_with_a_clipped_value() {
    let long = format!("{}@{}.com", "a".repeat(60), "b".repeat(200));
    assert!(long.len() > 254);
    let err = smart_accounts::Email::parse(&long).expect_err("refused");
    let Error::InvalidEmail { value, reason } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*reason, "it is longer than 254 characters");
    assert_eq!(value.chars().count(), 81, "80 characters and an ellipsis");
    assert!(value.ends_with('…'));
}

#[test]
fn kinds_actions_and_sets_display_as_documented() {
    assert_eq!(AccountKind::Customer.to_string(), "Customer");
    assert_eq!(AccountKind::PartnerHolding.to_string(), "Partner Holding");
    assert_eq!(AccountKind::LimitedUse.to_string(), "Limited Use");
    let texts: Vec<String> = Action::ALL.iter().map(ToString::to_string).collect();
    assert_eq!(texts[0], "view the account");
    assert_eq!(texts[11], "view the event log");
    let mut unique = texts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        Action::ALL.len(),
        "every action reads differently"
    );
    assert!(texts.iter().all(|t| t.chars().all(|c| !c.is_uppercase())));

    assert_eq!(RoleSet::default().to_string(), "no role");
    assert!(RoleSet::EMPTY.is_empty());
    assert!(!Role::granting(Action::ViewAccount).is_empty());
    assert!(ActionSet::EMPTY.is_empty());
    assert!(!ActionSet::EMPTY.with(Action::ViewEventLog).is_empty());
}

#[test]
fn targets_convert_from_ids_and_actors_display_clipped() {
    assert_eq!(Target::from(SaId::new(3)), Target::Account(SaId::new(3)));
    assert_eq!(Target::from(VaId::new(4)), Target::Va(VaId::new(4)));
    assert_eq!(Actor::User(UserId::new(5)).to_string(), "user:5");
    assert_eq!(Actor::Fulfilment.to_string(), "order fulfilment");
    let long = Actor::VendorSupport {
        case: "9".repeat(500),
    }
    .to_string();
    assert!(long.starts_with("vendor support (case `9999"));
    assert!(long.ends_with("…`)"), "{long}");
    assert!(
        long.chars().count() < 120,
        "the case number is clipped: {long}"
    );
}

#[test]
fn rule_ids_have_titles_and_sources_and_bad_codes_are_clipped() {
    for rule in RuleId::ALL {
        assert!(!rule.title().is_empty(), "{rule} has no title");
        assert!(!rule.source().is_empty(), "{rule} has no source");
        assert_eq!(rule.code().parse::<RuleId>().unwrap(), *rule);
    }
    assert!(RuleId::VA001.title().contains("10"));
    let err = "Z"
        .repeat(1000)
        .parse::<RuleId>()
        .expect_err("no such rule");
    let text = err.to_string();
    assert!(text.len() < 200, "clipped: {text}");
    assert!(text.ends_with("is not a rule ID of the catalog"), "{text}");
}

#[cfg(feature = "serde")]
#[test]
fn sets_and_rule_ids_serialize_as_lists_and_codes() {
    let roles = Role::granting(Action::AcceptAgreement);
    let json = serde_json::to_string(&roles).unwrap();
    assert_eq!(json, r#"["sa_admin","sa_approver"]"#);
    assert_eq!(serde_json::from_str::<RoleSet>(&json).unwrap(), roles);
    let actions = Role::SaViewer.actions();
    let json = serde_json::to_string(&actions).unwrap();
    assert_eq!(json, r#"["view_account","view_licenses"]"#);
    assert_eq!(serde_json::from_str::<ActionSet>(&json).unwrap(), actions);
    assert_eq!(serde_json::to_string(&RuleId::SA003).unwrap(), r#""SA003""#);
    assert_eq!(
        serde_json::from_str::<RuleId>(r#""ROLE010""#).unwrap(),
        RuleId::ROLE010
    );
    assert!(serde_json::from_str::<RuleId>(r#""ZZ999""#).is_err());
    assert!(serde_json::from_str::<RoleSet>(r#"["root"]"#).is_err());
}

#[cfg(feature = "arbitrary")]
#[test]
fn arbitrary_values_are_valid_and_sets_hold_only_real_members() {
    use arbitrary::{Arbitrary, Unstructured};
    use smart_accounts::{Domain, Email};

    let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    for start in 0..64 {
        let mut u = Unstructured::new(&bytes[start..]);
        let domain = Domain::arbitrary(&mut u).unwrap();
        assert_eq!(Domain::parse(domain.as_str()).unwrap(), domain);
        let email = Email::arbitrary(&mut u).unwrap();
        assert_eq!(Email::parse(email.as_str()).unwrap(), email);
    }
    for start in 0..64 {
        let mut u = Unstructured::new(&bytes[start..]);
        let sku = smart_accounts::Sku::arbitrary(&mut u).unwrap();
        assert_eq!(smart_accounts::Sku::parse(sku.as_str()).unwrap(), sku);
        let country = smart_accounts::quote::Country::arbitrary(&mut u).unwrap();
        assert_eq!(
            smart_accounts::quote::Country::parse(country.as_str()).unwrap(),
            country
        );
        let line = smart_accounts::quote::LineId::arbitrary(&mut u).unwrap();
        assert!(
            ["1.0", "2.0", "3.0", "4.0"].contains(&line.as_str()),
            "{line}"
        );
    }
    let ones = [0xff_u8; 8];
    let actions = ActionSet::arbitrary(&mut Unstructured::new(&ones)).unwrap();
    assert_eq!(actions, ActionSet::EVERY);
    let roles = RoleSet::arbitrary(&mut Unstructured::new(&ones)).unwrap();
    assert_eq!(roles.iter().collect::<Vec<_>>(), Role::ALL.to_vec());
    #[cfg(feature = "serde")]
    assert_eq!(
        serde_json::from_str::<RoleSet>(&serde_json::to_string(&roles).unwrap()).unwrap(),
        roles
    );
}

fn load_refused(snap: smart_accounts::Snapshot, path: &str, rule: RuleId, needle: &str) {
    let err = Directory::from_snapshot(snap).expect_err("the snapshot must be refused");
    assert_eq!(err.path(), path, "{err}");
    assert_eq!(err.rule(), rule, "{err}");
    assert!(err.to_string().contains(needle), "{err}");
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
fn role009_an_unregistered_id_inside_the_grant_table_is_an_unknown_user() {
    // Identifiers start at 1, so the grant table's slot 0 exists but belongs to no user: the
    // check must still say "unknown user", not "no role" (a mutant dropping the `!` in the
    // registered-user filter of `check` survived without this).
    let w = world();
    let ghost = UserId::new(0);
    let decision = w
        .dir
        .check(ghost, Action::ViewAccount, Target::Va(w.acme.emea));
    assert_eq!(decision.reason, Reason::UnknownUser);
    assert_eq!(decision.effect, Effect::Deny);
    // oscar is registered and holds no role: that is a different answer.
    let oscar = w
        .dir
        .check(w.acme.oscar, Action::ViewAccount, Target::Va(w.acme.emea));
    assert!(matches!(
        oscar.reason,
        Reason::NotGranted { held: None, .. }
    ));
}

#[test]
fn role010_targets_of_an_account_only_role_is_that_va_alone() {
    // An "account only" VA role on a VA with children reaches none of them (ROLE004): the
    // reverse query lists the VA alone (a mutant treating every VA role as "and children"
    // survived: the fixture's account-only role sits on a VA without children).
    let mut w = world();
    let me = Actor::User(w.acme.alice);
    w.dir
        .assign_role(
            &me,
            w.at,
            w.acme.oscar,
            Target::Va(w.acme.emea),
            Role::VaViewer,
            Inheritance::AccountOnly,
        )
        .unwrap();
    assert!(
        !w.dir
            .account(w.acme.sa)
            .unwrap()
            .children(Some(w.acme.emea))
            .is_empty()
    );
    assert_eq!(
        w.dir.targets_of(w.acme.oscar, Action::ViewAccount),
        vec![Target::Va(w.acme.emea)]
    );
    assert!(!w.dir.is_allowed(
        w.acme.oscar,
        Action::ViewAccount,
        Target::Va(w.acme.emea_sales)
    ));
}

#[test]
fn q008_invalid_country_codes_say_what_and_why_with_a_clipped_value() {
    use smart_accounts::quote::Country;
    for (text, why) in [
        ("jp", "two uppercase letters"),
        ("Japan", "two uppercase letters"),
        ("XA", "private use"),
        ("QM", "private use"),
        ("AA", "private use"),
    ] {
        let err = Country::parse(text).expect_err(text);
        assert_eq!(err.what(), "country code");
        assert_eq!(err.value(), text);
        let message = err.to_string();
        assert!(message.starts_with("Q008: `"), "{message}");
        assert!(message.contains(why), "{message}");
    }
    let long = "Z".repeat(500);
    let err = Country::parse(&long).expect_err("too long");
    assert_eq!(
        err.value().chars().count(),
        81,
        "clipped to 80 characters and an ellipsis"
    );
    assert_eq!("QL".parse::<Country>().unwrap().to_string(), "QL");
    assert_eq!(Country::try_from("JP".to_owned()).unwrap(), Country::JP);
}

#[test]
fn q005_policy_actions_read_as_documented() {
    use smart_accounts::policy::PolicyAction;
    assert_eq!(PolicyAction::None.to_string(), "no requirement");
    assert_eq!(PolicyAction::Warn.to_string(), "monitored (warning only)");
    assert_eq!(
        PolicyAction::Block.to_string(),
        "enforced (blocks submission)"
    );
}

#[test]
fn lic001_text_ids_parse_from_str_and_debug_as_their_text() {
    use smart_accounts::{DeviceId, Sku};
    let sku: Sku = "  ISE-PLS-LIC ".parse().unwrap();
    assert_eq!(sku.as_str(), "ISE-PLS-LIC");
    assert_eq!(format!("{sku:?}"), "\"ISE-PLS-LIC\"");
    assert_eq!(sku.to_string(), "ISE-PLS-LIC");
    let err = "two words".parse::<Sku>().expect_err("spaces");
    assert_eq!(err.rule(), RuleId::LIC001);
    assert!(err.to_string().contains("it contains spaces"), "{err}");
    let err = "x".repeat(101).parse::<DeviceId>().expect_err("too long");
    assert_eq!(err.rule(), RuleId::DEV001);
}

#[test]
fn directories_differ_when_an_account_or_only_its_log_differs() {
    // Equality was only ever asserted between equal directories, so mutants that compared
    // fewer fields survived.
    let w = world();
    let mut renamed = w.dir.clone();
    renamed
        .execute(
            &Actor::User(w.acme.alice),
            w.at,
            smart_accounts::Command::RenameVa {
                va: w.acme.emea,
                name: "Europe".into(),
            },
        )
        .unwrap();
    assert_ne!(renamed, w.dir, "same number of accounts, one VA renamed");
    // The same state with a rebuilt (imported) log: every account is equal, the logs are not.
    let imported = Directory::from_snapshot(logless(&w.dir)).unwrap();
    for a in w.dir.accounts() {
        assert_eq!(imported.account(a.id()), Some(a));
    }
    assert_ne!(imported, w.dir, "the logs differ");
}

#[test]
fn sa005_a_directory_uses_the_public_domains_it_is_given() {
    let mut config = smart_accounts::Config::default();
    config.public_domains.clear();
    config
        .public_domains
        .insert(smart_accounts::Domain::parse("freemail.test").unwrap());
    let dir = Directory::with_config(config.clone());
    assert_eq!(dir.config(), &config);
    assert_ne!(dir.config(), Directory::new().config());
}

#[cfg(feature = "serde")]
#[test]
fn ptr005_a_config_without_a_lapse_period_gets_the_default() {
    // A stored config from before partner requests lapsed has no such field (a mutant
    // returning 0 from the serde default survived).
    let config: smart_accounts::Config =
        serde_json::from_str(r#"{"public_domains":["gmail.com"]}"#).unwrap();
    assert_eq!(
        config.partner_request_lapse_days,
        smart_accounts::DEFAULT_REQUEST_LAPSE_DAYS
    );
    assert_eq!(config.partner_request_lapse_days, 90);
}
