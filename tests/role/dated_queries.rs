//! ROLE010 (amended) and ROLE009: over random models with time varying (roles assigned, changed,
//! moved, revoked, and given expiry dates), the dated reverse queries (`targets_of_on`,
//! `actions_of_on`, `holders_on`) and `check_on` agree with `is_allowed_on` on every user,
//! action, target and day asked about; and the binding a denial names as its near miss is the
//! one a walk over the account's public bindings finds (the reference below).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicU64, Ordering};

use jiff::civil::Date;
use proptest::prelude::*;
use smart_accounts::{
    Action, Actor, Binding, Command, Directory, Inheritance, NearMiss, Reason, SaId, Shortfall,
    SmartAccount, Target, UserId, VaId, fixtures,
};

use super::check_index::{Op, command_of, op};
use crate::common::{cases, date, day};

/// Queries compared over every case of the property (reported by the test with `--nocapture`).
static COMPARED: AtomicU64 = AtomicU64::new(0);

/// A step: one of the index tests' steps, or an expiry set or cleared.
#[derive(Debug, Clone)]
enum Step {
    Index(Op),
    Expire {
        user: usize,
        va: usize,
        on_account: bool,
        days: Option<i64>,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => op().prop_map(Step::Index),
        2 => (0..64usize, 0..64usize, prop::bool::weighted(0.2), prop::option::weighted(0.85, 1..40i64))
            .prop_map(|(user, va, on_account, days)| Step::Expire { user, va, on_account, days }),
    ]
}

/// The order of near misses: class (0 expired or dated, 1 account only above, 2 elsewhere),
/// distance, the Virtual Account bound to.
type NearKey = (u8, usize, Option<VaId>);

/// The Virtual Accounts from `va` up to the top.
fn chain(account: &SmartAccount, va: VaId) -> Vec<VaId> {
    let mut out = Vec::new();
    let mut next = Some(va);
    while let Some(v) = next {
        out.push(v);
        next = account.va(v).and_then(|v| v.parent());
    }
    out
}

/// The reference for the near miss (the order documented on `NearMiss`), from the account's
/// public bindings and parent links.
fn reference_near(
    dir: &Directory,
    user: UserId,
    action: Action,
    target: Target,
    date: Option<Date>,
) -> Option<NearMiss> {
    let sa = match target {
        Target::Account(sa) => sa,
        Target::Va(va) => dir.account_of(va)?,
    };
    let account = dir.account(sa)?;
    let up = match target {
        Target::Va(va) => chain(account, va),
        Target::Account(_) => Vec::new(),
    };
    let counted = |b: &Binding| b.expires.is_none_or(|e| date.is_some_and(|d| d < e));
    let children = |b: &Binding| b.inheritance == Inheritance::AccountAndChildren;
    // How far up the target the binding is bound, if it reaches it (ROLE004).
    let reach = |b: &Binding| match b.va {
        None => Some(255),
        Some(bound) => match up.iter().position(|v| *v == bound)? {
            0 => Some(0),
            d if children(b) => Some(d),
            _ => None,
        },
    };
    let allows = |b: &Binding| {
        b.role.actions().contains(action) && (b.va.is_none() || !action.is_account_level())
    };
    // (class, distance, bound to): the smallest is the nearest.
    let mut found: Vec<(NearKey, NearMiss)> = Vec::new();
    for b in account.roles().filter(|b| b.user == user) {
        let miss = |why| NearMiss {
            role: b.role,
            bound_to: b.va,
            inheritance: if b.va.is_none() {
                Inheritance::AccountAndChildren
            } else {
                b.inheritance
            },
            why,
        };
        if !counted(b) {
            let would = match target {
                Target::Va(_) => allows(b) && reach(b).is_some(),
                Target::Account(_) => b.va.is_none() && b.role.actions().contains(action),
            };
            if would {
                let end = b.expires.unwrap();
                let why = match date {
                    Some(_) => Shortfall::Expired { on: end },
                    None => Shortfall::Dated { expires: end },
                };
                let distance = if up.is_empty() { 0 } else { reach(b).unwrap() };
                found.push(((0, distance, b.va), miss(why)));
            }
            continue;
        }
        let Some(bound) = b.va else { continue };
        let there = chain(account, bound);
        if up.is_empty() {
            found.push(((2, there.len(), b.va), miss(Shortfall::Elsewhere)));
        } else if reach(b).is_some() {
            continue;
        } else if let Some(d) = up.iter().position(|v| *v == bound) {
            found.push(((1, d, b.va), miss(Shortfall::AccountOnly)));
        } else {
            // Up to the closest common ancestor and down again (through the account when none).
            let steps = there
                .iter()
                .enumerate()
                .find_map(|(i, v)| up.iter().position(|u| u == v).map(|j| i + j))
                .unwrap_or(there.len() + up.len());
            found.push(((2, steps, b.va), miss(Shortfall::Elsewhere)));
        }
    }
    found.into_iter().min_by_key(|(k, _)| *k).map(|(_, m)| m)
}

