//! The text forms of the public types, which no single rule owns: how kinds, actions, sets,
//! targets, actors and rule IDs display, parse and serialize, and that `arbitrary` values are
//! valid.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use smart_accounts::{
    AccountKind, Action, ActionSet, Actor, Role, RoleSet, RuleId, SaId, Target, UserId, VaId,
};

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
