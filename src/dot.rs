//! Pictures: a Smart Account's tree as Graphviz DOT text.
//!
//! [`to_dot`] draws the account and its Virtual Accounts (the default one with a bold border,
//! Restricted ones dashed), each with the roles bound to it and its license stock (purchased,
//! available, shortfall per license type); partner users' roles are marked `partner` and their
//! Virtual Accounts filled, and roles that expire say until when. A holding account lists the
//! licenses waiting in it, with their age. The text
//! is deterministic, so a picture can be checked into a repository and diffed. Render it with
//! `dot -Tsvg`.
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "fixtures")] {
//! use smart_accounts::{dot, fixtures};
//!
//! let world = fixtures::world()?;
//! let text = dot::to_dot(&world.dir, world.acme.sa, "2026-02-01".parse()?).unwrap();
//! assert!(text.starts_with("digraph"));
//! assert!(text.contains("partner nina (Nimbus Networks): VA User"));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;

use jiff::civil::Date;

use crate::accounts::account::{Binding, SmartAccount};
use crate::accounts::kinds::Visibility;
use crate::accounts::tree::VirtualAccount;
use crate::base::ids::{SaId, VaId};
use crate::directory::Directory;
use crate::roles::matrix::Inheritance;

const PARTNER_FILL: &str = "#fde8c8";
const PLAIN_FILL: &str = "#ffffff";
const ACCOUNT_FILL: &str = "#dbe9f6";

/// Text as the inside of a DOT double-quoted string: backslashes and quotes escaped, line
/// breaks as `\n`.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The account `sa` as a Graphviz `digraph`, with partner access as of `on`: roles that expire
/// say `[until …]`, expired ones `[expired …]`, and only partner roles in force fill their
/// Virtual Account. `None` for an unknown account.
#[must_use]
pub fn to_dot(dir: &Directory, sa: SaId, on: Date) -> Option<String> {
    let account = dir.account(sa)?;
    let mut out = String::new();
    header(&mut out, account);
    account_node(&mut out, dir, account, on);
    for va in account.vas() {
        va_node(&mut out, dir, account, va, on);
    }
    for va in account.vas() {
        let from = va.parent().map_or_else(|| "sa".to_owned(), node);
        let _ = writeln!(out, "  {from} -> {};", node(va.id()));
    }
    out.push_str("}\n");
    Some(out)
}

/// The `digraph` line and the graph, node and edge defaults, with the account as the title.
fn header(out: &mut String, account: &SmartAccount) {
    let title = format!(
        "{} ({}): {}, {:?}",
        account.name(),
        account.identifier(),
        account.kind(),
        account.status()
    );
    let _ = writeln!(
        out,
        "digraph {} {{",
        quoted(&account.identifier().to_string())
    );
    let _ = writeln!(
        out,
        "  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label={}];",
        quoted(&title)
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];"
    );
    let _ = writeln!(out, "  edge [color=\"#7f7f7f\", arrowhead=none];");
}

/// The account's own node: its account-level roles and the licenses waiting in holding.
fn account_node(out: &mut String, dir: &Directory, account: &SmartAccount, on: Date) {
    let (lines, partner) = role_lines(dir, account, None, on);
    let mut label = String::from(account.name());
    for line in lines {
        label.push('\n');
        label.push_str(&line);
    }
    for lot in account.holding_lots() {
        let _ = write!(
            label,
            "\nwaiting: {} x {} since {} ({} days)",
            lot.quantity,
            lot.license,
            lot.since,
            crate::base::dates::days_between(lot.since, on).max(0)
        );
    }
    let _ = writeln!(
        out,
        "  sa [shape=folder, fillcolor=\"{}\", label={}];",
        if partner { PARTNER_FILL } else { ACCOUNT_FILL },
        quoted(&label)
    );
}

/// One Virtual Account's node: its marks (default, restricted), roles and stock.
fn va_node(
    out: &mut String,
    dir: &Directory,
    account: &SmartAccount,
    va: &VirtualAccount,
    on: Date,
) {
    let id = va.id();
    let mut label = String::from(va.name());
    let mut marks = Vec::new();
    if id == account.default_va() {
        marks.push("default");
    }
    if va.visibility() == Visibility::Restricted {
        marks.push("restricted");
    }
    if !marks.is_empty() {
        let _ = write!(label, "\n({})", marks.join(", "));
    }
    let (lines, partner) = role_lines(dir, account, Some(id), on);
    for line in lines {
        label.push('\n');
        label.push_str(&line);
    }
    for row in account.compliance_of(id) {
        let _ = write!(
            label,
            "\nstock: {} x {}: {} available",
            row.purchased, row.license, row.available
        );
        if row.shortfall > 0 {
            let _ = write!(label, ", {} short", row.shortfall);
        }
    }
    let mut style = String::from("rounded,filled");
    if va.visibility() == Visibility::Restricted {
        style.push_str(",dashed");
    }
    let penwidth = if id == account.default_va() { 2 } else { 1 };
    let _ = writeln!(
        out,
        "  {} [style={}, penwidth={penwidth}, fillcolor=\"{}\", label={}];",
        node(id),
        quoted(&style),
        if partner { PARTNER_FILL } else { PLAIN_FILL },
        quoted(&label)
    );
}

fn node(va: VaId) -> String {
    format!("va{}", va.get())
}

/// One line per role bound to the account (`va == None`) or to one Virtual Account, and
/// whether a partner user holds one that is in force.
fn role_lines(
    dir: &Directory,
    account: &SmartAccount,
    va: Option<VaId>,
    on: Date,
) -> (Vec<String>, bool) {
    let mut partner_here = false;
    let lines = account
        .roles()
        .filter(|b| b.va == va)
        .map(|b: &Binding| {
            let user = dir.user(b.user);
            let name = user.map_or_else(
                || b.user.to_string(),
                |u| {
                    u.cco_id
                        .as_deref()
                        .map_or_else(|| u.email.to_string(), str::to_owned)
                },
            );
            let partner = dir.is_partner_user_on(b.user, account);
            let in_force = b.in_force_on(on);
            partner_here |= partner && in_force;
            let mut line = if partner {
                let org = user
                    .and_then(|u| dir.organization(u.org))
                    .map_or_else(String::new, |o| o.name.clone());
                format!("partner {name} ({org}): {}", b.role)
            } else {
                format!("{name}: {}", b.role)
            };
            if b.va.is_some() && b.inheritance == Inheritance::AccountOnly {
                line.push_str(", this VA only");
            }
            match b.expires {
                Some(end) if !in_force => {
                    let _ = write!(line, " [expired {end}]");
                }
                Some(end) => {
                    let _ = write!(line, " [until {end}]");
                }
                None => {}
            }
            line
        })
        .collect();
    (lines, partner_here)
}
