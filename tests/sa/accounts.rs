//! Smart Accounts (SA001–SA009): the three kinds, the default Virtual Account, domains and their
//! identifiers, the creator's Cisco.com ID, public email domains, Limited Use and holding accounts,
//! activation by the authorised contact and search by domain.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common::quotes::{new_account_line, quote_for, report_of};
use crate::common::world;
use smart_accounts::{Actor, RuleId};

/// `src/validate.rs`: in `new_account`, the Cisco.com ID test with `&&` turned into `||`
/// survived. A contact whose Cisco.com ID is only spaces, or longer than 100 characters, has
/// none (SA004); a real one passes.
#[test]
fn sa004_a_blank_or_overlong_cisco_id_is_no_cisco_id() {
    let w = world();
    let sa004 = |cco: &str| {
        let quote = quote_for(
            &w,
            "newco.com",
            vec![new_account_line("newco.com", Some(cco))],
        );
        report_of(&w, &quote).of_rule(RuleId::SA004).count()
    };
    assert_eq!(sa004("   "), 1);
    assert_eq!(sa004(&"c".repeat(101)), 1);
    assert_eq!(sa004("newco-it"), 0);
}

/// `src/text.rs`: the length limit of a domain (`> MAX_DOMAIN` turned into `>=`) survived: no
/// test had a domain of exactly 253 characters. 253 pass, 254 do not (SA003).
#[test]
fn sa003_a_domain_of_exactly_253_characters_is_valid() {
    use smart_accounts::{Domain, MAX_DOMAIN};
    let label = |c: char, n: usize| c.to_string().repeat(n);
    let longest = format!(
        "{}.{}.{}.{}",
        label('a', 63),
        label('b', 63),
        label('c', 63),
        label('d', 61)
    );
    assert_eq!(longest.len(), MAX_DOMAIN);
    assert!(Domain::parse(&longest).is_ok());
    let over = format!(
        "{}.{}.{}.{}",
        label('a', 63),
        label('b', 63),
        label('c', 63),
        label('d', 62)
    );
    assert!(Domain::parse(&over).is_err());
}

/// `src/text.rs`: the limits of a domain label (`> 63`), of an email (`> MAX_EMAIL`) and of its
/// local part (`> 64`) survived `>` turned into `>=` (and `==`): no test sat on a limit. A
/// 63-character label, a 64-character local part and a 254-character email are valid; one
/// character more is not (SA003, SA004).
#[test]
fn sa004_email_and_label_limits_are_inclusive() {
    use smart_accounts::{Domain, Email, MAX_EMAIL};
    let x = |c: char, n: usize| c.to_string().repeat(n);
    assert!(Domain::parse(&format!("{}.com", x('a', 63))).is_ok());
    assert!(Domain::parse(&format!("{}.com", x('a', 64))).is_err());
    assert!(Email::parse(&format!("{}@acme.com", x('l', 64))).is_ok());
    assert!(Email::parse(&format!("{}@acme.com", x('l', 65))).is_err());
    // 64 + 1 + 189 = 254 characters: labels of 63, 63, 57 and `com`.
    let domain = format!("{}.{}.{}.com", x('a', 63), x('b', 63), x('c', 57));
    let longest = format!("{}@{domain}", x('l', 64));
    assert_eq!(longest.len(), MAX_EMAIL);
    assert!(
        Email::parse(&longest).is_ok(),
        "{:?}",
        Email::parse(&longest)
    );
    let domain = format!("{}.{}.{}.com", x('a', 63), x('b', 63), x('c', 58));
    assert!(Email::parse(&format!("{}@{domain}", x('l', 64))).is_err());
}

/// `src/directory.rs`: in `plan_request`, "requested by and for a partner or distributor"
/// with `||` turned into `&&` survived. A customer user cannot request a holding account for a
/// partner, nor a partner user one for a customer (SA001).
#[test]
fn sa001_a_holding_account_is_requested_by_and_for_a_seller() {
    let mut w = world();
    for (requester, contact, domain) in [
        (w.acme.alice, w.partner.admin, "emea.nimbus-networks.com"),
        (w.partner.admin, w.acme.alice, "unit.acme.com"),
    ] {
        let before = w.dir.clone();
        let result = w.dir.request_account(
            &Actor::User(requester),
            w.at,
            smart_accounts::AccountKind::PartnerHolding,
            "Second holding",
            Some(domain),
            contact,
        );
        assert!(result.is_err(), "{requester} for {contact}");
        assert_eq!(w.dir, before);
    }
}
