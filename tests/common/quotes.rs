//! Quotes for the tests of the validator: one from the fixture's partner, a line asking for a new
//! account, and the order-stage report.
#![allow(dead_code, clippy::unwrap_used)]

use smart_accounts::fixtures::World;

/// A quote from the fixture's partner for the end customer at `domain`, with `lines`.
pub fn quote_for(
    w: &World,
    domain: &str,
    lines: Vec<smart_accounts::quote::Line>,
) -> smart_accounts::Quote {
    use smart_accounts::quote::{Country, Deal, DealKind, EndCustomer};
    smart_accounts::Quote {
        deal: Deal {
            id: "D-M".into(),
            kind: DealKind::Other("Standard".into()),
        },
        partner: w.partner.org,
        distributor: None,
        end_customer: EndCustomer {
            name: "Customer".into(),
            domain: Some(smart_accounts::Domain::parse(domain).unwrap()),
            country: Country::US,
        },
        lines,
    }
}

/// The order-stage report of `quote` on the fixture's quote day, with the default calendar.
pub fn report_of(w: &World, quote: &smart_accounts::Quote) -> smart_accounts::Report {
    use smart_accounts::fixtures::quotes::DAY;
    smart_accounts::validate(
        &w.dir,
        quote,
        smart_accounts::Stage::Order,
        DAY,
        &smart_accounts::PolicyCalendar::default(),
    )
}

/// A line assigned to a new account for `domain`, whose contact is `it@domain` with `cco`.
/// A line requesting a new account at `domain` for a contact with the Cisco.com ID `cco`.
pub fn new_account_line(domain: &str, cco: Option<&str>) -> smart_accounts::quote::Line {
    use smart_accounts::quote::{Assignment, Contact, Line};
    Line::new("1", "SKU", 1).assigned(Assignment::NewAccount {
        domain: Some(smart_accounts::Domain::parse(domain).unwrap()),
        contact: Contact {
            cco_id: cco.map(str::to_owned),
            email: smart_accounts::Email::parse(&format!("it@{domain}")).unwrap(),
        },
    })
}
