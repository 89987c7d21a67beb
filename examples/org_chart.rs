//! Prints the acme fixture's Smart Account as Graphviz DOT: its Virtual Accounts, the roles
//! bound to each (partner users marked), Restricted Virtual Accounts dashed.
//!
//! `cargo run --example org_chart | dot -Tsvg > org_chart.svg`

use smart_accounts::{dot, fixtures};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let world = fixtures::world()?;
    let today = "2026-02-01".parse()?;
    let text = dot::to_dot(&world.dir, world.acme.sa, today).ok_or("the acme account exists")?;
    print!("{text}");
    Ok(())
}