/// Every query on `date` agrees with `is_allowed_on`; returns how many were compared.
fn assert_dated_agree(dir: &Directory, sa: SaId, date: Date) -> u64 {
    let mut compared = 0;
    let users: Vec<UserId> = dir.users().map(|u| u.id).collect();
    let mut targets: Vec<Target> = Vec::new();
    for account in dir.accounts() {
        targets.push(Target::Account(account.id()));
        targets.extend(account.vas().map(|v| Target::Va(v.id())));
    }
    targets.sort_unstable();
    let vas: Vec<VaId> = dir.account(sa).unwrap().vas().map(|v| v.id()).collect();
    for &user in &users {
        for action in Action::ALL {
            let expected: Vec<Target> = targets
                .iter()
                .copied()
                // Account-level actions are listed on the account only (see `targets_of`).
                .filter(|t| !action.is_account_level() || matches!(t, Target::Account(_)))
                .filter(|&t| dir.is_allowed_on(user, action, t, date))
                .collect();
            assert_eq!(
                dir.targets_of_on(user, action, date),
                expected,
                "targets_of_on({user}, {action:?}, {date})"
            );
            compared += 1;
        }
        for &target in &targets {
            let actions = dir.actions_of_on(user, target, date);
            for action in Action::ALL {
                let allowed = dir.is_allowed_on(user, action, target, date);
                assert_eq!(
                    actions.contains(action),
                    allowed,
                    "actions_of_on({user}, {target}, {date})"
                );
                let decision = dir.check_on(user, action, target, date);
                assert_eq!(decision.is_allowed(), allowed, "check_on: {decision}");
                compared += 2;
                if let Reason::NotGranted { near, .. } = decision.reason {
                    assert_eq!(
                        near,
                        reference_near(dir, user, action, target, Some(date)),
                        "{decision}"
                    );
                    compared += 1;
                }
            }
        }
    }
    for &va in &vas {
        let holders: Vec<UserId> = dir.holders_on(va, date).iter().map(|h| h.user).collect();
        let mut listed = holders.clone();
        listed.dedup();
        let expected: Vec<UserId> = users
            .iter()
            .copied()
            .filter(|&u| dir.is_allowed_on(u, Action::ViewAccount, Target::Va(va), date))
            .collect();
        assert_eq!(listed, expected, "holders_on({va}, {date})");
        assert!(
            dir.holders_on(va, date)
                .iter()
                .all(|h| h.expires.is_none_or(|e| date < e))
        );
        compared += 1;
    }
    compared
}

/// The undated check names the same near miss as the reference (bindings with an expiry are
/// `Dated`).
fn assert_undated_near(dir: &Directory, sa: SaId) -> u64 {
    let mut compared = 0;
    let account = dir.account(sa).unwrap();
    let mut targets = vec![Target::Account(sa)];
    targets.extend(account.vas().map(|v| Target::Va(v.id())));
    for user in dir.users() {
        for &target in &targets {
            for action in Action::ALL {
                let decision = dir.check(user.id, action, target);
                if let Reason::NotGranted { near, .. } = decision.reason {
                    assert_eq!(
                        near,
                        reference_near(dir, user.id, action, target, None),
                        "{decision}"
                    );
                    compared += 1;
                }
            }
        }
    }
    compared
}

proptest! {
    // 48 cases by default (7 s in a debug build); PROPTEST_CASES sets more.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var_os("PROPTEST_CASES").map_or(48, |_| cases())
    ))]

    /// ROLE010: 0 disagreements between the dated reverse queries and `is_allowed_on`;
    /// ROLE009: the near miss of every denial is the reference's.
    #[test]
    fn role010_dated_reverse_queries_agree_with_is_allowed_on(
        steps in prop::collection::vec(step(), 1..14),
        asked in prop::collection::vec(0..45i64, 1..3),
    ) {
        let world = fixtures::world().unwrap();
        let (mut dir, acme) = (world.dir, world.acme);
        let actor = Actor::User(acme.alice);
        let mut created = 0;
        let mut days: Vec<i64> = asked;
        for step in steps {
            let command = match step {
                Step::Index(op) => command_of(&dir, acme.sa, op, &mut created),
                Step::Expire { user, va, on_account, days: n } => {
                    let users: Vec<UserId> = dir.users().map(|u| u.id).collect();
                    let vas: Vec<VaId> = dir.account(acme.sa).unwrap().vas().map(|v| v.id()).collect();
                    if let Some(n) = n {
                        // The day before, the day of and the day after the expiry are asked about.
                        days.extend([n - 1, n, n + 1]);
                    }
                    Command::SetRoleExpiry {
                        user: users[user % users.len()],
                        target: if on_account { Target::Account(acme.sa) } else { Target::Va(vas[va % vas.len()]) },
                        expires: n.map(date),
                    }
                }
            };
            // Refusals are part of the test.
            let _ = dir.execute(&actor, day(0), command);
        }
        days.sort_unstable();
        days.dedup();
        let mut compared = assert_undated_near(&dir, acme.sa);
        for n in days {
            compared += assert_dated_agree(&dir, acme.sa, date(n));
        }
        COMPARED.fetch_add(compared, Ordering::Relaxed);
        if std::env::var_os("ROLE010_COUNT").is_some() {
            eprintln!("role010: {} queries compared so far", COMPARED.load(Ordering::Relaxed));
        }
    }
}
