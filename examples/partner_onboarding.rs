//! A partner onboards a customer: it requests the customer's Smart Account with admin access,
//! the customer activates it and approves, the partner works, the advisor flags what departs
//! from best practice, the customer scopes the partner to one Virtual Account and records a
//! review, the grant expires, and finally the customer revokes the partner.
//!
//! `cargo run --example partner_onboarding`

use jiff::Timestamp;
use jiff::civil::Date;
use smart_accounts::advisor::{AdvisorConfig, Scope, advise};
use smart_accounts::{
    Action, Actor, Command, Directory, Inheritance, Role, SaId, Target, fixtures,
};

fn at(day: &str) -> Result<Timestamp, Box<dyn std::error::Error>> {
    Ok(format!("{day}T10:00:00Z").parse()?)
}

fn show_advice(dir: &Directory, sa: SaId, on: Date, title: &str) {
    let advice = advise(dir, Scope::Account(sa), on, &AdvisorConfig::default());
    println!("\n{title} ({on}): {} finding(s)", advice.len());
    for a in advice {
        println!("  - {a}");
    }
}

fn show_access(dir: &Directory, sa: SaId, on: Date) {
    println!("partner access on {on}:");
    let access = dir.partner_access(sa, on);
    if access.is_empty() {
        println!("  (none)");
    }
    for a in access {
        let org = dir.organization(a.org).map_or("?", |o| o.name.as_str());
        let user = dir
            .user(a.user)
            .and_then(|u| u.cco_id.clone())
            .unwrap_or_default();
        let place = match a.target {
            Target::Account(sa) => dir.account(sa).map(|x| x.name().to_owned()),
            Target::Va(va) => dir.va(va).map(|x| x.name().to_owned()),
        }
        .unwrap_or_default();
        let until = a.expires.map_or(String::new(), |d| format!(" until {d}"));
        let state = if a.in_force { "" } else { " (expired)" };
        println!("  {org}: `{user}` {} on `{place}`{until}{state}", a.role);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let world = fixtures::world()?;
    let mut dir = world.dir;
    let (globex, nimbus) = (world.globex, world.partner);
    let partner = Actor::User(nimbus.admin);
    let customer = Actor::User(globex.hank);

    // 1. The partner requested Globex's account (Pending, in the fixture) and asks for admin
    //    access, with an end date.
    let request = dir.request_partner_access(
        &partner,
        at("2026-01-06")?,
        globex.sa,
        Target::Account(globex.sa),
        Role::SaAdmin,
        Inheritance::AccountAndChildren,
        Some("2026-07-01".parse()?),
    )?;
    println!("request {request}: Nimbus asks for SA Admin on Globex until 2026-07-01");
    let early = dir.is_allowed_on(
        nimbus.admin,
        Action::ViewAccount,
        Target::Account(globex.sa),
        "2026-01-06".parse()?,
    );
    println!("before approval, may Nimbus view the account? {early}");

    // 2. Globex's authorised contact activates the account and approves.
    dir.execute(
        &customer,
        at("2026-01-08")?,
        Command::ActivateAccount { sa: globex.sa },
    )?;
    dir.execute(
        &customer,
        at("2026-01-08")?,
        Command::ApprovePartnerAccess {
            sa: globex.sa,
            request,
            expires: None,
        },
    )?;

    // 3. The partner sets the account up.
    let work = at("2026-01-09")?;
    let deployments = dir.create_va(&partner, work, globex.sa, None, "Nimbus-Deployments")?;
    let migration = dir.create_va(&partner, work, globex.sa, None, "Internal Migration")?;
    println!(
        "partner actions recorded with the partner's organization: {}",
        dir.partner_activity(globex.hank, globex.sa)?.len()
    );
    let day = "2026-01-10".parse()?;
    show_access(&dir, globex.sa, day);
    show_advice(&dir, globex.sa, day, "advisor before");

    // 4. The customer follows the advice: the partner gets VA Admin on its own Virtual
    //    Account instead of SA Admin, the confidential name goes, and the review is recorded.
    let fix = at("2026-01-12")?;
    dir.execute(
        &customer,
        fix,
        Command::AssignRole {
            user: nimbus.admin,
            target: Target::Va(deployments),
            role: Role::VaAdmin,
            inheritance: Inheritance::AccountAndChildren,
        },
    )?;
    dir.execute(
        &customer,
        fix,
        Command::SetRoleExpiry {
            user: nimbus.admin,
            target: Target::Va(deployments),
            expires: Some("2026-07-01".parse()?),
        },
    )?;
    dir.execute(
        &customer,
        fix,
        Command::RevokeRole {
            user: nimbus.admin,
            target: Target::Account(globex.sa),
        },
    )?;
    dir.execute(
        &customer,
        fix,
        Command::RenameVa {
            va: migration,
            name: "Migration".into(),
        },
    )?;
    dir.execute(
        &customer,
        fix,
        Command::ReviewPartnerAccess {
            sa: globex.sa,
            org: Some(nimbus.org),
        },
    )?;
    let day = "2026-01-12".parse()?;
    show_access(&dir, globex.sa, day);
    show_advice(&dir, globex.sa, day, "advisor after");

    // 5. Expiry: from 2026-07-01 on, the partner can do nothing, and its commands are refused.
    let target = Target::Va(deployments);
    for d in ["2026-06-30", "2026-07-01"] {
        let allowed = dir.is_allowed_on(nimbus.admin, Action::ManageChildVas, target, d.parse()?);
        println!("on {d}, may Nimbus manage `Nimbus-Deployments`? {allowed}");
    }
    let refused = dir.create_va(
        &partner,
        at("2026-07-01")?,
        globex.sa,
        Some(deployments),
        "Late",
    );
    if let Err(e) = refused {
        println!("refused: {e}");
    }
    show_advice(
        &dir,
        globex.sa,
        "2026-07-02".parse()?,
        "advisor after expiry",
    );

    // 6. The customer revokes the partner at any time.
    dir.execute(
        &customer,
        at("2026-07-02")?,
        Command::RevokePartnerAccess {
            sa: globex.sa,
            org: nimbus.org,
        },
    )?;
    show_access(&dir, globex.sa, "2026-07-02".parse()?);
    show_advice(
        &dir,
        globex.sa,
        "2026-07-02".parse()?,
        "advisor after revocation",
    );
    Ok(())
}
