//! The command families that [`super::commands`] leaves out, for [`super::timed_commands`]:
//! partner access with expiries (PTR001–PTR005) and license and device commands (LIC001–LIC011,
//! DEV001–DEV002), drawn from the same pools of identifiers.

use jiff::civil::Date;
use proptest::prelude::*;
use proptest::sample::select;

use super::{Pools, id, inheritance, target, target_and_role};
use crate::Command;
use crate::base::ids::OrgId;
use crate::licenses::license::{
    DeviceId, IdempotencyKey, License, LicenseCommand, LicenseKind, OrderId, OrderLine, Sku, Term,
    TransferId, TransferLine,
};

/// A day around the strategies' time ([`super::AT`], 2026-01-05): a year before to two after.
fn day() -> impl Strategy<Value = Date> {
    (-365i64..730).prop_map(|days| {
        let base = jiff::civil::date(2026, 1, 5);
        base.checked_add(jiff::Span::new().days(days))
            .unwrap_or(base)
    })
}

/// An expiry: none half the time, else a day around the strategies' time.
fn expiry() -> impl Strategy<Value = Option<Date>> {
    prop::option::of(day())
}

/// An organization: the directory's, or one that does not exist.
fn org(p: &Pools) -> BoxedStrategy<OrgId> {
    id(&p.orgs)
}

/// Partner access (PTR): requests with an expiry, approvals, rejections, revocations, reviews,
/// and expiries set on roles.
pub(super) fn partner_command(p: &Pools) -> BoxedStrategy<Command> {
    let sa = id(&p.sas);
    let request = 0u64..4;
    prop_oneof![
        2 => (sa.clone(), target_and_role(p), inheritance(), expiry()).prop_map(
            |(sa, (target, role), inheritance, expires)| Command::RequestPartnerAccess {
                sa,
                target,
                role,
                inheritance,
                expires,
            }
        ),
        2 => (sa.clone(), request.clone(), expiry()).prop_map(|(sa, request, expires)| {
            Command::ApprovePartnerAccess { sa, request, expires }
        }),
        1 => (sa.clone(), request)
            .prop_map(|(sa, request)| Command::RejectPartnerAccess { sa, request }),
        1 => (sa.clone(), org(p)).prop_map(|(sa, org)| Command::RevokePartnerAccess { sa, org }),
        1 => (sa, prop::option::of(org(p)))
            .prop_map(|(sa, org)| Command::ReviewPartnerAccess { sa, org }),
        2 => (id(&p.users), target(p), expiry()).prop_map(|(user, target, expires)| {
            Command::SetRoleExpiry { user, target, expires }
        }),
    ]
    .boxed()
}

/// A license type from a small pool, so that commands meet the same types: two perpetual ones,
/// a subscription, and one that no command deposits.
fn license() -> impl Strategy<Value = License> {
    let sku = |s: &str| Sku::parse(s).ok();
    let three_years = Term::Subscription {
        start: jiff::civil::date(2026, 1, 5),
        end: jiff::civil::date(2029, 1, 4),
    };
    let pool: Vec<License> = [
        sku("ISE-PLS-LIC").map(License::perpetual),
        sku("C9300-DNA-E-3Y").map(|sku| License {
            sku,
            term: three_years,
        }),
        sku("L-FPR-TD").map(License::perpetual),
        sku("NEVER-DEPOSITED").map(License::perpetual),
    ]
    .into_iter()
    .flatten()
    .collect();
    select(pool)
}

/// A text identifier from a small pool (so retries and conflicts happen), or a fresh one.
fn text_id<T: Clone + std::fmt::Debug + 'static>(
    prefix: &'static str,
    parse: fn(&str) -> Option<T>,
) -> impl Strategy<Value = T> {
    (0u32..6).prop_filter_map("a valid identifier", move |n| {
        parse(&format!("{prefix}-{n}"))
    })
}

fn quantity() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 1u64..50, 1 => Just(0u64), 1 => Just(u64::MAX)]
}

fn lines() -> impl Strategy<Value = Vec<TransferLine>> {
    prop::collection::vec(
        (license(), quantity()).prop_map(|(license, quantity)| TransferLine { license, quantity }),
        0..3,
    )
}

fn device() -> impl Strategy<Value = DeviceId> {
    text_id("DEV", |s| DeviceId::parse(s).ok())
}

/// License and device commands (LIC, DEV): deposits (mostly by the ordering system's actor,
/// which [`super::timed_commands`] picks for them), moves between Virtual Accounts and out of
/// holding, reservations, devices and their consumption and reports.
pub(super) fn license_command(p: &Pools) -> BoxedStrategy<Command> {
    let (sa, va) = (id(&p.sas), id(&p.vas));
    let order = (text_id("ORD", |s| OrderId::parse(s).ok()), 1u32..3)
        .prop_map(|(order, line)| OrderLine { order, line });
    let to_account = (
        text_id("T", |s| TransferId::parse(s).ok()),
        va.clone(),
        sa.clone(),
        prop::option::of(va.clone()),
        lines(),
    )
        .boxed();
    let kind = prop_oneof![5 => Just(LicenseKind::Smart), 1 => Just(LicenseKind::Classic)];
    let command = prop_oneof![
        4 => (sa.clone(), prop::option::of(va.clone()), order, license(), kind, quantity(), org(p), any::<bool>())
            .prop_map(|(sa, va, order, license, kind, quantity, procured_by, sa_mandatory)| {
                LicenseCommand::Deposit { sa, va, order, license, kind, quantity, procured_by, sa_mandatory }
            }),
        4 => (va.clone(), va.clone(), lines(), text_id("KEY", |s| IdempotencyKey::parse(s).ok()))
            .prop_map(|(from, to, lines, key)| LicenseCommand::Transfer { from, to, lines, key }),
        2 => to_account.clone().prop_map(|(transfer, from, to_sa, to_va, lines)| {
            LicenseCommand::AssignFromHolding { transfer, from, to_sa, to_va, lines }
        }),
        1 => to_account.prop_map(|(transfer, from, to_sa, to_va, lines)| {
            LicenseCommand::VendorReassign { transfer, from, to_sa, to_va, lines }
        }),
        2 => (va.clone(), license(), quantity())
            .prop_map(|(va, license, quantity)| LicenseCommand::Reserve { va, license, quantity }),
        1 => (va.clone(), license(), quantity()).prop_map(|(va, license, quantity)| {
            LicenseCommand::ReleaseReservation { va, license, quantity }
        }),
        2 => (device(), va.clone(), day()).prop_map(|(device, va, installed)| {
            LicenseCommand::RegisterDevice { device, va, installed }
        }),
        1 => (device(), va).prop_map(|(device, va)| LicenseCommand::MoveDevice { device, va }),
        2 => (device(), license(), quantity())
            .prop_map(|(device, license, quantity)| LicenseCommand::Consume { device, license, quantity }),
        1 => (device(), license(), quantity())
            .prop_map(|(device, license, quantity)| LicenseCommand::Release { device, license, quantity }),
        1 => (device(), day()).prop_map(|(device, on)| LicenseCommand::RecordReport { device, on }),
        1 => device().prop_map(|device| LicenseCommand::RemoveDevice { device }),
    ];
    command.prop_map(Command::License).boxed()
}
