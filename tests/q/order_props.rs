//! Q011 properties: random command sequences of every family (`strategies::timed_commands`,
//! order records included) with the clock advancing, on random directories. After every step
//! the order records must agree with a plain reading of the accounts — a line waits on hold
//! only for an account that is not Active, a fulfilled line's deposit is in its account, a
//! booked line never goes back — and the directory replays from its events and round-trips
//! through its snapshot.
//!
//! Cases: `PROPTEST_CASES` (default 256).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use smart_accounts::license::{OrderId, OrderLine};
use smart_accounts::records::{Hold, LineState};
use smart_accounts::strategies::{self, AT, Step};
use smart_accounts::{AccountStatus, Directory};

use crate::common::{all_events, cases};

/// The state of every recorded order line.
fn lines_of(dir: &Directory) -> BTreeMap<(OrderId, u32), LineState> {
    dir.orders()
        .flat_map(|r| {
            (1u32..)
                .zip(&r.lines)
                .map(move |(n, s)| ((r.id.clone(), n), s.clone()))
        })
        .collect()
}

/// What the records must say, read from the accounts the slow way.
fn check_records(dir: &Directory) -> Result<(), TestCaseError> {
    for ((order, line), state) in lines_of(dir) {
        match state {
            LineState::OnHold {
                hold: Hold::PendingAccount { sa },
            } => {
                // A line waits only for an account that is not Active yet: an activation
                // releases it in the same commit.
                let status = dir.account(sa).map(smart_accounts::SmartAccount::status);
                prop_assert_ne!(
                    status,
                    Some(AccountStatus::Active),
                    "{} line {}",
                    order,
                    line
                );
            }
            LineState::Fulfilled { sa } => {
                let at = OrderLine {
                    order: order.clone(),
                    line,
                };
                let deposited = dir
                    .account(sa)
                    .is_some_and(|a| a.procurement().iter().any(|p| p.deposit.order == at));
                prop_assert!(deposited, "{at} is fulfilled without a deposit in {sa}");
            }
            LineState::Ready { sa, va }
            | LineState::Booked {
                sa: Some(sa),
                va: Some(va),
            } => {
                prop_assert_eq!(dir.account_of(va), Some(sa), "{} line {}", order, line);
            }
            _ => {}
        }
    }
    Ok(())
}

/// A line's step is never back: booked stays booked or becomes fulfilled; fulfilled stays.
fn check_progress(
    before: &BTreeMap<(OrderId, u32), LineState>,
    after: &BTreeMap<(OrderId, u32), LineState>,
) -> Result<(), TestCaseError> {
    for (key, old) in before {
        let new = after.get(key);
        prop_assert!(new.is_some(), "a recorded line disappeared");
        let new = new.unwrap();
        match old {
            LineState::Booked { .. } => prop_assert!(
                new == old || matches!(new, LineState::Fulfilled { .. }),
                "booked went to {new:?}"
            ),
            LineState::Fulfilled { .. } => prop_assert_eq!(new, old),
            _ => {}
        }
    }
    Ok(())
}

fn run(dir: Directory, steps: Vec<Step>) -> Result<usize, TestCaseError> {
    let (mut dir, mut at) = (dir, AT);
    let mut applied = 0;
    for step in steps {
        at = at
            .checked_add(jiff::SignedDuration::from_hours(
                24 * i64::from(step.after_days),
            ))
            .unwrap();
        let before = dir.clone();
        let lines = lines_of(&dir);
        match dir.execute(&step.actor, at, step.command) {
            Err(_) => prop_assert_eq!(&dir, &before, "a refused command changed nothing"),
            Ok(_) => {
                applied += 1;
                check_records(&dir)?;
                check_progress(&lines, &lines_of(&dir))?;
                let replayed = Directory::from_events(dir.config().clone(), all_events(&dir));
                prop_assert_eq!(replayed.as_ref(), Ok(&dir), "replay");
                let reloaded = Directory::from_snapshot(dir.to_snapshot());
                prop_assert_eq!(reloaded.as_ref().ok(), Some(&dir), "snapshot round trip");
            }
        }
    }
    Ok(applied)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn q011_order_records_follow_the_accounts_and_replay_on_random_timed_commands(
        (dir, steps) in strategies::directory().prop_flat_map(|dir| {
            let steps = strategies::timed_commands(&dir, 10..40);
            (Just(dir), steps)
        })
    ) {
        run(dir, steps)?;
    }
}
