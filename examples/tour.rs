//! A tour of the acme fixture: the Virtual Account tree, and a few explained permission checks.
//!
//! Run with `cargo run --example tour --features fixtures`.

use smart_accounts::{Action, Directory, SaId, Target, VaId, fixtures};

fn print_tree(dir: &Directory, sa: SaId, parent: Option<VaId>, indent: usize) {
    let Some(account) = dir.account(sa) else {
        return;
    };
    for id in account.children(parent) {
        let Some(va) = account.va(id) else { continue };
        let mut marks = Vec::new();
        if id == account.default_va() {
            marks.push("default".to_owned());
        }
        if va.visibility() == smart_accounts::Visibility::Restricted {
            marks.push("restricted".to_owned());
        }
        let holders: Vec<String> = dir
            .holders(id)
            .into_iter()
            .filter(|h| !h.via.inherited)
            .map(|h| {
                let name = dir
                    .user(h.user)
                    .and_then(|u| u.cco_id.clone())
                    .unwrap_or_default();
                format!("{name}: {}", h.via.role)
            })
            .collect();
        if !holders.is_empty() {
            marks.push(holders.join(", "));
        }
        let marks = if marks.is_empty() {
            String::new()
        } else {
            format!("  [{}]", marks.join("; "))
        };
        println!(
            "{:indent$}L{} {}{marks}",
            "",
            va.level(),
            va.name(),
            indent = indent
        );
        print_tree(dir, sa, Some(id), indent + 2);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let world = fixtures::world()?;
    let (dir, acme) = (&world.dir, &world.acme);
    let account = dir
        .account(acme.sa)
        .ok_or("the fixture has no acme account")?;
    println!(
        "Smart Account {} ({}, {:?}), {} virtual accounts",
        account.identifier(),
        account.kind(),
        account.status(),
        account.va_count()
    );
    print_tree(dir, acme.sa, None, 2);

    println!();
    let checks = [
        (
            acme.erin,
            Action::ManageChildVas,
            Target::Va(acme.emea_sales),
        ),
        (acme.erin, Action::ManageChildVas, Target::Va(acme.americas)),
        (
            acme.frank,
            Action::ManageLicenses,
            Target::Va(acme.emea_sales),
        ),
        (acme.carol, Action::ManageLicenses, Target::Va(acme.finance)),
        (acme.dave, Action::AcceptAgreement, Target::Account(acme.sa)),
        (
            world.partner.nina,
            Action::ManageDevices,
            Target::Va(acme.sacramento),
        ),
        (
            world.partner.nina,
            Action::ViewLicenses,
            Target::Va(acme.emea),
        ),
    ];
    for (user, action, target) in checks {
        let name = dir
            .user(user)
            .and_then(|u| u.cco_id.clone())
            .unwrap_or_default();
        let target_name = match target {
            Target::Va(va) => dir.va(va).map(|v| v.name().to_owned()).unwrap_or_default(),
            Target::Account(sa) => dir
                .account(sa)
                .map(|a| a.name().to_owned())
                .unwrap_or_default(),
        };
        println!(
            "{name} / {action} / {target_name}:\n  {}",
            dir.check(user, action, target)
        );
    }
    Ok(())
}
