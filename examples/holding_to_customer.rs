//! A partner orders into its holding account before the customer has a Smart Account; the
//! customer's account appears, the partner assigns the licenses to it (LIC004 a), and the
//! customer's devices consume them. Each step prints compliance and holding aging.
//!
//! Run with `cargo run --example holding_to_customer`.

use jiff::Timestamp;
use jiff::civil::Date;
use smart_accounts::license::Origin;
use smart_accounts::{
    AccountKind, Actor, DeviceId, Directory, License, LicenseCommand, LicenseKind, NewUser,
    OrderId, OrderLine, OrgKind, ReportingPolicy, SaId, Sku, Term, TransferId, TransferLine,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn compliance(dir: &Directory, sa: SaId) {
    let Some(account) = dir.account(sa) else {
        return;
    };
    println!("  compliance of `{}`:", account.name());
    let mut rows = 0;
    for row in account.compliance() {
        let va = account.va(row.va).map_or("?", |v| v.name());
        println!(
            "    {va:<8} {:<45} purchased {:>3}  consumed {:>3}  reserved {:>3}  available {:>3}  shortfall {:>3}",
            row.license.to_string(),
            row.purchased,
            row.consumed,
            row.reserved,
            row.available,
            row.shortfall
        );
        rows += 1;
    }
    if rows == 0 {
        println!("    (no licenses)");
    }
}

fn aging(dir: &Directory, as_of: Date) {
    println!("  holding aging as of {as_of}:");
    let aging = dir.holding_aging(as_of);
    if aging.is_empty() {
        println!("    (nothing waiting)");
    }
    for age in aging {
        let origin = match &age.lot.origin {
            Origin::Order(line) => line.to_string(),
            Origin::Transfer(id) => format!("transfer {id}"),
        };
        println!(
            "    {origin:<20} {:>3} x {:<45} waiting {} days",
            age.lot.quantity,
            age.lot.license.to_string(),
            age.age_days
        );
    }
    for note in dir.notifications(as_of) {
        let to: Vec<String> = note.recipients.iter().map(ToString::to_string).collect();
        println!("  notify {}: {note}", to.join(", "));
    }
}

fn main() -> Result<()> {
    let mut dir = Directory::new();
    let ordered: Timestamp = "2026-01-05T10:00:00Z".parse()?;
    let shipped: Date = "2026-01-05".parse()?;

    // A partner with a holding account.
    let nimbus = dir.register_organization("Nimbus Networks", OrgKind::Partner)?;
    let partner_admin = dir.register_user(NewUser {
        cco_id: Some("nimbus-admin".into()),
        email: "admin@nimbus-networks.com".into(),
        org: nimbus,
        kind: Default::default(),
    })?;
    let holding = dir.request_account(
        &Actor::User(partner_admin),
        ordered,
        AccountKind::PartnerHolding,
        "Nimbus Holding",
        Some("nimbus-networks.com"),
        partner_admin,
    )?;
    let holding_va = dir
        .account(holding)
        .map(|a| a.default_va())
        .ok_or("no holding")?;

    // 1. The partner orders for Initech, which has no Smart Account yet: the order ships into
    //    holding. The subscription's clock starts at shipping (LIC007).
    let dna = License {
        sku: Sku::parse("C9300-DNA-E-3Y")?,
        term: Term::subscription(shipped, "2029-01-04".parse()?)?,
    };
    let ise = License::perpetual(Sku::parse("ISE-PLS-LIC")?);
    for (line, license, quantity) in [(1, &dna, 40), (2, &ise, 10)] {
        dir.license(
            &Actor::Fulfilment,
            ordered,
            LicenseCommand::Deposit {
                sa: holding,
                va: None,
                order: OrderLine {
                    order: OrderId::parse("ORD-7001")?,
                    line,
                },
                license: license.clone(),
                kind: LicenseKind::Smart,
                quantity,
                procured_by: nimbus,
                sa_mandatory: true,
            },
        )?;
    }
    println!("1. order ORD-7001 shipped into the holding account on {shipped}");
    compliance(&dir, holding);
    let month_later: Date = "2026-02-04".parse()?;
    aging(&dir, month_later);

    // 2. A month later Initech's contact creates the customer's Smart Account.
    let at: Timestamp = "2026-02-04T09:00:00Z".parse()?;
    let initech = dir.register_organization("Initech", OrgKind::Customer)?;
    let peter = dir.register_user(NewUser {
        cco_id: Some("peter".into()),
        email: "peter@initech.com".into(),
        org: initech,
        kind: Default::default(),
    })?;
    let customer = dir.request_account(
        &Actor::User(peter),
        at,
        AccountKind::Customer,
        "Initech",
        Some("initech.com"),
        peter,
    )?;
    let campus = dir.create_va(&Actor::User(peter), at, customer, None, "Campus")?;
    println!("\n2. Initech's Smart Account `initech.com` is active, with VA `Campus`");

    // 3. The partner assigns the licenses: one event in each account, sharing a transfer ID.
    let events = dir.license(
        &Actor::User(partner_admin),
        at,
        LicenseCommand::AssignFromHolding {
            transfer: TransferId::parse("NIM-ASSIGN-0001")?,
            from: holding_va,
            to_sa: customer,
            to_va: Some(campus),
            lines: vec![
                TransferLine {
                    license: dna.clone(),
                    quantity: 40,
                },
                TransferLine {
                    license: ise.clone(),
                    quantity: 10,
                },
            ],
            order_lines: Vec::new(),
        },
    )?;
    println!("\n3. assigned from holding to Initech:");
    for event in &events {
        println!("  event {} in the log of `{}`", event.seq, event.sa);
    }
    compliance(&dir, holding);
    compliance(&dir, customer);
    aging(&dir, month_later);
    if let Some(account) = dir.account(customer) {
        for late in account.undelivered(month_later) {
            println!(
                "  {} x {} ran {} days undelivered (delivered {:?})",
                late.quantity, late.license, late.days, late.delivered
            );
        }
    }

    // 4. Initech's switches consume the licenses: 45 of 40, an overage (LIC006).
    let peter_acts = Actor::User(peter);
    for (name, used) in [("FOC2601A001", 25), ("FOC2601A002", 20)] {
        let device = DeviceId::parse(name)?;
        dir.register_device(
            &peter_acts,
            at,
            device.clone(),
            campus,
            "2026-02-01".parse()?,
        )?;
        dir.consume(&peter_acts, at, device, dna.clone(), used)?;
    }
    println!("\n4. two switches consume 45 licenses of 40");
    compliance(&dir, customer);

    // 5. A true-up order reconciles the overage.
    dir.license(
        &Actor::Fulfilment,
        at,
        LicenseCommand::TrueUp {
            va: campus,
            license: dna.clone(),
            order: OrderLine {
                order: OrderId::parse("ORD-7002")?,
                line: 1,
            },
            procured_by: nimbus,
        },
    )?;
    println!("\n5. true-up order ORD-7002");
    compliance(&dir, customer);
    if let Some(account) = dir.account(customer) {
        for (device, status) in account.reporting("2026-04-20".parse()?, ReportingPolicy::default())
        {
            println!("  {device}: reporting {status:?} as of 2026-04-20");
        }
        for p in account.procurement() {
            println!(
                "  procured: {} x {} by `{}`, {} at {}",
                p.deposit.quantity, p.deposit.license, p.deposit.procured_by, p.deposit.order, p.at
            );
        }
    }
    Ok(())
}
